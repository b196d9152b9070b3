// The testing kit's checks that need no server: options refused before anything starts, the
// loopback names that find a temporary broker's ZooKeeper, and its helper processes run off the event loop.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { test } from 'node:test';
import {
  ConnectTimeoutError,
  FetchFailedError,
  fetchKafka,
  freePort,
  InvalidConfigError,
  registerTemporaryBroker,
  startKafkaCluster,
  startTcpProxy,
  startZooKeeper,
} from '../src/testing/index.js';
import { splitConnect } from '../src/testing/live-brokers.js';
import { eventually } from '../src/testing/wait.js';
import { fetchKafkaCommand } from '../src/testing/jars.js';
import { javaMajorVersion } from '../src/testing/jvm.js';
import { haveOpenssl, issueCert, makeCa } from '../src/testing/pki.js';

const refused = (field: string) => (e: unknown) => e instanceof InvalidConfigError && e.field === field;

test('startKafkaCluster: ids, durations and unknown keys refused by name, before anything starts', async () => {
  await assert.rejects(startKafkaCluster({ firstBrokerId: -1 }), refused('firstBrokerId'));
  await assert.rejects(startKafkaCluster({ firstBrokerId: 1000, brokers: 2 }), refused('firstBrokerId'));
  await assert.rejects(startKafkaCluster({ zkSessionTimeoutMs: 0 }), refused('zkSessionTimeoutMs'));
  await assert.rejects(startKafkaCluster({ startTimeoutMs: -5 }), refused('startTimeoutMs'));
  await assert.rejects(startKafkaCluster({ memebrs: 3 } as never), refused('memebrs'));
  await assert.rejects(startKafkaCluster({ version: '03.9.2' }), refused('version'));
  await assert.rejects(startKafkaCluster({ zookeeper: 'bad:0' }), refused('zookeeper'));
  await assert.rejects(startKafkaCluster({ zookeeper: 42 as never }), refused('zookeeper'));
  await assert.rejects(startKafkaCluster({ brokerProperties: 'x' as never }), refused('brokerProperties'));
  await assert.rejects(startKafkaCluster({ zookeeper: [] as never }), refused('zookeeper'));
  await assert.rejects(startKafkaCluster({ zookeeperFor: '127.0.0.1:1' as never }), refused('zookeeperFor'));
  await assert.rejects(startKafkaCluster({ libs: 7 as never }), refused('libs'));
  await assert.rejects(startKafkaCluster({ chroot: '/a//b' }), refused('chroot'));
});

test('startZooKeeper: tls, systemProperties and paths refused by field before anything starts', async () => {
  await assert.rejects(startZooKeeper({ cacheDir: 42 as never }), refused('cacheDir'));
  await assert.rejects(startZooKeeper({ systemProperties: 'abc' as never }), refused('systemProperties'));
  await assert.rejects(startZooKeeper({ systemProperties: { a: 1 } as never }), refused('systemProperties.a'));
  for (const name of ['', 'a=b']) await assert.rejects(startZooKeeper({ systemProperties: { [name]: 'v' } }), refused('systemProperties'));
  await assert.rejects(startZooKeeper({ tls: 'yes' as never }), refused('tls'));
  await assert.rejects(startZooKeeper({ tls: { clientAuth: 'bogus' as never } }), refused('tls.clientAuth'));
});

test('startZooKeeper: an unknown key or a line this library does not support is refused', async () => {
  await assert.rejects(startZooKeeper({ memebrs: 3 } as never), refused('memebrs'));
  await assert.rejects(startZooKeeper({ version: '3.10.0' }), refused('version'));
  await assert.rejects(startZooKeeper({ version: '3.3.6' }), refused('version'));
});

