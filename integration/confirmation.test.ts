// Cluster-side confirmation through real kafkajs, against the Kafka-protocol test cluster whose
// metadata is derived from a real ZooKeeper.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { connect as connectTcp, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerRegistrar, Connection, type ClusterView, type Registration } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { NaiveRegistrar } from './harness/naive-registrar.js';
import { isListed } from './harness/kafka-client.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession } from './harness/sessions.js';
import { freePort } from './harness/zookeeper-server.js';
import { TestCluster } from './kafka-double/test-cluster.js';
import { startTcpProxy } from './harness/tcp-proxy.js';
import type { FakeKafkaBroker } from './kafka-double/fake-broker.js';

const zk = useZooKeeper();

type Confirmed = [{ brokerId: number; brokerEpoch: number; latencyMs: number; view: ClusterView }];
type Unconfirmed = [{ reason: string; seen: ClusterView | undefined; error: { code: string } | undefined; brokerEpoch: number }];

async function cluster(connect: string, propagationDelayMs = 0): Promise<TestCluster> {
  return zk.track(await within(TestCluster.start({ connect, brokerIds: [1, 2], propagationDelayMs }), 30_000, 'the test cluster to start'));
}

function served(
  c: TestCluster,
  broker: FakeKafkaBroker,
  id: number,
  extra: Partial<ConstructorParameters<typeof BrokerRegistrar>[0]> = {},
  connect?: string,
): BrokerRegistrar {
  return zk.track(
    new BrokerRegistrar({
      zookeeper: { connect: connect ?? '', sessionTimeoutMs: 4000 },
      brokerId: id,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: broker.port }],
      confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 10_000 },
      ...extra,
    }),
  );
}

