// Per-test-file fixture: one ZooKeeper server for the file, a fresh chroot per test (so tests
// cannot see each other's znodes), and cleanup of everything a test opened.
import { after, before } from 'node:test';
import { startZooKeeper, type ZooKeeperServer } from './zookeeper-server.js';
import { within } from './wait.js';
import { Connection, type Session } from '../../src/index.js';

interface Closable {
  stop?: () => Promise<void>;
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

export function useZooKeeper(opts: { tickTimeMs?: number } = {}): ZooKeeperFixture {
  let server: ZooKeeperServer | undefined;
  const tracked: Closable[] = [];
  before(async () => {
    server = await startZooKeeper(opts);
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
      return within(c.start(), 15_000, `an observer session on ${connect}`);
    },
    track: (thing) => {
      tracked.push(thing);
      return thing;
    },
  };
  return fixture;
}
