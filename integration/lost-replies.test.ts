// Replies lost to a connection loss after the server applied the request, and a ZooKeeper out of
// reach at stop(): the registrar's writes, its stop and its /migration watch against a real server,
// through a forwarder that loses exactly the reply it is told to (harness/shaping-proxy.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokerRegistrar, Connection, decodeBrokerZNode, encodeMigrationZNode, OwnedEphemeral, StoppedError } from '../src/index.js';
import { OpCode } from '../src/zookeeper/protocol/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { killSession } from './harness/sessions.js';
import { startShapingProxy, type ShapingProxy } from './harness/shaping-proxy.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';

const zk = useZooKeeper();
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];

/** A chroot with /brokers/ids made (no create of the registrar's but its own), and a proxy to the server. */
async function setUp(): Promise<{ chroot: string; via: string; proxy: ShapingProxy; obs: Awaited<ReturnType<typeof zk.observer>> }> {
  const connect = zk.chroot();
  const chroot = connect.slice(connect.indexOf('/'));
  const obs = await zk.observer(connect);
  await obs.createParents('/brokers/ids/x');
  const proxy = zk.track(await startShapingProxy(zk.server.port));
  return { chroot, via: `${proxy.address}${chroot}`, proxy, obs };
}

const rackOf = async (obs: Awaited<ReturnType<typeof zk.observer>>, id: number): Promise<string | undefined> =>
  decodeBrokerZNode(id, (await obs.get(`/brokers/ids/${id}`)).data).rack;

