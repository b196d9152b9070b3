// What both anchor programs say to `npm run bench`: JSON lines on stdout.
import java.util.List;

final class AnchorIo {
  private AnchorIo() {}

  /** When (epoch ms) take() last had all it waited for: a storm's last node back. 0: never. */
  private static long lastTakenAt;

  /** The result line: one scenario's latencies in ms (and, for a storm, when its last node was back). */
  static void result(String scenario, List<Double> ms) {
    StringBuilder b = new StringBuilder("{\"scenario\":\"" + scenario + "\",\"lastBackAt\":" + lastTakenAt + ",\"ms\":[");
    for (int i = 0; i < ms.size(); i++) b.append(i == 0 ? "" : ",").append(ms.get(i));
    System.out.println(b.append("]}"));
    System.out.flush();
  }

  /** The session the bench is to end next (its id and password, hex). */
  static void session(org.apache.zookeeper.ZooKeeper zk) {
    System.out.println("{\"session\":\"" + Long.toHexString(zk.getSessionId()) + "\",\"password\":\"" + password(zk) + "\"}");
    System.out.flush();
  }

  /** All the sessions the bench is to end at once (a storm), on one line. */
  static void sessions(List<org.apache.zookeeper.ZooKeeper> zks) {
    StringBuilder b = new StringBuilder("{\"sessions\":[");
    for (int i = 0; i < zks.size(); i++) {
      org.apache.zookeeper.ZooKeeper zk = zks.get(i);
      b.append(i == 0 ? "" : ",").append("{\"session\":\"").append(Long.toHexString(zk.getSessionId())).append("\",\"password\":\"").append(password(zk)).append("\"}");
    }
    System.out.println(b.append("]}"));
    System.out.flush();
  }

  private static String password(org.apache.zookeeper.ZooKeeper zk) {
    StringBuilder pw = new StringBuilder();
    for (byte x : zk.getSessionPasswd()) pw.append(String.format("%02x", x));
    return pw.toString();
  }

  /** Runs every task at once, one thread each (as n brokers would), and waits for all of them. */
  static void allAtOnce(int n, java.util.function.IntConsumer task) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        final int k = i;
        fs.add(pool.submit(() -> task.accept(k)));
      }
      for (java.util.concurrent.Future<?> f : fs) f.get();
    } finally {
      pool.shutdown();
    }
  }

  /** n values from the queue, or an error naming what did not come back within the bound. */
  static List<Double> take(java.util.concurrent.BlockingQueue<Double> q, int n, String what) throws InterruptedException {
    List<Double> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      Double d = q.poll(120, java.util.concurrent.TimeUnit.SECONDS);
      if (d == null) throw new IllegalStateException(what + ": " + out.size() + " of " + n + " within 120 s");
      out.add(d);
    }
    lastTakenAt = System.currentTimeMillis();
    return out;
  }
}
