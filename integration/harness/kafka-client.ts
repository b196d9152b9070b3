// One-shot kafkajs metadata queries for tests: connect, describeCluster, disconnect.
import { Kafka, logLevel } from 'kafkajs';
import type { ClusterView } from '../../src/index.js';

export async function describeCluster(brokers: string[]): Promise<ClusterView> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    return await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

export async function isListed(brokers: string[], brokerId: number): Promise<boolean> {
  return (await describeCluster(brokers)).brokers.some((b) => b.nodeId === brokerId);
}
