// Real, throwaway ZooKeeper servers for tests: a standalone server or a 3-member ensemble of JVMs on
// free 127.0.0.1 ports in temp dirs, started in parallel, each stopped by pid (see jvm.ts for how a
// JVM dies with the process that started it). Never a mock: the point is ZooKeeper's real ordering
// of session expiry and ephemeral deletion. With the faults of the field on tap: a stalled leader
// (SIGSTOP), a killed and restarted member, an expired session, a client cut off by a proxy.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigError } from '../errors.js';
import type { Session } from '../zookeeper/session.js';
import { parseConnectString as parseServers } from '../zookeeper/client/host-provider.js';
import { DEFAULT_KAFKA_VERSION, jarsIn, kafkaLibs, zookeeperJars, zookeeperVersionOfJars } from './jars.js';
import { ServerStartError } from './errors.js';
import { makeTempDir, removeTempDir, requireJava, spawnJvm, type Jvm } from './jvm.js';
import { endTemporaryBrokersOn } from './live-brokers.js';
import { checkOptionKeys } from '../util/options.js';
import { MAX_TIMER_MS } from '../util/timing.js';
import { fourLetterWord, freePort } from './net.js';
import { openSessionWithin } from './wait.js';
import { issueCert, makeCa, type Pem } from './pki.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface StartZooKeeperOptions {
  /** 1: a standalone server (ZooKeeperServerMain); 3: an ensemble (QuorumPeerMain). Default 1. */
  readonly members?: 1 | 3;
  /** ZooKeeper's tick, in ms. Sessions may be as short as 2 ticks (minSessionTimeout). Default 200. */
  readonly tickTime?: number;
  /** Ensembles: followers drop a leader that has not answered for this many ticks. Default 10. */
  readonly syncLimit?: number;
  /**
   * A ZooKeeper release (3.x.y) fetched with `npx kafka-zk-registrar fetch-zookeeper
   * --version <v>`. Default: the ZooKeeper that comes with the Kafka jars (`kafkaVersion`), so one
   * fetch serves both. With `classpath`, only says which configuration keys the server knows.
   */
  readonly version?: string;
  /** Whose bundled ZooKeeper to run when `version` is not given. Default 3.9.2 (ZooKeeper 3.8.4). */
  readonly kafkaVersion?: string;
  /** Where fetched jars are. Default: KZR_CACHE_DIR, $XDG_CACHE_HOME/kafka-zk-registrar or ~/.cache/kafka-zk-registrar. */
  readonly cacheDir?: string;
  /** The server's jars (and config dirs) to run instead of fetched ones. */
  readonly classpath?: readonly string[];
  /** Bound on the start, in ms: a member that does not serve in time fails it (ServerStartError). Default 30000 (60000 for 3 members). */
  readonly startTimeoutMs?: number;
  /** A ZooKeeper superuser (`user:password`), who bypasses every ACL. */
  readonly superUser?: string;
  /**
   * Also serve TLS on a secure client port (Netty, PEM stores made here with openssl), beside the
   * plaintext one. `clientAuth` is ZooKeeper's `ssl.clientAuth`. Standalone only; ZooKeeper 3.5+.
   */
  readonly tls?: { readonly clientAuth?: 'none' | 'want' | 'need' };
  /** JVM system properties added for every member. */
  readonly systemProperties?: Readonly<Record<string, string>>;
}

/** A member's TLS port, and the certificates a test needs to use it. */
export interface ZooKeeperTlsPort {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly connectString: string;
  readonly clientAuth: 'none' | 'want' | 'need';
  /** The CA that signed the server's certificate (SANs DNS:localhost, IP:127.0.0.1) and `client`. */
  readonly ca: Pem;
  /** A client certificate, CN=kzr-client, signed by `ca`. Files live in the server's temp dir until stop(). */
  readonly client: Pem;
}