test('registerTemporaryBroker: bad input said at once, not after a connect timeout', async () => {
  const kafka = { brokers: ['127.0.0.1:1'] };
  await assert.rejects(registerTemporaryBroker({ brokerId: 1, kafka } as never), refused('zookeeper'));
  for (const brokerId of [1.5, -1, 2 ** 31])
    await assert.rejects(registerTemporaryBroker({ zookeeper: { connect: '127.0.0.1:1' }, brokerId, kafka }), refused('brokerId'));
  await assert.rejects(
    registerTemporaryBroker({ zookeeper: { connect: '127.0.0.1:1' }, brokerId: 1, kafka, timeoutMs: -1 }),
    refused('timeoutMs'),
  );
  await assert.rejects(
    registerTemporaryBroker({ zookeeper: { connect: '127.0.0.1:1' }, brokerId: 1, kafka, brokerid: 2 } as never),
    refused('brokerid'),
  );
  // Nothing listens on port 1: each is said at once, not as a ConnectTimeoutError after timeoutMs.
  await assert.rejects(
    registerTemporaryBroker({ zookeeper: { connect: '127.0.0.1:1', bogusKey: 1 } as never, brokerId: 1, kafka }),
    refused('zookeeper.bogusKey'),
  );
  await assert.rejects(
    registerTemporaryBroker({ zookeeper: { connect: '127.0.0.1:1' }, brokerId: 1, kafka, conflictTimeoutMs: 1e13 }),
    refused('conflictTimeoutMs'),
  );
});

test('a temporary broker is matched to its ZooKeeper by any loopback name of the same port', () => {
  assert.deepEqual(
    [...splitConnect('localhost:2181,[::1]:2182,127.0.0.1:2183/kafka').hosts],
    ['loopback:2181', 'loopback:2182', 'loopback:2183'],
  );
  assert.equal(splitConnect('localhost:2181/kafka').chroot, '/kafka');
  assert.deepEqual([...splitConnect('zk1.example:2181').hosts], ['zk1.example:2181']);
});

test('JarsMissingError names the fetch command for the cache that was looked in', () => {
  assert.equal(fetchKafkaCommand('3.9.2', '/tmp/my-cache'), 'npx kafka-zk-registrar fetch-kafka --version 3.9.2 --cache-dir=/tmp/my-cache');
  assert.equal(fetchKafkaCommand('3.9.2'), 'npx kafka-zk-registrar fetch-kafka --version 3.9.2');
});

test('the fetch command, pasted into a shell, gives the fetch CLI the cache dir as it is', () => {
  // Before: double quotes (a `$HOME` in the name expanded when pasted), and `--cache-dir -x` read as a flag.
  // And absolute: a relative dir, pasted in another working directory, would fill another cache.
  for (const dir of ['/tmp/$HOME `id` x', "/tmp/it's here", '-x', '/tmp/a"b\\c', 'jars/here']) {
    const command = fetchKafkaCommand('3.9.2', dir);
    const prefix = 'npx kafka-zk-registrar ';
    assert.ok(command.startsWith(prefix), command);
    // The shell's own word splitting and quote removal, with printf in place of the CLI.
    const args = execFileSync('sh', ['-c', `printf '%s\\0' ${command.slice(prefix.length)}`], { encoding: 'utf8' })
      .split('\0')
      .slice(0, -1);
    const { values } = parseArgs({
      args: args.slice(1),
      strict: true,
      options: { version: { type: 'string' }, 'cache-dir': { type: 'string' } },
    });
    assert.deepEqual({ ...values }, { version: '3.9.2', 'cache-dir': resolve(dir) }, command);
  }
});

test('eventually: the wait is as long as it says, with a check at its deadline', async () => {
  // Before: with the backoff at 400 ms, a check at 750 ms gave up (750 + 800 > 1000), 250 ms early,
  // missing a condition that came true at 960 ms.
  const start = Date.now();
  await eventually(async () => Date.now() - start >= 960, 1000, 'a condition true from 960 ms');
  // Never true: refused only after the check made at the deadline.
  const t0 = Date.now();
  await assert.rejects(
    eventually(async () => false, 1000, 'never'),
    /timed out after 1000 ms waiting for never/,
  );
  assert.ok(Date.now() - t0 >= 995, `gave up after ${Date.now() - t0} ms of 1000`);
});

