// A Kafka-protocol test cluster for the metadata path: several FakeKafkaBrokers, each registered in
// ZooKeeper by a BrokerRegistrar (controller candidacy on), with metadata derived from ZooKeeper and
// propagated to every broker after a configurable delay, or not at all while frozen (a stalled
// controller). Not a Kafka broker: no produce, no fetch, no topics.
import { BrokerRegistrar } from '../../src/index.js';
import { FakeKafkaBroker, type FakeBrokerOptions } from './fake-broker.js';
import { ZkMetadataSource, type ClusterSnapshot } from './zk-metadata.js';

export interface TestClusterOptions {
  /** ZooKeeper connect string (with chroot) the cluster lives in. */
  readonly connect: string;
  readonly brokerIds: readonly number[];
  readonly propagationDelayMs?: number;
  readonly broker?: FakeBrokerOptions;
}

export class TestCluster {
  readonly brokers = new Map<number, { broker: FakeKafkaBroker; registrar: BrokerRegistrar }>();
  private readonly extra = new Set<FakeKafkaBroker>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private frozen = false;
  private delayMs: number;

  private constructor(
    private readonly source: ZkMetadataSource,
    private readonly opts: TestClusterOptions,
  ) {
    this.delayMs = opts.propagationDelayMs ?? 0;
    source.on('snapshot', (s) => this.propagate(s));
  }

  static async start(opts: TestClusterOptions): Promise<TestCluster> {
    const c = new TestCluster(new ZkMetadataSource(opts.connect), opts);
    try {
      await c.source.start();
      for (const id of opts.brokerIds) {
        const broker = await c.serve();
        const registrar = new BrokerRegistrar({
          zookeeper: { connect: opts.connect, sessionTimeoutMs: 6000 },
          brokerId: id,
          listeners: [{ name: broker.listenerName, host: '127.0.0.1', port: broker.port }],
          controller: { performsControllerDuties: true, besideOtherBrokers: true },
        });
        c.brokers.set(id, { broker, registrar });
        await registrar.start();
      }
      // Up means: every broker of the cluster is in the metadata it serves.
      await c.waitForMetadata((m) => opts.brokerIds.every((id) => m.brokers.has(id)), 15_000, 'all cluster brokers');
      return c;
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  /** `host:port` of every cluster broker, for kafkajs `brokers`. */
  get bootstrap(): string[] {
    return [...this.brokers.values()].map(({ broker }) => `127.0.0.1:${broker.port}`);
  }

  /** A further broker socket that receives metadata but is registered by the caller. */
  async serve(opts: FakeBrokerOptions = this.opts.broker ?? {}): Promise<FakeKafkaBroker> {
    const b = new FakeKafkaBroker(opts);
    await b.listen();
    this.extra.add(b);
    const snap = this.source.snapshot;
    if (snap !== undefined && !this.frozen) b.publish(snap);
    return b;
  }

  setPropagationDelay(ms: number): void {
    this.delayMs = ms;
  }

  /**
   * Stop propagating metadata: brokers keep serving what they have (a stalled controller).
   * `hide` additionally drops those broker ids from what every broker serves (a controller that
   * lost track of them while ZooKeeper still has their nodes).
   */
  freeze(opts: { hide?: readonly number[] } = {}): void {
    this.frozen = true;
    const snap = this.source.snapshot;
    if (snap === undefined || opts.hide === undefined) return;
    const brokers = new Map(snap.brokers);
    for (const id of opts.hide) brokers.delete(id);
    for (const b of this.extra) b.publish({ ...snap, brokers });
  }

  /** Resolves once the metadata derived from ZooKeeper satisfies `pred` (event-driven, bounded). */
  waitForMetadata(pred: (s: ClusterSnapshot) => boolean, timeoutMs: number, what: string): Promise<ClusterSnapshot> {
    const now = this.source.snapshot;
    if (now !== undefined && pred(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.source.off('snapshot', on);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for cluster metadata: ${what}`));
      }, timeoutMs);
      const on = (s: ClusterSnapshot): void => {
        if (!pred(s)) return;
        clearTimeout(timer);
        this.source.off('snapshot', on);
        resolve(s);
      };
      this.source.on('snapshot', on);
    });
  }

  unfreeze(): void {
    this.frozen = false;
    const snap = this.source.snapshot;
    if (snap !== undefined) this.propagate(snap);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const { registrar } of this.brokers.values()) await registrar.stop();
    for (const b of this.extra) await b.close();
    await this.source.close();
  }

  private propagate(snap: ClusterSnapshot): void {
    if (this.frozen) return;
    const apply = (): void => {
      if (this.frozen) return;
      for (const b of this.extra) b.publish(snap);
    };
    if (this.delayMs === 0) {
      apply();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      apply();
    }, this.delayMs);
    this.timers.add(t);
  }
}
