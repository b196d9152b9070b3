// Kafka 3.9's own broker registration (KafkaZkClient.registerBroker, re-run on every new session as
// KafkaServer does), driven by `npm run bench` for a side-by-side comparison. One JSON line per result.
//   java KafkaAnchor <connect> register <rounds> <firstId>
//   java KafkaAnchor <connect> recovery <rounds> <id>   (prints the session; reads "killed" from stdin per round)
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


  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String scenario = args[1];
    int rounds = Integer.parseInt(args[2]);
    int id = Integer.parseInt(args[3]);
    KafkaZkClient zk = KafkaZkClient.apply(connect, false, 10000, 30000, 10, Time.SYSTEM, "anchor", new ZKClientConfig(), "kafka.server", "SessionExpireListener", true, true);
    zk.createTopLevelPaths();
    List<Double> ms = new ArrayList<>();
    if (scenario.equals("register")) {
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
      final long[] expiredAt = {0};
      // As KafkaServer/KafkaController do: register again once a new session is initialised.
      zk.registerStateChangeHandler(new StateChangeHandler() {
        public String name() { return "anchor"; }
        public void beforeInitializingSession() { expiredAt[0] = System.nanoTime(); }
        public void afterInitializingSession() {
          zk.registerBroker(b);
          back.add((System.nanoTime() - expiredAt[0]) / 1e6);
        }
      });
      zk.registerBroker(b);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
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
