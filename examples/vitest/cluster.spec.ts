// A user's vitest file with the testing kit: a real ZooKeeper-mode Kafka cluster for the file, a
// temporary broker that joins it and leaves it, and a broker restart. Run with `npx vitest run` after
// `npx kafka-zk-registrar fetch-kafka` (once per machine). vitest runs the TypeScript itself (tsc
// only type-checks it here). Named .spec.ts so that `node --test` leaves it to vitest.
// Imports the package by name, as an application does (kafka-zk-registrar/testing).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { registerTemporaryBroker, startKafkaCluster, type TestKafkaCluster } from 'kafka-zk-registrar/testing';

let cluster: TestKafkaCluster;
let admin: Admin;

// vitest's 10 s default is too short for a JVM start on a small machine: give hooks and tests a minute.
beforeAll(async () => {
  // ZooKeeper and one broker, on free 127.0.0.1 ports; stopped in afterAll(), which also ends a
  // temporary broker a failed test did not dispose.
  cluster = await startKafkaCluster({ brokers: 1 });
  admin = new Kafka({ clientId: 'example', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stop();
}, 60_000);

async function brokerIds(): Promise<number[]> {
  return (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
}

test('a temporary broker is listed while in scope, and gone after', async () => {
  {
    await using tmp = await registerTemporaryBroker({ zookeeper: { connect: cluster.zkConnect }, brokerId: 42, admin });
    expect(await brokerIds()).toEqual([1, 42]);
    expect(tmp.endpoint.host).toBe('127.0.0.1');
  }
  expect(await brokerIds()).toEqual([1]);
}, 60_000);

test('a restarted broker is back in the cluster', async () => {
  const before = cluster.broker(1).pid;
  await cluster.restartBroker(1);
  expect(cluster.broker(1).pid).not.toBe(before);
  expect(await brokerIds()).toEqual([1]);
}, 60_000);
