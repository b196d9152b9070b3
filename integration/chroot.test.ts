// The chroot, against a real ZooKeeper: a mistyped one is refused or reported before anything is
// written under it, and one that goes missing (ZooKeeper back with an empty data directory, as on
// ephemeral storage) is created again and the registration restored. This file restarts its own
// server, so it has one of its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokerRegistrar, ClusterIdMismatchError, Connection, OwnedEphemeral, type EmptyCluster, type Registration } from '../src/index.js';
import { ownerCheckHook } from '../src/recipes/owned-ephemeral.js';
import { useZooKeeper } from './harness/fixture.js';
import { runCli } from './harness/cli-run.js';
import { openSession } from './harness/sessions.js';
import { waitForEvent, within } from './harness/wait.js';

const zk = useZooKeeper();
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
let n = 0;

/** A chroot that does not exist yet, and a root session to look at it from outside. */
async function freshChroot(): Promise<{ chroot: string; connect: string; exists: (path: string) => Promise<boolean> }> {
  const chroot = `/kzr-chroot-${process.pid}-${++n}`;
  // A session per look: the last test empties the server, which forgets every session.
  const exists = async (p: string): Promise<boolean> => {
    const root = await openSession(zk.server.connectString);
    try {
      return (await root.exists(p)) !== null;
    } finally {
      root.close();
    }
  };
  return { chroot, connect: `${zk.server.connectString}${chroot}`, exists };
}

describe('the chroot', () => {
  test('a mistyped chroot with clusterId set: refused before anything is created', async () => {
    const { chroot, connect, exists } = await freshChroot();
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 1, listeners, clusterId: 'vuwt07fMRguqN39ptO7dNg' }),
    );
    await assert.rejects(within(r.start(), 15_000, 'start() to be refused'), (err: unknown) => {
      assert.ok(err instanceof ClusterIdMismatchError, String(err));
      assert.equal(err.found, undefined);
      return true;
    });
    assert.equal(await exists(chroot), false, `start() left nothing behind (not even ${chroot})`);
  });

  test('a chroot no Kafka broker has started in: registered, and said (event, status, audit)', async () => {
    const { chroot, connect, exists } = await freshChroot();
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 1, listeners }));
    const empty = waitForEvent<[EmptyCluster]>(r, 'emptyCluster', 15_000, 'the emptyCluster event');
    await within(r.start(), 15_000, 'broker 1 to register');
    const [e] = await empty;
    assert.equal(e.reason, 'no-chroot');
    assert.equal(e.chroot, chroot);
    assert.match(e.message, /does not exist/);
    assert.deepEqual(r.status().emptyCluster, e);
    assert.equal(await exists(`${chroot}/brokers/ids/1`), true, 'created with the registration');

    const audit = await runCli(['audit', '--zookeeper', connect]);
    assert.equal(audit.code, 1, audit.out);
    assert.match(audit.out, /empty or not a Kafka cluster: no \/cluster\/id/);
    assert.match(audit.out, /no controller/);
  });

  test('a node right under a missing chroot: the chroot is created once, the node owned, no flood of creates', async () => {
    // One level below the chroot, the parent a create misses is the chroot itself: createParents has
    // nothing to make there. It used to loop create -> no-parent -> parents with no pause (about 1,400
    // creates a second against the server, start() never settling).
    const { chroot, exists } = await freshChroot();
    const deep = `${chroot}/deeper`;
    const conn = zk.track(new Connection({ connect: `${zk.server.connectString}${deep}`, sessionTimeoutMs: 4000 }));
    await within(conn.start(), 10_000, 'the session');
    const outcomes: string[] = [];
    const e = zk.track(
      new OwnedEphemeral({
        connection: conn,
        path: '/node',
        data: () => Buffer.from('x'),
        [ownerCheckHook]: async (step, outcome) => void outcomes.push(`${step}:${outcome}`),
      }),
    );
    const owned = await within(e.start(), 10_000, 'the node to be owned');
    assert.equal(owned.path, '/node');
    assert.equal(await exists(`${deep}/node`), true);
    assert.ok(outcomes.filter((o) => o === 'create:no-parent').length <= 2, `creates that found no parent: ${outcomes.join(', ')}`);
  });

  test("a chroot creation shared by two Connections: the first one's close() does not fail the other's", async () => {
    const { connect, exists } = await freshChroot();
    const a = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    const b = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    const first = a.ensureChroot();
    const second = b.ensureChroot(); // joins the creation a runs
    await a.close();
    await assert.rejects(first, (e: unknown) => (e as { code?: string }).code === 'STOPPED' || (e as Error).name === 'AbortError');
    // Before: b's creation failed with a's AbortError, and a registrar on b gave up for good.
    await within(second, 10_000, "b's chroot creation");
    assert.equal(await exists(connect.slice(connect.indexOf('/'))), true);
  });

  test('ZooKeeper back with an empty data directory: the chroot is created again and the registration restored', async () => {
    const { chroot, connect, exists } = await freshChroot();
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 2, listeners }));
    const first = await within(r.start(), 15_000, 'broker 2 to register');
    const restored = waitForEvent<[Registration]>(r, 'restored', 60_000, 'the registration to be restored on the empty server');
    const causes: string[] = [];
    r.on('sessionExpired', (e) => causes.push(e.cause));
    await zk.server.kill();
    zk.server.wipeData();
    await zk.server.restart();
    const [again] = await restored;
    assert.notEqual(again.sessionId, first.sessionId, 'on a new session (the empty server knows none)');
    // The empty server closes every reconnect of the old session unanswered (it has seen newer zxids
    // than the server has), so the session is given up after a session timeout of that.
    assert.deepEqual(causes, ['refused']);
    assert.equal(await exists(`${chroot}/brokers/ids/2`), true);
    assert.equal(r.status().state, 'owned');
  });
});
