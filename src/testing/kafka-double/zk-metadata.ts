// The cluster metadata a ZooKeeper-mode controller would propagate, derived from ZooKeeper itself:
// live brokers = children of /brokers/ids (decoded with Kafka's rules), controller = /controller
// (-1 if none), cluster id = /cluster/id (created if absent). Kept current with watches.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { NodeExistsError, NoNodeError } from '../../errors.js';
import { decodeBrokerZNode, type DecodedBrokerZNode } from '../../znodes/broker-znode.js';
import { decodeControllerZNode } from '../../znodes/controller-znode.js';
import { Connection, type ConnectionOptions } from '../../zookeeper/connection.js';
import type { Session } from '../../zookeeper/session.js';

export interface ClusterSnapshot {
  readonly brokers: ReadonlyMap<number, DecodedBrokerZNode>;
  /** Broker epochs (czxid of each registration), as a ZooKeeper-mode controller tracks them. */
  readonly brokerEpochs: ReadonlyMap<number, number>;
  readonly controllerId: number;
  readonly clusterId: string;
}

/** Kafka's cluster id: a random UUID as 22 characters of unpadded base64url. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export class ZkMetadataSource extends EventEmitter<{ snapshot: [ClusterSnapshot] }> {
  private readonly connection: Connection;
  private current: ClusterSnapshot | undefined;
  private readonly watching = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  /** `connect`: a connect string (with chroot), or connection options (auth, TLS) for the cluster's ZooKeeper. */
  constructor(connect: string | ConnectionOptions) {
    super();
    this.connection = new Connection(
      typeof connect === 'string' ? { connect, sessionTimeoutMs: 10_000 } : { sessionTimeoutMs: 10_000, ...connect },
    );
    this.connection.on('session', () => {
      this.watching.clear();
      this.refresh();
    });
  }

  get snapshot(): ClusterSnapshot | undefined {
    return this.current;
  }

  async start(): Promise<ClusterSnapshot> {
    const first = new Promise<ClusterSnapshot>((resolve) => this.once('snapshot', resolve));
    await this.connection.start();
    // As a Kafka broker does at startup: the chroot exists before anything watches inside it. The
    // first load (on the 'session' event) may have found it missing: load again.
    await this.connection.ensureChroot();
    this.refresh();
    return first;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refreshing?.catch(() => undefined);
    await this.connection.close();
  }

  private refresh(): void {
    if (this.closed) return;
    if (this.refreshing !== undefined) {
      this.again = true;
      return;
    }
    this.refreshing = this.load()
      .catch(() => undefined) // a failed read is retried by the next event or session
      .finally(() => {
        this.refreshing = undefined;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  /** A one-shot watch per path: re-armed only after it fired, so watchers do not pile up. */
  private watcher(path: string): (() => void) | undefined {
    if (this.watching.has(path)) return undefined;
    this.watching.add(path);
    return () => {
      this.watching.delete(path);
      this.refresh();
    };
  }

  private async load(): Promise<void> {
    const s = this.connection.session;
    if (s === undefined) return;
    const clusterId = await this.clusterId(s);
    await s.createParents('/brokers/ids/x');
    const ids = await s.getChildren('/brokers/ids', this.watcher('/brokers/ids'));
    const brokers = new Map<number, DecodedBrokerZNode>();
    const brokerEpochs = new Map<number, number>();
    for (const child of ids) {
      const id = Number(child);
      if (!Number.isInteger(id)) continue;
      try {
        const { data, stat } = await s.get(`/brokers/ids/${child}`, this.watcher(`/brokers/ids/${child}`));
        brokers.set(id, decodeBrokerZNode(id, data));
        brokerEpochs.set(id, stat.czxid);
      } catch (err) {
        if (err instanceof NoNodeError) this.watching.delete(`/brokers/ids/${child}`);
        // an undecodable registration is not a live broker to Kafka's controller either
      }
    }
    let controllerId = -1;
    const stat = await s.exists('/controller', this.watcher('/controller'));
    if (stat !== null) {
      try {
        controllerId = decodeControllerZNode((await s.get('/controller')).data);
      } catch {
        controllerId = -1;
      }
    }
    if (this.closed) return;
    this.current = { brokers, brokerEpochs, controllerId, clusterId };
    this.emit('snapshot', this.current);
  }

  private async clusterId(s: Session): Promise<string> {
    for (;;) {
      try {
        const { data } = await s.get('/cluster/id');
        return (JSON.parse(data.toString('utf8')) as { id: string }).id;
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      await s.createParents('/cluster/id');
      try {
        await s.create('/cluster/id', Buffer.from(JSON.stringify({ version: '1', id: newClusterId() })), 'persistent');
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
  }
}
