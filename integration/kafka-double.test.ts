// The Kafka-protocol test double, end to end with real kafkajs over TCP: every Metadata version
// it serves, the ApiVersions UNSUPPORTED_VERSION fallback, listener filtering, and metadata that
// follows ZooKeeper.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BrokerRegistrar, type ClusterView } from '../src/index.js';
import { describeCluster } from './harness/kafka-client.js';
import { useZooKeeper } from './harness/fixture.js';
import { within } from './harness/wait.js';
import { TestCluster } from './kafka-double/test-cluster.js';
import type { FakeKafkaBroker } from './kafka-double/fake-broker.js';

const zk = useZooKeeper();

const describeVia = (broker: FakeKafkaBroker): Promise<ClusterView> => describeCluster([`127.0.0.1:${broker.port}`]);

describe('kafkajs against the test cluster', () => {
  for (const metadataMax of [0, 1, 2, 3, 4]) {
    test(`Metadata v${metadataMax}`, async () => {
      const connect = zk.chroot();
      const c = zk.track(await within(TestCluster.start({ connect, brokerIds: [1, 2] }), 30_000, 'cluster'));
      const b = await c.serve({ metadataMax });
      const view = await describeVia(b);
      assert.deepEqual(view.brokers.map((x) => x.nodeId).sort(), [1, 2]);
      const one = view.brokers.find((x) => x.nodeId === 1);
      assert.equal(one?.port, c.brokers.get(1)?.broker.port);
      const obs = await zk.observer(connect);
      const controller = (JSON.parse((await obs.get('/controller')).data.toString()) as { brokerid: number }).brokerid;
      const clusterId = (JSON.parse((await obs.get('/cluster/id')).data.toString()) as { id: string }).id;
      if (metadataMax >= 1) assert.equal(view.controller, controller);
      if (metadataMax >= 2) assert.equal(view.clusterId, clusterId);
      assert.ok((b.served.get(3) ?? 0) >= 1, 'Metadata was asked of this broker');
    });
  }

  test('ApiVersions: a broker that only speaks v0 answers v2 with UNSUPPORTED_VERSION, and kafkajs steps down', async () => {
    const connect = zk.chroot();
    const c = zk.track(await within(TestCluster.start({ connect, brokerIds: [1] }), 30_000, 'cluster'));
    const b = await c.serve({ apiVersionsMax: 0 });
    const view = await describeVia(b);
    assert.deepEqual(
      view.brokers.map((x) => x.nodeId),
      [1],
    );
    assert.ok((b.served.get(18) ?? 0) >= 3, `kafkajs should have tried v2, v1, v0: ${b.served.get(18)}`);
  });

  test('metadata is filtered to the listener the client connected on', async () => {
    const connect = zk.chroot();
    const c = zk.track(await within(TestCluster.start({ connect, brokerIds: [1] }), 30_000, 'cluster'));
    const internal = await c.serve({ listenerName: 'INTERNAL' });
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect },
        brokerId: 5,
        listeners: [
          { name: 'PLAINTEXT', host: '127.0.0.1', port: 19092 },
          // kafkajs connects to what metadata lists, so broker 5's INTERNAL endpoint is this socket.
          { name: 'INTERNAL', host: '127.0.0.1', port: internal.port, securityProtocol: 'PLAINTEXT' },
        ],
      }),
    );
    await r.start();
    await c.waitForMetadata((m) => m.brokers.has(5), 10_000, 'broker 5');
    const view = await describeVia(internal);
    // Broker 1 has no INTERNAL listener, so a client on INTERNAL does not see it.
    assert.deepEqual(view.brokers, [{ nodeId: 5, host: '127.0.0.1', port: internal.port }]);
  });
});
