// Against real Apache Kafka (ZooKeeper mode, the version scripts/maven/kafka/pom.xml pins): three broker JVMs on
// the file's ZooKeeper server, each connecting through a TCP proxy the test controls. What Kafka
// itself writes and reads decides whether this library is right: its znodes must decode with our
// rules and ours with its rules, its controller must list our registrations, must not be wedged by
// them, and must not lose /controller to our candidate.
import assert from 'node:assert/strict';
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
import { useKafkaCluster } from './harness/fixture.js';
import { runCli } from './harness/cli-run.js';
import { useEndpoints } from './harness/endpoints.js';
import { kafkaSkipReason, metadataFrom, type KafkaCluster } from './harness/kafka-cluster.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';

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

const endpoint = useEndpoints();

let observerSession: Session | undefined;
async function observer(): Promise<Session> {
  observerSession ??= await kafka.zk.observer(kafka.cluster.zkConnect);
  return observerSession;
}

/** Which broker ids the Metadata of every running broker lists. */
async function listedEverywhere(c: KafkaCluster, id: number, port?: number): Promise<boolean> {
  for (const addr of c.running()) {
    const m = await metadataFrom(addr);
    const b = m.brokers.find((x) => x.nodeId === id);
    if (b === undefined || (port !== undefined && b.port !== port)) return false;
  }
  return true;
}

async function listedNowhere(c: KafkaCluster, id: number): Promise<boolean> {
  for (const addr of c.running()) if ((await metadataFrom(addr)).brokers.some((x) => x.nodeId === id)) return false;
  return true;
}

/**
 * The controller's own account of broker changes, from its log (KafkaController.processBrokerChange:
 * "Newly added brokers: …, deleted brokers: …, bounced brokers: …, all live brokers: …"), as a cursor:
 * `mark()` now, then `until(pred)` waits for a line logged after the mark that satisfies `pred`.
 * Metadata alone cannot tell a stale listing from a fresh one when the endpoint is the same (it carries
 * no broker epoch), so waits that must know the controller is done read this instead.
 */
