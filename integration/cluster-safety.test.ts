// Never harm the cluster we join, against a real ZooKeeper-mode Kafka broker (the version
// scripts/maven/kafka/pom.xml pins). The broker is configured as operator-managed clusters often are: four
// listeners, a dedicated control-plane listener and a replication listener for inter-broker traffic.
// Each test makes the mistake a user makes (a mistyped broker id, a controller candidate beside real
// brokers, a registration with only the listeners the controller needs) and checks that the real
// broker keeps its id and the cluster keeps a working controller.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import {
  auditRegistrations,
  BrokerIdInUseError,
  BrokerRegistrar,
  ControllerCandidacyRefusedError,
  InvalidConfigError,
  ListenerMismatchError,
  listenersToEndpoints,
  encodeBrokerZNode,
  registerTemporaryBroker,
  type Session,
} from '../src/index.js';
import { useKafkaCluster } from './harness/fixture.js';
import { runCli } from './harness/cli-run.js';
import { useEndpoints } from './harness/endpoints.js';
import { kafkaSkipReason, metadataFrom } from './harness/kafka-cluster.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';
import { eventually, waitForEvent, within } from './harness/wait.js';
import { freePort } from './harness/zookeeper-server.js';

const skip = kafkaSkipReason();
const REAL = 1;
let proxy: TcpProxy | undefined;
const kafka = useKafkaCluster({
  size: 1,
  firstId: REAL,
  prepare: async (zk) => {
    proxy = await startTcpProxy(zk.port);
    const [controlPlane, replication, tls] = [await freePort(), await freePort(), await freePort()];
    return {
      // The broker's ZooKeeper traffic goes through a proxy the test can hold.
      zookeeperFor: () => (proxy as TcpProxy).address,
      // PLAIN carries the harness's port: that is where its Metadata probes (and kafkajs) connect.
      properties: (_id, port) => {
        const listeners = `CONTROLPLANE://127.0.0.1:${controlPlane},REPLICATION://127.0.0.1:${replication},PLAIN://127.0.0.1:${port},TLS://127.0.0.1:${tls}`;
        return {
          listeners,
          'advertised.listeners': listeners,
          // Names only: no certificates needed for what the controller reads.
          'listener.security.protocol.map': 'CONTROLPLANE:PLAINTEXT,REPLICATION:PLAINTEXT,PLAIN:PLAINTEXT,TLS:PLAINTEXT',
          'inter.broker.listener.name': 'REPLICATION',
          'control.plane.listener.name': 'CONTROLPLANE',
        };
      },
    };
  },
});
after(async () => {
  await proxy?.close();
});
const endpoint = useEndpoints();

let observerSession: Session | undefined;
async function observer(): Promise<Session> {
  observerSession ??= await kafka.zk.observer(kafka.cluster.zkConnect);
  return observerSession;
}

/**
 * The cluster works: broker REAL holds /controller, its Metadata names it, and a topic can be created
 * (which only the controller does; NOT_CONTROLLER until it has taken over, so retried within a bound).
 */
