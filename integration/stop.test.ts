// What stop() says, on a real ZooKeeper: `deleted` when it deleted our node; with the server
// frozen (SIGSTOP) it comes back within its bound and says `unreachable`, never pretending the node
// is gone. This file pauses its server, so it has one of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BrokerRegistrar, Connection, StoppedError } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { eventually, waitForNode, within } from './harness/wait.js';
import { startCli } from './harness/cli-run.js';

const zk = useZooKeeper();
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];

test('stop() says whether our node was deleted, and is bounded when ZooKeeper does not answer', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  const obs = await zk.observer(connect);

  const a = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 6000 }, brokerId: 1, listeners }));
  await within(a.start(), 10_000, 'broker 1 to register');
  assert.deepEqual(await a.stop(), { deleted: true, reason: 'deleted' });
  assert.equal(await obs.exists('/brokers/ids/1'), null);
  assert.deepEqual(await a.stop(), { deleted: true, reason: 'deleted' }, 'idempotent: the same outcome again');

  const b = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 6000 }, brokerId: 2, listeners }));
  const reg = await within(b.start(), 10_000, 'broker 2 to register');
  zk.server.pause();
  let outcome: Awaited<ReturnType<BrokerRegistrar['stop']>>;
  const t0 = Date.now();
  // Closing against a frozen server must not block the host (the binding's close waited for the
  // server's reply synchronously: 1.5 s in which nothing else in the process ran).
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  try {
    outcome = await within(b.stop(), 5000, 'stop() against a frozen server');
  } finally {
    loop.disable();
    zk.server.resume();
  }
  const tookMs = Date.now() - t0;
  const maxDelayMs = loop.max / 1e6;
  t.diagnostic(`max event-loop delay while stopping: ${maxDelayMs.toFixed(1)} ms`);
  assert.ok(maxDelayMs < 100, `the event loop was blocked for ${maxDelayMs.toFixed(1)} ms while stopping against a frozen server`);
  assert.deepEqual(outcome, { deleted: false, reason: 'unreachable' });
  assert.ok(tookMs < 6000, `bounded well within the session timeout: ${tookMs} ms`);
  t.diagnostic(`stop() against a frozen server took ${tookMs} ms`);
  // The node was not deleted by us; it goes with our session, on the server's clock.
  await waitForNode(
    obs,
    '/brokers/ids/2',
    (st) => st === null || st.ephemeralOwner !== reg.sessionId,
    20_000,
    "our session's node to go with the session",
  );
});

test("the CLI's stopped line says whether it deregistered", async () => {
  const connect = zk.chroot();
  const cli = startCli(
    ['register', '--zookeeper', connect, '--broker-id', '3', '--listeners', 'PLAINTEXT://127.0.0.1:9092', '--session-timeout-ms', '6000'],
    zk,
  );
  await cli.next('registered', 20_000);
  process.kill(cli.child.pid as number, 'SIGTERM');
  const stopped = await cli.next('stopped', 10_000);
  assert.equal(stopped.deregistered, true);
  assert.equal(stopped.deregistration, 'deleted');
  assert.equal(await cli.exit(), 0);
});

test('stdout stays JSON lines only with every debug namespace on, across a ZooKeeper restart; logs go to stderr', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot restart');
    return;
  }
  const connect = zk.chroot();
  const cli = startCli(
    [
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '4',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--session-timeout-ms',
      '10000',
      '--health-port',
      '0',
    ],
    zk,
    { DEBUG: 'kafka-zk-registrar:*' },
  );
  const { port } = (await cli.next('health', 20_000)) as { port: number };
  const registered = await cli.next('registered', 20_000);
  await zk.server.kill();
  // Said as it happens (Curator's SUSPENDED, then RECONNECTED): the same session, not lost.
  assert.equal((await cli.next('suspended', 10_000)).sessionId, registered.sessionId);
  await zk.server.restart(); // within the session timeout: the session (and our node) are kept
  const reconnected = await cli.next('reconnected', 20_000);
  assert.equal(reconnected.sessionId, registered.sessionId);
  assert.ok(typeof reconnected.suspendedMs === 'number' && reconnected.suspendedMs > 0, JSON.stringify(reconnected));
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
    20_000,
    'the sidecar to be ready again after the restart',
  );
  process.kill(cli.child.pid as number, 'SIGTERM');
  await cli.next('stopped', 10_000);
  assert.equal(await cli.exit(), 0);
  const raw = cli.printed.filter((l) => l.event === 'raw');
  assert.deepEqual(raw, [], 'every stdout line is a JSON object');
  assert.match(cli.stderr(), /kafka-zk-registrar:connection/, 'the debug lines went to stderr');
});

test("stop() while the registration's create is in flight, in controller mode too: start() rejects with StoppedError, nothing is announced, the node goes", async () => {
  const connect = zk.chroot();
  const obs = await zk.observer(connect);
  for (const controller of [undefined, { performsControllerDuties: true as const }]) {
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    const session = await within(conn.start(), 10_000, 'the session');
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: conn, brokerId: 7, listeners, ...(controller === undefined ? {} : { controller }) }),
    );
    const announced: string[] = [];
    r.on('registered', () => announced.push('registered'));
    // Instrumentation on a real session: stop() is called the moment the create is on its way.
    let stopping: Promise<unknown> | undefined;
    const create = session.create.bind(session);
    session.create = ((path: string, ...rest: Parameters<typeof session.create> extends [string, ...infer R] ? R : never) => {
      const sent = create(path, ...rest);
      if (path === '/brokers/ids/7') stopping ??= r.stop();
      return sent;
    }) as typeof session.create;
    // Before: in controller mode the create landed while stop() resigned the candidacy, and start()
    // resolved with a registration and 'registered' was emitted after stop() was called.
    await assert.rejects(within(r.start(), 10_000, 'start() to settle'), StoppedError, `controller: ${controller !== undefined}`);
    assert.deepEqual(await stopping, { deleted: true, reason: 'deleted' });
    assert.deepEqual(announced, []);
    assert.equal(await obs.exists('/brokers/ids/7'), null);
    await conn.close();
  }
});
