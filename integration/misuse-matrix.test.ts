// Every public class, every order of lifecycle calls: each call either works or fails at once with
// LifecycleError (one class, one code, everywhere), and every promise a caller can hold settles.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Mutex } from 'async-mutex';
import {
  BrokerRegistrar,
  Connection,
  ControllerCandidate,
  InvalidConfigError,
  KafkaZkRegistrarError,
  LifecycleError,
  OwnedEphemeral,
  StoppedError,
} from '../src/index.js';
import { freePort } from './harness/zookeeper-server.js';
import { useZooKeeper } from './harness/fixture.js';
import { within } from './harness/wait.js';
import { brokerNodeData } from './harness/stale-node.js';

const zk = useZooKeeper();

interface Subject {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

/** A method that returns a promise rejects, never throws: a synchronous throw fails the test here. */
function call(fn: () => Promise<unknown>): Promise<unknown> {
  let p: Promise<unknown>;
  assert.doesNotThrow(() => {
    p = fn();
  }, 'start() threw instead of returning a rejected promise');
  return p!;
}

async function started(connect: string): Promise<Connection> {
  const c = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
  await c.start();
  return c;
}

const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
let nextId = 100;

/** How to make each public class, as a start/stop subject on a fresh chroot. */
const subjects: Record<string, (connect: string) => Promise<Subject>> = {
  Connection: async (connect) => {
    const c = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    return { start: () => c.start(), stop: () => c.close() };
  },
  OwnedEphemeral: async (connect) => {
    const e = zk.track(new OwnedEphemeral({ connection: await started(connect), path: '/kzr/lock', data: () => Buffer.from('x') }));
    return { start: () => call(() => e.start()), stop: () => e.stop() };
  },
  BrokerRegistrar: async (connect) => {
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: ++nextId, listeners }));
    return { start: () => r.start(), stop: () => r.stop() };
  },
  ControllerCandidate: async (connect) => {
    const c = zk.track(
      new ControllerCandidate({
        connection: await started(connect),
        brokerId: ++nextId,
        performsControllerDuties: true,
        mutex: new Mutex(),
        runWhen: () => true,
      }),
    );
    return { start: () => call(() => c.start()), stop: () => c.stop() };
  },
};

const isLifecycle = (err: unknown): boolean => {
  assert.ok(err instanceof LifecycleError, `expected LifecycleError, got ${String(err)}`);
  assert.equal(err.code, 'LIFECYCLE');
  return true;
};

describe('lifecycle misuse matrix', () => {
  for (const [name, make] of Object.entries(subjects)) {
    test(`${name}: start twice -> the second fails at once with LifecycleError`, async () => {
      const s = await make(zk.chroot());
      await within(s.start(), 10_000, 'the first start');
      await assert.rejects(within(s.start(), 1000, 'the second start to fail'), isLifecycle);
      await s.stop();
    });

    test(`${name}: stop before start, then start -> LifecycleError; stop is idempotent`, async () => {
      const s = await make(zk.chroot());
      await within(s.stop(), 5000, 'stop()');
      await within(s.stop(), 5000, 'a second stop()');
      await assert.rejects(within(s.start(), 1000, 'start after stop to fail'), isLifecycle);
    });

    test(`${name}: start, stop, start -> LifecycleError (it used to hang for OwnedEphemeral)`, async () => {
      const s = await make(zk.chroot());
      await within(s.start(), 10_000, 'start()');
      await within(s.stop(), 5000, 'stop()');
      await assert.rejects(within(s.start(), 1000, 'start after stop to fail'), isLifecycle);
    });
  }

  test('stop while start is pending: start settles with StoppedError, stop resolves', async () => {
    const connect = zk.chroot();
    const holder = await zk.observer(connect);
    await holder.createParents('/brokers/ids/7');
    await holder.create('/brokers/ids/7', brokerNodeData(7), 'ephemeral');
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 7, listeners }));
    const pending = r.start();
    pending.catch(() => undefined);
    const waiting = new Promise((resolve) => r.once('waiting', resolve));
    await within(waiting, 10_000, 'the registrar to wait out the other owner');
    await within(r.stop(), 5000, 'stop()');
    await assert.rejects(within(pending, 1000, 'the pending start to settle'), (err: unknown) => err instanceof StoppedError);
  });

  test('start after a failure -> LifecycleError, not a promise that never settles', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/kzr/persistent');
    await obs.create('/kzr/persistent', Buffer.from('in the way'), 'persistent');
    const e = zk.track(new OwnedEphemeral({ connection: await started(connect), path: '/kzr/persistent', data: () => Buffer.from('x') }));
    await assert.rejects(within(e.start(), 5000, 'start to fail'), (err: unknown) => (err as { code?: string }).code === 'PERSISTENT_NODE');
    assert.equal(e.state, 'failed');
    await assert.rejects(
      within(
        call(() => e.start()),
        1000,
        'a start after the failure',
      ),
      isLifecycle,
    );
  });
});

