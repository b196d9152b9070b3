// The listener pre-flight's ZooKeeper-only rule (src/registration/listener-preflight.ts) against a
// real server: every listener the registered brokers share is required, and the brokers it reads are
// as few as give the verdict. What a real Kafka controller needs is integration/cluster-safety.test.ts's.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidConfigError, ListenerMismatchError, type Session } from '../src/index.js';
import { checkClusterListeners } from '../src/registration/listener-preflight.js';
import { encodeBrokerZNode, listenersToEndpoints } from '../src/znodes/broker-znode.js';
import { useZooKeeper } from './harness/fixture.js';

const zk = useZooKeeper();

const endpoints = (...names: string[]): ReturnType<typeof listenersToEndpoints> =>
  listenersToEndpoints(names.map((name, i) => ({ name, host: '127.0.0.1', port: 9092 + i, securityProtocol: 'PLAINTEXT' })));

/** A session on a fresh chroot holding brokers 1..n with the given listener names, and every `get` it is asked. */
async function cluster(...brokers: string[][]): Promise<{ session: Session; gets: string[] }> {
  const s = await zk.observer(zk.chroot());
  await s.createParents('/brokers/ids/x');
  for (const [i, names] of brokers.entries()) {
    const brokerId = i + 1;
    await s.create(
      `/brokers/ids/${brokerId}`,
      encodeBrokerZNode({ brokerId, endpoints: endpoints(...names), jmxPort: -1, version: 5 }, 0),
      'ephemeral',
    );
  }
  const gets: string[] = [];
  const session = new Proxy(s, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'get' || typeof v !== 'function') return v;
      return (path: string, ...rest: unknown[]) => {
        gets.push(path);
        return (v as (...a: unknown[]) => unknown).call(target, path, ...rest);
      };
    },
  });
  return { session, gets };
}

const needs = (registered: number[]): Parameters<typeof checkClusterListeners>[3] => ({
  interBrokerListener: undefined,
  controlPlaneListener: undefined,
  registered,
  askBroker: undefined,
});

describe('listener pre-flight, from ZooKeeper alone', () => {
  test('brokers alike, ours has all their listeners: one broker read is the verdict', async () => {
    const { session, gets } = await cluster(['PLAIN', 'REPL'], ['PLAIN', 'REPL'], ['PLAIN', 'REPL']);
    await checkClusterListeners(session, 9, endpoints('REPL', 'PLAIN'), needs([1, 2, 3]));
    assert.deepEqual(gets, ['/brokers/ids/1']);
  });

  test('the first broker has a listener we lack: the others are read, and pass when they do not share it', async () => {
    const { session, gets } = await cluster(['PLAIN', 'EXTRA'], ['PLAIN'], ['PLAIN']);
    await checkClusterListeners(session, 9, endpoints('PLAIN'), needs([1, 2, 3]));
    assert.deepEqual(gets, ['/brokers/ids/1', '/brokers/ids/2', '/brokers/ids/3']);
  });

  test('a listener every broker shares and we lack: refused, naming it and the brokers read', async () => {
    const { session, gets } = await cluster(['PLAIN', 'REPL'], ['PLAIN', 'REPL', 'EXTRA'], ['REPL', 'PLAIN']);
    await assert.rejects(checkClusterListeners(session, 9, endpoints('PLAIN'), needs([1, 2, 3])), (err: unknown) => {
      assert.ok(err instanceof ListenerMismatchError, String(err));
      assert.deepEqual(err.missing, ['REPL']);
      assert.deepEqual(err.learnedFrom, [1, 2, 3]);
      return true;
    });
    assert.equal(gets.length, 3);
  });

  test('the first broker gone since it was listed: the others decide', async () => {
    const { session, gets } = await cluster(['PLAIN'], ['PLAIN', 'REPL']);
    await assert.rejects(checkClusterListeners(session, 9, endpoints('PLAIN'), needs([7, 2])), (err: unknown) => {
      assert.ok(err instanceof ListenerMismatchError, String(err));
      assert.deepEqual(err.missing, ['REPL']);
      assert.deepEqual(err.learnedFrom, [2]);
      return true;
    });
    assert.deepEqual(gets, ['/brokers/ids/7', '/brokers/ids/2']);
  });
});

describe('listener pre-flight, the listeners named by the options', () => {
  test('checked against one registered broker: a name it lacks is refused by option, before anything is written', async () => {
    const { session, gets } = await cluster(['PLAINTEXT', 'EXTERNAL'], ['PLAINTEXT', 'EXTERNAL']);
    const named = (interBrokerListener: string, controlPlaneListener?: string): Parameters<typeof checkClusterListeners>[3] => ({
      ...needs([1, 2]),
      interBrokerListener,
      controlPlaneListener,
    });
    await checkClusterListeners(session, 9, endpoints('PLAINTEXT'), named('PLAINTEXT'));
    assert.deepEqual(gets, ['/brokers/ids/1'], 'one broker read');
    // Ours has it, the cluster's brokers do not: the option is wrong for this cluster.
    for (const [args, field] of [
      [['REPLICATION'], 'interBrokerListener'],
      [['PLAINTEXT', 'CONTROL'], 'controlPlaneListener'],
    ] as const) {
      await assert.rejects(
        checkClusterListeners(session, 9, endpoints('PLAINTEXT', ...args.slice(-1)), named(...(args as unknown as [string, string?]))),
        (err: unknown) => {
          assert.ok(err instanceof InvalidConfigError, String(err));
          assert.equal(err.field, field);
          assert.equal(err.value, args[args.length - 1]);
          assert.match(err.message, /registered broker 1 has no listener \w+ \(it has EXTERNAL, PLAINTEXT\)/);
          return true;
        },
      );
    }
    // No registered broker: nothing to check the names against.
    const empty = await cluster();
    await checkClusterListeners(empty.session, 9, endpoints('REPLICATION'), { ...needs([]), interBrokerListener: 'REPLICATION' });
  });
});