test('startTcpProxy: blackhole(ms) refuses a duration no timer can hold (Node would end it at once)', async () => {
  const p = await startTcpProxy(1); // nothing is forwarded: no connection is made
  try {
    await assert.rejects(p.blackhole(2 ** 31), refused('ms'));
    await assert.rejects(p.blackhole(0), refused('ms'));
    assert.equal(p.mode, 'pass');
  } finally {
    await p.close();
  }
});

/** Resolves `work`'s promise and how many times a 1 ms interval fired meanwhile: 0 means it held the event loop. */
async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  const ticker = setInterval(() => turns++, 1);
  try {
    return { value: await work(), turns };
  } finally {
    clearInterval(ticker);
  }
}

test('the kit runs openssl and java -version off the event loop', { skip: haveOpenssl() ? false : 'openssl is needed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kzr-kit-loop-'));
  try {
    // Before: both ran with execFileSync / spawnSync, and the interval never fired meanwhile.
    const ca = await loopTurnsDuring(() => makeCa(dir, 'ca'));
    assert.ok(ca.turns > 0, 'the event loop stood still while the CA was made');
    const cert = await loopTurnsDuring(() => issueCert(ca.value, dir, 'server', 'localhost', ['IP:127.0.0.1']));
    assert.ok(cert.turns > 0, 'the event loop stood still while a certificate was issued');
    assert.match(cert.value.cert.toString(), /BEGIN CERTIFICATE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const java = await loopTurnsDuring(() => javaMajorVersion());
  assert.ok(java.turns > 0, 'the event loop stood still during java -version');
  assert.equal(typeof java.value, 'number', 'java -version gave no major version');
});

test('a fetch that Maven reports done with no jar copied is a failure, never a complete empty cache', async () => {
  // Maven answering 0 with nothing copied: what a relative output directory used to cause (Maven
  // resolved it against its POM's directory). A stand-in `mvn` on PATH does just that.
  const dir = mkdtempSync(join(tmpdir(), 'kzr-kit-mvn-'));
  const path = process.env.PATH;
  try {
    writeFileSync(join(dir, 'mvn'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    process.env.PATH = `${dir}${delimiter}${path ?? ''}`;
    const cache = join(dir, 'cache');
    await assert.rejects(
      fetchKafka('3.9.2', { cacheDir: cache }),
      (e: unknown) => e instanceof FetchFailedError && e.reason === 'maven-failed',
    );
    assert.ok(!existsSync(join(cache, 'kafka-3.9.2', 'libs', '.complete')), 'an empty cache was marked complete');
    await assert.rejects(fetchKafka('3.9.2', { cacheDir: '' }), refused('cacheDir'));
  } finally {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registerTemporaryBroker with ZooKeeper out of reach: ConnectTimeoutError with what the attempts hit, with or without an endpoint', async () => {
  const port = await freePort(); // nothing listens there: every attempt is refused
  for (const endpoint of [{ host: '127.0.0.1', port: 5555 }, undefined]) {
    await assert.rejects(
      registerTemporaryBroker({
        zookeeper: { connect: `127.0.0.1:${port}` },
        brokerId: 9001,
        kafka: { brokers: ['127.0.0.1:9092'] },
        timeoutMs: 1500,
        ...(endpoint === undefined ? {} : { endpoint }),
      }),
      (e: unknown) => {
        // Before: ConfirmationFailedError "did not confirm (unreachable)" with an endpoint, blaming
        // Kafka; and no cause without one.
        assert.ok(e instanceof ConnectTimeoutError, `endpoint ${JSON.stringify(endpoint)}: ${String(e)}`);
        assert.equal((e.cause as { code?: string } | undefined)?.code, 'ECONNREFUSED', `cause: ${String(e.cause)}`);
        return true;
      },
    );
  }
});