describe('start() settles with what happened', () => {
  test('stop() while start() is connecting: StoppedError (one of ours), not a DOM AbortError', async () => {
    const port = await freePort(); // nothing listens there
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: `127.0.0.1:${port}`, sessionTimeoutMs: 4000, connectTimeoutMs: 20_000 },
        brokerId: 7,
        listeners,
      }),
    );
    const starting = r.start();
    starting.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await within(r.stop(), 5000, 'stop()');
    await assert.rejects(within(starting, 5000, 'start() to settle'), (err: unknown) => {
      assert.ok(err instanceof StoppedError, `expected StoppedError, got ${String(err)} (${(err as { name?: string }).name})`);
      assert.ok(err instanceof KafkaZkRegistrarError);
      return true;
    });
  });

  test('Connection.close() while its start() is connecting: StoppedError, the connection closed', async () => {
    const port = await freePort(); // nothing listens there
    const conn = new Connection({ connect: `127.0.0.1:${port}`, sessionTimeoutMs: 4000, connectTimeoutMs: 20_000 });
    const starting = conn.start();
    starting.catch(() => undefined);
    await within(conn.close(), 5000, 'close()');
    await assert.rejects(within(starting, 5000, 'start() to settle'), (err: unknown) => err instanceof StoppedError);
    assert.equal(conn.state, 'closed');
  });

  test('stop() within a few ms of start() on a shared Connection: every start() resolves or rejects with StoppedError', async () => {
    const conn = await started(zk.chroot());
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const r = new BrokerRegistrar({ zookeeper: conn, brokerId: 1000 + i, listeners });
        const starting = r.start().then(
          () => 'registered',
          (err: unknown) => (err instanceof StoppedError ? 'stopped' : `${(err as Error).name}: ${(err as Error).message}`),
        );
        await new Promise((resolve) => setTimeout(resolve, i % 6));
        await r.stop();
        return starting;
      }),
    );
    const other = outcomes.filter((o) => o !== 'registered' && o !== 'stopped');
    assert.deepEqual(other, [], `start() settled otherwise: ${[...new Set(other)].join('; ')}`);
    assert.ok(outcomes.includes('stopped'), 'some were stopped while starting');
  });
});

describe('update() keeps the contract', () => {
  test('unknown or unchangeable keys are refused; after stop() it is a LifecycleError', async () => {
    const connect = zk.chroot();
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 8, listeners }));
    await within(r.start(), 10_000, 'start()');
    await assert.rejects(
      r.update({ brokerId: 6 } as never),
      (err: unknown) => err instanceof InvalidConfigError && err.field === 'brokerId' && /cannot be changed by update/.test(err.message),
    );
    await assert.rejects(r.update({ rakc: 'r1' } as never), (err: unknown) => err instanceof InvalidConfigError && err.field === 'rakc');
    const obs = await zk.observer(connect);
    assert.equal((await obs.exists('/brokers/ids/8'))?.version, 0, 'nothing was written');
    await r.stop();
    await assert.rejects(r.update({ rack: 'r1' }), isLifecycle);
  });
});
