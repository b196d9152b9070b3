// Curator's PersistentNode (EPHEMERAL mode), the recipe a Java user would pick, driven by
// `npm run bench`. Note what it does on NodeExists: it takes the existing node over with setData,
// whoever owns it. One JSON line per result.
//   java CuratorAnchor <connect> register <rounds> <firstId>
//   java CuratorAnchor <connect> recovery <rounds> <id>   (prints the session; reads "killed" from stdin per round)
//   java CuratorAnchor <connect> storm <n> <firstId>      (n clients, each its own session, all at once; prints all
//                                                          sessions, reads "killed"; ms = [start, each restore])
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
import org.apache.zookeeper.KeeperException;

public class CuratorAnchor {
  static byte[] data(int id) {
    return ("{\"version\":5,\"host\":\"127.0.0.1\",\"port\":9092,\"endpoints\":[\"PLAINTEXT://127.0.0.1:9092\"],\"jmx_port\":-1,\"features\":{},\"timestamp\":\"0\",\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8);
  }


  static CuratorFramework client(String connect) {
    CuratorFramework client = CuratorFrameworkFactory.newClient(connect, 10000, 60000, new RetryNTimes(1000, 10));
    client.start();
    return client;
  }

  /** Reports (into `back`) the time from the session's LOST to the node's next creation. */
  static void timeRecoveries(CuratorFramework client, PersistentNode node, BlockingQueue<Double> back) {
    final long[] lostAt = {0};
    client.getConnectionStateListenable().addListener((c, state) -> {
      if (state == ConnectionState.LOST) lostAt[0] = System.nanoTime();
    });
    node.getListenable().addListener(path -> {
      if (lostAt[0] != 0) back.add((System.nanoTime() - lostAt[0]) / 1e6);
      lostAt[0] = 0;
    });
  }

  static List<Double> storm(String connect, int n, int firstId, BufferedReader in) throws Exception {
    CuratorFramework[] clients = new CuratorFramework[n];
    PersistentNode[] nodes = new PersistentNode[n];
    BlockingQueue<Double> back = new ArrayBlockingQueue<>(n * 4);
    long t0 = System.nanoTime();
    AnchorIo.allAtOnce(n, k -> {
      try {
        clients[k] = client(connect);
        nodes[k] = new PersistentNode(clients[k], CreateMode.EPHEMERAL, false, "/brokers/ids/" + (firstId + k), data(firstId + k));
        timeRecoveries(clients[k], nodes[k], back);
        nodes[k].start();
        if (!nodes[k].waitForInitialCreate(120, TimeUnit.SECONDS)) throw new IllegalStateException("not created");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    List<Double> ms = new ArrayList<>();
    ms.add((System.nanoTime() - t0) / 1e6);
    List<org.apache.zookeeper.ZooKeeper> zks = new ArrayList<>();
    for (CuratorFramework c : clients) zks.add(c.getZookeeperClient().getZooKeeper());
    AnchorIo.sessions(zks);
    if (in.readLine() == null) throw new IllegalStateException("stdin closed");
    ms.addAll(AnchorIo.take(back, n, "created again after the storm"));
    AnchorIo.allAtOnce(n, k -> {
      try {
        nodes[k].close();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
      clients[k].close();
    });
    return ms;
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String scenario = args[1];
    int rounds = Integer.parseInt(args[2]);
    int id = Integer.parseInt(args[3]);
    CuratorFramework client = client(connect);
    client.blockUntilConnected();
    // Persistent parents, as Kafka's createTopLevelPaths makes them (containers would be reaped once empty).
    try {
      client.create().creatingParentsIfNeeded().forPath("/brokers/ids");
    } catch (KeeperException.NodeExistsException e) {
      // already there
    }
    List<Double> ms = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    if (scenario.equals("storm")) {
      ms = storm(connect, rounds, id, in);
    } else if (scenario.equals("register")) {
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
      timeRecoveries(client, node, back);
      node.start();
      node.waitForInitialCreate(30, TimeUnit.SECONDS);
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