async function clusterWorks(what: string): Promise<void> {
  const addr = kafka.cluster.broker(REAL).address;
  const obs = await observer();
  await eventually(
    async () => (await obs.get('/controller').catch(() => undefined))?.data.toString().includes(`"brokerid":${REAL}`) === true,
    30_000,
    `${what}: broker ${REAL} to hold /controller`,
  );
  await eventually(
    async () => (await metadataFrom(addr)).controller === REAL,
    30_000,
    `${what}: Metadata to name broker ${REAL} controller`,
  );
  const admin = new Kafka({ clientId: 'kzr-safety-test', brokers: [addr], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  let last = '';
  try {
    const topic = `kzr-safety-${Date.now()}`;
    await eventually(
      async () => {
        try {
          return await admin.createTopics({
            topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
            waitForLeaders: true,
            timeout: 10_000,
          });
        } catch (err) {
          last = JSON.stringify((err as { errors?: unknown }).errors ?? String(err));
          return false;
        }
      },
      30_000,
      `${what}: createTopics to succeed`,
      () => last,
    );
  } finally {
    await admin.disconnect();
  }
}

describe('never harm the cluster we join (real Kafka)', () => {
  test("a mistyped broker id never takes a live broker's id, even when that broker restarts", { skip }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    const real = await obs.get(`/brokers/ids/${REAL}`);
    const sock = await endpoint();
    const typo = kafka.zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
        brokerId: REAL,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sock.port }],
      }),
    );
    // Refused at once, naming who holds the id: not a wait for the id to come free.
    await assert.rejects(within(typo.start(), 10_000, 'start() with a held broker id to be refused'), (err: unknown) => {
      assert.ok(err instanceof BrokerIdInUseError, String(err));
      assert.equal(err.code, 'BROKER_ID_IN_USE');
      assert.equal(err.ownerSessionId, real.stat.ephemeralOwner);
      assert.ok(err.holderEndpoints?.includes(`PLAIN://127.0.0.1:${c.broker(REAL).port}`), String(err.holderEndpoints));
      assert.match(err.message, /held by another broker .*PLAIN:\/\/127\.0\.0\.1/);
      return true;
    });
    assert.equal(typo.status().state, 'stopped');

    // The sidecar says the same and exits 1.
    const cli = await runCli([
      'register',
      '--zookeeper',
      c.zkConnect,
      '--broker-id',
      String(REAL),
      '--listeners',
      `PLAINTEXT://127.0.0.1:${sock.port}`,
      '--session-timeout-ms',
      '6000',
    ]);
    assert.equal(cli.code, 1, cli.out + cli.err);
    const failed = cli.out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'failed');
    assert.equal(failed?.code, 'BROKER_ID_IN_USE', cli.out);

    // A test helper with a held id rejects at once with that conflict, not "unreachable" at its timeout.
    const t0 = Date.now();
    await assert.rejects(
      registerTemporaryBroker({
        zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
        brokerId: REAL,
        kafka: { brokers: c.bootstrap },
        endpoint: { host: '127.0.0.1', port: sock.port },
        timeoutMs: 30_000,
      }),
      { code: 'BROKER_ID_IN_USE' },
    );
    assert.ok(Date.now() - t0 < 30_000, 'before its timeout');

    // A registrar that was already waiting when the broker restarts never takes the id either: it is
    // refused at its first look, so the restart finds nothing in its way.
    await c.broker(REAL).stop();
    await c.broker(REAL).start(); // waits until broker REAL is registered again and serves Metadata
    const again = await obs.get(`/brokers/ids/${REAL}`);
    assert.notEqual(again.stat.czxid, real.stat.czxid, 'the real broker registered anew');
    assert.match(again.data.toString(), /PLAIN:\/\/127\.0\.0\.1/);
    assert.ok(!c.broker(REAL).log().includes('NodeExistsException'), 'the real broker found its id free');
    await clusterWorks('after the restart');
  });

  test('a controller candidate is refused beside real brokers, and the cluster keeps its controller', { skip }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    const controllerBefore = await obs.get('/controller');
    const sock = await endpoint();
    const listeners = ['CONTROLPLANE', 'REPLICATION', 'PLAIN'].map((name) => ({
      name,
      host: '127.0.0.1',
      port: sock.port,
      securityProtocol: 'PLAINTEXT' as const,
    }));

    // Without the acknowledgement, no candidacy at all.
    assert.throws(
      () => new BrokerRegistrar({ zookeeper: { connect: c.zkConnect }, brokerId: 7, listeners, controller: { enabled: true } as never }),
      (err: unknown) => (err as { field?: string }).field === 'controller.enabled',
    );
    const usage = await runCli([
      'register',
      '--zookeeper',
      c.zkConnect,
      '--broker-id',
      '7',
      '--listeners',
      `PLAINTEXT://127.0.0.1:${sock.port}`,
      '--controller',
    ]);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--controller.*needs --performs-controller-duties/);

    // With it, but beside a real broker: refused before anything is written.
    const candidate = kafka.zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
        brokerId: 7,
        listeners,
        controller: { performsControllerDuties: true },
      }),
    );
    await assert.rejects(within(candidate.start(), 15_000, 'the candidacy to be refused'), (err: unknown) => {
      assert.ok(err instanceof ControllerCandidacyRefusedError, String(err));
      assert.deepEqual(err.otherBrokers, [REAL]);
      return true;
    });
    assert.equal(await obs.exists('/brokers/ids/7'), null, 'nothing was written');

    // The real broker restarts (an ordinary rolling restart): it is the controller again.
    await c.broker(REAL).stop();
    await c.broker(REAL).start();
    const controllerAfter = await obs.get('/controller');
    assert.notEqual(controllerAfter.stat.czxid, controllerBefore.stat.czxid);
    assert.match(controllerAfter.data.toString(), new RegExp(`"brokerid":${REAL}\\b`));
    await clusterWorks('after the restart');
  });

  test("an elected candidate that does not do a controller's work is not ready (besideOtherBrokers, knowingly)", { skip }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    const sock = await endpoint();
    const listeners = ['CONTROLPLANE', 'REPLICATION', 'PLAIN'].map((name) => ({
      name,
      host: '127.0.0.1',
      port: sock.port,
      securityProtocol: 'PLAINTEXT' as const,
    }));
    const ours = kafka.zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
        brokerId: 8,
        listeners,
        controller: { performsControllerDuties: true, besideOtherBrokers: true },
        confirm: { kafka: { brokers: c.bootstrap }, listener: 'PLAIN', timeoutMs: 5000 },
      }),
    );
    const confirmed = waitForEvent(ours, 'confirmed', 30_000, 'the real broker to list broker 8');
    await within(ours.start(), 20_000, 'broker 8 to register');
    await confirmed;
    assert.equal(ours.health().ready, true, 'registered, listed, not the controller: ready');

    // The real controller cannot hear of it (its ZooKeeper traffic held, far shorter than its
    // session timeout) while /controller is freed: ours wins it.
    const elected = waitForEvent(ours, 'elected', 15_000, 'our candidate to be elected');
    const cur = await obs.get('/controller');
    (proxy as TcpProxy).set('hold');
    try {
      await obs.delete('/controller', cur.stat.version);
      await elected;
    } finally {
      (proxy as TcpProxy).set('pass');
    }
    // Elected, but the cluster's metadata does not name us controller (we send no UpdateMetadata):
    // not ready, and the reason says which check it waits on.
    assert.equal(ours.controller?.isController, true);
    const h = ours.health();
    assert.equal(h.ready, false, `elected without the cluster seeing a controller must not be ready: ${JSON.stringify(h)}`);
    assert.ok(h.reason === 'confirming' || h.reason === 'unconfirmed', h.reason);
    await waitForEvent(ours, 'unconfirmed', 15_000, 'confirmation to give up on the controller check');
    assert.equal(ours.health().ready, false);

    // Giving /controller back lets the real broker be the controller again.
    await ours.stop();
    await clusterWorks('after our candidate stopped');
  });

  test('confirmation expects our endpoint on the listener the bootstrap servers are on (not our first listener)', { skip }, async () => {
    const c = kafka.cluster;
    const [cp, rep, plain] = [await endpoint(), await endpoint(), await endpoint()];
    const r = kafka.zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
        brokerId: 13,
        listeners: [
          { name: 'CONTROLPLANE', host: '127.0.0.1', port: cp.port, securityProtocol: 'PLAINTEXT' },
          { name: 'REPLICATION', host: '127.0.0.1', port: rep.port, securityProtocol: 'PLAINTEXT' },
          { name: 'PLAIN', host: '127.0.0.1', port: plain.port, securityProtocol: 'PLAINTEXT' },
        ],
        // No `listener`: the bootstrap address is broker 1's PLAIN endpoint, so PLAIN is what Metadata shows.
        confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 20_000 },
      }),
    );
    const unconfirmed: unknown[] = [];
    r.on('unconfirmed', (u) => unconfirmed.push(u));
    const confirmed = waitForEvent<[{ view: { brokers: { nodeId: number; port: number }[] } }]>(
      r,
      'confirmed',
      30_000,
      'broker 13 to be confirmed on its PLAIN endpoint',
    );
    await within(r.start(), 20_000, 'broker 13 to register');
    const [info] = await confirmed;
    assert.equal(info.view.brokers.find((b) => b.nodeId === 13)?.port, plain.port);
    assert.deepEqual(unconfirmed, []);
    await r.stop();
  });

  test("the listener pre-flight requires exactly what Kafka's controller needs (its inter-broker and control-plane listeners)", {
    skip,
  }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    const sock = await endpoint();
    const confirm = { kafka: { brokers: c.bootstrap }, timeoutMs: 5000 };
    const zookeeper = { connect: c.zkConnect, sessionTimeoutMs: 6000 };
    const at = (...names: string[]): { name: string; host: string; port: number }[] =>
      names.map((name) => ({ name, host: '127.0.0.1', port: sock.port, securityProtocol: 'PLAINTEXT' as const }));

    // The broker's own settings, read through Kafka: control plane + replication is enough.
    const enough = kafka.zk.track(new BrokerRegistrar({ zookeeper, brokerId: 9, listeners: at('CONTROLPLANE', 'REPLICATION'), confirm }));
    const reg = await within(enough.start(), 20_000, 'broker 9 with the control-plane and replication listeners');
    assert.equal((await obs.exists('/brokers/ids/9'))?.ephemeralOwner, reg.sessionId);
    await enough.stop();

    // Without the control-plane listener: refused, naming exactly it, and where that came from.
    const lacking = kafka.zk.track(new BrokerRegistrar({ zookeeper, brokerId: 10, listeners: at('REPLICATION', 'PLAIN', 'TLS'), confirm }));
    await assert.rejects(within(lacking.start(), 20_000, 'broker 10 to be refused'), (err: unknown) => {
      assert.ok(err instanceof ListenerMismatchError, String(err));
      assert.deepEqual(err.missing, ['CONTROLPLANE']);
      assert.deepEqual(err.learnedFrom, { brokerConfig: REAL });
      assert.match(err.message, /broker 1's configuration names/);
      return true;
    });
    assert.equal(await obs.exists('/brokers/ids/10'), null, 'nothing was written');

    // Named in the options (Kafka's inter.broker.listener.name / control.plane.listener.name): the same, without asking Kafka.
    const named = kafka.zk.track(
      new BrokerRegistrar({
        zookeeper,
        brokerId: 11,
        listeners: at('CONTROLPLANE', 'REPLICATION'),
        interBrokerListener: 'REPLICATION',
        controlPlaneListener: 'CONTROLPLANE',
      }),
    );
    await within(named.start(), 20_000, 'broker 11 with named listeners');
    await named.stop();
    // A name the cluster's brokers do not have is a mistyped option, not trusted: the controller
    // could not reach a broker registered on it.
    const mistyped = kafka.zk.track(
      new BrokerRegistrar({ zookeeper, brokerId: 14, listeners: at('EXTERNAL'), interBrokerListener: 'EXTERNAL' }),
    );
    await assert.rejects(within(mistyped.start(), 20_000, 'broker 14 to be refused'), (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, String(err));
      assert.equal(err.field, 'interBrokerListener');
      assert.match(err.message, /has no listener EXTERNAL/);
      return true;
    });
    assert.equal(await obs.exists('/brokers/ids/14'), null, 'nothing was written');

    // ZooKeeper alone cannot tell which listener is which: every shared one is required, and the
    // message says how to be precise.
    const zkOnly = kafka.zk.track(new BrokerRegistrar({ zookeeper, brokerId: 12, listeners: at('CONTROLPLANE', 'REPLICATION') }));
    await assert.rejects(within(zkOnly.start(), 20_000, 'broker 12 to be refused'), (err: unknown) => {
      assert.ok(err instanceof ListenerMismatchError, String(err));
      assert.deepEqual(err.missing, ['PLAIN', 'TLS']);
      assert.match(err.message, /interBrokerListener/);
      return true;
    });
    await clusterWorks('after the pre-flight tests');
  });

  test('the audit asks the controller which listener it reaches brokers on, and names a broker without it', { skip }, async () => {
    const c = kafka.cluster;
    const healthy = await auditRegistrations(c.zkConnect, { bootstrap: c.bootstrap });
    // Read off the real broker's own configuration (DescribeConfigs, sent to the controller itself).
    assert.deepEqual(healthy.metadata?.controllerListeners, {
      brokerId: REAL,
      source: c.broker(REAL).address,
      roles: { interBroker: 'REPLICATION', controlPlane: 'CONTROLPLANE' },
      error: undefined,
    });
    assert.deepEqual(
      healthy.problems.filter((p) => p.code === 'MISSING_LISTENER'),
      [],
    );
    // Another tool's registration that shares PLAIN and TLS with the controller, but not its control-plane
    // listener. ZooKeeper alone cannot call that wrong; the controller's configuration can.
    const other = await kafka.zk.observer(c.zkConnect);
    const sock = await endpoint();
    try {
      await other.create(
        '/brokers/ids/15',
        encodeBrokerZNode(
          {
            brokerId: 15,
            endpoints: listenersToEndpoints(
              ['PLAIN', 'TLS'].map((name) => ({ name, host: '127.0.0.1', port: sock.port, securityProtocol: 'PLAINTEXT' })),
            ),
            jmxPort: -1,
            version: 5,
          },
          Date.now(),
        ),
        'ephemeral',
      );
      const zkOnly = await auditRegistrations(c.zkConnect);
      assert.deepEqual(
        zkOnly.problems.filter((p) => p.code === 'MISSING_LISTENER'),
        [],
        'from ZooKeeper alone: not certain, not said',
      );
      const asked = await auditRegistrations(c.zkConnect, { bootstrap: c.bootstrap });
      const missing = asked.problems.filter((p) => p.code === 'MISSING_LISTENER');
      assert.equal(missing.length, 1, JSON.stringify(asked.problems));
      assert.match(
        missing[0]?.message ?? '',
        /^broker 15: it has no listener CONTROLPLANE \(it has PLAIN, TLS\), the control-plane listener the controller, broker 1,/,
      );
      const cli = await runCli(['audit', '--zookeeper', c.zkConnect, '--bootstrap', c.bootstrap.join(',')]);
      assert.match(
        cli.out,
        /controller 1's listeners \(its configuration, from [^)]+\): inter-broker REPLICATION, control plane CONTROLPLANE/,
      );
      assert.match(cli.out, /broker 15: it has no listener CONTROLPLANE/);
    } finally {
      await other.close();
    }
    await clusterWorks('after the audit test');
  });
});
