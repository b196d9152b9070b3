// Asks exactly one Kafka broker what it serves as Metadata (v2: brokers, cluster id, controller),
// over one plaintext TCP connection. kafkajs cannot: describeCluster answers from a random broker
// of the pool it learned, and fails when the one it picks is down. An audit (and a test) needs to
// know what *this* broker says, since brokers disagree exactly when something is wrong.
import { connect } from 'node:net';
import { frame, FrameSplitter, Reader, Writer } from './wire.js';

export interface BrokerMetadata {
  readonly brokers: { readonly nodeId: number; readonly host: string; readonly port: number }[];
  readonly clusterId: string | null;
  /** -1 when the broker knows no controller. */
  readonly controller: number;
}

const METADATA = 3;
const VERSION = 2;

/** `address` is `host:port` of a PLAINTEXT listener. Rejects on connection errors, a timeout, or a malformed answer. */
export function probeMetadata(address: string, timeoutMs = 5000): Promise<BrokerMetadata> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const splitter = new FrameSplitter();
    let settled = false;
    const settle = (err: Error | undefined, value?: BrokerMetadata): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err !== undefined) reject(err);
      else resolve(value as BrokerMetadata);
    };
    const timer = setTimeout(() => settle(new Error(`no Metadata answer from ${address} within ${timeoutMs} ms`)), timeoutMs);
    // The code (ECONNREFUSED, ENOTFOUND, ...) stays with the error: an audit reports it beside the text.
    sock.on('error', (err: NodeJS.ErrnoException) => settle(Object.assign(new Error(`${address}: ${err.message}`), { code: err.code })));
    sock.on('close', () => settle(new Error(`${address} closed the connection before answering Metadata`)));
    sock.on('connect', () => {
      // Request header v1 (api_key, api_version, correlation_id, client_id); topics: [] asks for none.
      sock.write(frame(new Writer().int16(METADATA).int16(VERSION).int32(1).nullableString('kafka-zk-registrar').int32(0).toBuffer()));
    });
    sock.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch (err) {
        settle(err as Error);
        return;
      }
      const payload = frames[0];
      if (payload === undefined) return;
      try {
        const r = new Reader(payload);
        r.int32(); // correlation id
        const brokers =
          r.nullableArray((x) => {
            const b = { nodeId: x.int32(), host: x.string(), port: x.int32() };
            x.nullableString(); // rack
            return b;
          }) ?? [];
        const clusterId = r.nullableString();
        settle(undefined, { brokers, clusterId, controller: r.int32() });
      } catch (err) {
        settle(new Error(`${address}: malformed Metadata answer (${(err as Error).message})`));
      }
    });
  });
}
