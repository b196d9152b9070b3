// The suite's ZooKeeper servers, on the testing kit (src/testing/zookeeper.ts): this file only
// picks the server line the suite runs (Debian's 3.8 package or a ZOOKEEPER_HOME install by
// default; a line fetched by scripts/fetch-zookeeper.sh into the repository's .cache/ when a test
// or KZR_ZK_VERSION names one), honours ZK_CONNECT (an external server), and keeps the suite's
// shapes (ZooKeeperServer, ZooKeeperEnsemble). Never a mock: the whole point of this project is
// ZooKeeper's real ordering of session expiry and ephemeral deletion.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startZooKeeper as startKit,
  type StartZooKeeperOptions,
  type TestZooKeeper,
  type ZooKeeperMember,
} from '../../src/testing/zookeeper.js';
import { fourLetterWord } from '../../src/testing/net.js';
import { defaultZooKeeperVersion, fetchedJars, fetchHint, repoRoot } from './zk-versions.js';

export { superDigest } from '../../src/testing/zookeeper.js';
export { fourLetterWord, freePort } from '../../src/testing/net.js';
export type { ZooKeeperTlsPort } from '../../src/testing/zookeeper.js';

export interface ZooKeeperServerOptions {
  /** ZooKeeper tick in ms; sessions may be as short as 2 ticks. */
  tickTimeMs?: number;
  /** How long to wait for the server to serve. */
  startTimeoutMs?: number;
  /** A ZooKeeper superuser (`user:password`), who bypasses every ACL: the operator who can clean up. */
  superUser?: string;
  /** Ensembles: followers drop a leader that has not answered for this many ticks. Default 10. */
  syncLimit?: number;
  /**
   * The server line: 'debian' (Debian's 3.8 package, or ZOOKEEPER_HOME) or a version fetched by
   * scripts/fetch-zookeeper.sh ('3.4.14'). Default: KZR_ZK_VERSION, else 'debian'.
   */
  version?: string;
  /** Also serve TLS on a secure client port (see StartZooKeeperOptions.tls). */
  tls?: { readonly clientAuth?: 'none' | 'want' | 'need' };
}

/**
 * One server as the tests use it: the kit's member (src/testing/zookeeper.ts), without the member id
 * and log (a standalone server is member 1; an external ZK_CONNECT server has neither).
 */
export type ZooKeeperServer = Omit<ZooKeeperMember, 'id' | 'logTail'>;

const DEBIAN_CLASSPATH = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar'];
const INSTALL_HINT =
  'ZooKeeper 3.8 was not found. Install it with `apt-get update && apt-get install -y zookeeper` ' +
  '(Debian), or set ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release, or set ZK_CONNECT=host:port ' +
  'to use a running server.';

/** The kit's options for a line: Debian's or ZOOKEEPER_HOME's jars, or a line in the repository's .cache/. */
function serverOptions(version: string, tls: boolean): Pick<StartZooKeeperOptions, 'classpath' | 'version' | 'cacheDir'> {
  if (version !== 'debian') {
    if (fetchedJars(version) === undefined) throw new Error(fetchHint(version));
    return { version, cacheDir: join(repoRoot(), '.cache') };
  }
  const home = process.env.ZOOKEEPER_HOME;
  if (home !== undefined && home !== '') {
    const jars: string[] = [];
    for (const dir of [home, join(home, 'lib')]) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.jar')) jars.push(join(dir, f));
    }
    if (jars.length === 0) throw new Error(`ZOOKEEPER_HOME=${home} holds no jars. ${INSTALL_HINT}`);
    return { classpath: [join(home, 'conf'), ...jars], version: '3.8' };
  }
  if (!existsSync(DEBIAN_CLASSPATH[1]!)) throw new Error(INSTALL_HINT);
  // Debian's zookeeper.jar names netty-handler in its Class-Path, but not what that needs in turn.
  const netty = tls ? ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'].filter((j) => existsSync(j)) : [];
  return { classpath: [...DEBIAN_CLASSPATH, ...netty], version: '3.8' };
}

function kitOptions(opts: ZooKeeperServerOptions, members: 1 | 3): StartZooKeeperOptions {
  return {
    members,
    ...serverOptions(opts.version ?? defaultZooKeeperVersion(), opts.tls !== undefined),
    ...(opts.tickTimeMs === undefined ? {} : { tickTime: opts.tickTimeMs }),
    ...(opts.syncLimit === undefined ? {} : { syncLimit: opts.syncLimit }),
    ...(opts.startTimeoutMs === undefined ? {} : { startTimeoutMs: opts.startTimeoutMs }),
    ...(opts.superUser === undefined ? {} : { superUser: opts.superUser }),
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
  };
}

