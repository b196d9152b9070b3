// The race this library exists for, made deterministic: a node of a session that is dead to its
// client but not yet deleted by the server. A registrar on a new session must not claim it, and
// must own the path right after the old node goes. The naive registrar (NodeExists = success) must
// lose its registration in the same scenario, which proves the test can see the bug.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar, Connection, type Session, type Registration } from '../src/index.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { useZooKeeper } from './harness/fixture.js';
import { NaiveRegistrar } from './harness/naive-registrar.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession } from './harness/sessions.js';

const zk = useZooKeeper();
const KEEPER = join(__dirname, 'fixtures', 'session-keeper.js');
const PATH = '/brokers/ids/1';
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];

/** Keeps session `id` alive from a child process (fixtures/session-keeper) until close(), which closes it. */
async function keepAlive(connect: string, id: string, password: string): Promise<{ id: string; close: () => Promise<void> }> {
  const proc = spawn(process.execPath, [KEEPER, connect, id, password, '4000'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    proc.stdin?.end();
    await within(exited, 10_000, 'the session keeper to close the session and exit');
  };
  zk.track({ close: () => (proc.exitCode === null && proc.signalCode === null ? close() : undefined) });
  const line = await within(
    new Promise<string>((resolve) => createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', resolve)),
    15_000,
    `a child process to attach to session 0x${id}`,
  );
  const msg = JSON.parse(line) as { attached?: string; error?: string };
  if (msg.attached !== id) throw new Error(`the session keeper did not attach to 0x${id}: ${line}`);
  return { id, close };
}

/** Blocks this process's event loop (every timer, socket and client of it) for `ms`: a frozen process. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Session "A": holds /brokers/ids/1 like a broker's previous, about-to-expire session. */
async function staleOwner(connect: string): Promise<{ id: string; password: string }> {
  await zk.observer(connect); // creates the chroot
  return zk.track(await holdBrokerNode(connect, 1));
}

describe('stale owner from a dead session', () => {
  test('the registrar waits the stale node out and owns the path right after it is deleted', async () => {
    const connect = zk.chroot();
    const a = await staleOwner(connect);
    const obs = await zk.observer(connect);
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 1, listeners }));
    let registeredAt: number | undefined;
    r.on('registered', () => (registeredAt = Date.now()));

    const waiting = waitForEvent<[{ ownerSessionId: string }]>(r, 'waiting', 10_000, 'the registrar to see the stale owner');
    const started = r.start();
    const [w] = await waiting;
    assert.equal(w.ownerSessionId, a.id, 'the blocking owner is session A');
    assert.equal(r.status().state, 'waiting');
    assert.equal(r.status().blockedBySession, a.id);

    // The stale node lives on for a while, as it does while a stalled leader catches up.
    await sleep(1500);
    assert.equal(registeredAt, undefined, 'must not report registered while A owns the node');
    assert.equal((await obs.exists(PATH))?.ephemeralOwner, a.id, 'A still owns the node');

    const killedAt = Date.now();
    await killSession(connect, a.id, a.password);
    const reg: Registration = await within(started, 10_000, 'start() to resolve after A is gone');
    assert.ok(registeredAt !== undefined && registeredAt >= killedAt, 'registered only after A was killed');
    const stat = await waitForNode(obs, PATH, (s) => s !== null, 5000, 'the node to exist');
    assert.equal(stat?.ephemeralOwner, reg.sessionId, 'the node is owned by the registrar session');
    assert.notEqual(reg.sessionId, a.id);
    assert.equal(stat?.czxid, reg.brokerEpoch);
  });

  test('the naive registrar claims the stale node and ends up with no node (the bug)', async () => {
    const connect = zk.chroot();
    const a = await staleOwner(connect);
    const obs = await zk.observer(connect);
    const naive = zk.track(new NaiveRegistrar(connect, PATH, Buffer.from('{}')));
    await within(naive.start(), 10_000, 'the naive registrar to start');
    assert.equal(naive.registered, true, 'the naive registrar believes it is registered');
    assert.equal((await obs.exists(PATH))?.ephemeralOwner, a.id, "...but the node is A's");

    await killSession(connect, a.id, a.password);
    await waitForNode(obs, PATH, (s) => s === null, 10_000, "A's node to be deleted");
    // Its session is valid and it believes it is registered, yet nothing will bring the node back.
    assert.equal(naive.connection.state, 'connected');
    assert.equal(naive.registered, true);
    assert.equal(await obs.exists(PATH), null, 'the naive registrar lost its registration');
  });
});

