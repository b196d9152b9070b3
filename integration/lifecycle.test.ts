// stop() must leave nothing behind: the process has to exit on its own, with no timers, sockets or
// ZooKeeper handles. Checked in a child process, which is killed (by pid) only if it hangs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { BrokerRegistrar, ConnectTimeoutError, Connection, OwnedEphemeral, StoppedError } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { waitForEvent, within } from './harness/wait.js';
import { freePort } from './harness/zookeeper-server.js';

const zk = useZooKeeper();
const CHILD = join(__dirname, 'fixtures', 'lifecycle-child.js');

interface Report {
  outcome: string;
  cause: string | undefined;
  elapsedMs: number;
  resources: string[];
  state: string;
  owner: boolean;
  thrown: string[];
}

function runChild(args: string[], timeoutMs: number, script = CHILD): Promise<{ code: number | null; report: Report }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`child did not exit on its own within ${timeoutMs} ms; output so far: ${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, report: JSON.parse(out.trim().split('\n').pop() ?? '{}') as Report });
      } catch (err) {
        reject(new Error(`child printed no report (exit ${code}): ${out} ${(err as Error).message}`));
      }
    });
  });
}

test('after start() and stop() the process exits by itself with nothing open', async () => {
  const connect = zk.chroot();
  const { code, report } = await runChild([connect, 'stop-twice'], 20_000);
  assert.equal(report.outcome, 'registered');
  assert.equal(code, 0);
  assert.deepEqual(
    report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'),
    [],
    'no timers or sockets left',
  );
  const obs = await zk.observer(connect);
  assert.equal(await obs.exists('/brokers/ids/42'), null, 'stop() deleted the registration');
  assert.deepEqual(await obs.getChildren('/brokers/ids'), []);
});

test('a start() that cannot reach ZooKeeper rejects with ConnectTimeoutError (cause: refused) after connectTimeoutMs and leaves nothing open', async () => {
  const port = await freePort(); // nothing listens here
  const { code, report } = await runChild([`127.0.0.1:${port}`], 20_000);
  assert.equal(report.outcome, 'CONNECT_TIMEOUT');
  assert.equal(report.cause, 'ECONNREFUSED', "the last attempt's failure is the cause");
  assert.ok(
    report.elapsedMs >= 1400 && report.elapsedMs < 3000,
    `rejected after the 1500 ms connect timeout, not later: ${report.elapsedMs} ms`,
  );
  assert.equal(code, 0);
  assert.deepEqual(
    report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'),
    [],
  );
});

test('a start() whose hosts do not resolve rejects with ConnectTimeoutError (cause: the lookup failure) and leaves nothing open', async () => {
  const { code, report } = await runChild(['no-such-host.invalid:2181,another-missing-host.invalid:2181'], 20_000);
  assert.equal(report.outcome, 'CONNECT_TIMEOUT');
  assert.equal(report.cause, 'ENOTFOUND');
  assert.ok(
    report.elapsedMs >= 1400 && report.elapsedMs < 3000,
    `rejected after the 1500 ms connect timeout, not later: ${report.elapsedMs} ms`,
  );
  assert.equal(code, 0);
  assert.deepEqual(
    report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'),
    [],
  );
});

test('a listener that throws does not break the registration; its error still surfaces', async () => {
  const connect = zk.chroot();
  await zk.observer(connect); // creates the chroot
  const { code, report } = await runChild([connect], 20_000, join(__dirname, 'fixtures', 'throwing-listener-child.js'));
  assert.equal(code, 0);
  assert.equal(report.state, 'owned', 'still maintaining the registration');
  assert.equal(report.owner, true, 'the deleted node was restored');
  assert.deepEqual(report.thrown, ['listener bug on registered', 'listener bug on restored']);
});

test('a shared Connection closed under running registrars: the owner says lost (session-closed) and is no longer ready; a waiting start() rejects', async () => {
  const connect = zk.chroot();
  const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
  const obs = await zk.observer(connect);
  const holder = await holdBrokerNode(connect, 9); // another session's node: broker 9 waits it out
  try {
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    const owner = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 8, listeners }));
    const waiter = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 9, listeners, conflict: { timeoutMs: 60_000 } }));
    const lost = waitForEvent<[{ reason: string }]>(owner, 'lost', 10_000, "broker 8's loss");
    await within(owner.start(), 10_000, 'broker 8 to register');
    const waiting = waitForEvent(waiter, 'waiting', 10_000, 'broker 9 to wait');
    const starting = waiter.start();
    starting.catch(() => undefined); // asserted below
    await waiting;
    await conn.close();
    // Before: broker 8 said owned and ready with its node gone, and broker 9's start() never settled.
    assert.equal((await lost)[0].reason, 'session-closed');
    assert.equal(owner.health().ready, false);
    assert.notEqual(owner.status().state, 'owned');
    await assert.rejects(within(starting, 10_000, "broker 9's start() to settle"), StoppedError);
    assert.equal(await obs.exists('/brokers/ids/8'), null);
  } finally {
    holder.close();
  }
});

test('a recipe on a Connection nobody started starts it; on a closed one it is refused at once; a failed start reaches every recipe sharing it', async () => {
  const port = await freePort(); // nothing listens: every attempt is refused
  const data = (): Buffer => Buffer.from('x');
  // Idle: start() starts the Connection (as BrokerRegistrar does) and settles with its outcome.
  const idle = zk.track(new Connection({ connect: zk.chroot(), sessionTimeoutMs: 6000 }));
  const e = new OwnedEphemeral({ connection: idle, path: '/lifecycle-idle', data });
  try {
    // Before: start() stayed pending for good on a Connection never started.
    const owned = await within(e.start(), 10_000, 'start() on an idle Connection');
    assert.equal(owned.sessionId, idle.session?.id);
  } finally {
    await e.stop();
  }
  // Closed: refused at once, nothing started.
  const closed = new Connection({ connect: zk.chroot() });
  await closed.close();
  await assert.rejects(
    within(new OwnedEphemeral({ connection: closed, path: '/lifecycle-closed', data }).start(), 5_000, 'start() on a closed Connection'),
    StoppedError,
  );
  // A shared Connection whose start fails: the recipe that started it and the registrar waiting on
  // it both settle with why (before, the registrar was told only "stopped").
  const failing = new Connection({ connect: `127.0.0.1:${port}`, connectTimeoutMs: 1_000 });
  const r = new BrokerRegistrar({ zookeeper: failing, brokerId: 11, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
  const recipe = new OwnedEphemeral({ connection: failing, path: '/lifecycle-failing', data });
  const [byRecipe, byRegistrar] = await within(
    Promise.allSettled([recipe.start(), r.start()]),
    10_000,
    'both starts on a Connection whose start fails',
  );
  assert.equal(byRecipe.status, 'rejected');
  assert.ok((byRecipe as PromiseRejectedResult).reason instanceof ConnectTimeoutError, String((byRecipe as PromiseRejectedResult).reason));
  assert.equal(byRegistrar.status, 'rejected');
  const why = (byRegistrar as PromiseRejectedResult).reason as Error;
  assert.ok(
    why instanceof StoppedError && why.cause instanceof ConnectTimeoutError,
    `registrar: ${String(why)}; cause ${String(why.cause)}`,
  );
  await recipe.stop();
  await r.stop();
});

test('close() while a chroot creation runs: it resolves with no socket of ours left open', async () => {
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const hosts = zk.server.connectString;
  const top = `/deep-${process.pid}`;
  // A chroot 40 levels deep: its creation is 40 round trips, so it is surely under way when the
  // first level appears.
  const chroot = `${top}${Array.from({ length: 40 }, (_, i) => `/l${i}`).join('')}`;
  const obs = await zk.observer(hosts);
  const before = sockets();
  const conn = new Connection({ connect: hosts + chroot, sessionTimeoutMs: 6000 });
  await conn.start();
  const begun = new Promise<void>((resolve, reject) => {
    obs.exists(top, () => resolve()).then((st) => (st === null ? undefined : reject(new Error(`${top} exists already`))), reject);
  });
  const creating = conn.ensureChroot(); // on a chroot-less session of its own
  creating.catch(() => undefined); // ends with the close; what matters is what close() leaves
  await within(begun, 10_000, 'the chroot creation to begin');
  await conn.close();
  await new Promise((r) => setImmediate(r));
  // Before: close() resolved while the creation's session went on creating, its socket open.
  assert.equal(sockets(), before, `sockets open after close(): ${process.getActiveResourcesInfo().join(', ')}`);
});

test('stop() while a shared Connection is still connecting: start() rejects at once, not at the connect timeout', async () => {
  const silent = createServer(() => undefined); // accepts, never answers
  const held = new Set<Socket>();
  silent.on('connection', (s) => held.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const conn = zk.track(new Connection({ connect: `127.0.0.1:${(silent.address() as AddressInfo).port}`, connectTimeoutMs: 20_000 }));
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: conn, brokerId: 10, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
    );
    const starting = r.start();
    starting.catch(() => undefined); // asserted below
    const stopped = r.stop();
    // Before: start() settled only when the shared Connection's connect timed out (20 s here).
    await assert.rejects(within(starting, 5_000, 'start() to settle after stop()'), StoppedError);
    await within(stopped, 5_000, 'stop()');
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
