// Asks exactly one Kafka broker what it serves as Metadata (v2: brokers, cluster id, controller).
// kafkajs cannot: describeCluster answers from a random broker of the pool it learned, and fails when
// the one it picks is down (see broker-request.ts).
import { askBroker } from './broker-request.js';
import { Writer } from './wire.js';

export interface BrokerMetadata {
  readonly brokers: { readonly nodeId: number; readonly host: string; readonly port: number }[];
  readonly clusterId: string | null;
  /** -1 when the broker knows no controller. */
  readonly controller: number;
}

/** `address` is `host:port` of a PLAINTEXT listener. Rejects on connection errors, a timeout, or a malformed answer. */
export function probeMetadata(address: string, timeoutMs = 5000): Promise<BrokerMetadata> {
  return askBroker(
    address,
    {
      api: 'Metadata',
      apiKey: 3,
      apiVersion: 2,
      body: new Writer().int32(0).toBuffer(), // topics: [] asks for none
      read: (r) => {
        const brokers =
          r.nullableArray((x) => {
            const b = { nodeId: x.int32(), host: x.string(), port: x.int32() };
            x.nullableString(); // rack
            return b;
          }) ?? [];
        const clusterId = r.nullableString();
        return { brokers, clusterId, controller: r.int32() };
      },
    },
    timeoutMs,
  );
}
