// Against real Apache Kafka (ZooKeeper mode, the version kafka/pom.xml pins): three broker JVMs on
// the file's ZooKeeper server, each connecting through a TCP proxy the test controls. What Kafka
// itself writes and reads decides whether this library is right: its znodes must decode with our
// rules and ours with its rules, its controller must list our registrations, must not be wedged by
// them, and must not lose /controller to our candidate.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Kafka, logLevel, type logCreator } from 'kafkajs';
import {
  auditRegistrations,
  BrokerRegistrar,
  ControllerMovedError,
  decodeBrokerZNode,
  decodeClusterId,
  decodeControllerEpoch,
  decodeControllerZNode,
  encodeBrokerZNode,
  encodeControllerZNode,
  ListenerMismatchError,
  listenersToEndpoints,
  type Session,
} from '../src/index.js';
import { FakeKafkaBroker } from './kafka-double/fake-broker.js';
import { useKafkaCluster } from './harness/fixture.js';
import { eventually, kafkaSkipReason, metadataFrom, type KafkaCluster } from './harness/kafka-cluster.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';

const skip = kafkaSkipReason();
const proxies = new Map<number, TcpProxy>();
const kafka = useKafkaCluster({
  size: 3,
  prepare: async (zk) => {
    for (const id of [1, 2, 3]) proxies.set(id, await startTcpProxy(zk.port));
    return { zookeeperFor: (id) => (proxies.get(id) as TcpProxy).address };
  },
});
after(async () => {
  for (const p of proxies.values()) await p.close();
});

const sockets: FakeKafkaBroker[] = [];
after(async () => {
  for (const s of sockets) await s.close();
});
/** A TCP endpoint for a spare broker id: what the real controller and kafkajs are pointed at. */
async function endpoint(): Promise<FakeKafkaBroker> {
  const s = new FakeKafkaBroker();
  await s.listen();
  sockets.push(s);
  return s;
}

let observerSession: Session | undefined;
async function observer(): Promise<Session> {
  observerSession ??= await kafka.zk.observer(kafka.cluster.zkConnect);
  return observerSession;
}

/** Which broker ids the Metadata of every running broker lists. */
async function listedEverywhere(c: KafkaCluster, id: number, port?: number): Promise<boolean> {
  for (const addr of c.running()) {
    const m = await metadataFrom([addr]);
    const b = m.brokers.find((x) => x.nodeId === id);
    if (b === undefined || (port !== undefined && b.port !== port)) return false;
  }
  return true;
}

async function listedNowhere(c: KafkaCluster, id: number): Promise<boolean> {
  for (const addr of c.running()) if ((await metadataFrom([addr])).brokers.some((x) => x.nodeId === id)) return false;
  return true;
}

function withoutTimestamp(json: Buffer): Record<string, unknown> {
  const o = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  delete o.timestamp;
  return o;
}

