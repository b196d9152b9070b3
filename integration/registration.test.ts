// Fresh registration, Kafka's znode format, restore after deletion, stop() semantics — against a
// real ZooKeeper server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BrokerRegistrar,
  ClusterIdMismatchError,
  Connection,
  decodeBrokerZNode,
  encodeBrokerZNode,
  InvalidConfigError,
  listenersToEndpoints,
  PathClaimedError,
  PersistentNodeError,
  Session,
  StartAbortedError,
  type Registration,
} from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { startTcpProxy } from './harness/tcp-proxy.js';
import { killSession } from './harness/sessions.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';

const zk = useZooKeeper();

const LISTENERS = [
  { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
  { name: 'internal', host: 'broker-1.example', port: 9093, securityProtocol: 'SASL_SSL' as const },
];

function registrar(
  connect: string,
  brokerId: number,
  extra: Partial<ConstructorParameters<typeof BrokerRegistrar>[0]> = {},
): BrokerRegistrar {
  return zk.track(
    new BrokerRegistrar({
      zookeeper: { connect, sessionTimeoutMs: 4000 },
      brokerId,
      listeners: LISTENERS,
      rack: 'rack-a',
      jmxPort: 9999,
      ...extra,
    }),
  );
}

describe('fresh registration', () => {
  test('creates /brokers/ids/<id> in Kafka format, owned by our session, epoch = czxid', async () => {
    const connect = zk.chroot();
    const r = registrar(connect, 1);
    const before = Date.now();
    const reg = await within(r.start(), 20_000, 'start()');
    const obs = await zk.observer(connect);
    const { data, stat } = await obs.get('/brokers/ids/1');

    assert.equal(stat.ephemeralOwner, reg.sessionId, 'node must be owned by the registrar session');
    assert.equal(reg.brokerEpoch, stat.czxid, 'broker epoch is the czxid');
    assert.equal(r.brokerEpoch, stat.czxid);
    const json = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), [
      'endpoints',
      'features',
      'host',
      'jmx_port',
      'listener_security_protocol_map',
      'port',
      'rack',
      'timestamp',
      'version',
    ]);
    assert.equal(json.version, 5);
    assert.equal(json.host, '127.0.0.1');
    assert.equal(json.port, 9092);
    assert.deepEqual(json.endpoints, ['PLAINTEXT://127.0.0.1:9092', 'INTERNAL://broker-1.example:9093']);
    assert.deepEqual(json.listener_security_protocol_map, { PLAINTEXT: 'PLAINTEXT', INTERNAL: 'SASL_SSL' });
    assert.equal(json.jmx_port, 9999);
    assert.equal(json.rack, 'rack-a');
    assert.deepEqual(json.features, {});
    assert.equal(typeof json.timestamp, 'string');
    const ts = Number(json.timestamp);
    assert.ok(ts >= before - 1000 && ts <= Date.now() + 1000, `timestamp ${json.timestamp} is not now`);

    const decoded = decodeBrokerZNode(1, data);
    assert.equal(decoded.endpoints[1]?.securityProtocol, 'SASL_SSL');

    const st = r.status();
    assert.equal(st.state, 'owned');
    assert.equal(st.brokerEpoch, stat.czxid);
    assert.equal(st.sessionId, reg.sessionId);
    assert.equal(st.registrations, 1);
    assert.equal(st.connection, 'connected');
  });

  test('znode version 4 has no features and the same endpoints', async () => {
    const connect = zk.chroot();
    const r = registrar(connect, 2, { znodeVersion: 4, listeners: [{ name: 'SSL', host: '::1', port: 9094 }], rack: undefined });
    await within(r.start(), 20_000, 'start()');
    const obs = await zk.observer(connect);
    const json = JSON.parse((await obs.get('/brokers/ids/2')).data.toString('utf8')) as Record<string, unknown>;
    assert.equal(json.version, 4);
    assert.equal('features' in json, false);
    assert.equal('rack' in json, false);
    assert.equal(json.host, null, 'no PLAINTEXT endpoint: host is null');
    assert.equal(json.port, -1);
    assert.deepEqual(json.endpoints, ['SSL://[::1]:9094']);
  });
});