describe('expiry of our own session', () => {
  test('re-registers on a new session with a new broker epoch', async () => {
    const connect = zk.chroot();
    // A shared connection, so the test can read the session's password to kill it.
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    const r = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 2, listeners }));
    const events: string[] = [];
    for (const e of ['registered', 'lost', 'sessionExpired', 'restored'] as const) r.on(e, () => events.push(e));
    const first = await within(r.start(), 10_000, 'start()');
    const s = conn.session;
    assert.ok(s !== undefined);
    const restored = waitForEvent<[Registration]>(r, 'restored', 15_000, 'the registrar to re-register on a new session');
    await killSession(connect, s.id, s.password);
    const [second] = await restored;
    assert.notEqual(second.sessionId, first.sessionId, 'a new session');
    assert.ok(second.brokerEpoch > first.brokerEpoch, 'a new, larger broker epoch');
    // 'lost' may come first: the dying session can still deliver the deletion of our node.
    assert.equal(events[0], 'registered');
    assert.deepEqual(events.slice(1, 3).sort(), ['lost', 'sessionExpired']);
    assert.equal(events[3], 'restored');
    assert.equal(events.length, 4);
    const obs = await zk.observer(connect);
    const stat = await obs.exists('/brokers/ids/2');
    assert.equal(stat?.ephemeralOwner, second.sessionId);
  });
});

describe('our own previous session still holds the node', () => {
  // The report's condition, made deterministic: our client gives up on its session while the server
  // still keeps that session alive. A lost connection alone never makes our client give a session
  // up (it reconnects with it until the server says it expired); a process frozen past the session
  // timeout does (the stall detector). So: our client's traffic is blackholed by a loopback proxy
  // (it cannot win the session back), another process attaches to the session with its id and
  // password and keeps it alive, and this process freezes itself past the session timeout.
  async function giveUpOn(proxy: TcpProxy, conn: Connection, chroot: string): Promise<{ id: string; close: () => Promise<void> }> {
    const s = conn.session as Session;
    proxy.set('blackhole');
    const keeper = await keepAlive(`${zk.server.connectString}${chroot}`, s.id, s.password);
    freeze(s.timeoutMs + 600);
    return keeper;
  }

  test('replaced at once instead of waited for; its later end leaves our node; the naive registrar still loses', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const proxy = await startTcpProxy(zk.server.port);
    zk.track({ close: () => proxy.close() });
    const conn = zk.track(new Connection({ connect: `${proxy.address}${chroot}`, sessionTimeoutMs: 4000 }));
    const r = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 3, listeners }));
    const waited: unknown[] = [];
    r.on('waiting', (w) => waited.push(w));
    const first = await within(r.start(), 10_000, 'start()');

    const expired = waitForEvent<[{ cause: string }]>(r, 'sessionExpired', 20_000, 'our client to give up on its session');
    const restored = waitForEvent<[Registration]>(r, 'restored', 30_000, 'the registration on the new session');
    const keeper = await giveUpOn(proxy, conn, chroot);
    assert.equal((await expired)[0].cause, 'stall');
    proxy.set('pass');
    const [second] = await restored;
    assert.equal(second.replacedSessionId, first.sessionId, 'the node of our previous session was replaced');
    assert.notEqual(second.sessionId, first.sessionId);
    assert.deepEqual(waited, [], 'nothing was waited for');
    // (a) the previous session ending later deletes only what it owns: not our new node.
    await keeper.close();
    const obs = await zk.observer(connect);
    await waitForNode(obs, '/brokers/ids/3', (st) => st?.ephemeralOwner === second.sessionId, 5000, 'our node, owned by the new session');
    assert.equal((await obs.exists('/brokers/ids/3'))?.czxid, second.brokerEpoch);
    assert.equal(r.status().state, 'owned');

    // (c) the naive registrar in the same scenario: "already registered", and then nothing.
    const proxy2 = await startTcpProxy(zk.server.port);
    zk.track({ close: () => proxy2.close() });
    const naive = zk.track(new NaiveRegistrar(`${proxy2.address}${chroot}`, '/brokers/ids/4', Buffer.from('{}')));
    await naive.start();
    const naiveExpired = waitForEvent(naive.connection, 'expired', 20_000, 'the naive client to give up on its session');
    const keeper2 = await giveUpOn(proxy2, naive.connection, chroot);
    await naiveExpired;
    proxy2.set('pass');
    await eventually(async () => naive.registered, 20_000, 'the naive registrar to register on its new session');
    // The freeze gave up every session of this process, the observer's too: look with a new one.
    const obs2 = await zk.observer(connect);
    assert.equal((await obs2.exists('/brokers/ids/4'))?.ephemeralOwner, keeper2.id, "the node it believes in is its previous session's");
    await keeper2.close();
    await waitForNode(obs2, '/brokers/ids/4', (st) => st === null, 10_000, "the previous session's node to go with it");
    assert.equal(naive.registered, true, 'and still believes it, with no node: the bug');
  });
});

