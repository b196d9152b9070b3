// The cluster metadata a ZooKeeper-mode controller would propagate, derived from ZooKeeper itself:
// live brokers = children of /brokers/ids (decoded with Kafka's rules), controller = /controller
// (-1 if none), cluster id = /cluster/id (created if absent). Kept current with watches.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isRetriable, isSessionGone, NodeExistsError, NoNodeError } from '../../errors.js';
import { untilAborted } from '../../util/shared-work.js';
import { decodeBrokerZNode, type DecodedBrokerZNode } from '../../znodes/broker-znode.js';
import { decodeClusterId } from '../../znodes/cluster-id-znode.js';
import { decodeControllerZNode } from '../../znodes/controller-znode.js';
import { Connection, type ConnectionOptions, unreachableError } from '../../zookeeper/connection.js';
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
  /** Why the last load failed; undefined once one succeeds. */
  private failure: unknown;
  /** The next load after a failed one (no watch or session event may ever come to trigger it). */
  private retryTimer: NodeJS.Timeout | undefined;
  /** Settles start(): with the first snapshot, or the first failure that is not passing trouble. */
  private settleFirst: ((err: unknown, snap?: ClusterSnapshot) => void) | undefined;

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
    // Until a first session, why none comes is what a connection attempt last hit.
    this.connection.on('unreachable', (e) => {
      if (this.connection.lastContactAt === undefined) this.failure = unreachableError(e);
    });
  }

  get snapshot(): ClusterSnapshot | undefined {
    return this.current;
  }

  /**
   * Why the last load failed (a read's error, a /cluster/id that does not decode), or, before any
   * session, what the last connection attempt hit; undefined once a load succeeds.
   */
  get lastFailure(): unknown {
    return this.failure;
  }

  /**
   * Connects and resolves with the first snapshot. Rejects with the connection's error
   * (ConnectTimeoutError), with a load's error that is no passing trouble (a /cluster/id that does
   * not decode: ZNodeFormatError; a read the ACLs refuse: NoAuthError), or with StoppedError once
   * `signal` aborts.
   * Loads that fail on a lost connection are tried again until then.
   */
  async start(signal?: AbortSignal): Promise<ClusterSnapshot> {
    const what = 'the metadata source';
    try {
      await untilAborted(this.connection.start(), signal, what);
      // As a Kafka broker does at startup: the chroot exists before anything watches inside it. The
      // first load (on the 'session' event) may have failed for the want of it: only loads from
      // here on count.
      await untilAborted(this.connection.ensureChroot(signal), signal, what);
      const first = new Promise<ClusterSnapshot>((resolve, reject) => {
        this.settleFirst = (err, snap) => (err === undefined ? resolve(snap as ClusterSnapshot) : reject(err));
      });
      this.refresh();
      return await untilAborted(first, signal, what);
    } finally {
      this.settleFirst = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
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
      .then(
        () => (this.failure = undefined),
        (err: unknown) => this.failed(err),
      )
      .finally(() => {
        this.refreshing = undefined;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  private failed(err: unknown): void {
    this.failure = err;
    // A read that failed may have left its watch unarmed: the next load arms every one again.
    this.watching.clear();
    // A load already asked for (the one after the chroot was made, say) has the last word.
    if (!this.again && !isRetriable(err) && !isSessionGone(err)) this.settleFirst?.(err);
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.refresh();
    }, 1000);
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
    this.settleFirst?.(undefined, this.current);
    this.emit('snapshot', this.current);
  }

  private async clusterId(s: Session): Promise<string> {
    for (;;) {
      try {
        return decodeClusterId((await s.get('/cluster/id')).data);
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
