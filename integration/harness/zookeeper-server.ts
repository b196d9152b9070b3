// Starts a real, throwaway ZooKeeper server (Debian's 3.8 package or a ZOOKEEPER_HOME install by
// default; a line fetched by scripts/fetch-zookeeper.sh when a test or KZR_ZK_VERSION names one)
// on a free loopback port in a temp dir, and stops it again by pid. Used by the integration
// tests and by the demo. Never a mock: the whole point of this project is ZooKeeper's real
// ordering of session expiry and ephemeral deletion.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnJvm, type Jvm } from './jvm.js';
import { issueCert, makeCa, type Pem } from './pki.js';
import { atLeast, defaultZooKeeperVersion, fetchedJars, fetchHint } from './zk-versions.js';

export interface ZooKeeperServerOptions {
  /** ZooKeeper tick in ms; sessions may be as short as 2 ticks. */
  tickTimeMs?: number;
  /** How long to wait for the server to answer `ruok`. */
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
  /**
   * Also serve TLS on a secure client port (`secureClientPort`, Netty, PEM key and trust stores made
   * here with openssl), beside the plaintext port, which stays for observers and four-letter words.
   * `clientAuth` is ZooKeeper's `ssl.clientAuth`: 'need' refuses clients without a certificate the CA
   * signed, 'want' asks for one and verifies it when given, 'none' (the default) asks for none.
   */
  tls?: { readonly clientAuth?: 'none' | 'want' | 'need' };
}

/** A server's TLS port, and the certificates a test needs to use it. */
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

/** ZooKeeper's digest of `user:password` as its superDigest setting wants it. */
export function superDigest(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  return `${user}:${createHash('sha1').update(userPassword, 'utf8').digest('base64')}`;
}

export interface ZooKeeperServer {
  /** `127.0.0.1:<port>` of the server. */
  readonly connectString: string;
  readonly port: number;
  /** pid of the JVM, or undefined when an external server (ZK_CONNECT) is used. */
  readonly pid: number | undefined;
  /** The server's own version, from `srvr` ('3.4.14-4c25d480...'). */
  readonly version: string;
  /** Its TLS port, when started with `tls`. */
  readonly tls: ZooKeeperTlsPort | undefined;
  /** SIGSTOP the JVM: the server keeps its sockets open but answers nothing (a stalled leader). */
  pause(): void;
  /** SIGCONT the JVM. */
  resume(): void;
  /** Sends a four-letter-word command and returns the answer. */
  fourLetterWord(cmd: string): Promise<string>;
  /** SIGKILL the JVM, keeping its data (a crash). */
  kill(): Promise<void>;
  /** Starts the JVM again on the same config and data (after kill()), waiting until it answers `ruok`. */
  restart(): Promise<void>;
  /** Deletes a killed standalone server's data: restart() then brings it back empty, as on ephemeral storage. */
  wipeData(): void;
  stop(): Promise<void>;
}

const DEBIAN_CLASSPATH = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar'];
const INSTALL_HINT =
  'ZooKeeper 3.8 was not found. Install it with `apt-get update && apt-get install -y zookeeper` ' +
  '(Debian), or set ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release, or set ZK_CONNECT=host:port ' +
  'to use a running server.';