describe('confirmation through kafkajs metadata', () => {
  test('register -> confirmed with our host:port, the controller and the cluster id ZooKeeper has', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const r = served(c, b, 7, { controller: { performsControllerDuties: true, besideOtherBrokers: true } }, connect);
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'confirmation');
    const reg = await within(r.start(), 10_000, 'start()');
    const [info] = await confirmed;
    assert.equal(info.brokerEpoch, reg.brokerEpoch);
    const me = info.view.brokers.find((x) => x.nodeId === 7);
    assert.deepEqual(me, { nodeId: 7, host: '127.0.0.1', port: b.port });
    const obs = await zk.observer(connect);
    const clusterId = (JSON.parse((await obs.get('/cluster/id')).data.toString()) as { id: string }).id;
    assert.equal(info.view.clusterId, clusterId);
    assert.match(clusterId, /^[A-Za-z0-9_-]{22}$/);
    const controllerId = (JSON.parse((await obs.get('/controller')).data.toString()) as { brokerid: number }).brokerid;
    assert.equal(info.view.controller, controllerId);
    assert.deepEqual(
      info.view.brokers.map((x) => x.nodeId),
      [1, 2, 7],
    );
    const st = r.status().confirmation;
    assert.equal(st?.state, 'confirmed');
    assert.equal(st?.brokerEpoch, reg.brokerEpoch);
  });

  test('a user-supplied kafkajs Admin works the same, and is left connected', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const admin = new Kafka({ brokers: c.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    after(() => admin.disconnect());
    const r = served(c, b, 8, { confirm: { admin, timeoutMs: 10_000 } }, connect);
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'confirmation');
    await r.start();
    await confirmed;
    await r.stop();
    const view = await admin.describeCluster(); // still usable after our stop()
    assert.ok(view.brokers.length >= 2);
  });

  test('propagation delay: confirmation waits for it', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect, 1500);
    const b = await c.serve();
    const r = served(c, b, 9, {}, connect);
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'confirmation');
    await r.start();
    assert.equal(r.status().confirmation?.state, 'pending');
    const [info] = await confirmed;
    assert.ok(info.latencyMs >= 1000, `confirmed after ${info.latencyMs} ms, before metadata could have propagated`);
  });

  test('frozen controller: unconfirmed after the deadline, with what the cluster showed instead', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    c.freeze();
    const r = served(c, b, 10, { confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 1500 } }, connect);
    const unconfirmed = waitForEvent<Unconfirmed>(r, 'unconfirmed', 15_000, 'unconfirmed');
    await r.start();
    const [info] = await unconfirmed;
    assert.equal(info.reason, 'not-listed');
    assert.deepEqual(
      info.seen?.brokers.map((x) => x.nodeId),
      [1, 2],
      'the cluster showed only the other brokers',
    );
    assert.equal(r.status().confirmation?.state, 'unconfirmed');
    assert.equal(r.status().state, 'owned', 'the registration itself is fine');
  });

  test('session expiry: re-registered and re-confirmed, for the new registration', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    const r = served(c, b, 11, { zookeeper: conn }, connect);
    const first = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'first confirmation');
    const reg1 = await r.start();
    await first;
    const restored = waitForEvent<[Registration]>(r, 'restored', 15_000, 're-registration');
    const second = waitForEvent<Confirmed>(
      r,
      'confirmed',
      20_000,
      'confirmation of the new registration',
      (i) => i.brokerEpoch !== reg1.brokerEpoch,
    );
    const s = conn.session;
    assert.ok(s !== undefined);
    await killSession(connect, s.id, s.password);
    const [reg2] = await restored;
    const [info] = await second;
    assert.equal(info.brokerEpoch, reg2.brokerEpoch);
    assert.notEqual(reg2.brokerEpoch, reg1.brokerEpoch);
    assert.equal(r.status().confirmation?.brokerEpoch, reg2.brokerEpoch);
  });

  test('a cluster unreachable at start: unconfirmed (with the endpoint it must show), then confirmed once it answers, without any re-check option', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const proxy = await startTcpProxy(c.brokers.get(1)?.broker.port as number);
    zk.track({ close: () => proxy.close() });
    proxy.set('blackhole');
    const r = served(c, b, 14, { confirm: { kafka: { brokers: [proxy.address] }, timeoutMs: 1500 } }, connect);
    const unconfirmed = waitForEvent<[{ reason: string; expected: { host: string; port: number } }]>(
      r,
      'unconfirmed',
      15_000,
      'unconfirmed while the bootstrap does not answer',
    );
    await within(r.start(), 10_000, 'start()');
    const [u] = await unconfirmed;
    assert.equal(u.reason, 'unreachable');
    assert.deepEqual(u.expected, { host: '127.0.0.1', port: b.port });
    assert.equal(r.health().reason, 'unconfirmed');
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 20_000, 'confirmation once the cluster answers again');
    proxy.set('pass');
    proxy.reset(); // kafkajs's hanging connection goes; its next one passes
    await confirmed;
    assert.equal(r.health().ready, true);
  });

  test('status().confirmation tells the truth: nothing confirmed once the registration is lost, or after stop()', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const r = served(c, b, 13, {}, connect);
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'confirmation');
    await within(r.start(), 10_000, 'start()');
    await confirmed;
    assert.equal(r.status().confirmation?.state, 'confirmed');
    // What a listener of `lost` sees, at that moment.
    const atLoss = new Promise<string | undefined>((resolve) => r.once('lost', () => resolve(r.status().confirmation?.state)));
    const obs = await zk.observer(connect);
    const st = await obs.exists('/brokers/ids/13');
    await obs.delete('/brokers/ids/13', st?.version ?? -1);
    assert.equal(await within(atLoss, 10_000, 'the loss'), undefined, 'a lost registration is not "confirmed"');
    await waitForEvent(r, 'confirmed', 15_000, 'the restored registration to be confirmed');
    await r.stop();
    assert.equal(r.status().confirmation, undefined, 'a stopped registrar confirms nothing');
  });

  test('kafkajs bootstrap unreachable: typed unconfirmed event, registration keeps working', async () => {
    const connect = zk.chroot();
    const port = await freePort(); // nothing listens
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect, sessionTimeoutMs: 4000 },
        brokerId: 12,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
        confirm: { kafka: { brokers: [`127.0.0.1:${port}`] }, timeoutMs: 1500, recheckIntervalMs: 200, missingAfterMs: 300 },
      }),
    );
    const missing: unknown[] = [];
    r.on('missing', (m) => missing.push(m));
    const unconfirmed = waitForEvent<Unconfirmed>(r, 'unconfirmed', 15_000, 'unconfirmed');
    await r.start();
    const [info] = await unconfirmed;
    assert.equal(info.reason, 'unreachable');
    assert.equal(info.error?.code, 'CLUSTER_UNREACHABLE');
    assert.equal(r.status().confirmation?.lastError?.code, 'CLUSTER_UNREACHABLE');
    assert.equal(r.status().lastError, undefined, "the cluster's error is not the registration's");
    // Re-checks keep failing to reach the cluster, well past missingAfterMs: that is not "missing".
    const firstCheck = r.status().confirmation?.checkedAt ?? 0;
    await eventually(
      async () => (r.status().confirmation?.checkedAt ?? 0) > firstCheck + 1000,
      15_000,
      're-checks for over a second past missingAfterMs',
    );
    assert.deepEqual(missing, [], 'an unreachable cluster never makes a registration "missing"');
    const obs = await zk.observer(connect);
    assert.equal((await obs.exists('/brokers/ids/12'))?.ephemeralOwner, r.status().sessionId);
    assert.equal(r.status().state, 'owned');
  });

  test('one broker of the kafkajs pool is down: failed rounds are survived and confirmation still arrives', async () => {
    const connect = zk.chroot();
    const c = zk.track(await within(TestCluster.start({ connect, brokerIds: [1, 2, 3] }), 30_000, 'the test cluster to start'));
    // Broker 3 stays registered (so metadata lists it and kafkajs puts it in its pool) but its socket is gone.
    await c.brokers.get(3)?.broker.close();
    const b = await c.serve();
    const r = served(c, b, 14, { confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 15_000 } }, connect);
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 20_000, 'confirmation despite a dead broker');
    await r.start();
    const [info] = await confirmed;
    assert.ok(info.view.brokers.some((x) => x.nodeId === 14));
    assert.equal(r.status().state, 'owned');
  });

  test('periodic re-check: cluster stops listing us while ZooKeeper has us -> missing, routine re-runs once', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const b = await c.serve();
    const r = served(
      c,
      b,
      13,
      { confirm: { kafka: { brokers: c.bootstrap }, timeoutMs: 5000, recheckIntervalMs: 200, missingAfterMs: 600 } },
      connect,
    );
    const confirmed = waitForEvent<Confirmed>(r, 'confirmed', 15_000, 'confirmation');
    await r.start();
    await confirmed;
    // Make the cluster forget us while our znode stays: serve metadata from a snapshot without us.
    c.freeze({ hide: [13] });
    const [missing] = await waitForEvent<[{ missingForMs: number; seen: ClusterView | undefined }]>(
      r,
      'missing',
      10_000,
      'a missing report',
    );
    assert.ok(missing.missingForMs >= 600);
    assert.equal(
      missing.seen?.brokers.some((x) => x.nodeId === 13),
      false,
    );
    assert.equal(r.status().confirmation?.state, 'missing');
    assert.equal(r.status().state, 'owned', 'ZooKeeper still has us');
  });
});