/** A kit member in the suite's shape; `stop` stops what `stopAll` stops (the whole server for a standalone one). */
function asServer(m: ZooKeeperMember, stopAll: () => Promise<void>): ZooKeeperServer {
  return {
    connectString: m.connectString,
    port: m.port,
    get pid() {
      return m.pid;
    },
    version: m.version,
    tls: m.tls,
    pause: () => m.pause(),
    resume: () => m.resume(),
    fourLetterWord: (cmd) => m.fourLetterWord(cmd),
    kill: () => m.kill(),
    restart: () => m.restart(),
    wipeData: () => m.wipeData(),
    stop: stopAll,
  };
}

/** The 'Zookeeper version: 3.4.14-...' line of `srvr`, without its label. */
async function versionOf(port: number): Promise<string> {
  const srvr = await fourLetterWord(port, 'srvr').catch((err: Error) => `(srvr failed: ${err.message})`);
  return /^Zookeeper version: ([^,\n]+)/m.exec(srvr)?.[1]?.trim() ?? `unknown (srvr: ${srvr.slice(0, 80)})`;
}

function external(connect: string, version: string): ZooKeeperServer {
  const first = connect.split('/')[0]!.split(',')[0]!;
  const port = Number(first.split(':').pop());
  const notOurs = (): never => {
    throw new Error('pause/resume need a server started by the harness; ZK_CONNECT points at an external one');
  };
  return {
    connectString: connect,
    port,
    pid: undefined,
    version,
    tls: undefined,
    pause: notOurs,
    resume: notOurs,
    fourLetterWord: (cmd) => fourLetterWord(port, cmd),
    kill: async () => notOurs(),
    restart: async () => notOurs(),
    wipeData: notOurs,
    stop: async () => undefined,
  };
}

/**
 * Starts a standalone ZooKeeper, or uses ZK_CONNECT when it is set. Start one per test file:
 * a JVM takes seconds to start.
 */
export async function startZooKeeper(opts: ZooKeeperServerOptions = {}): Promise<ZooKeeperServer> {
  const ext = process.env.ZK_CONNECT;
  if (ext !== undefined && ext !== '') {
    const first = ext.split('/')[0]!.split(',')[0]!;
    return external(ext, await versionOf(Number(first.split(':').pop())));
  }
  const zk = await startKit(kitOptions(opts, 1));
  return asServer(zk.members[0]!, () => zk.stop());
}

/** True when a standalone server can be started here (used to say why a suite is skipped). */
export function canStartZooKeeper(version?: string): boolean {
  try {
    serverOptions(version ?? defaultZooKeeperVersion(), false);
    return true;
  } catch {
    return false;
  }
}

export interface ZooKeeperEnsemble {
  readonly servers: readonly ZooKeeperServer[];
  /** All members: `127.0.0.1:p1,127.0.0.1:p2,...`. */
  readonly connectString: string;
  /** Index of the member whose `srvr` says it is the leader, or -1. */
  leader(): Promise<number>;
  /** Index of the member that has a connection from `sessionId` (hex), or -1. */
  serving(sessionId: string): Promise<number>;
  /**
   * Every ephemeral node with its owner session (hex), from the leader's `dump` over a plain socket;
   * undefined while no member serves as leader. An observer that is not a ZooKeeper client cannot
   * share the failure modes of what it observes (a process's handles can wedge after a leader stall).
   */
  ephemeralOwners(): Promise<Map<string, string> | undefined>;
  stop(): Promise<void>;
}

/** Starts a quorum of `size` (3) QuorumPeerMain JVMs on loopback, in parallel, and waits until every member serves. */
export async function startEnsemble(size: 3 = 3, opts: ZooKeeperServerOptions = {}): Promise<ZooKeeperEnsemble> {
  const zk: TestZooKeeper = await startKit(kitOptions(opts, size));
  // A member's stop() stops that member only (the suite stops ensemble members one by one).
  const servers = zk.members.map((m) => asServer(m, () => m.stop()));
  return {
    servers,
    connectString: zk.connectString,
    leader: () => zk.leader(),
    serving: (sessionId) => zk.serving(sessionId),
    ephemeralOwners: () => zk.ephemeralOwners(),
    stop: () => zk.stop(),
  };
}