function classpath(version = defaultZooKeeperVersion()): string {
  if (version !== 'debian') {
    const jars = fetchedJars(version);
    if (jars === undefined) throw new Error(fetchHint(version));
    return jars.join(':');
  }
  const home = process.env.ZOOKEEPER_HOME;
  if (home !== undefined && home !== '') {
    const jars: string[] = [];
    for (const dir of [home, join(home, 'lib')]) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.jar')) jars.push(join(dir, f));
    }
    if (jars.length === 0) throw new Error(`ZOOKEEPER_HOME=${home} holds no jars. ${INSTALL_HINT}`);
    return [join(home, 'conf'), ...jars].join(':');
  }
  if (!existsSync(DEBIAN_CLASSPATH[1]!)) throw new Error(INSTALL_HINT);
  return DEBIAN_CLASSPATH.join(':');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function fourLetterWord(port: number, cmd: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`four-letter word '${cmd}' to 127.0.0.1:${port} got no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(cmd));
    sock.on('data', (d) => (out += d.toString('utf8')));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** The line's version as a number pair can read it ('debian' is 3.8). */
function lineOf(version: string): string {
  return version === 'debian' ? '3.8' : version;
}

function baseConfig(dir: string, port: number, tick: number, version: string): string[] {
  // The four-letter-word whitelist (ZOOKEEPER-2693) and the Jetty admin server (ZOOKEEPER-1346)
  // came with 3.5: 3.4 answers every four-letter word and has no admin server to turn off, so it
  // is given only the keys it knows.
  const since35 = atLeast(lineOf(version), 3, 5) ? ['4lw.commands.whitelist=*', 'admin.enableServer=false'] : [];
  // The client port's listen backlog is Java's default, 50, unless set (3.6+): a storm of a thousand
  // connects then overflows it, the kernel drops the SYNs, and each dropped client waits out TCP's
  // 1 s retransmit, which storms and benches would measure instead of the clients.
  const since36 = atLeast(lineOf(version), 3, 6) ? ['clientPortListenBacklog=1024'] : [];
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
    // fsync is what stalls real leaders; here it would only slow the suite down.
    'forceSync=no',
  ];
}

async function startLocal(opts: ZooKeeperServerOptions): Promise<ZooKeeperServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kzr-zk-'));
  const port = await freePort();
  const props: Record<string, string> = opts.superUser === undefined ? {} : { 'zookeeper.DigestAuthenticationProvider.superDigest': superDigest(opts.superUser) };
  const version = opts.version ?? defaultZooKeeperVersion();
  let secure: Secure | undefined;
  try {
    secure = opts.tls === undefined ? undefined : await secureSetup(dir, version, opts.tls.clientAuth ?? 'none');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const config = [...baseConfig(dir, port, opts.tickTimeMs ?? 200, version), ...(secure?.config ?? [])];
  return launch(dir, config, 'org.apache.zookeeper.server.ZooKeeperServerMain', port, version, opts.startTimeoutMs, { ...props, ...secure?.properties }, secure);
}

interface Secure {
  readonly config: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** Jars the secure port needs beyond the classpath of a plaintext server. */
  readonly jars: readonly string[];
  readonly tls: ZooKeeperTlsPort;
}

/**
 * What a secure client port needs, as ZooKeeper's admin guide configures it: the Netty connection
 * factory (the NIO one has no TLS), a key store with the server's key and certificate and a trust store
 * with the CA (PEM, read by ZooKeeper's X509Util), and `ssl.clientAuth`.
 */
async function secureSetup(dir: string, version: string, clientAuth: 'none' | 'want' | 'need'): Promise<Secure> {
  if (!atLeast(lineOf(version), 3, 5)) throw new Error(`ZooKeeper ${version} has no secure client port (3.5+)`);
  const pki = join(dir, 'tls');
  mkdirSync(pki);
  const ca = makeCa(pki, 'kzr-test-ca');
  const server = issueCert(ca, pki, 'server', 'localhost', ['DNS:localhost', 'IP:127.0.0.1']);
  const client = issueCert(ca, pki, 'client', 'kzr-client');
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
    // Debian's zookeeper.jar names netty-handler in its Class-Path, but not what that needs in turn.
    jars: version === 'debian' ? ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'].filter((j) => existsSync(j)) : [],
    tls: { port, connectString: `127.0.0.1:${port}`, clientAuth, ca, client },
  };
}

/** Starts one server JVM from a config, waits until it answers `ruok`, and owns its temp dir. */
async function launch(dir: string, config: string[], mainClass: string, port: number, version: string, startTimeoutMs = 30_000, systemProperties: Readonly<Record<string, string>> = {}, secure?: Secure): Promise<ZooKeeperServer> {
  let cp: string;
  try {
    cp = [classpath(version), ...(secure?.jars ?? [])].join(':');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, `${config.join('\n')}\n`);
  const spawn = (): Jvm => spawnJvm({ classpath: cp, mainClass, args: [cfg], logFile: join(dir, 'server.log'), heap: '256m', systemProperties });
  let jvm = spawn();
  const stop = async (): Promise<void> => {
    await jvm.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  // 'srvr' (every line from 3.4 on) shows a Mode: line once a standalone server serves; 'ruok'
  // answers imok while a standalone server is still loading and closing client connections;
  // its 'srvr' shows a Mode: line only once it serves them. An ensemble member has no Mode: until a
  // quorum forms, which needs the members launched after it: startEnsemble waits for that itself.
  const standalone = mainClass.endsWith('.ZooKeeperServerMain');
  const serving = async (): Promise<boolean> =>
    standalone ? /^Mode: /m.test(await fourLetterWord(port, 'srvr', 500).catch(() => '')) : (await fourLetterWord(port, 'ruok', 500).catch(() => '')) === 'imok';
  const awaitServing = async (): Promise<void> => {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const failed = await Promise.race([jvm.spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
      if (failed !== undefined) {
        await stop();
        throw new Error(`could not start ZooKeeper (${failed.message}). ${INSTALL_HINT}`);
      }
      if (jvm.exited) {
        const tail = jvm.logTail();
        await stop();
        throw new Error(`ZooKeeper exited while starting:\n${tail}`);
      }
      if (await serving()) break;
      if (Date.now() > deadline) {
        const tail = jvm.logTail();
        await stop();
        throw new Error(`ZooKeeper on 127.0.0.1:${port} did not answer 'ruok' within the start timeout:\n${tail}`);
      }
    }
  };
  await awaitServing();
  const serverVersion = await versionOf(port);

  return {
    connectString: `127.0.0.1:${port}`,
    port,
    version: serverVersion,
    tls: secure?.tls,
    get pid() {
      return jvm.exited ? undefined : jvm.pid;
    },
    pause: () => process.kill(jvm.pid, 'SIGSTOP'),
    resume: () => process.kill(jvm.pid, 'SIGCONT'),
    fourLetterWord: (cmd) => fourLetterWord(port, cmd),
    kill: () => jvm.kill(),
    restart: async () => {
      if (!jvm.exited) return;
      jvm = spawn();
      await awaitServing();
    },
    wipeData: () => {
      if (!jvm.exited) throw new Error('wipeData() needs a killed server');
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      mkdirSync(join(dir, 'data'));
    },
    stop,
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
  return startLocal(opts);
}

/** True when a standalone server can be started here (used to say why a suite is skipped). */
export function canStartZooKeeper(version?: string): boolean {
  try {
    classpath(version);
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

/** Starts a quorum of `size` QuorumPeerMain JVMs on loopback and waits until every member serves. */
export async function startEnsemble(size = 3, opts: ZooKeeperServerOptions = {}): Promise<ZooKeeperEnsemble> {
  const tick = opts.tickTimeMs ?? 200;
  const version = opts.version ?? defaultZooKeeperVersion();
  const members = [];
  for (let i = 1; i <= size; i++) members.push({ id: i, client: await freePort(), peer: await freePort(), election: await freePort() });
  const servers: ZooKeeperServer[] = [];
  const stop = async (): Promise<void> => {
    for (const s of servers) await s.stop();
  };
  try {
    for (const m of members) {
      const dir = mkdtempSync(join(tmpdir(), `kzr-zk${m.id}-`));
      mkdirSync(join(dir, 'data'), { recursive: true });
      writeFileSync(join(dir, 'data', 'myid'), `${m.id}\n`);
      const config = [
        ...baseConfig(dir, m.client, tick, version),
        'initLimit=20',
        `syncLimit=${opts.syncLimit ?? 10}`,
        ...members.map((o) => `server.${o.id}=127.0.0.1:${o.peer}:${o.election}`),
      ];
      servers.push(await launch(dir, config, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', m.client, version, opts.startTimeoutMs));
    }
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    for (const s of servers) {
      for (;;) {
        const srvr = await s.fourLetterWord('srvr').catch(() => '');
        if (/Mode: (leader|follower)/.test(srvr)) break;
        if (Date.now() > deadline) throw new Error(`ensemble member on port ${s.port} never joined a quorum: ${srvr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const modes = (): Promise<string[]> => Promise.all(servers.map((s) => s.fourLetterWord('srvr').catch(() => '')));
  return {
    servers,
    connectString: servers.map((s) => s.connectString).join(','),
    leader: async () => (await modes()).findIndex((m) => m.includes('Mode: leader')),
    serving: async (sessionId) => {
      const cons = await Promise.all(servers.map((s) => s.fourLetterWord('cons').catch(() => '')));
      return cons.findIndex((c) => c.toLowerCase().includes(`sid=0x${sessionId}`));
    },
    ephemeralOwners: async () => {
      const dumps = await Promise.all(servers.map((m) => m.fourLetterWord('srvr').then((srvr) => (srvr.includes('Mode: leader') ? m.fourLetterWord('dump') : undefined), () => undefined)));
      const dump = dumps.find((d) => d !== undefined);
      // A leader that is not serving yet (just resumed, re-syncing) answers with a sentence, not a dump.
      if (dump === undefined || !dump.includes('ephemeral nodes dump:')) return undefined;
      const owners = new Map<string, string>();
      let owner: string | undefined;
      for (const line of dump.slice(dump.indexOf('ephemeral nodes dump:')).split('\n')) {
        const sid = /^0x([0-9a-f]+):$/.exec(line.trim());
        if (sid !== null) owner = sid[1];
        else if (line.startsWith('\t/') && owner !== undefined) owners.set(line.trim(), owner);
      }
      return owners;
    },
    stop,
  };
}
