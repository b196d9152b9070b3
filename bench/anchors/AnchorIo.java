// What both anchor programs say to `npm run bench`: JSON lines on stdout.
import java.util.List;

final class AnchorIo {
  private AnchorIo() {}

  /** The result line: one scenario's latencies in ms. */
  static void result(String scenario, List<Double> ms) {
    StringBuilder b = new StringBuilder("{\"scenario\":\"" + scenario + "\",\"ms\":[");
    for (int i = 0; i < ms.size(); i++) b.append(i == 0 ? "" : ",").append(ms.get(i));
    System.out.println(b.append("]}"));
    System.out.flush();
  }

  /** The session the bench is to end next (its id and password, hex). */
  static void session(org.apache.zookeeper.ZooKeeper zk) {
    StringBuilder pw = new StringBuilder();
    for (byte x : zk.getSessionPasswd()) pw.append(String.format("%02x", x));
    System.out.println("{\"session\":\"" + Long.toHexString(zk.getSessionId()) + "\",\"password\":\"" + pw + "\"}");
    System.out.flush();
  }
}