/** One server JVM. */
export interface ZooKeeperMember {
  /** Its `myid` (1, 2, 3; 1 for a standalone server). Its index in `members` is id - 1. */
  readonly id: number;
  /** `127.0.0.1:<port>` of its client port. */
  readonly connectString: string;
  readonly port: number;
  /** pid of its JVM while it runs, else undefined. */
  readonly pid: number | undefined;
  /** The server's own version, from `srvr` (e.g. '3.8.4-...'). */
  readonly version: string;
  /** Its TLS port, when started with `tls`. */
  readonly tls: ZooKeeperTlsPort | undefined;
  /** SIGSTOP: it keeps its sockets open but answers nothing (a stalled server). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Sends a four-letter word and resolves with the answer (2 s bound). */
  fourLetterWord(cmd: string): Promise<string>;
  /** SIGKILL, keeping its data (a crash); resolves once it exited. */
  kill(): Promise<void>;
  /** SIGTERM (then SIGKILL after 5 s), keeping its data. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same ports, config and data after kill()/stop(), and waits until it serves;
   * concurrent calls share that restart. Rejects while it runs (or is paused): kill() or stop() first.
   */
  restart(): Promise<void>;
  /** Deletes a stopped member's data: restart() then brings it back empty, as on ephemeral storage. */
  wipeData(): void;
  /** The last `lines` lines of its log. */
  logTail(lines?: number): string;
}

export interface TestZooKeeper extends AsyncDisposable {
  /** Every member: `127.0.0.1:p1[,127.0.0.1:p2,...]`, no chroot. */
  readonly connectString: string;
  readonly members: readonly ZooKeeperMember[];
  /** The version the first member reports (`srvr`). */
  readonly version: string;
  /** Index in `members` of the member whose `srvr` says leader (or standalone), or -1 (none now). */
  leader(): Promise<number>;
  /** Index in `members` of the member serving session `sessionId` (hex), or -1. */
  serving(sessionId: string): Promise<number>;
  /**
   * Every ephemeral node with its owner session (hex), from the leader's `dump` over a plain
   * socket; undefined while no member serves as leader.
   */
  ephemeralOwners(): Promise<Map<string, string> | undefined>;
  /**
   * SIGSTOPs the leader (the member that is leader now) for `ms` milliseconds, then SIGCONTs it;
   * resolves with its index once it is resumed. A standalone server is its own leader. `onStalled`
   * is called with the index right after the SIGSTOP. Rejects with InvalidConfigError (field `ms`)
   * for a non-positive `ms`, or Error when no member is leader. stop() ends a stall early.
   */
  stallLeader(ms: number, onStalled?: (index: number) => void): Promise<number>;
  /** SIGKILLs member `index` (0-based index in `members`), keeping its data. InvalidConfigError (field `index`) when out of range. */
  killMember(index: number): Promise<void>;
  /**
   * Starts member `index` again after killMember(), and waits until it serves (a quorum member: until it
   * joined); concurrent calls share that restart. Rejects while the member runs or is stalled.
   */
  restartMember(index: number): Promise<void>;
  /**
   * Ends session `sessionId` (hex) as its expiry would: its ephemerals are deleted, and its own
   * handle is told it expired when it next reaches a server. Attaches a second handle with the
   * session's id and `password` (32 hex digits, `Session.password`) and closes it.
   */
  expireSession(sessionId: string, password: string): Promise<void>;
  /**
   * A loopback TCP proxy to member `index` (default 0): give its `address` to one client to cut
   * that client off with `blackhole(ms)`, `set('hold')` or `reset()`. Closed by stop().
   */
  proxy(index?: number): Promise<TcpProxy>;
  /** Ends the temporary brokers still registered on it, stops every member by pid, closes proxies, deletes the temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** ZooKeeper's digest of `user:password` as its superDigest setting wants it. */
export function superDigest(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  return `${user}:${createHash('sha1').update(userPassword, 'utf8').digest('base64')}`;
}

/** [major, minor] of '3.4.14' or of a `srvr` version line. */
function versionLine(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (m === null) throw new InvalidConfigError('version', version, 'expected a ZooKeeper version such as 3.9.4');
  return [Number(m[1]), Number(m[2])];
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = versionLine(version);
  return a > major || (a === major && b >= minor);
}

// log4j 1 (reload4j, in the Kafka jars) settings: the server log on stdout, which goes to the log file.
const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
].join('\n');