describe('replies lost after the server applied the request', () => {
  test("update() whose setData reply is lost: the update stands (it is not put back), one ownership, no 'lost'", async () => {
    const { via, proxy, obs } = await setUp();
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect: via, sessionTimeoutMs: 6000 }, brokerId: 1, rack: 'old', listeners }));
    const events: string[] = [];
    for (const e of ['registered', 'lost', 'restored'] as const) r.on(e, () => events.push(e));
    const reg = await within(r.start(), 15_000, 'the registration');
    const cut = proxy.loseReplyTo(OpCode.setData);
    const updated = await within(r.update({ rack: 'new' }), 15_000, 'update() across the lost reply');
    await cut;
    assert.equal(updated?.brokerEpoch, reg.brokerEpoch, 'update() says the registration it made, in place');
    assert.equal(await rackOf(obs, 1), 'new');
    // The routine's next look at the node (a reconnect runs it) finds the update, not a change to undo.
    await within(r.update({ rack: 'new' }), 15_000, 'a second update()');
    assert.equal(await rackOf(obs, 1), 'new');
    assert.deepEqual(events, ['registered']);
  });

  test("stop() while the create's reply is lost and ZooKeeper is out of reach: 'unreachable', and the node is deleted once the shared session is back", async () => {
    const { chroot, via, proxy, obs } = await setUp();
    const conn = zk.track(new Connection({ connect: via, sessionTimeoutMs: 6000 }));
    const s = await within(conn.start(), 15_000, 'the shared session');
    const r = new BrokerRegistrar({ zookeeper: conn, brokerId: 2, listeners });
    const cut = proxy.loseReplyTo(OpCode.create, { refuseReconnects: true });
    const starting = r.start();
    starting.catch(() => undefined);
    await within(cut, 15_000, "the create's reply to be lost");
    assert.notEqual(await obs.exists('/brokers/ids/2'), null, 'the server made the node');
    const out = await within(r.stop(), 10_000, 'stop()');
    assert.deepEqual(out, { deleted: false, reason: 'unreachable' }, 'a create of ours may be in place: only ZooKeeper can say');
    await assert.rejects(within(starting, 5000, 'start() to settle'), StoppedError);
    proxy.admit();
    await waitForNode(obs, '/brokers/ids/2', (st) => st === null, 15_000, `the stopped registrar's node to be deleted (chroot ${chroot})`);
    assert.equal(conn.session?.id, s.id, 'on the same session, which would have kept the node for as long as the Connection lives');
  });

  test('start() on a shared Connection that is down: stop() ends it with StoppedError, without waiting for ZooKeeper', async () => {
    const { via, proxy } = await setUp();
    const conn = zk.track(new Connection({ connect: via, sessionTimeoutMs: 30_000 }));
    await within(conn.start(), 15_000, 'the shared session');
    const down = waitForEvent(conn, 'disconnected', 10_000, 'the connection to go down');
    proxy.refuse(true);
    await down;
    const r = new BrokerRegistrar({ zookeeper: conn, brokerId: 3, listeners });
    const starting = r.start();
    starting.catch(() => undefined);
    await within(r.stop(), 10_000, 'stop()');
    await assert.rejects(within(starting, 5000, 'start() to settle once stopped'), StoppedError);
  });

  test('the /migration watch whose re-read loses its reply: read again on the reconnect, every later change seen', async () => {
    const { via, proxy, obs } = await setUp();
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: { connect: via, sessionTimeoutMs: 6000 }, brokerId: 4, kraftMigration: 'register', listeners }),
    );
    await within(r.start(), 15_000, 'the registration');
    const state = { kraftControllerId: 3000, kraftControllerEpoch: 1, kraftMetadataOffset: 0, kraftMetadataEpoch: 1 };
    const cut = proxy.loseReplyTo(OpCode.exists);
    const waiting = waitForEvent(
      r,
      'kraftMigration',
      15_000,
      'the migration to be seen after the lost read',
      (m: { phase: string }) => m.phase === 'waiting-for-brokers',
    );
    await obs.create('/migration', encodeMigrationZNode(state), 'persistent');
    await within(cut, 10_000, 'the re-read to lose its reply');
    await waiting;
    const migrated = waitForEvent(
      r,
      'kraftMigration',
      15_000,
      'the migration to be seen done',
      (m: { phase: string }) => m.phase === 'migrated',
    );
    await obs.set('/migration', encodeMigrationZNode({ ...state, kraftMetadataOffset: 100 }), -1);
    await migrated;
    assert.equal(r.status().kraftMigration?.phase, 'migrated');
  });

  test('update() while its session expires: resolves undefined (not registered right now), and the next registration has the update', async () => {
    const { via, proxy, obs } = await setUp();
    const conn = zk.track(new Connection({ connect: via, sessionTimeoutMs: 6000 }));
    const s = await within(conn.start(), 15_000, 'the session');
    const r = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 5, rack: 'a', listeners }));
    await within(r.start(), 15_000, 'the registration');
    const cut = proxy.loseReplyTo(OpCode.setData, { refuseReconnects: true });
    const updating = r.update({ rack: 'b' });
    await within(cut, 10_000, "the setData's reply to be lost");
    const restored = waitForEvent(r, 'restored', 20_000, 'the registration on a new session');
    await killSession(zk.server.connectString, s.id, s.password);
    proxy.admit();
    assert.equal(await within(updating, 15_000, 'update() to settle'), undefined);
    await restored;
    await eventually(async () => (await rackOf(obs, 5)) === 'b', 10_000, 'the new registration to carry the update');
  });

  test("rewrite() on a session the server expired before our client heard of it: undefined (not ours right now), not the set's SessionExpiredError", async () => {
    const { via, obs } = await setUp();
    const conn = zk.track(new Connection({ connect: via, sessionTimeoutMs: 6000 }));
    const s = await within(conn.start(), 15_000, 'the session');
    const e = zk.track(new OwnedEphemeral({ connection: conn, path: '/brokers/ids/6', data: () => Buffer.from(`v${Date.now()}`) }));
    await within(e.start(), 15_000, 'the node');
    const owned = waitForEvent<[{ sessionId: string }]>(e, 'owned', 20_000, 'the node on a new session');
    // Ended the server's way on a connection of its own; the set goes out before ours hears of it.
    await killSession(zk.server.connectString, s.id, s.password);
    assert.equal(await within(e.rewrite(), 15_000, 'rewrite() to settle'), undefined);
    const [again] = await owned;
    assert.notEqual(again.sessionId, s.id);
    assert.equal((await obs.exists('/brokers/ids/6'))?.ephemeralOwner, again.sessionId);
  });
});
