// Kafka 3.9's own broker registration (KafkaZkClient.registerBroker, re-run on every new session as
// KafkaServer does), driven by `npm run bench` for a side-by-side comparison. One JSON line per result.
//   java KafkaAnchor <connect> register <rounds> <firstId>
//   java KafkaAnchor <connect> recovery <rounds> <id>   (prints the session; reads "killed" from stdin per round)
//   java KafkaAnchor <connect> storm <n> <firstId>      (n clients, each its own session, all at once; prints all
//                                                        sessions, reads "killed"; ms = [start, each restore])
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import kafka.cluster.Broker;
import kafka.cluster.EndPoint;
import kafka.zk.BrokerInfo;
import kafka.zk.KafkaZkClient;
import kafka.zookeeper.StateChangeHandler;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.zookeeper.client.ZKClientConfig;

public class KafkaAnchor {
  static BrokerInfo info(int id) {
    EndPoint ep = new EndPoint("127.0.0.1", 9092, ListenerName.normalised("PLAINTEXT"), SecurityProtocol.PLAINTEXT);
    Broker broker = Broker.apply(id, ep, scala.Option.apply((String) null));
    return new BrokerInfo(broker, 5, -1);
  }


  static KafkaZkClient client(String connect) {
    return KafkaZkClient.apply(connect, false, 10000, 60000, 10, Time.SYSTEM, "anchor", new ZKClientConfig(), "kafka.server", "SessionExpireListener", true, true);
  }

  // As KafkaServer/KafkaController do: register again once a new session is initialised.
  static void reRegisterOnNewSession(KafkaZkClient zk, BrokerInfo b, BlockingQueue<Double> back) {
    final long[] expiredAt = {0};
    zk.registerStateChangeHandler(new StateChangeHandler() {
      public String name() { return "anchor"; }
      public void beforeInitializingSession() { expiredAt[0] = System.nanoTime(); }
      public void afterInitializingSession() {
        zk.registerBroker(b);
        back.add((System.nanoTime() - expiredAt[0]) / 1e6);
      }
    });
  }

  static List<Double> storm(String connect, int n, int firstId, BufferedReader in) throws Exception {
    KafkaZkClient[] clients = new KafkaZkClient[n];
    BlockingQueue<Double> back = new ArrayBlockingQueue<>(n);
    long t0 = System.nanoTime();
    AnchorIo.allAtOnce(n, k -> {
      KafkaZkClient zk = client(connect);
      BrokerInfo b = info(firstId + k);
      reRegisterOnNewSession(zk, b, back);
      zk.registerBroker(b);
      clients[k] = zk;
    });
    List<Double> ms = new ArrayList<>();
    ms.add((System.nanoTime() - t0) / 1e6);
    List<org.apache.zookeeper.ZooKeeper> zks = new ArrayList<>();
    for (KafkaZkClient c : clients) zks.add(c.currentZooKeeper());
    AnchorIo.sessions(zks);
    if (in.readLine() == null) throw new IllegalStateException("stdin closed");
    ms.addAll(AnchorIo.take(back, n, "re-registered after the storm"));
    AnchorIo.allAtOnce(n, k -> clients[k].close());
    return ms;
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String scenario = args[1];
    int rounds = Integer.parseInt(args[2]);
    int id = Integer.parseInt(args[3]);
    KafkaZkClient zk = client(connect);
    zk.createTopLevelPaths();
    List<Double> ms = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    if (scenario.equals("storm")) {
      ms = storm(connect, rounds, id, in);
    } else if (scenario.equals("register")) {
      for (int i = 0; i < rounds; i++) {
        BrokerInfo b = info(id + i);
        long t0 = System.nanoTime();
        zk.registerBroker(b);
        ms.add((System.nanoTime() - t0) / 1e6);
        zk.deletePath(b.path(), -1, false);
      }
    } else {
      BrokerInfo b = info(id);
      BlockingQueue<Double> back = new ArrayBlockingQueue<>(rounds);
      reRegisterOnNewSession(zk, b, back);
      zk.registerBroker(b);
      for (int i = 0; i < rounds; i++) {
        AnchorIo.session(zk.currentZooKeeper());
        if (in.readLine() == null) break;
        Double d = back.poll(60, TimeUnit.SECONDS);
        if (d == null) throw new IllegalStateException("not registered again within 60 s");
        ms.add(d);
      }
    }
    AnchorIo.result(scenario, ms);
    zk.close();
    System.exit(0);
  }
}