async function brokerChanges(c: KafkaCluster): Promise<{
  mark(): void;
  until(what: string, pred: (l: { added: number[]; deleted: number[]; bounced: number[]; live: number[] }) => boolean): Promise<void>;
}> {
  const controller = c.broker(decodeControllerZNode((await (await observer()).get('/controller')).data));
  const RE = /Newly added brokers: ([\d,]*), deleted brokers: ([\d,]*), bounced brokers: ([\d,]*), all live brokers: ([\d,]*)/g;
  const ids = (s: string): number[] => (s === '' ? [] : s.split(',').map(Number));
  const lines = (): { added: number[]; deleted: number[]; bounced: number[]; live: number[] }[] =>
    [...controller.log().matchAll(RE)].map((m) => ({ added: ids(m[1]), deleted: ids(m[2]), bounced: ids(m[3]), live: ids(m[4]) }));
  let from = lines().length;
  return {
    mark: () => {
      from = lines().length;
    },
    until: (what, pred) =>
      eventually(
        async () => lines().slice(from).some(pred),
        30_000,
        `controller ${controller.id} to log a broker change: ${what}`,
        () =>
          lines()
            .slice(from)
            .map((l) => JSON.stringify(l))
            .join('\n') || '(no broker change logged since the mark)',
      ),
  };
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
      const ours = encodeBrokerZNode(
        {
          brokerId: b.id,
          endpoints: listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port: b.port }]),
          jmxPort: -1,
          version: 5,
          features: {},
        },
        Date.now(),
      );
      assert.deepEqual(
        withoutTimestamp(ours),
        withoutTimestamp(data),
        `broker ${b.id}: ours ${ours.toString()} vs Kafka's ${data.toString()}`,
      );
    }
    const controller = await obs.get('/controller');
    const controllerId = decodeControllerZNode(controller.data);
    assert.ok(
      c.brokers.some((b) => b.id === controllerId),
      `controller ${controllerId} is one of the brokers`,
    );
    assert.deepEqual(withoutTimestamp(encodeControllerZNode(controllerId, Date.now())), withoutTimestamp(controller.data));
    const epoch = decodeControllerEpoch((await obs.get('/controller_epoch')).data);
    assert.ok(epoch >= 1);
    const clusterId = decodeClusterId((await obs.get('/cluster/id')).data);
    const meta = await metadataFrom(c.bootstrap[0] as string);
    assert.equal(meta.clusterId, clusterId);

    const audit = await auditRegistrations(c.zkConnect, { bootstrap: c.bootstrap });
    assert.deepEqual(audit.problems, []);
    assert.deepEqual(
      audit.brokers.map((b) => [b.brokerId, b.registration?.port]),
      c.brokers.map((b) => [b.id, b.port]),
    );
    assert.equal(audit.controller?.brokerId, controllerId);
    assert.equal(audit.controllerEpoch?.epoch, epoch);
    assert.equal(audit.clusterId, clusterId);
    assert.equal(audit.metadata?.views.length, 3);
  });

  test('Kafka accepts our registration: listed by every broker, confirmed, restored after deletion, gone after stop()', {
    skip,
  }, async () => {
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
    assert.equal(
      Math.max(...versions),
      6,
      `kafkajs 2.2.4's highest Metadata version (v6) is what Kafka 3.9 serves it: saw ${versions.join(',')}`,
    );

    // A live update (Kafka's updateBrokerInfo): same znode, same epoch, the cluster follows.
    const moved = await endpoint();
    const upd = await r.update({ listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: moved.port }] });
    assert.equal(upd?.brokerEpoch, reg.brokerEpoch);
    await eventually(() => listedEverywhere(c, id, moved.port), 30_000, 'every real broker to list broker 101 at its updated endpoint');
    await r.update({ listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sock.port }] });
    await eventually(() => listedEverywhere(c, id, sock.port), 30_000, 'every real broker to list broker 101 back at its first endpoint');

    // Deleted behind our back: lost, restored with a new epoch, confirmed again.
    const lost = waitForEvent<[{ reason: string }]>(r, 'lost', 10_000, 'the deletion to be noticed');
    const restored = waitForEvent<[{ brokerEpoch: number }]>(r, 'restored', 10_000, 'broker 101 to be restored');
    const reconfirmed = waitForEvent<[{ brokerEpoch: number }]>(
      r,
      'confirmed',
      40_000,
      'the restored registration to be confirmed',
      (e: { brokerEpoch: number }) => e.brokerEpoch !== reg.brokerEpoch,
    );
    const obs = await observer();
    const changes = await brokerChanges(c);
    const { stat } = await obs.get(`/brokers/ids/${id}`);
    await obs.delete(`/brokers/ids/${id}`, stat.version);
    assert.equal((await lost)[0].reason, 'deleted');
    const again = (await restored)[0];
    assert.notEqual(again.brokerEpoch, reg.brokerEpoch);
    assert.equal((await reconfirmed)[0].brokerEpoch, again.brokerEpoch);
    // The listing alone could be the stale one (same endpoint): the controller must have seen the restore.
    await changes.until(
      'broker 101 back (bounced or newly added)',
      (l) => l.live.includes(id) && (l.bounced.includes(id) || l.added.includes(id)),
    );
    await eventually(() => listedEverywhere(c, id, sock.port), 30_000, 'every real broker to list the restored broker 101');

    changes.mark();
    await r.stop();
    assert.equal(await obs.exists(`/brokers/ids/${id}`), null);
    // Done only when the controller has processed the deletion: a listing can drop 101 for a moment in
    // the middle of handling a bounce, and the next test wedges the controller on purpose.
    await changes.until('broker 101 gone', (l) => !l.live.includes(id));
    await eventually(() => listedNowhere(c, id), 30_000, "broker 101 to leave every broker's metadata after stop()");
  });

  test("never wedge the cluster: a registration without the inter-broker listener stalls Kafka's controller, so ours is refused", {
    skip,
  }, async () => {
    const c = kafka.cluster;
    const obs = await observer();
    const controllerId = decodeControllerZNode((await obs.get('/controller')).data);
    const controller = c.broker(controllerId);
    const victim = c.brokers.find((b) => b.id !== controllerId) as (typeof c.brokers)[number];
    const brokerChangeErrors = (): number =>
      controller
        .log()
        .split('\n')
        .filter((l) => l.includes('Error processing event BrokerChange')).length;
    const errorsBefore = brokerChangeErrors();

    // 1. Kafka's behaviour, shown with a raw znode: decodable, but only a CLIENT listener.
    const sock = await endpoint();
    const bad = JSON.stringify({
      version: 5,
      host: null,
      port: -1,
      endpoints: [`CLIENT://127.0.0.1:${sock.port}`],
      listener_security_protocol_map: { CLIENT: 'PLAINTEXT' },
      jmx_port: -1,
      timestamp: String(Date.now()),
      features: {},
    });
    await obs.create('/brokers/ids/150', Buffer.from(bad), 'ephemeral');
    const tail = (): string =>
      controller
        .log()
        .split('\n')
        .filter((l) => /ERROR|Exception/.test(l))
        .slice(-6)
        .join('\n');
    await eventually(
      async () => brokerChangeErrors() > errorsBefore,
      20_000,
      `controller ${controllerId} to fail on the broker change`,
      tail,
    );
    assert.match(controller.log(), /BrokerEndPointNotAvailableException|End point with listener name PLAINTEXT not found/);

    // A real broker dies: its node goes, and the controller does not notice.
    await victim.kill();
    await waitForNode(obs, `/brokers/ids/${victim.id}`, (st) => st === null, 30_000, `the killed broker ${victim.id}'s node to expire`);
    await eventually(async () => brokerChangeErrors() > errorsBefore + 1, 20_000, 'the controller to fail on that broker change too');
    const stale = await metadataFrom(controller.address);
    assert.ok(
      stale.brokers.some((b) => b.nodeId === victim.id),
      `the dead broker ${victim.id} is still listed: the cluster did not notice`,
    );

    // The audit sees both sides of it, and says so with its exit code.
    const { code, out, err } = await runCli(['audit', '--zookeeper', c.zkConnect, '--bootstrap', c.running().join(','), '--json']);
    assert.ok(out.startsWith('{'), `audit printed JSON (stderr: ${err})`);
    const report = JSON.parse(out) as {
      metadata: { registeredNotListed: { brokerId: number }[]; listedNotRegistered: { brokerId: number }[] };
      problems: { code: string; message: string }[];
    };
    assert.equal(code, 1, 'audit exits non-zero when it finds a problem');
    assert.deepEqual(
      report.metadata.registeredNotListed.map((r) => r.brokerId),
      [150],
    );
    assert.deepEqual(
      report.metadata.listedNotRegistered.map((r) => r.brokerId),
      [victim.id],
    );
    assert.ok(report.problems.some((p) => p.code === 'LISTED_NOT_REGISTERED' && p.message.includes(`broker ${victim.id}: listed by`)));
    // The same audit for people: a table with a row per registration and the problems spelled out.
    const human = await runCli(['audit', '--zookeeper', c.zkConnect, '--bootstrap', c.running().join(',')]);
    assert.equal(human.code, 1, 'the table form exits non-zero on the same problems');
    assert.match(human.out, /^ID +ENDPOINTS +RACK +OWNER +EPOCH +AGE +FORMAT +ACL +PROBLEM\n/);
    for (const b of c.brokers.filter((x) => x !== victim))
      assert.match(
        human.out,
        new RegExp(`\\n${b.id} +PLAINTEXT://127\\.0\\.0\\.1:\\d+ .* 0x[0-9a-f]+ +\\d+ +\\d+[smhd] +v5 +world:anyone=cdrwa *\\n`),
        `a row for real broker ${b.id}`,
      );
    assert.match(human.out, /\n150 +CLIENT:/);
    assert.match(human.out, new RegExp(`broker ${victim.id}: listed by .* but not registered in ZooKeeper`));
    assert.match(human.out, /\ncontroller: broker \d+, owner 0x[0-9a-f]+; epoch \d+ \(zkVersion \d+\)\n/);

    // Removing the bad znode un-wedges it: the next broker change is processed.
    await obs.delete('/brokers/ids/150', -1);
    await eventually(
      async () => !(await metadataFrom(controller.address)).brokers.some((b) => b.nodeId === victim.id),
      30_000,
      `the controller to drop dead broker ${victim.id}`,
    );
    await victim.start();

    // 2. The library refuses to write such a registration, with a typed error naming the listener.
    const refused = new BrokerRegistrar({
      zookeeper: { connect: c.zkConnect },
      brokerId: 150,
      listeners: [{ name: 'CLIENT', host: '127.0.0.1', port: sock.port, securityProtocol: 'PLAINTEXT' }],
    });
    kafka.zk.track(refused);
    await assert.rejects(refused.start(), (err: unknown) => {
      assert.ok(err instanceof ListenerMismatchError, String(err));
      assert.equal(err.code, 'LISTENER_MISMATCH');
      assert.deepEqual(err.missing, ['PLAINTEXT']);
      assert.deepEqual(err.learnedFrom, [1, 2, 3]);
      assert.match(err.message, /PLAINTEXT/);
      return true;
    });
    assert.equal(await obs.exists('/brokers/ids/150'), null, 'nothing was written');

    // 3. After our (valid) registrations come and go, a real broker restart is still noticed.
    for (const id of [151, 152]) {
      const s2 = await endpoint();
      const r = new BrokerRegistrar({
        zookeeper: { connect: c.zkConnect },
        brokerId: id,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: s2.port }],
      });
      kafka.zk.track(r);
      await within(r.start(), 20_000, `broker ${id} to register`);
      await eventually(() => listedEverywhere(c, id), 30_000, `broker ${id} to be listed`);
      await r.stop();
    }
    await victim.stop();
    await eventually(
      async () => !(await metadataFrom(controller.address)).brokers.some((b) => b.nodeId === victim.id),
      30_000,
      `the controller to notice broker ${victim.id} stopping`,
    );
    await victim.start();
    await eventually(() => listedEverywhere(c, victim.id, victim.port), 30_000, `broker ${victim.id} to be listed again after its restart`);
  });

  test('controller mode beside real controllers: never takes /controller from Kafka, elections move the epoch up by one, fenced writes fail after a real takeover', {
    skip,
  }, async (t) => {
    const c = kafka.cluster;
    const obs = await observer();
    // Every value /controller_epoch takes, seen through data watches: it must never go down.
    const epochs: number[] = [];
    let watching = true;
    const monitor = (async () => {
      while (watching) {
        let fired!: () => void;
        const changed = new Promise<void>((r) => (fired = r));
        const { data } = await obs.get('/controller_epoch', () => fired());
        epochs.push(decodeControllerEpoch(data));
        await Promise.race([changed, new Promise((r) => setTimeout(r, 500))]);
      }
    })();
    const epochNow = async (): Promise<{ epoch: number; version: number }> => {
      const { data, stat } = await obs.get('/controller_epoch');
      return { epoch: decodeControllerEpoch(data), version: stat.version };
    };
    const controllerNow = async (): Promise<{ id: number; czxid: number; version: number }> => {
      const { data, stat } = await obs.get('/controller');
      return { id: decodeControllerZNode(data), czxid: stat.czxid, version: stat.version };
    };
    /** Waits for a new /controller (another czxid than `old`) and a moved epoch. */
    const nextElection = async (old: { czxid: number }, oldEpochVersion: number, what: string): Promise<{ id: number; epoch: number }> => {
      await waitForNode(obs, '/controller', (st) => st !== null && st.czxid !== old.czxid, 30_000, what);
      await waitForNode(obs, '/controller_epoch', (st) => st !== null && st.version > oldEpochVersion, 30_000, `${what}: the epoch bump`);
      return { id: (await controllerNow()).id, epoch: (await epochNow()).epoch };
    };

    const ourProxy = await startTcpProxy(kafka.zk.server.port);
    t.after(() => ourProxy.close());
    const sock = await endpoint();
    const ours = new BrokerRegistrar({
      zookeeper: { connect: `${ourProxy.address}${c.chroot}`, sessionTimeoutMs: 10_000 },
      brokerId: 120,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sock.port }],
      controller: { performsControllerDuties: true, besideOtherBrokers: true },
    });
    kafka.zk.track(ours);

    // A. A live Kafka controller is never challenged.
    const before = await controllerNow();
    const epoch0 = await epochNow();
    await within(ours.start(), 20_000, 'our candidate to register');
    await eventually(async () => ours.status().controller?.controllerId === before.id, 10_000, 'our candidate to see the Kafka controller');
    assert.equal(ours.controller?.isController, false);
    assert.deepEqual(await controllerNow(), before, '/controller untouched');
    assert.deepEqual(await epochNow(), epoch0, '/controller_epoch untouched');

    // B. The Kafka controller stops: exactly one successor, one epoch up, ours or Kafka's.
    await c.broker(before.id).stop();
    const b = await nextElection(before, epoch0.version, `a successor to controller ${before.id}`);
    assert.equal(b.epoch, epoch0.epoch + 1);
    t.diagnostic(
      `after broker ${before.id} stopped, broker ${b.id} won /controller at epoch ${b.epoch}${b.id === 120 ? ' (ours)' : ' (Kafka)'}`,
    );
    if (b.id === 120) {
      await eventually(async () => ours.controller?.isController === true, 10_000, 'our candidate to announce its election');
    } else {
      assert.ok(c.running().includes(c.broker(b.id).address), `the winner ${b.id} is a running Kafka broker`);
      assert.equal(ours.controller?.isController, false);
      await eventually(
        async () => (await metadataFrom(c.broker(b.id).address)).controller === b.id,
        20_000,
        `Kafka's metadata to name controller ${b.id}`,
      );
    }

    // C. Make ours the controller deterministically: hold the Kafka brokers' ZooKeeper traffic
    // (their sessions stay alive; the hold is far shorter than their session timeout), then free /controller.
    let current = { id: b.id, epoch: b.epoch };
    let elections = 1;
    if (current.id !== 120) {
      elections++;
      const kafkaProxies = c.brokers.filter((x) => x.running).map((x) => proxies.get(x.id) as TcpProxy);
      const elected = waitForEvent<[{ epoch: number }]>(ours, 'elected', 10_000, 'our candidate to be elected');
      const cur = await controllerNow();
      const ev = await epochNow();
      for (const p of kafkaProxies) p.set('hold');
      try {
        await obs.delete('/controller', cur.version);
        current = await nextElection(cur, ev.version, 'our candidate to take the free /controller');
        assert.equal((await elected)[0].epoch, current.epoch);
      } finally {
        for (const p of kafkaProxies) p.set('pass');
      }
      assert.equal(current.id, 120);
      assert.equal(current.epoch, b.epoch + 1);
    }

    // D. A real Kafka broker takes over while our candidate cannot hear of it; the fenced write
    // issued then must fail with ControllerMovedError and must not be applied.
    const cur = await controllerNow();
    const ev = await epochNow();
    ourProxy.set('hold');
    let write: Promise<unknown> | undefined;
    try {
      await obs.delete('/controller', cur.version);
      const d = await nextElection(cur, ev.version, 'a Kafka broker to take /controller over');
      assert.notEqual(d.id, 120);
      assert.equal(d.epoch, current.epoch + 1);
      elections++;
      assert.equal(ours.controller?.isController, true, 'our candidate has not heard of it yet');
      write = ours.controller?.fencedWrite('/kzr-fenced-write', Buffer.from('from a deposed controller'), { create: true });
      write?.catch(() => undefined);
    } finally {
      ourProxy.set('pass');
    }
    await assert.rejects(within(write as Promise<unknown>, 15_000, 'the fenced write to settle'), (err: unknown) => {
      assert.ok(err instanceof ControllerMovedError, String(err));
      return true;
    });
    assert.equal(await obs.exists('/kzr-fenced-write'), null, 'the fenced write was not applied');
    assert.equal(ours.controller?.isController, false);

    // E. The epoch never went backwards, and moved exactly once per election.
    watching = false;
    await monitor;
    for (let i = 1; i < epochs.length; i++)
      assert.ok((epochs[i] as number) >= (epochs[i - 1] as number), `epochs seen: ${epochs.join(',')}`);
    assert.equal((await epochNow()).epoch, epoch0.epoch + elections);
    await ours.stop();
    await c.broker(before.id).start();
  });
});
