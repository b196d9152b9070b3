// A user's node:test file with the testing kit: a real ZooKeeper-mode Kafka cluster for the file,
// a temporary broker that joins it and leaves it, and a broker restart. Run with
// `node --test` after `npx kafka-zk-registrar fetch-kafka` (once per machine).
// Imports the package by name, as an application does (kafka-zk-registrar/testing).
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { registerTemporaryBroker, startKafkaCluster, type TestKafkaCluster } from 'kafka-zk-registrar/testing';

let cluster: TestKafkaCluster;
let admin: Admin;

before(async () => {
  // ZooKeeper and one broker, on free 127.0.0.1 ports; stopped in after(), and killed with this
  // process if it dies first.
  cluster = await startKafkaCluster({ brokers: 1 });
  admin = new Kafka({ clientId: 'example', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  await cluster?.stop();
});

async function brokerIds(): Promise<number[]> {
  return (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
}

test('a temporary broker is listed while in scope, and gone after', async () => {
  {
    await using tmp = await registerTemporaryBroker({ zookeeper: { connect: cluster.zkConnect }, brokerId: 42, admin });
    assert.deepEqual(await brokerIds(), [1, 42]);
    // Its endpoint answers Kafka's protocol: a client sent there is not left hanging.
    const direct = new Kafka({
      clientId: 'example-direct',
      brokers: [`${tmp.endpoint.host}:${tmp.endpoint.port}`],
      logLevel: logLevel.NOTHING,
    }).admin();
    await direct.connect();
    assert.equal((await direct.describeCluster()).brokers.length, 2);
    await direct.disconnect();
  }
  assert.deepEqual(await brokerIds(), [1]);
});

test('a restarted broker is back in the cluster', async () => {
  const before = cluster.broker(1).pid;
  await cluster.restartBroker(1);
  assert.notEqual(cluster.broker(1).pid, before);
  assert.deepEqual(await brokerIds(), [1]);
});
