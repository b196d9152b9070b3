// A TCP server that answers a Kafka client's metadata path (ApiVersions, Metadata) the way a
// ZooKeeper-mode broker would, from the metadata the test cluster has propagated to it. It is a
// test double for that path only: it stores no data and speaks no other API (it closes the
// connection on anything else, as a broker does on an API it does not know).
import { createServer, type Server, type Socket } from 'node:net';
import type { ClusterSnapshot } from './zk-metadata.js';
import {
  API_KEY,
  encodeApiVersionsResponse,
  encodeMetadataResponse,
  ERROR,
  readMetadataRequest,
  readRequestHeader,
  response,
  type MetadataBroker,
} from './protocol.js';
import { frame, FrameSplitter, Reader } from '../../kafka-protocol/wire.js';

export interface FakeBrokerOptions {
  /** The listener this socket is (Kafka filters metadata to the listener a client connected on). */
  readonly listenerName?: string;
  /** Highest ApiVersions version served; lower it to exercise the UNSUPPORTED_VERSION fallback. */
  readonly apiVersionsMax?: number;
  /** Highest Metadata version served (0..4). */
  readonly metadataMax?: number;
}

export class FakeKafkaBroker {
  readonly listenerName: string;
  private readonly apiVersionsMax: number;
  private readonly metadataMax: number;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private published: ClusterSnapshot | undefined;
  private boundPort = 0;
  /** Requests served, by API key (for tests to see what a client asked). */
  readonly served = new Map<number, number>();

  constructor(opts: FakeBrokerOptions = {}) {
    this.listenerName = (opts.listenerName ?? 'PLAINTEXT').toUpperCase();
    this.apiVersionsMax = opts.apiVersionsMax ?? 2;
    this.metadataMax = opts.metadataMax ?? 4;
    this.server = createServer((sock) => this.accept(sock));
  }

  get port(): number {
    return this.boundPort;
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.boundPort = typeof a === 'object' && a !== null ? a.port : 0;
        resolve(this.boundPort);
      });
    });
  }

  /** What a metadata update from the controller would install in this broker's cache. */
  publish(snapshot: ClusterSnapshot): void {
    this.published = snapshot;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    const frames = new FrameSplitter();
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of frames.push(chunk)) {
          const reply = this.handle(f);
          if (reply === undefined) {
            sock.destroy();
            return;
          }
          sock.write(frame(reply));
        }
      } catch {
        sock.destroy(); // malformed request: a broker closes the connection
      }
    });
  }

  private handle(payload: Buffer): Buffer | undefined {
    const r = new Reader(payload);
    const h = readRequestHeader(r);
    this.served.set(h.apiKey, (this.served.get(h.apiKey) ?? 0) + 1);
    if (h.apiKey === API_KEY.ApiVersions) {
      const apis = [
        { apiKey: API_KEY.Metadata, minVersion: 0, maxVersion: this.metadataMax },
        { apiKey: API_KEY.ApiVersions, minVersion: 0, maxVersion: this.apiVersionsMax },
      ];
      return h.apiVersion > this.apiVersionsMax
        ? response(h.correlationId, encodeApiVersionsResponse(0, ERROR.UNSUPPORTED_VERSION, apis))
        : response(h.correlationId, encodeApiVersionsResponse(h.apiVersion, ERROR.NONE, apis));
    }
    if (h.apiKey === API_KEY.Metadata && h.apiVersion <= this.metadataMax) {
      const req = readMetadataRequest(h.apiVersion, r);
      const snap = this.published;
      return response(
        h.correlationId,
        encodeMetadataResponse(h.apiVersion, {
          brokers: snap === undefined ? [] : this.brokersOnOurListener(snap),
          clusterId: snap?.clusterId ?? null,
          controllerId: snap?.controllerId ?? -1,
          unknownTopics: req.topics ?? [],
        }),
      );
    }
    return undefined;
  }

  private brokersOnOurListener(snap: ClusterSnapshot): MetadataBroker[] {
    const out: MetadataBroker[] = [];
    for (const [id, b] of [...snap.brokers].sort((x, y) => x[0] - y[0])) {
      const ep = b.endpoints.find((e) => e.listenerName === this.listenerName);
      if (ep === undefined || ep.host === null) continue; // no such listener: not visible here
      out.push({ nodeId: id, host: ep.host, port: ep.port, rack: b.rack ?? null });
    }
    return out;
  }
}
