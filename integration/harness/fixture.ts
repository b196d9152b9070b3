// Per-test-file fixture: one ZooKeeper server for the file, a fresh chroot per test (so tests
// cannot see each other's znodes), and cleanup of everything a test opened.
import { after, before } from 'node:test';
import { startZooKeeper, type ZooKeeperServer, type ZooKeeperServerOptions } from './zookeeper-server.js';
import { within } from './wait.js';
import { kafkaSkipReason, startKafkaCluster, type KafkaCluster, type KafkaClusterOptions } from './kafka-cluster.js';
import { Connection, type Session } from '../../src/index.js';

interface Closable {
  stop?: () => Promise<unknown>;
  close?: () => Promise<void> | void;
}

export interface ZooKeeperFixture {
  readonly server: ZooKeeperServer;
  /** A connect string with a new, unique chroot. */
  chroot(): string;
  /** An observer session on `connect` that is closed after the file's tests. */
  observer(connect: string): Promise<Session>;
  /** Registers something to stop/close after the file's tests (in reverse order). */
  track<T extends Closable>(thing: T): T;
}

let counter = 0;

export function useZooKeeper(
  opts: {
    tickTimeMs?: number;
    superUser?: string;
    tls?: ZooKeeperServerOptions['tls'];
    then?: (server: ZooKeeperServer) => Promise<void>;
  } = {},
): ZooKeeperFixture {
  let server: ZooKeeperServer | undefined;
  const tracked: Closable[] = [];
  before(async () => {
    server = await startZooKeeper(opts);
    // Root-level before() hooks of one file may run concurrently: what needs the server runs here.
    await opts.then?.(server);
  });
  after(async () => {
    for (const t of tracked.reverse()) {
      try {
        if (t.stop !== undefined) await t.stop();
        else await t.close?.();
      } catch {
        /* best effort: the server goes next */
      }
    }
    await server?.stop();
  });
  const fixture: ZooKeeperFixture = {
    get server(): ZooKeeperServer {
      if (server === undefined) throw new Error('ZooKeeper fixture used before its before() hook ran');
      return server;
    },
    chroot: () => `${fixture.server.connectString}/kzr-${process.pid}-${++counter}`,
    // A Connection (not a bare Session) so that a missing chroot is created first.
    observer: async (connect) => {
      const c = fixture.track(new Connection({ connect, sessionTimeoutMs: 10_000 }));
      const s = await within(c.start(), 15_000, `an observer session on ${connect}`);
      await within(c.ensureChroot(), 15_000, `the chroot of ${connect}`);
      return s;
    },
    track: (thing) => {
      tracked.push(thing);
      return thing;
    },
  };
  return fixture;
}

export interface KafkaFixture {
  readonly zk: ZooKeeperFixture;
  readonly cluster: KafkaCluster;
}

/**
 * One real ZooKeeper-mode Kafka cluster for a test file, on the file's ZooKeeper server. When the
 * Kafka jars are absent nothing is started (the file's tests skip with `kafkaSkipReason()`).
 */
export function useKafkaCluster(
  opts: Omit<KafkaClusterOptions, 'zookeeper'> & { readonly prepare?: (zk: ZooKeeperServer) => Promise<Partial<KafkaClusterOptions>> },
): KafkaFixture {
  let cluster: KafkaCluster | undefined;
  const zk: ZooKeeperFixture = useZooKeeper({
    then: async (server) => {
      if (kafkaSkipReason() !== false) return;
      const extra = (await opts.prepare?.(server)) ?? {};
      const c = await startKafkaCluster({ ...opts, ...extra, zookeeper: server.connectString });
      cluster = c;
      // Stopped with what the file's tests tracked, before the ZooKeeper server goes.
      zk.track({ stop: () => c.stop() });
    },
  });
  return {
    zk,
    get cluster(): KafkaCluster {
      if (cluster === undefined) throw new Error('Kafka fixture used before its before() hook ran (or without the Kafka jars)');
      return cluster;
    },
  };
}
