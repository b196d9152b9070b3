// Real-cluster mode: with ZK_CONNECT and KAFKA_BOOTSTRAP pointing at a real ZooKeeper-mode Kafka
// cluster (integration/docker-compose.yml), register spare broker ids in the cluster's own
// namespace, served by a test broker socket the real controller can reach, and check what the real
// metadata says. Without those variables this suite is skipped, and says why: it never passes
// silently.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { BrokerRegistrar, registerTemporaryBroker } from '../src/index.js';
import { FakeKafkaBroker } from './kafka-double/fake-broker.js';
import { isListed } from './harness/kafka-client.js';
import { NaiveRegistrar } from './harness/naive-registrar.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { killSession, openSession, waitForEvent, waitForNode, within } from './harness/wait.js';

const zkConnect = process.env.ZK_CONNECT ?? '';
const bootstrap = (process.env.KAFKA_BOOTSTRAP ?? '').split(',').filter((b) => b !== '');

function whySkipped(): string | false {
  if (zkConnect !== '' && bootstrap.length > 0) return false;
  let docker = 'no Docker engine is available here';
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    docker = 'Docker is available: docker compose -f integration/docker-compose.yml up -d';
  } catch {
    /* keep the message */
  }
  return `real-cluster mode needs ZK_CONNECT and KAFKA_BOOTSTRAP set to a ZooKeeper-mode Kafka cluster (${docker})`;
}

const skip = whySkipped();
const spareId = (n: number): number => 9000 + ((process.pid * 7 + n) % 900);

const listed = (id: number): Promise<boolean> => isListed(bootstrap, id);

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    if (await check()) return;
    if (Date.now() + wait > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

describe('against a real ZooKeeper-mode Kafka cluster', () => {
  const sockets: FakeKafkaBroker[] = [];
  after(async () => {
    for (const s of sockets) await s.close();
  });
  async function socket(): Promise<FakeKafkaBroker> {
    const s = new FakeKafkaBroker();
    await s.listen();
    sockets.push(s);
    return s;
  }

  test('a temporary broker appears in the real metadata and disappears on dispose', { skip }, async () => {
    const s = await socket();
    const id = spareId(1);
    const tmp = await registerTemporaryBroker({ zookeeper: { connect: zkConnect }, brokerId: id, kafka: { brokers: bootstrap }, endpoint: { host: '127.0.0.1', port: s.port }, timeoutMs: 60_000 });
    assert.equal(await listed(id), true);
    await tmp.dispose();
    assert.equal(await listed(id), false);
  });

  test('the stale-owner race against the real controller: naive broker vanishes, ours stays', { skip }, async () => {
    const [naiveId, ourId] = [spareId(2), spareId(3)];
    const [sNaive, sOurs] = [await socket(), await socket()];
    const aNaive = await holdBrokerNode(zkConnect, naiveId, sNaive.port);
    const aOurs = await holdBrokerNode(zkConnect, ourId, sOurs.port);
    const naive = new NaiveRegistrar(zkConnect, `/brokers/ids/${naiveId}`, Buffer.from('unused'));
    await naive.start();
    const ours = new BrokerRegistrar({
      zookeeper: { connect: zkConnect },
      brokerId: ourId,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sOurs.port }],
      confirm: { kafka: { brokers: bootstrap }, timeoutMs: 60_000 },
    });
    try {
      const confirmed = waitForEvent(ours, 'confirmed', 90_000, 'our broker to be confirmed by the real cluster');
      const started = ours.start();
      await killSession(zkConnect, aNaive.id, aNaive.password);
      await killSession(zkConnect, aOurs.id, aOurs.password);
      const obs = await openSession(zkConnect);
      await waitForNode(obs, `/brokers/ids/${naiveId}`, (st) => st === null, 30_000, 'the naive broker node to go');
      obs.close();
      await within(started, 30_000, 'our registrar to own its node');
      await confirmed;
      assert.equal(naive.registered, true);
      assert.equal(await listed(ourId), true);
      // A real cluster offers no watch on its metadata: poll it, bounded.
      await eventually(async () => !(await listed(naiveId)), 30_000, `broker ${naiveId} to leave the real metadata`);
    } finally {
      await ours.stop();
      await naive.stop();
    }
  });
});