describe('interference while the session is valid', () => {
  test('a node deleted by another client is restored on the same session with a new epoch', async () => {
    const connect = zk.chroot();
    const r = registrar(connect, 3);
    const first = await within(r.start(), 20_000, 'start()');
    const obs = await zk.observer(connect);
    const lost = waitForEvent(r, 'lost', 10_000, 'the registrar to notice the deletion');
    const restored = waitForEvent<[Registration]>(r, 'restored', 10_000, 'the registrar to restore its node');
    await obs.delete('/brokers/ids/3', -1);
    const [info] = (await lost) as [{ reason: string }];
    assert.equal(info.reason, 'deleted');
    const [again] = await restored;
    assert.equal(again.sessionId, first.sessionId, 'restored on the same session');
    assert.notEqual(again.brokerEpoch, first.brokerEpoch, 'a re-created node has a new czxid');
    const stat = await obs.exists('/brokers/ids/3');
    assert.equal(stat?.ephemeralOwner, first.sessionId);
    assert.equal(stat?.czxid, again.brokerEpoch);
    assert.equal(r.status().registrations, 2);
  });

  test('data overwritten by another client is put back', async () => {
    const connect = zk.chroot();
    const r = registrar(connect, 4);
    await within(r.start(), 20_000, 'start()');
    const obs = await zk.observer(connect);
    const original = (await obs.get('/brokers/ids/4')).data;
    const restored = waitForEvent(r, 'restored', 10_000, 'the registrar to rewrite its data');
    await obs.set('/brokers/ids/4', Buffer.from('{"garbage":true}'), -1);
    await restored;
    const now = await obs.get('/brokers/ids/4');
    assert.deepEqual(now.data, original);
  });
});

describe('stop()', () => {
  test('deletes our node and leaves other brokers alone', async () => {
    const connect = zk.chroot();
    const mine = registrar(connect, 5);
    const other = registrar(connect, 6);
    await within(Promise.all([mine.start(), other.start()]), 20_000, 'both registrars to start');
    const obs = await zk.observer(connect);
    await mine.stop();
    assert.equal(await obs.exists('/brokers/ids/5'), null, 'our node is gone after stop()');
    assert.notEqual(await obs.exists('/brokers/ids/6'), null, 'the other broker is untouched');
    assert.equal(mine.status().state, 'stopped');
    assert.equal(mine.status().connection, 'closed');
    await mine.stop(); // idempotent
  });

  test('does not delete a node that another session owns, nor wait to take it: not a broker registration is not ours', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/brokers/ids/7');
    await obs.create('/brokers/ids/7', Buffer.from('{"not":"ours"}'), 'ephemeral');
    const r = registrar(connect, 7);
    let announced = false;
    r.on('registered', () => (announced = true));
    await assert.rejects(within(r.start(), 10_000, 'start() to refuse the foreign node'), { code: 'BROKER_ID_IN_USE' });
    await r.stop();
    assert.equal(announced, false, 'nothing is announced after stop()');
    const { data, stat } = await obs.get('/brokers/ids/7');
    assert.equal(stat.ephemeralOwner, obs.id);
    assert.equal(data.toString(), '{"not":"ours"}');
  });

  test('on a shared connection, leaves the connection open', async () => {
    const connect = zk.chroot();
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    const r = registrar(connect, 8, { zookeeper: conn });
    await within(r.start(), 20_000, 'start()');
    await r.stop();
    assert.equal(conn.state, 'connected');
    const s = conn.session;
    assert.ok(s !== undefined);
    await waitForNode(s, '/brokers/ids/8', (st) => st === null, 5000, 'the node to be deleted');
  });
});

describe('misuse that used to fight or hang', () => {
  test('two recipes for one path on one Connection: the second is refused, the first keeps its node', async () => {
    const connect = zk.chroot();
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    await conn.start();
    const a = registrar(connect, 1, { zookeeper: conn });
    const b = registrar(connect, 1, { zookeeper: conn });
    const events: string[] = [];
    a.on('lost', (e) => events.push(`lost ${e.reason}`));
    a.on('restored', () => events.push('restored'));
    const reg = await within(a.start(), 10_000, 'the first registrar');
    await assert.rejects(b.start(), (err: unknown) => {
      assert.ok(err instanceof PathClaimedError, String(err));
      assert.equal(err.code, 'PATH_CLAIMED');
      assert.equal(err.path, '/brokers/ids/1');
      return true;
    });
    await b.stop();
    const obs = await zk.observer(connect);
    const st = await obs.exists('/brokers/ids/1');
    assert.equal(st?.ephemeralOwner, reg.sessionId, 'the refused registrar deleted nothing');
    assert.equal(st?.czxid, reg.brokerEpoch, 'and rewrote nothing');
    assert.equal(a.status().state, 'owned');
    assert.deepEqual(events, []);

    // At most one controller candidate per Connection, for the same reason.
    const c1 = registrar(connect, 2, { zookeeper: conn, controller: { performsControllerDuties: true, besideOtherBrokers: true } });
    const c2 = registrar(connect, 3, { zookeeper: conn, controller: { performsControllerDuties: true, besideOtherBrokers: true } });
    const elected = waitForEvent(c1, 'elected', 10_000, 'the first candidate to be elected');
    await c1.start();
    await elected;
    await assert.rejects(c2.start(), (err: unknown) => err instanceof PathClaimedError && err.path === '/controller');
    assert.equal((await obs.get('/controller_epoch')).data.toString(), '1');
    assert.equal(await obs.exists('/brokers/ids/3'), null);

    // A stopped recipe gives its path back.
    await a.stop();
    const again = registrar(connect, 1, { zookeeper: conn });
    const reg2 = await within(again.start(), 10_000, 'a new registrar for the released path');
    assert.equal(reg2.sessionId, conn.session?.id);
  });

  test('a persistent node at /brokers/ids/<id>: start() fails with PersistentNodeError and the node is untouched', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/brokers/ids/5');
    await obs.create('/brokers/ids/5', Buffer.from('left by a tool'), 'persistent');
    const r = registrar(connect, 5);
    await assert.rejects(within(r.start(), 10_000, 'start() to settle'), (err: unknown) => {
      assert.ok(err instanceof PersistentNodeError, String(err));
      assert.equal(err.code, 'PERSISTENT_NODE');
      assert.equal(err.path, '/brokers/ids/5');
      return true;
    });
    assert.equal((await obs.get('/brokers/ids/5')).data.toString(), 'left by a tool');
  });
});

