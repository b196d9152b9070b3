// Curator's PersistentNode (EPHEMERAL mode), the recipe a Java user would pick, driven by
// `npm run bench`. Note what it does on NodeExists: it takes the existing node over with setData,
// whoever owns it. One JSON line per result.
//   java CuratorAnchor <connect> register <rounds> <firstId>
//   java CuratorAnchor <connect> recovery <rounds> <id>   (prints the session; reads "killed" from stdin per round)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;

public class CuratorAnchor {
  static byte[] data(int id) {
    return ("{\"version\":5,\"host\":\"127.0.0.1\",\"port\":9092,\"endpoints\":[\"PLAINTEXT://127.0.0.1:9092\"],\"jmx_port\":-1,\"features\":{},\"timestamp\":\"0\",\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
  }


  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String scenario = args[1];
    int rounds = Integer.parseInt(args[2]);
    int id = Integer.parseInt(args[3]);
    CuratorFramework client = CuratorFrameworkFactory.newClient(connect, 10000, 30000, new RetryNTimes(1000, 10));
    client.start();
    client.blockUntilConnected();
    client.createContainers("/brokers/ids");
    List<Double> ms = new ArrayList<>();
    if (scenario.equals("register")) {
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, "/brokers/ids/" + (id + i), data(id + i));
        node.start();
        if (!node.waitForInitialCreate(30, TimeUnit.SECONDS)) throw new IllegalStateException("not created");
        ms.add((System.nanoTime() - t0) / 1e6);
        node.close();
      }
    } else {
      PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, "/brokers/ids/" + id, data(id));
      BlockingQueue<Double> back = new ArrayBlockingQueue<>(rounds * 4);
      final long[] lostAt = {0};
      client.getConnectionStateListenable().addListener((c, state) -> {
        if (state == ConnectionState.LOST) lostAt[0] = System.nanoTime();
      });
      node.getListenable().addListener(path -> {
        if (lostAt[0] != 0) back.add((System.nanoTime() - lostAt[0]) / 1e6);
        lostAt[0] = 0;
      });
      node.start();
      node.waitForInitialCreate(30, TimeUnit.SECONDS);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
      for (int i = 0; i < rounds; i++) {
        AnchorIo.session(client.getZookeeperClient().getZooKeeper());
        if (in.readLine() == null) break;
        Double d = back.poll(60, TimeUnit.SECONDS);
        if (d == null) throw new IllegalStateException("not created again within 60 s");
        ms.add(d);
      }
      node.close();
    }
    AnchorIo.result(scenario, ms);
    client.close();
    System.exit(0);
  }
}
