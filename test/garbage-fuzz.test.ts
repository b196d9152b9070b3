// "No crash on a garbage znode someone else wrote": random and mutated inputs to every decoder
// must give the decoded value or ZNodeFormatError, never anything else. Seeded, so failures replay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BrokerRegistrar,
  decodeBrokerZNode,
  decodeClusterId,
  decodeControllerEpoch,
  decodeControllerRegistration,
  decodeControllerZNode,
  decodeMigrationZNode,
  encodeBrokerZNode,
  InvalidConfigError,
  listenersToEndpoints,
  ZNodeFormatError,
} from '../src/index.js';
import { parseCommand } from '../src/cli/args.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const valid = encodeBrokerZNode(
  {
    brokerId: 1,
    endpoints: listenersToEndpoints([
      { name: 'PLAINTEXT', host: 'h', port: 9092 },
      { name: 'X', host: '::1', port: 1, securityProtocol: 'SSL' },
    ]),
    jmxPort: -1,
    version: 5,
    rack: 'r',
  },
  1,
);

function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  const edits = 1 + Math.floor(r() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * b.length);
    const kind = r();
    if (kind < 0.4) b[at] = Math.floor(r() * 256);
    else if (kind < 0.7) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 8))]);
    else b[at] = '{}[]":,0-1tfn'.charCodeAt(Math.floor(r() * 13));
  }
  return b;
}

test('decoders never throw anything but ZNodeFormatError (20000 seeded inputs)', () => {
  const r = rng(20261125);
  for (let i = 0; i < 20_000; i++) {
    const input = i % 2 === 0 ? mutate(valid, r) : Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
    for (const decode of [(b: Buffer) => decodeBrokerZNode(1, b), decodeControllerZNode, decodeControllerEpoch]) {
      try {
        decode(input);
      } catch (err) {
        assert.ok(err instanceof ZNodeFormatError, `input ${input.toString('hex')} threw ${String(err)}`);
      }
    }
  }
});

// Hostile input beyond mutation: every znode we read, shapes Kafka's JSON never has (wrong types,
// unknown versions, deep nesting, sizes up to the 1 MB znode limit). Seeded; KZR_FUZZ_CASES for more.
const CASES = Number(process.env.KZR_FUZZ_CASES ?? 3000);

function hostile(r: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const values: unknown[] = [null, true, -1, 0, 2 ** 53, -(2 ** 31) - 1, 1.5, '', 'x', [], {}, [1, 'a'], { version: 0 }, '9'.repeat(400)];
  const kind = r();
  if (kind < 0.25) {
    // Kafka-shaped objects with fields of the wrong types and unknown versions.
    const keys = [
      'version',
      'brokerid',
      'kraftControllerEpoch',
      'timestamp',
      'id',
      'host',
      'port',
      'endpoints',
      'jmx_port',
      'rack',
      'features',
      'listener_security_protocol_map',
      'kraft_controller_id',
      'kraft_controller_epoch',
      'kraft_metadata_offset',
      'kraft_metadata_epoch',
    ];
    const o: Record<string, unknown> = {};
    for (const k of keys) if (r() < 0.6) o[k] = pick(values);
    return Buffer.from(JSON.stringify(o));
  }
  if (kind < 0.4) {
    // Deep nesting.
    const depth = 1 + Math.floor(r() * 5000);
    return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  }
  if (kind < 0.45) {
    // Big: up to ZooKeeper's default 1 MB jute.maxbuffer.
    const n = Math.floor(r() * 1_000_000);
    return Buffer.from(JSON.stringify({ version: 5, host: 'h'.repeat(n), port: 1, endpoints: [], jmx_port: -1 }));
  }
  return Buffer.from(Array.from({ length: Math.floor(r() * 256) }, () => Math.floor(r() * 256)));
}

test(`every znode decoder: typed errors only on ${CASES} hostile inputs`, () => {
  const r = rng(20261126);
  const decoders: [string, (b: Buffer) => unknown][] = [
    ['broker', (b) => decodeBrokerZNode(1, b)],
    ['controller', decodeControllerZNode],
    ['controller registration', decodeControllerRegistration],
    ['controller epoch', decodeControllerEpoch],
    ['cluster id', decodeClusterId],
    ['migration', decodeMigrationZNode],
  ];
  for (let i = 0; i < CASES; i++) {
    const input = hostile(r);
    for (const [name, decode] of decoders) {
      try {
        decode(input);
      } catch (err) {
        assert.ok(err instanceof ZNodeFormatError, `${name}: case ${i} (${input.length} bytes) threw ${String(err)}`);
      }
    }
  }
});

test(`config objects and CLI arguments: InvalidConfigError or accepted, never anything else (${CASES} cases)`, () => {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const junk: unknown[] = [
    undefined,
    null,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    '',
    'x',
    '127.0.0.1:2181',
    [],
    {},
    [{}],
    true,
    () => 1,
    Symbol('s'),
    2 ** 31,
    { connect: 5 },
  ];
  const keys = [
    'zookeeper',
    'brokerId',
    'listeners',
    'rack',
    'jmxPort',
    'znodeVersion',
    'features',
    'conflict',
    'controller',
    'confirm',
    'interBrokerListener',
    'clusterId',
    'kraftMigration',
    'zookeeperSetAcl',
    'bogus',
  ];
  for (let i = 0; i < CASES; i++) {
    const config: Record<string, unknown> = {
      zookeeper: { connect: '127.0.0.1:2181' },
      brokerId: 1,
      listeners: [{ name: 'PLAINTEXT', host: 'h', port: 1 }],
    };
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) config[pick(keys)] = pick(junk);
    try {
      new BrokerRegistrar(config as never);
    } catch (err) {
      assert.ok(err instanceof InvalidConfigError, `config case ${i} threw ${String(err)}`);
    }
  }
  const words = [
    'register',
    'audit',
    'help',
    '--zookeeper',
    'z:1',
    '--broker-id',
    '1',
    'x',
    '--listeners',
    'PLAINTEXT://h:1',
    '--health-port',
    '99999',
    '--json',
    '--bogus',
    '-z',
    '--',
    '--zookeeper-auth-env',
    'NOPE_NOT_SET',
    '--kraft-migration',
    '=',
    '',
  ];
  for (let i = 0; i < CASES; i++) {
    const argv = Array.from({ length: Math.floor(r() * 8) }, () => pick(words));
    try {
      parseCommand(argv);
    } catch (err) {
      assert.ok(err instanceof InvalidConfigError, `argv ${JSON.stringify(argv)} threw ${String(err)}`);
    }
  }
});