describe('what users expect from Kafka and Curator', () => {
  test('update(): a live registration changes in place, version-checked, keeping the broker epoch', async () => {
    const connect = zk.chroot();
    const r = registrar(connect, 21);
    const events: string[] = [];
    for (const e of ['lost', 'restored'] as const) r.on(e, () => events.push(e));
    const reg = await within(r.start(), 10_000, 'start()');
    const obs = await zk.observer(connect);
    const before = await obs.get('/brokers/ids/21');
    const updated = await r.update({ rack: 'rack-b', listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9094 }] });
    assert.equal(updated?.brokerEpoch, reg.brokerEpoch);
    const after = await obs.get('/brokers/ids/21');
    assert.equal(after.stat.czxid, before.stat.czxid, 'same znode: same broker epoch');
    assert.equal(after.stat.version, before.stat.version + 1);
    const decoded = decodeBrokerZNode(21, after.data);
    assert.equal(decoded.rack, 'rack-b');
    assert.deepEqual(
      decoded.endpoints.map((e) => e.port),
      [9094],
    );
    // Bad changes are refused before anything is written.
    await assert.rejects(r.update({ listeners: [] }), /invalid listeners/);
    assert.equal((await obs.get('/brokers/ids/21')).stat.version, after.stat.version);
    // Our own watch sees the rewrite as ours: no loss, no restore.
    await r.update({ rack: 'rack-c' });
    const again = await waitForNode(obs, '/brokers/ids/21', (st) => st?.version === after.stat.version + 1, 5000, 'the second update');
    assert.equal(again?.czxid, reg.brokerEpoch);
    assert.equal(r.status().state, 'owned');
    assert.deepEqual(events, []);
  });

  test('start({ signal }): an overall deadline; everything it opened is released', async () => {
    const connect = zk.chroot();
    const holder = await zk.observer(connect);
    await holder.createParents('/brokers/ids/22');
    const r = registrar(connect, 22);
    // What this broker itself would write: a previous session of ours, waited out (not refused).
    await holder.create(
      '/brokers/ids/22',
      encodeBrokerZNode({ brokerId: 22, endpoints: listenersToEndpoints(LISTENERS), jmxPort: 9999, version: 5 }, Date.now()),
      'ephemeral',
    );
    await assert.rejects(within(r.start({ signal: AbortSignal.timeout(300) }), 10_000, 'start() to give up'), (err: unknown) => {
      assert.ok(err instanceof StartAbortedError, String(err));
      assert.equal(err.code, 'START_ABORTED');
      return true;
    });
    assert.equal(r.status().state, 'stopped');
    assert.equal(r.status().connection, 'closed');
    assert.equal((await holder.exists('/brokers/ids/22'))?.ephemeralOwner, holder.id, "the other owner's node is untouched");
  });

  test('clusterId: refuses to register where /cluster/id names another cluster or none', async () => {
    const connect = zk.chroot();
    const elsewhere = registrar(connect, 23, { clusterId: 'LH7Br1EvRAi2Gm2qrqskqQ' });
    await assert.rejects(elsewhere.start(), (err: unknown) => err instanceof ClusterIdMismatchError && err.found === undefined);
    const obs = await zk.observer(connect);
    await obs.createParents('/cluster/id');
    await obs.create('/cluster/id', Buffer.from('{"version":"1","id":"AAAAAAAAAAAAAAAAAAAAAA"}'), 'persistent');
    const wrong = registrar(connect, 23, { clusterId: 'LH7Br1EvRAi2Gm2qrqskqQ' });
    await assert.rejects(
      wrong.start(),
      (err: unknown) =>
        err instanceof ClusterIdMismatchError && err.found === 'AAAAAAAAAAAAAAAAAAAAAA' && err.code === 'CLUSTER_ID_MISMATCH',
    );
    assert.equal(await obs.exists('/brokers/ids/23'), null, 'nothing was registered');
    const right = registrar(connect, 23, { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    await within(right.start(), 10_000, 'start() in the right cluster');
    assert.equal(right.status().clusterId, 'AAAAAAAAAAAAAAAAAAAAAA');
  });
});