describe('the stale-owner race, seen from the cluster', () => {
  let c: TestCluster;
  let connect: string;
  before(async () => {
    connect = zk.chroot();
    c = await cluster(connect);
  });

  const listed = (id: number): Promise<boolean> => isListed(c.bootstrap, id);

  test("the naive registrar's broker disappears from kafkajs metadata; ours stays", async () => {
    const obs = await zk.observer(connect);
    const bNaive = await c.serve();
    const bOurs = await c.serve();
    const staleNaive = zk.track(await holdBrokerNode(connect, 20, bNaive.port));
    const staleOurs = zk.track(await holdBrokerNode(connect, 21, bOurs.port));

    const naive = zk.track(new NaiveRegistrar(connect, '/brokers/ids/20', Buffer.from('unused')));
    await naive.start();
    const ours = served(c, bOurs, 21, {}, connect);
    const confirmed = waitForEvent<Confirmed>(ours, 'confirmed', 20_000, 'our broker to be confirmed');
    const started = ours.start();

    // The cluster propagates ZooKeeper's view after a delay, as a controller does: wait for it, then ask kafkajs.
    await c.waitForMetadata((m) => m.brokers.has(20), 10_000, "broker 20 (the old session's node) to be in the metadata");
    assert.equal(await listed(20), true, "before: the cluster lists broker 20 (the old session's node)");
    await killSession(connect, staleNaive.id, staleNaive.password);
    await killSession(connect, staleOurs.id, staleOurs.password);
    await waitForNode(obs, '/brokers/ids/20', (s) => s === null, 10_000, 'the stale node of broker 20 to go');
    await c.waitForMetadata((m) => !m.brokers.has(20), 10_000, 'broker 20 to leave the metadata');
    const reg = await within(started, 10_000, 'our registrar to own its node');
    const [info] = await confirmed;
    assert.equal(info.brokerEpoch, reg.brokerEpoch);
    // Metadata carries no broker epoch, so wait until the cluster's view is of *our* registration
    // (not the stale node's, which had the same endpoint) before asking kafkajs.
    await c.waitForMetadata((m) => m.brokerEpochs.get(21) === reg.brokerEpoch, 10_000, 'our registration of broker 21');
    assert.equal(naive.registered, true, 'the naive registrar still believes it is registered');
    assert.equal(await listed(21), true, 'our broker is in kafkajs metadata');
    assert.equal(await listed(20), false, "the naive registrar's broker has vanished from kafkajs metadata");
  });
});