function baseConfig(dir: string, port: number, tick: number, line: string): string[] {
  // The four-letter-word whitelist (ZOOKEEPER-2693) and the Jetty admin server (ZOOKEEPER-1346)
  // came with 3.5: 3.4 answers every four-letter word and has no admin server to turn off.
  const since35 = atLeast(line, 3, 5) ? ['4lw.commands.whitelist=*', 'admin.enableServer=false'] : [];
  // The client port's listen backlog is Java's default, 50, unless set (3.6+): a storm of connects
  // would overflow it and each dropped SYN costs a client TCP's 1 s retransmit.
  const since36 = atLeast(line, 3, 6) ? ['clientPortListenBacklog=1024'] : [];
  return [
    `tickTime=${tick}`,
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=0',
    ...since35,
    ...since36,
    `minSessionTimeout=${2 * tick}`,
    'maxSessionTimeout=60000',
    // fsync is what stalls real leaders; here it would only slow tests down.
    'forceSync=no',
  ];
}

interface Secure {
  readonly config: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly tls: ZooKeeperTlsPort;
}

/** What a secure client port needs, as ZooKeeper's admin guide configures it (Netty, PEM stores, ssl.clientAuth). */
async function secureSetup(dir: string, line: string, clientAuth: 'none' | 'want' | 'need'): Promise<Secure> {
  if (!atLeast(line, 3, 5)) throw new InvalidConfigError('tls', { clientAuth }, `ZooKeeper ${line} has no secure client port (3.5+)`);
  const pki = join(dir, 'tls');
  mkdirSync(pki);
  let ca: Pem;
  let server: Pem;
  let client: Pem;
  try {
    ca = await makeCa(pki, 'kzr-test-ca');
    // One at a time: each signing updates the CA's serial file.
    server = await issueCert(ca, pki, 'server', 'localhost', ['DNS:localhost', 'IP:127.0.0.1']);
    client = await issueCert(ca, pki, 'client', 'kzr-client');
  } catch (err) {
    throw new ServerStartError(
      `ZooKeeper ${line} (secure client port)`,
      `could not make its test certificates: ${(err as Error).message}`,
      '',
    );
  }
  const keyStore = join(pki, 'server-keystore.pem');
  writeFileSync(keyStore, Buffer.concat([server.key, server.cert]));
  const port = await freePort();
  return {
    config: [`secureClientPort=${port}`, 'secureClientPortAddress=127.0.0.1'],
    properties: {
      'zookeeper.serverCnxnFactory': 'org.apache.zookeeper.server.NettyServerCnxnFactory',
      'zookeeper.ssl.keyStore.location': keyStore,
      'zookeeper.ssl.keyStore.type': 'PEM',
      'zookeeper.ssl.trustStore.location': ca.certFile,
      'zookeeper.ssl.trustStore.type': 'PEM',
      'zookeeper.ssl.clientAuth': clientAuth,
    },
    tls: { port, connectString: `127.0.0.1:${port}`, clientAuth, ca, client },
  };
}

/** The jars to run and the version line they are, from the options. */
function resolveServer(opts: StartZooKeeperOptions): { classpath: string[]; line: string } {
  if (opts.classpath !== undefined) {
    if (opts.classpath.length === 0) throw new InvalidConfigError('classpath', opts.classpath, 'expected at least one jar');
    const line = opts.version ?? zookeeperVersionOfJars(opts.classpath);
    if (line === undefined)
      throw new InvalidConfigError(
        'version',
        opts.version,
        'give the version of the ZooKeeper on `classpath` (no zookeeper-<version>.jar there)',
      );
    versionLine(line);
    return { classpath: [...opts.classpath], line };
  }
  if (opts.version !== undefined) return { classpath: zookeeperJars(opts.version, opts.cacheDir), line: opts.version };
  const jars = jarsIn(kafkaLibs(opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION, opts.cacheDir));
  return { classpath: jars, line: zookeeperVersionOfJars(jars) ?? '3.8' };
}

