// A real ZooKeeper-mode Kafka cluster, as users run it: by default one broker started by the
// harness (Kafka from Maven Central, see scripts/fetch-kafka.sh); with ZK_CONNECT and
// KAFKA_BOOTSTRAP set, the user's own cluster instead. Spare broker ids are registered in the
// cluster's own namespace, served by test broker sockets the real controller can reach, and the
// real metadata decides. Without the Kafka jars (and without those variables) the suite is skipped
// and says which command fetches them: it never passes silently.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokerRegistrar, registerTemporaryBroker } from '../src/index.js';
import { useEndpoints } from './harness/endpoints.js';
import { useKafkaCluster } from './harness/fixture.js';
import { kafkaSkipReason } from './harness/kafka-cluster.js';
import { isListed } from './harness/kafka-client.js';
import { NaiveRegistrar } from './harness/naive-registrar.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession, openSession } from './harness/sessions.js';

const userZk = process.env.ZK_CONNECT ?? '';
const userBootstrap = (process.env.KAFKA_BOOTSTRAP ?? '').split(',').filter((b) => b !== '');
const external = userZk !== '' && userBootstrap.length > 0;
const kafka = external ? undefined : useKafkaCluster({ size: 1 });
const skip = external ? false : kafkaSkipReason();

function target(): { zkConnect: string; bootstrap: string[] } {
  if (kafka === undefined) return { zkConnect: userZk, bootstrap: userBootstrap };
  return { zkConnect: kafka.cluster.zkConnect, bootstrap: kafka.cluster.bootstrap };
}
const spareId = (n: number): number => 9000 + ((process.pid * 7 + n) % 900);

describe('against a real ZooKeeper-mode Kafka cluster', () => {
  const socket = useEndpoints();

  test('a temporary broker appears in the real metadata and disappears on dispose', { skip }, async () => {
    const { zkConnect, bootstrap } = target();
    const listed = (id: number): Promise<boolean> => isListed(bootstrap, id);
    const s = await socket();
    const id = spareId(1);
    const tmp = await registerTemporaryBroker({
      zookeeper: { connect: zkConnect },
      brokerId: id,
      kafka: { brokers: bootstrap },
      endpoint: { host: '127.0.0.1', port: s.port },
      timeoutMs: 60_000,
    });
    assert.equal(await listed(id), true);
    await tmp.dispose();
    assert.equal(await listed(id), false);
  });

  test('the stale-owner race against the real controller: naive broker vanishes, ours stays', { skip }, async () => {
    const { zkConnect, bootstrap } = target();
    const listed = (id: number): Promise<boolean> => isListed(bootstrap, id);
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
      assert.equal(naive.registered, true, 'the naive registrar believes it is registered');
      // A real cluster offers no watch on its metadata: poll it, bounded. `confirmed` may have been
      // satisfied by the stale registration (same endpoint; Metadata carries no broker epoch, see the
      // README), so what decides is the metadata once the controller has caught up with both nodes.
      await eventually(async () => !(await listed(naiveId)), 30_000, `broker ${naiveId} to leave the real metadata`);
      await eventually(() => listed(ourId), 30_000, `broker ${ourId} to be listed by the real cluster`);
      const check = await openSession(zkConnect);
      try {
        const node = await check.exists(`/brokers/ids/${ourId}`);
        assert.equal(node?.ephemeralOwner, ours.status().sessionId, 'our node is owned by our current session');
        assert.equal(await check.exists(`/brokers/ids/${naiveId}`), null, 'the naive node stays gone');
      } finally {
        check.close();
      }
    } finally {
      await ours.stop();
      await naive.stop();
      // Their sessions were ended from another handle; these handles must still be freed.
      aNaive.close();
      aOurs.close();
    }
  });
});
