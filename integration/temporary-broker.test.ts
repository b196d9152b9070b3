// registerTemporaryBroker as the testing kit gives it, against a real 1-broker Kafka cluster the kit
// started: its own Kafka-protocol endpoint by default, `await using`, the short default session
// timeout, and a leftover registration of a killed test run reported at once.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { Session } from '../src/index.js';
import { probeMetadata } from '../src/kafka-protocol/metadata-probe.js';
import {
  registerTemporaryBroker,
  startKafkaCluster,
  startTcpProxy,
  TEMPORARY_BROKER_SESSION_TIMEOUT_MS,
  type TestKafkaCluster,
} from '../src/testing/index.js';
import { kafkaSkipReason } from './harness/kafka-cluster.js';
import { eventually, waitForNode, within } from './harness/wait.js';
import { repoRoot } from './harness/zk-versions.js';
import { accepts, freePort } from '../src/testing/net.js';

const skip = kafkaSkipReason();
let c: TestKafkaCluster | undefined;
let observer: Session | undefined;

before(async () => {
  if (skip !== false) return;
  c = await startKafkaCluster({ cacheDir: join(repoRoot(), '.cache') });
  observer = await within(Session.open({ connect: c.zkConnect, sessionTimeoutMs: 10_000 }), 15_000, 'an observer session');
});
after(async () => {
  await observer?.close();
  await c?.stop();
});

test('the default endpoint answers Metadata with the cluster; await using deregisters and closes it', { skip }, async () => {
  const cluster = c!;
  let port: number;
  {
    await using tmp = await registerTemporaryBroker({
      zookeeper: { connect: cluster.zkConnect },
      brokerId: 100,
      kafka: { brokers: cluster.bootstrap },
    });
    port = tmp.endpoint.port;
    assert.equal(tmp.endpoint.host, '127.0.0.1');
    // What a client that contacts the advertised broker gets: both brokers, from this endpoint.
    const served = await probeMetadata(`127.0.0.1:${port}`);
    assert.deepEqual(
      served.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      [1, 100],
    );
    assert.equal(served.brokers.find((b) => b.nodeId === 100)?.port, port);
    // The real broker lists it with that endpoint too.
    const real = await probeMetadata(cluster.bootstrap[0]!);
    assert.equal(real.brokers.find((b) => b.nodeId === 100)?.port, port);
    // The session asked for the short default timeout (the server's `cons` shows what it granted).
    const owner = (await observer!.exists('/brokers/ids/100'))?.ephemeralOwner;
    assert.ok(owner !== undefined && owner !== '0');
    const cons = await cluster.zookeeper!.members[0]!.fourLetterWord('cons');
    const line = cons.split('\n').find((l) => l.toLowerCase().includes(`sid=0x${owner}`));
    assert.match(line ?? '', new RegExp(`to=${TEMPORARY_BROKER_SESSION_TIMEOUT_MS}\\b`), `session 0x${owner} in cons: ${line}`);
  }
  assert.equal(await observer!.exists('/brokers/ids/100'), null, 'deregistered when the scope ended');
  assert.deepEqual(
    (await probeMetadata(cluster.bootstrap[0]!)).brokers.map((b) => b.nodeId),
    [1],
  );
  assert.equal(await accepts(port), false, 'the served endpoint is closed');
});

/** Waits (bounded) for a killed run's registration of `brokerId` to go with its session. */
async function leftoverGone(brokerId: number): Promise<void> {
  await waitForNode(
    observer!,
    `/brokers/ids/${brokerId}`,
    (st) => st === null,
    TEMPORARY_BROKER_SESSION_TIMEOUT_MS + 4000,
    `the leftover of broker ${brokerId} to go with its session`,
  );
}

/**
 * A test run that registered `brokerId` (fixtures/kit-child.js, advertising 127.0.0.1:`port` when
 * given) and is then to be killed: the child, and the session that holds the id.
 */