const ZOOKEEPER_OPTION_KEYS: readonly string[] = Object.keys({
  members: true,
  tickTime: true,
  syncLimit: true,
  version: true,
  kafkaVersion: true,
  cacheDir: true,
  classpath: true,
  startTimeoutMs: true,
  superUser: true,
  tls: true,
  systemProperties: true,
} satisfies Record<keyof StartZooKeeperOptions, true>);

function positiveInt(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0))
    throw new InvalidConfigError(field, value, 'expected a positive whole number');
}

interface MemberPlan {
  readonly id: number;
  readonly dir: string;
  readonly client: number;
  readonly config: string[];
  readonly mainClass: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly secure: Secure | undefined;
}

interface MemberControl extends ZooKeeperMember {
  /** Stops the JVM and deletes the member's dir. */
  destroy(): Promise<void>;
  /** Waits until the member serves (standalone: `srvr` has a Mode:; quorum: leader or follower). */
  awaitServing(timeoutMs: number): Promise<void>;
  setVersion(v: string): void;
}

function member(plan: MemberPlan, classpath: string, startTimeoutMs: number): MemberControl {
  const cfg = join(plan.dir, 'zoo.cfg');
  writeFileSync(cfg, `${plan.config.join('\n')}\n`);
  writeFileSync(join(plan.dir, 'log4j.properties'), `${LOG4J}\n`);
  const logFile = join(plan.dir, 'server.log');
  const spawn = (): Jvm =>
    spawnJvm({
      classpath,
      mainClass: plan.mainClass,
      args: [cfg],
      logFile,
      heap: '256m',
      systemProperties: { 'log4j.configuration': `file:${join(plan.dir, 'log4j.properties')}`, ...plan.properties },
    });
  let jvm = spawn();
  let restarting: Promise<void> | undefined;
  let version = '';
  const standalone = plan.mainClass.endsWith('.ZooKeeperServerMain');
  const name = `ZooKeeper ${standalone ? 'server' : `member ${plan.id}`} (127.0.0.1:${plan.client})`;
  // 'srvr' (every line from 3.4 on) shows a Mode: line once a server serves; 'ruok' answers imok
  // while a standalone server is still loading. A quorum member serves as leader or follower.
  const serving = async (): Promise<boolean> => {
    const srvr = await fourLetterWord(plan.client, 'srvr', 500).catch(() => '');
    return standalone ? /^Mode: /m.test(srvr) : /^Mode: (leader|follower)/m.test(srvr);
  };
  const awaitServing = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const started = jvm;
    const exited = new Promise<void>((resolve) => {
      if (started.exited) resolve();
      else started.child.once('exit', () => resolve());
    });
    for (let wait = 25; ; wait = Math.min(wait * 2, 200)) {
      if (started.exited) throw new ServerStartError(name, 'exited while starting', started.logTail());
      if (await serving()) return;
      if (Date.now() > deadline) throw new ServerStartError(name, `did not serve within ${timeoutMs} ms`, started.logTail());
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
  };
  return {
    id: plan.id,
    connectString: `127.0.0.1:${plan.client}`,
    port: plan.client,
    get pid() {
      return jvm.exited ? undefined : jvm.pid;
    },
    get version() {
      return version;
    },
    setVersion: (v) => (version = v),
    tls: plan.secure?.tls,
    pause: () => process.kill(jvm.pid, 'SIGSTOP'),
    resume: () => process.kill(jvm.pid, 'SIGCONT'),
    fourLetterWord: (cmd) => fourLetterWord(plan.client, cmd),
    kill: () => jvm.kill(),
    stop: () => jvm.stop(),
    restart: () => {
      // One restart for concurrent callers: each resolves once the member serves.
      if (restarting !== undefined) return restarting;
      // A running (or stalled) member is not restarted by pretending: say so.
      if (!jvm.exited) return Promise.reject(new Error(`restart(): ${name} is running (pid ${jvm.pid}); kill() or stop() it first`));
      jvm = spawn();
      restarting = awaitServing(startTimeoutMs).finally(() => (restarting = undefined));
      return restarting;
    },
    wipeData: () => {
      if (!jvm.exited) throw new Error(`wipeData() needs a stopped server; ${name} runs (pid ${jvm.pid})`);
      rmSync(join(plan.dir, 'data'), { recursive: true, force: true });
      mkdirSync(join(plan.dir, 'data'));
      if (!standalone) writeFileSync(join(plan.dir, 'data', 'myid'), `${plan.id}\n`);
    },
    logTail: (lines) => jvm.logTail(lines),
    destroy: async () => {
      await jvm.stop();
      removeTempDir(plan.dir);
    },
    awaitServing,
  };
}