describe("registerTemporaryBroker (for users' integration tests)", () => {
  test('a broker id appears in kafkajs metadata, served by a caller-supplied endpoint, and disappears on dispose', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    const endpoint = await c.serve();
    const { registerTemporaryBroker } = await import('../src/index.js');
    const tmp = await registerTemporaryBroker({
      zookeeper: { connect },
      brokerId: 4242,
      kafka: { brokers: c.bootstrap },
      endpoint: { host: '127.0.0.1', port: endpoint.port },
      timeoutMs: 10_000,
    });
    const admin = new Kafka({ brokers: c.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    try {
      const seen = (await admin.describeCluster()).brokers.find((b) => b.nodeId === 4242);
      assert.deepEqual(seen, { nodeId: 4242, host: '127.0.0.1', port: endpoint.port });
      await tmp.dispose();
      assert.equal(
        (await admin.describeCluster()).brokers.some((b) => b.nodeId === 4242),
        false,
      );
    } finally {
      await admin.disconnect();
    }
    const obs = await zk.observer(connect);
    assert.equal(await obs.exists('/brokers/ids/4242'), null);
  });

  test('a cluster that never lists it: ConfirmationFailedError, and nothing left registered', async () => {
    const connect = zk.chroot();
    const c = await cluster(connect);
    c.freeze();
    const { registerTemporaryBroker } = await import('../src/index.js');
    await assert.rejects(
      registerTemporaryBroker({
        zookeeper: { connect },
        brokerId: 4243,
        kafka: { brokers: c.bootstrap },
        endpoint: { host: '127.0.0.1', port: 1 },
        timeoutMs: 1000,
      }),
      (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'CONFIRMATION_FAILED');
        assert.equal((err as { reason?: string }).reason, 'not-listed');
        return true;
      },
    );
    const obs = await zk.observer(connect);
    assert.equal(await obs.exists('/brokers/ids/4243'), null);
  });

  test('a cluster whose /cluster/id does not decode: the default endpoint says so (ZNODE_FORMAT) at once, not never', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/cluster/id');
    await obs.create('/cluster/id', Buffer.from('not json'), 'persistent');
    const { registerTemporaryBroker } = await import('../src/index.js');
    // Before: the endpoint's first load failed in silence and nothing ever loaded again: the promise
    // never settled, whatever timeoutMs said, and the process stayed alive.
    await within(
      assert.rejects(
        registerTemporaryBroker({ zookeeper: { connect }, brokerId: 4245, kafka: { brokers: ['127.0.0.1:1'] }, timeoutMs: 3000 }),
        (err: unknown) => (err as { code?: string }).code === 'ZNODE_FORMAT' && /\/cluster\/id/.test((err as Error).message),
      ),
      10_000,
      'registerTemporaryBroker to settle',
    );
    assert.equal(await obs.exists('/brokers/ids/4245'), null);
  });

  test('timeoutMs is one deadline: a cluster that accepts connections and never answers does not stretch it', async () => {
    const connect = zk.chroot();
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const held = new Set<Socket>();
    silent.on('connection', (s) => held.add(s));
    const port = (silent.address() as AddressInfo).port;
    const { registerTemporaryBroker } = await import('../src/index.js');
    const started = Date.now();
    try {
      await assert.rejects(
        registerTemporaryBroker({
          zookeeper: { connect },
          brokerId: 4244,
          kafka: { brokers: [`127.0.0.1:${port}`] },
          endpoint: { host: '127.0.0.1', port: 1 },
          timeoutMs: 2000,
        }),
        (err: unknown) => {
          assert.equal((err as { code?: string }).code, 'CONFIRMATION_FAILED');
          assert.equal((err as { reason?: string }).reason, 'unreachable');
          return true;
        },
      );
      const tookMs = Date.now() - started;
      // The contract under test is the deadline itself; the slack covers the cleanup after it.
      assert.ok(tookMs < 2000 + 1000, `rejected after ${tookMs} ms for a 2000 ms timeout`);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    const obs = await zk.observer(connect);
    assert.equal(await obs.exists('/brokers/ids/4244'), null);
  });

  test('stop() in the middle of a kafkajs call: the call that runs on is closed when it ends, and the process exits by itself', async () => {
    const c = await cluster(zk.chroot());
    // The seed answers 300 ms late, so that stop() lands inside a call: between kafkajs's connect
    // and its describeCluster, which then connects anew, to the broker the metadata lists.
    const [host, seedPort] = (c.bootstrap[0] as string).split(':') as [string, string];
    const pairs = new Set<Socket>();
    const slow = createServer((client) => {
      const upstream = connectTcp(Number(seedPort), host);
      pairs.add(client).add(upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => setTimeout(() => client.destroyed || client.write(d), 300));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      for (const sock of [client, upstream]) sock.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.address() as AddressInfo).port;
    // One confirmation per moment of stop(): before, in and after the window the fault needs.
    const script = `
      const { ClusterConfirmation } = require(${JSON.stringify(join(__dirname, '..', 'src', 'confirmation', 'cluster-confirmation.js'))});
      const target = { brokerId: 1, brokerEpoch: 5, host: '127.0.0.1', port: 9092, controllerId: () => undefined };
      const stops = [150, 350, 450, 550, 700].map((ms) => new Promise((resolve) => {
        const c = new ClusterConfirmation({ kafka: { brokers: ['127.0.0.1:${port}'] }, timeoutMs: 5000 }, () => {});
        c.confirm(target);
        setTimeout(() => c.stop().then(resolve), ms);
      }));
      Promise.all(stops).then(() => console.log('stopped'));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Before: a call stopped mid-way connected to the listed broker after stop()'s disconnect,
      // and that connection kept the process alive until the broker dropped it (10 min in Kafka).
      const [code] = (await within(once(child, 'exit'), 10_000, 'the process to exit after stop() of every confirmation')) as [number];
      assert.equal(code, 0);
      assert.equal(out.trim(), 'stopped');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // ours, by its handle
      for (const sock of pairs) sock.destroy();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  test('stop() leaves nothing armed: with a cluster that never answers, and a registration landing after stop(), the process exits without waiting out the round', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const held = new Set<Socket>();
    silent.on('connection', (s) => held.add(s));
    const port = (silent.address() as AddressInfo).port;
    // In a process of its own: what keeps a process alive is what a test runner's cannot show.
    const script = `
      const { ClusterConfirmation } = require(${JSON.stringify(join(__dirname, '..', 'src', 'confirmation', 'cluster-confirmation.js'))});
      const c = new ClusterConfirmation({ kafka: { brokers: ['127.0.0.1:${port}'] }, timeoutMs: 30000, recheckIntervalMs: 200 }, () => {});
      const target = { brokerId: 1, brokerEpoch: 5, host: '127.0.0.1', port: 9092, controllerId: () => undefined };
      c.confirm(target);
      c.once('unconfirmed', () => undefined);
      setTimeout(async () => {
        await c.stop();
        c.confirm(target); // an update() that lands as the registrar stops
        console.log(JSON.stringify({ status: c.status() ?? null }));
      }, 300);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // kafkajs keeps its own connection attempt to the silent broker until its timeout (10 s, the
      // most the confirmation gives it) after disconnect(); ours asked for 30 s, and went with stop().
      const [code] = (await within(once(child, 'exit'), 20_000, 'the process to exit after stop() (the round asked for 30 s)')) as [number];
      assert.equal(code, 0);
      const report = JSON.parse(out) as { status: unknown };
      assert.equal(report.status, null, 'nothing is confirmed after stop()');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // ours, by its handle
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