async function registeredInChild(
  cluster: TestKafkaCluster,
  brokerId: number,
  port?: number,
): Promise<{ child: ChildProcess; holder: string }> {
  const args = [join(__dirname, 'fixtures', 'kit-child.js'), join(repoRoot(), '.cache'), 'temp', cluster.zkConnect, cluster.bootstrap[0]!];
  const child = spawn(process.execPath, [...args, String(brokerId), ...(port === undefined ? [] : [String(port)])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await within(
      new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`kit-child exited with ${code}`)));
      }),
      60_000,
      `the child to register broker ${brokerId}`,
    );
    const holder = (await observer!.exists(`/brokers/ids/${brokerId}`))?.ephemeralOwner;
    assert.ok(holder !== undefined);
    return { child, holder };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

test("a killed run's leftover id is reported at once, naming the holder; it goes within the short session timeout", { skip }, async () => {
  const cluster = c!;
  const { child, holder } = await registeredInChild(cluster, 101);
  try {
    child.kill('SIGKILL');
    const started = Date.now();
    await assert.rejects(
      registerTemporaryBroker({ zookeeper: { connect: cluster.zkConnect }, brokerId: 101, kafka: { brokers: cluster.bootstrap } }),
      (e: { code?: string; ownerSessionId?: string; message: string }) => {
        assert.equal(e.code, 'BROKER_ID_IN_USE', e.message);
        assert.equal(e.ownerSessionId, holder);
        return true;
      },
    );
    assert.ok(Date.now() - started < 4500, `reported after ${Date.now() - started} ms, not after a wait for the leftover to go`);
    await leftoverGone(101);
    await eventually(
      async () => !(await probeMetadata(cluster.bootstrap[0]!)).brokers.some((b) => b.nodeId === 101),
      15_000,
      'the cluster to unlist 101',
    );
  } finally {
    child.kill('SIGKILL');
  }
});

test("a killed run's leftover with the same fixed endpoint is reported at once as a conflict naming the holder", { skip }, async () => {
  const cluster = c!;
  // A test that gives its own endpoint (a server of its own on a fixed port) and reruns after a kill:
  // the leftover names the very endpoint the rerun asks for.
  const port = await freePort();
  const endpoint = { host: '127.0.0.1', port };
  const { child, holder } = await registeredInChild(cluster, 102, port);
  try {
    child.kill('SIGKILL');
    const started = Date.now();
    await assert.rejects(
      registerTemporaryBroker({
        zookeeper: { connect: cluster.zkConnect },
        brokerId: 102,
        kafka: { brokers: cluster.bootstrap },
        endpoint,
      }),
      (e: { code?: string; ownerSessionId?: string; holder?: string; message: string }) => {
        assert.equal(e.code, 'REGISTRATION_CONFLICT', e.message);
        assert.equal(e.ownerSessionId, holder);
        assert.match(e.message, new RegExp(`0x${holder}`));
        assert.match(e.holder ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`), `the holder is named: ${e.holder}`);
        return true;
      },
    );
    assert.ok(Date.now() - started < 4500, `reported after ${Date.now() - started} ms, not after a wait for the leftover to go`);
    await leftoverGone(102);
    // Once it went, the same id and endpoint register again.
    await using again = await registerTemporaryBroker({
      zookeeper: { connect: cluster.zkConnect },
      brokerId: 102,
      kafka: { brokers: cluster.bootstrap },
      endpoint,
    });
    assert.equal(again.endpoint.port, port);
  } finally {
    child.kill('SIGKILL');
  }
});

test('dispose() with the cluster out of reach says unreachable, not still-listed; the node is deleted all the same', { skip }, async () => {
  const cluster = c!;
  const proxy = await startTcpProxy(Number(cluster.bootstrap[0]!.split(':')[1]));
  try {
    const tmp = await registerTemporaryBroker({
      zookeeper: { connect: cluster.zkConnect },
      brokerId: 103,
      kafka: { brokers: [proxy.address] },
      timeoutMs: 4000,
    });
    proxy.set('hold'); // the cluster takes the connection and never answers
    await assert.rejects(tmp.dispose(), (e: { code?: string; reason?: string; message: string }) => {
      // Before: reason 'still-listed', for a cluster that was never heard from.
      assert.equal(e.code, 'CONFIRMATION_FAILED', e.message);
      assert.equal(e.reason, 'unreachable', e.message);
      return true;
    });
    assert.equal(await observer!.exists('/brokers/ids/103'), null, 'the registration is deleted');
  } finally {
    proxy.set('pass');
    await proxy.close();
  }
});