/** The 'Zookeeper version: 3.8.4-...' line of `srvr`, without its label. */
async function versionOf(port: number): Promise<string> {
  const srvr = await fourLetterWord(port, 'srvr').catch((err: Error) => `(srvr failed: ${err.message})`);
  return /^Zookeeper version: ([^,\n]+)/m.exec(srvr)?.[1]?.trim() ?? `unknown (srvr: ${srvr.slice(0, 80)})`;
}

/**
 * Ends someone else's session deterministically: attach a second handle with the session's id and
 * password, then close it, so the server runs closeSession and deletes the session's ephemerals.
 * The original handle may win its connection back before our close arrives (one connection holds a
 * session at a time), so this repeats until attaching is refused because the session is gone.
 */
export async function expireSession(connect: string, sessionId: string, password: string): Promise<void> {
  const id = sessionId.replace(/^0x/i, '').toLowerCase();
  for (let attempt = 1; attempt <= 20; attempt++) {
    let hijack: Session;
    try {
      hijack = await openSessionWithin({ connect, sessionTimeoutMs: 4000, sessionId: id, sessionPassword: password }, 15_000);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ZSESSIONEXPIRED') throw err;
      // "Expired" is also ZooKeeper's answer to a wrong password: before we ever attached, the
      // session must really be gone (after one of our closes it is, though a server may list it a
      // moment longer, so it must stay listed for a while to count as alive).
      if (attempt === 1 && (await stillListed(connect, id)))
        throw new InvalidConfigError(
          'password',
          '(hidden)',
          `ZooKeeper refused to attach to session 0x${id}, which is alive: the password is not that session's`,
        );
      return;
    }
    if (hijack.id !== id) {
      await hijack.close();
      throw new Error(`attached to session 0x${hijack.id}, expected 0x${id}`);
    }
    await hijack.close();
  }
  throw new Error(`session 0x${id} survived 20 attempts to close it`);
}

/** Whether the session stays listed in a server's `dump` for a second (a closing one is gone by then). */
async function stillListed(connect: string, id: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    if (!(await sessionListed(connect, id))) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return sessionListed(connect, id);
}

/** Whether a server of `connect` (loopback ports) lists the session in its `dump`: it lives there. */
async function sessionListed(connect: string, id: string): Promise<boolean> {
  const ports = parseServers(connect, 'connect').hosts.map((h) => h.port);
  const dumps = await Promise.all(ports.map((port) => fourLetterWord(port, 'dump').catch(() => '')));
  return dumps.some((d) => new RegExp(`0x0*${id}\\b`, 'i').test(d));
}

/**
 * Starts a standalone ZooKeeper server (`members: 1`, the default) or a 3-member ensemble on free
 * 127.0.0.1 ports, each member in a temp dir of its own, all JVMs at once, and resolves once every
 * member serves (an ensemble: has a leader and followers). Rejects with InvalidConfigError for a bad
 * option, JarsMissingError / JavaMissingError when the jars or Java are missing, ServerStartError
 * when a member exits or does not serve within `startTimeoutMs` (nothing is left running then).
 */
