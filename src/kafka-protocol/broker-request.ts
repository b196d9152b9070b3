// One request to exactly one Kafka broker, over a plaintext TCP connection of its own, and its one
// answer. kafkajs cannot be told which broker answers (its admin picks one from the pool it learned),
// and what the audit needs is what *this* broker says: brokers disagree exactly when something is
// wrong, and a broker's own configuration is answered by that broker only.
import { connect } from 'node:net';
import { frame, FrameSplitter, Reader, Writer } from './wire.js';

/** A request: its API key and version (Kafka's protocol guide), its body, and how to read the answer's body. */
export interface BrokerRequest<T> {
  /** The API's name, for messages: `Metadata`, `DescribeConfigs`. */
  readonly api: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The request body, after the request header. */
  readonly body: Buffer;
  /** Reads the response body (after the correlation id); throws on what it cannot read. */
  readonly read: (r: Reader) => T;
}

/**
 * Sends `request` to `address` (`host:port` of a PLAINTEXT listener, `[v6]:port` too) with request
 * header v1, and resolves with its answer. Rejects on a connection error (its `code` kept: ECONNREFUSED,
 * ENOTFOUND), a close before the answer, no answer within `timeoutMs`, or an answer that does not read.
 */
export function askBroker<T>(address: string, request: BrokerRequest<T>, timeoutMs: number): Promise<T> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const { api } = request;
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const splitter = new FrameSplitter();
    let settled = false;
    const settle = (err: Error | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err !== undefined) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => settle(new Error(`no ${api} answer from ${address} within ${timeoutMs} ms`)), timeoutMs);
    // The code (ECONNREFUSED, ENOTFOUND, ...) stays with the error: an audit reports it beside the text.
    sock.on('error', (err: NodeJS.ErrnoException) => settle(Object.assign(new Error(`${address}: ${err.message}`), { code: err.code })));
    sock.on('close', () => settle(new Error(`${address} closed the connection before answering ${api}`)));
    sock.on('connect', () => {
      // Request header v1: api_key, api_version, correlation_id, client_id.
      const header = new Writer().int16(request.apiKey).int16(request.apiVersion).int32(1).nullableString('kafka-zk-registrar').toBuffer();
      sock.write(frame(Buffer.concat([header, request.body])));
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
        settle(undefined, request.read(r));
      } catch (err) {
        settle(new Error(`${address}: malformed ${api} answer (${(err as Error).message})`));
      }
    });
  });
}