describe(`real Kafka cluster (ZooKeeper mode)`, () => {
  test('fidelity: our decoders read every znode Kafka writes, and our encoding has the same fields and values', { skip }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    for (const b of c.brokers) {
      const { data, stat } = await obs.get(`/brokers/ids/${b.id}`);
      const decoded = decodeBrokerZNode(b.id, data);
      assert.deepEqual(decoded.endpoints, [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: b.port, securityProtocol: 'PLAINTEXT' }]);
      assert.equal(decoded.version, 5);
      assert.notEqual(stat.ephemeralOwner, '0');
      // Same settings through our encoder: the same JSON object, timestamp aside.
      const ours = encodeBrokerZNode({ brokerId: b.id, endpoints: listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port: b.port }]), jmxPort: -1, version: 5, features: {} }, Date.now());
      assert.deepEqual(withoutTimestamp(ours), withoutTimestamp(data), `broker ${b.id}: ours ${ours.toString()} vs Kafka's ${data.toString()}`);
    }
    const controller = await obs.get('/controller');
    const controllerId = decodeControllerZNode(controller.data);
    assert.ok(c.brokers.some((b) => b.id === controllerId), `controller ${controllerId} is one of the brokers`);
    assert.deepEqual(withoutTimestamp(encodeControllerZNode(controllerId, Date.now())), withoutTimestamp(controller.data));
    const epoch = decodeControllerEpoch((await obs.get('/controller_epoch')).data);
    assert.ok(epoch >= 1);
    const clusterId = decodeClusterId((await obs.get('/cluster/id')).data);
    const meta = await metadataFrom(c.bootstrap);
    assert.equal(meta.clusterId, clusterId);

    const audit = await auditRegistrations(c.zkConnect, { bootstrap: c.bootstrap });
    assert.deepEqual(audit.problems, []);
    assert.deepEqual(audit.brokers.map((b) => [b.brokerId, b.registration?.port]), c.brokers.map((b) => [b.id, b.port]));
    assert.equal(audit.controller?.brokerId, controllerId);
    assert.equal(audit.controllerEpoch?.epoch, epoch);
    assert.equal(audit.clusterId, clusterId);
    assert.equal(audit.metadata?.views.length, 3);
  });

  test('Kafka accepts our registration: listed by every broker, confirmed, restored after deletion, gone after stop()', { skip }, async () => {
    const c = kafka.cluster;
    const sock = await endpoint();
    const id = 101;
    const r = new BrokerRegistrar({
      zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 10_000 },
      brokerId: id,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sock.port }],
      confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 30_000 },
    });
    kafka.zk.track(r);
    const confirmed = waitForEvent<[{ brokerEpoch: number }]>(r, 'confirmed', 40_000, 'the real cluster to confirm broker 101');
    const reg = await within(r.start(), 20_000, 'broker 101 to register');
    assert.equal((await confirmed)[0].brokerEpoch, reg.brokerEpoch);
    await eventually(() => listedEverywhere(c, id, sock.port), 30_000, 'every real broker to list broker 101 with our endpoint');

    // The Metadata version kafkajs negotiates with this Kafka (it asks ApiVersions first).
    const versions: number[] = [];
    const capture: logCreator = () => (e) => {
      const m = /^Request Metadata\(key: 3, version: (\d+)\)$/.exec(String(e.log.message));
      if (m !== null) versions.push(Number(m[1]));
    };
    const admin = new Kafka({ brokers: c.bootstrap, logLevel: logLevel.DEBUG, logCreator: capture }).admin();
    await admin.connect();
    const view = await admin.describeCluster();
    await admin.disconnect();
    assert.ok(view.brokers.some((b) => b.nodeId === id));
    assert.ok(versions.length > 0, 'kafkajs logged its Metadata requests');
    assert.equal(Math.max(...versions), 6, `kafkajs 2.2.4's highest Metadata version (v6) is what Kafka 3.9 serves it: saw ${versions.join(',')}`);

    // Deleted behind our back: lost, restored with a new epoch, confirmed again.
    const lost = waitForEvent<[{ reason: string }]>(r, 'lost', 10_000, 'the deletion to be noticed');
    const restored = waitForEvent<[{ brokerEpoch: number }]>(r, 'restored', 10_000, 'broker 101 to be restored');
    const reconfirmed = waitForEvent<[{ brokerEpoch: number }]>(r, 'confirmed', 40_000, 'the restored registration to be confirmed', (e: { brokerEpoch: number }) => e.brokerEpoch !== reg.brokerEpoch);
    const obs = await observer();
    const { stat } = await obs.get(`/brokers/ids/${id}`);
    await obs.delete(`/brokers/ids/${id}`, stat.version);
    assert.equal((await lost)[0].reason, 'deleted');
    const again = (await restored)[0];
    assert.notEqual(again.brokerEpoch, reg.brokerEpoch);
    assert.equal((await reconfirmed)[0].brokerEpoch, again.brokerEpoch);
    await eventually(() => listedEverywhere(c, id, sock.port), 30_000, 'every real broker to list the restored broker 101');

    await r.stop();
    assert.equal(await obs.exists(`/brokers/ids/${id}`), null);
    await eventually(() => listedNowhere(c, id), 30_000, 'broker 101 to leave every broker\'s metadata after stop()');
  });
});