export async function startZooKeeper(opts: StartZooKeeperOptions = {}): Promise<TestZooKeeper> {
  checkOptionKeys(opts, ZOOKEEPER_OPTION_KEYS, 'options', 'an options object');
  const size = opts.members ?? 1;
  if (size !== 1 && size !== 3) throw new InvalidConfigError('members', size, 'expected 1 (standalone) or 3 (an ensemble)');
  positiveInt(opts.tickTime, 'tickTime');
  positiveInt(opts.syncLimit, 'syncLimit');
  positiveInt(opts.startTimeoutMs, 'startTimeoutMs');
  if (opts.tls !== undefined && size !== 1) throw new InvalidConfigError('tls', opts.tls, 'TLS is for a standalone server (members: 1)');
  if (opts.superUser !== undefined && !/^[^:]+:.+$/.test(opts.superUser))
    throw new InvalidConfigError('superUser', '(hidden)', 'expected user:password');
  if (opts.tls !== undefined) {
    checkOptionKeys(opts.tls, ['clientAuth'], 'tls', "{ clientAuth?: 'none' | 'want' | 'need' }");
    if (opts.tls.clientAuth !== undefined && !['none', 'want', 'need'].includes(opts.tls.clientAuth))
      throw new InvalidConfigError('tls.clientAuth', opts.tls.clientAuth, "expected 'none', 'want' or 'need' (ZooKeeper's ssl.clientAuth)");
  }
  if (opts.systemProperties !== undefined) {
    const props: unknown = opts.systemProperties;
    if (typeof props !== 'object' || props === null || Array.isArray(props))
      throw new InvalidConfigError('systemProperties', props, 'expected { name: value }');
    for (const [k, v] of Object.entries(opts.systemProperties)) {
      // -D=v is no property to java, and -Da=b=v sets a to "b=v".
      if (!/^[^=]+$/.test(k)) throw new InvalidConfigError('systemProperties', k, 'expected a property name: not empty, no "="');
      if (typeof v !== 'string') throw new InvalidConfigError(`systemProperties.${k}`, v, 'expected a string');
    }
  }
  for (const k of ['cacheDir', 'version', 'kafkaVersion'] as const)
    if (opts[k] !== undefined && typeof opts[k] !== 'string') throw new InvalidConfigError(k, opts[k], 'expected a string');
  const { classpath, line } = resolveServer(opts);
  requireJava();
  const tick = opts.tickTime ?? 200;
  const startTimeoutMs = opts.startTimeoutMs ?? (size === 1 ? 30_000 : 60_000);
  const common: Record<string, string> = {
    ...(opts.superUser === undefined ? {} : { 'zookeeper.DigestAuthenticationProvider.superDigest': superDigest(opts.superUser) }),
    ...opts.systemProperties,
  };

  const ports = [];
  for (let id = 1; id <= size; id++)
    ports.push({ id, client: await freePort(), peer: size === 1 ? 0 : await freePort(), election: size === 1 ? 0 : await freePort() });
  const members: MemberControl[] = [];
  const proxies = new Set<TcpProxy>();
  // Pending stallLeader() waits: stop() ends them (the JVMs get SIGCONT as they are stopped).
  const stallTimers = new Map<NodeJS.Timeout, () => void>();
  // One stopping for every caller: a second stop() (an after() hook and `await using`) resolves
  // when the first is done, not at once with the JVMs still running.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopOnce());
  const stopOnce = async (): Promise<void> => {
    for (const [t, resolve] of stallTimers) {
      clearTimeout(t);
      resolve();
    }
    stallTimers.clear();
    // Temporary brokers a test left on this ZooKeeper: ended while it still answers.
    // On its members, or through one of its proxies.
    await endTemporaryBrokersOn([...members.map((m) => m.connectString), ...[...proxies].map((p) => p.address)].join(','), false);
    for (const p of proxies) await p.close();
    proxies.clear();
    await Promise.all(members.map((m) => m.destroy()));
  };
  try {
    for (const p of ports) {
      const dir = makeTempDir(size === 1 ? 'kzr-zk-' : `kzr-zk${p.id}-`);
      mkdirSync(join(dir, 'data'), { recursive: true });
      const secure = opts.tls === undefined ? undefined : await secureSetup(dir, line, opts.tls.clientAuth ?? 'none');
      let config = baseConfig(dir, p.client, tick, line);
      if (size > 1) {
        writeFileSync(join(dir, 'data', 'myid'), `${p.id}\n`);
        config = [
          ...config,
          'initLimit=20',
          `syncLimit=${opts.syncLimit ?? 10}`,
          ...ports.map((o) => `server.${o.id}=127.0.0.1:${o.peer}:${o.election}`),
        ];
      }
      config = [...config, ...(secure?.config ?? [])];
      const plan: MemberPlan = {
        id: p.id,
        dir,
        client: p.client,
        config,
        mainClass: size === 1 ? 'org.apache.zookeeper.server.ZooKeeperServerMain' : 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        properties: { ...common, ...secure?.properties },
        secure,
      };
      members.push(member(plan, classpath.join(':'), startTimeoutMs));
    }
    // All JVMs at once: a quorum forms only once enough members run anyway.
    await Promise.all(members.map((m) => m.awaitServing(startTimeoutMs)));
    const versions = await Promise.all(members.map((m) => versionOf(m.port)));
    for (const [i, m] of members.entries()) m.setVersion(versions[i] as string);
  } catch (err) {
    await stop();
    throw err;
  }
  const connectString = members.map((m) => m.connectString).join(',');
  const modes = (): Promise<string[]> => Promise.all(members.map((m) => m.fourLetterWord('srvr').catch(() => '')));
  const leader = async (): Promise<number> => (await modes()).findIndex((m) => /^Mode: (leader|standalone)/m.test(m));
  const at = (index: number): MemberControl => {
    const m = Number.isInteger(index) ? members[index] : undefined;
    if (m === undefined) throw new InvalidConfigError('index', index, `expected a member index from 0 to ${members.length - 1}`);
    return m;
  };
  return {
    connectString,
    members,
    version: members[0]?.version ?? '',
    leader,
    serving: async (sessionId) => {
      const id = sessionId.replace(/^0x/i, '').toLowerCase();
      const cons = await Promise.all(members.map((m) => m.fourLetterWord('cons').catch(() => '')));
      return cons.findIndex((c) => c.toLowerCase().includes(`sid=0x${id}`));
    },
    ephemeralOwners: async () => {
      const dumps = await Promise.all(
        members.map((m) =>
          m.fourLetterWord('srvr').then(
            (srvr) => (/^Mode: (leader|standalone)/m.test(srvr) ? m.fourLetterWord('dump') : undefined),
            () => undefined,
          ),
        ),
      );
      const dump = dumps.find((d) => d !== undefined);
      // A leader that is not serving yet (just resumed, re-syncing) answers with a sentence, not a dump.
      if (dump === undefined || !dump.includes('ephemeral nodes dump:')) return undefined;
      const owners = new Map<string, string>();
      let owner: string | undefined;
      for (const l of dump.slice(dump.indexOf('ephemeral nodes dump:')).split('\n')) {
        const sid = /^0x([0-9a-f]+):$/.exec(l.trim());
        if (sid !== null) owner = sid[1];
        else if (l.startsWith('\t/') && owner !== undefined) owners.set(l.trim(), owner);
      }
      return owners;
    },
    stallLeader: async (ms, onStalled) => {
      if (typeof ms !== 'number' || !(ms > 0) || ms > MAX_TIMER_MS)
        throw new InvalidConfigError(
          'ms',
          ms,
          `expected a positive number of milliseconds, at most ${MAX_TIMER_MS} (a longer timer Node fires at once)`,
        );
      const index = await leader();
      if (index < 0) throw new Error('stallLeader: no member is leader now');
      const m = at(index);
      m.pause();
      onStalled?.(index);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          stallTimers.delete(t);
          resolve();
        }, ms);
        stallTimers.set(t, resolve);
      });
      if (stopping === undefined && m.pid !== undefined) m.resume();
      return index;
    },
    killMember: async (index) => at(index).kill(),
    restartMember: async (index) => at(index).restart(),
    expireSession: (sessionId, password) => expireSession(connectString, sessionId, password),
    proxy: async (index = 0) => {
      // After stop() nothing would close it, and its listening socket would keep the process alive.
      if (stopping !== undefined) throw new Error('proxy(): this ZooKeeper was stopped');
      const p = await startTcpProxy(at(index).port);
      proxies.add(p);
      return p;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