describe('live conflict: two registrars with one broker id', () => {
  test('with other endpoints, the duplicate is another broker: refused at once (BrokerIdInUseError), the owner untouched', async () => {
    const connect = zk.chroot();
    const owner = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 3, listeners }));
    const reg = await within(owner.start(), 10_000, 'the first registrar');
    const obs = await zk.observer(connect);
    const before = await obs.get('/brokers/ids/3');

    const dup = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect, sessionTimeoutMs: 4000 },
        brokerId: 3,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.2', port: 9092 }],
        conflict: { timeoutMs: 1000, policy: 'fail' },
      }),
    );
    const err = await within(
      dup.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      10_000,
      'the duplicate to give up',
    );
    assert.equal((err as { code?: string }).code, 'BROKER_ID_IN_USE', String(err));
    assert.equal((err as { ownerSessionId?: string }).ownerSessionId, reg.sessionId);
    assert.deepEqual((err as { holderEndpoints?: string[] }).holderEndpoints, ['PLAINTEXT://127.0.0.1:9092']);
    assert.equal(dup.status().state, 'stopped');

    const after = await obs.get('/brokers/ids/3');
    assert.equal(after.stat.ephemeralOwner, reg.sessionId);
    assert.equal(after.stat.czxid, before.stat.czxid);
    assert.deepEqual(after.data, before.data, "the owner's data is untouched");
    assert.equal(owner.status().state, 'owned');
  });

  test('with policy "wait", the duplicate reports the conflict and takes over once the owner stops', async () => {
    const connect = zk.chroot();
    const owner = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 4, listeners }));
    await within(owner.start(), 10_000, 'the first registrar');
    const dup = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect, sessionTimeoutMs: 4000 },
        brokerId: 4,
        listeners,
        conflict: { timeoutMs: 500, policy: 'wait' },
      }),
    );
    const conflict = waitForEvent(dup, 'conflict', 10_000, 'a conflict event');
    const started = dup.start();
    await conflict;
    assert.equal(dup.status().state, 'waiting');
    assert.equal(dup.status().lastError?.code, 'REGISTRATION_CONFLICT');
    await owner.stop();
    const reg = await within(started, 10_000, 'the duplicate to take over');
    const obs = await zk.observer(connect);
    assert.equal((await obs.exists('/brokers/ids/4'))?.ephemeralOwner, reg.sessionId);
    assert.equal(dup.status().lastError, undefined, 'a conflict waited out is not the last error of a registered broker');
  });
});

describe('a live holder with our endpoints (a real broker beside its own sidecar)', () => {
  test('by default it is given up after the conflict bound, and the id is not taken when that holder goes', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect); // creates the chroot
    const holder = zk.track(await holdBrokerNode(connect, 5)); // PLAINTEXT://127.0.0.1:9092, a live session
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 5, listeners, conflict: { timeoutMs: 500 } }),
    );
    const err = await within(
      r.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      10_000,
      'start() to give up on the live holder',
    );
    assert.equal((err as { code?: string }).code, 'REGISTRATION_CONFLICT', String(err));
    assert.match(String((err as Error).message), /endpoints PLAINTEXT:\/\/127\.0\.0\.1:9092/);
    // The holder restarts (its node goes): nothing of ours takes the id meanwhile.
    await holder.delete('/brokers/ids/5', -1);
    await sleep(1000); // nothing to wait for: the point is that nothing happens
    assert.equal(await obs.exists('/brokers/ids/5'), null, 'the id was left for its holder to take back');
    assert.equal(r.status().state, 'stopped');
  });
});