describe('Session.open reattach credentials', () => {
  test('a password in either case attaches; bad ones are refused, never echoed', async () => {
    const connect = zk.chroot();
    const owner = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    const s = await owner.start();
    await owner.ensureChroot();
    await s.createParents('/held/x');
    await s.create('/held/x', Buffer.from('x'), 'ephemeral');
    const obs = await zk.observer(connect);
    // Attach with the password in upper case (Session.password is lower case), and close: the session
    // ends. A password misread would be refused by the server as if the session had expired:
    // killSession would take that for success and the node would stay.
    await killSession(connect, s.id, s.password.toUpperCase());
    await waitForNode(obs, '/held/x', (st) => st === null, 10_000, 'the ephemeral of the closed session to go');

    const secret = 'zz'.repeat(16);
    const refused = await Session.open({ connect, sessionTimeoutMs: 4000, sessionId: s.id, sessionPassword: secret }).catch(
      (e: unknown) => e,
    );
    assert.ok(refused instanceof InvalidConfigError);
    assert.equal(refused.field, 'sessionPassword');
    assert.ok(!refused.message.includes(secret), 'the password is not in the message');
    const half = await Session.open({ connect, sessionTimeoutMs: 4000, sessionId: s.id }).catch((e: unknown) => e);
    assert.ok(half instanceof InvalidConfigError && half.field === 'sessionPassword');
    const badId = await Session.open({ connect, sessionTimeoutMs: 4000, sessionId: 'not-hex', sessionPassword: s.password }).catch(
      (e: unknown) => e,
    );
    assert.ok(badId instanceof InvalidConfigError && badId.field === 'sessionId');
  });
});

describe('IPv6 addresses in brackets', () => {
  test('a connect string with [::ffff:127.0.0.1]:port registers (the server listens on IPv4 loopback only)', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const r = registrar(`[::ffff:127.0.0.1]:${zk.server.port}${chroot}`, 79);
    const reg = await within(r.start(), 10_000, 'start() through the IPv6 literal');
    const obs = await zk.observer(connect);
    assert.equal((await obs.exists('/brokers/ids/79'))?.ephemeralOwner, reg.sessionId);
  });
});

describe('a dropped connection', () => {
  test('the same session comes back on a new connection: no expiry, node kept, watches set again', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const proxy = await startTcpProxy(zk.server.port);
    zk.track({ close: () => proxy.close() });
    const conn = zk.track(new Connection({ connect: `${proxy.address}${chroot}`, sessionTimeoutMs: 6000 }));
    const r = registrar(`${proxy.address}${chroot}`, 78, { zookeeper: conn });
    const expiries: unknown[] = [];
    r.on('sessionExpired', (e) => expiries.push(e));
    const first = await within(r.start(), 10_000, 'start()');
    const session = conn.session as Session;

    for (let drop = 1; drop <= 3; drop++) {
      const back = waitForEvent(conn, 'connected', 10_000, `the connection back after drop ${drop}`);
      proxy.reset();
      await back;
      assert.equal(conn.session, session, 'the same session, not a new one');
    }
    assert.deepEqual(expiries, [], 'no expiry');
    const obs = await zk.observer(connect);
    assert.equal((await obs.exists('/brokers/ids/78'))?.ephemeralOwner, first.sessionId);

    // The client presents the session's watches again on each new connection (SetWatches): a
    // deletion by someone else is still noticed and repaired on the same session.
    const restored = waitForEvent<[Registration]>(r, 'restored', 10_000, 'the node restored after a deletion');
    await obs.delete('/brokers/ids/78', -1);
    const [again] = await restored;
    assert.equal(again.sessionId, first.sessionId);
    await waitForNode(obs, '/brokers/ids/78', (st) => st?.ephemeralOwner === first.sessionId, 5000, 'our node back');
  });
});
