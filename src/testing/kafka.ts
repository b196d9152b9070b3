// Real Apache Kafka brokers in ZooKeeper mode for tests: one JVM per broker (`kafka.Kafka
// server.properties`), a temp dir and a free 127.0.0.1 port each, all in a chroot of their own on a
// ZooKeeper the caller gives or the kit starts. Brokers start in parallel, are stopped by pid, and
// die with the process that started them (see jvm.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidConfigError, isRetriable, isSessionGone } from '../errors.js';
import { SharedWork } from '../util/shared-work.js';
import { delay, timerMs } from '../util/timing.js';
import { probeMetadata } from '../kafka-protocol/metadata-probe.js';
import type { Session, Stat } from '../zookeeper/session.js';
import { checkKafkaVersion, DEFAULT_KAFKA_VERSION, kafkaLibs } from './jars.js';
import { ServerStartError } from './errors.js';
import { javaBinary, javaMajorVersion, makeTempDir, removeTempDir, requireJava, spawnJvm, type Jvm } from './jvm.js';
import { endTemporaryBrokersOn } from './live-brokers.js';
import { checkOptionKeys } from '../util/options.js';
import { parseConnectString } from '../zookeeper/connect-string.js';
import { invalidPathReason } from '../zookeeper/client/chroot.js';
import { freePort } from './net.js';
import { eventually, openSessionWithin, waitForNode } from './wait.js';
import { startZooKeeper, type StartZooKeeperOptions, type TestZooKeeper } from './zookeeper.js';

export interface StartKafkaClusterOptions {
  /** How many brokers, 1 to 9. Default 1. */
  readonly brokers?: number;
  /**
   * The ZooKeeper the cluster lives in: one you started (left running by stop()), a connect string
   * without chroot (`127.0.0.1:2181[,...]`), or options for one the kit starts now and stops with the
   * cluster. Default: a standalone ZooKeeper from the Kafka jars.
   */
  readonly zookeeper?: TestZooKeeper | string | StartZooKeeperOptions;
  /** The Kafka version, a ZooKeeper-mode line 2.4 to 3.9, fetched with `fetch-kafka`. Default 3.9.2. */
  readonly version?: string;
  /** Where fetched jars are (see StartZooKeeperOptions.cacheDir). */
  readonly cacheDir?: string;
  /** A directory of Kafka jars to run instead of the fetched ones. */
  readonly libs?: string;
  /** The cluster's chroot. Default: a fresh `/kafka-<pid>-<n>`. */
  readonly chroot?: string;
  /** The ZooKeeper hosts (no chroot) one broker connects to instead, e.g. a proxy's address to cut it off. */
  readonly zookeeperFor?: (brokerId: number) => string;
  /** Kafka's zookeeper.session.timeout.ms, in ms. Default 6000. */
  readonly zkSessionTimeoutMs?: number;
  /** Broker ids are firstBrokerId, firstBrokerId + 1, ... Default 1. */
  readonly firstBrokerId?: number;
  /**
   * Bound on a broker's start (registered and serving Metadata that lists the whole cluster), in ms.
   * Default 90000. The first session with ZooKeeper gets at most 15000 of it: without one,
   * the start rejects with ConnectTimeoutError (code CONNECT_TIMEOUT).
   */
  readonly startTimeoutMs?: number;
  /** Properties added to (or replacing) each broker's own from its first start on. */
  readonly brokerProperties?: (brokerId: number, port: number) => Readonly<Record<string, string>>;
}

const CLUSTER_OPTION_KEYS: readonly string[] = Object.keys({
  brokers: true,
  zookeeper: true,
  version: true,
  cacheDir: true,
  libs: true,
  chroot: true,
  zookeeperFor: true,
  zkSessionTimeoutMs: true,
  firstBrokerId: true,
  startTimeoutMs: true,
  brokerProperties: true,
} satisfies Record<keyof StartKafkaClusterOptions, true>);

/** Kafka's reserved.broker.max.id default: the highest broker.id a broker accepts from its configuration. */
const MAX_CONFIGURED_BROKER_ID = 1000;

export interface KafkaBroker {
  readonly id: number;
  readonly port: number;
  /** `127.0.0.1:<port>`, its PLAINTEXT listener. */
  readonly address: string;
  /** pid of its JVM while it runs, else undefined. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts (again) with the same id, port and log dir; resolves once it is registered and serves Metadata listing itself. */
  start(): Promise<void>;
  /** SIGTERM: a controlled shutdown, as an operator's restart does (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** SIGKILL: its ZooKeeper session is left to expire. */
  kill(): Promise<void>;
  /** Its log (server, controller and state-change loggers in one file). */
  log(): string;
  /** Properties added to (or replacing) its own from its next start() on. */
  configure(extra: Readonly<Record<string, string>>): void;
}

export interface TestKafkaCluster extends AsyncDisposable {
  readonly brokers: readonly KafkaBroker[];
  /** Every broker's `127.0.0.1:<port>`, for a client's bootstrap list. */
  readonly bootstrap: string[];
  /** The ZooKeeper connect string with the cluster's chroot: what a registrar uses to join this cluster. */
  readonly zkConnect: string;
  readonly chroot: string;
  /** The ZooKeeper the kit started for this cluster or was given, else undefined (a connect string was given). */
  readonly zookeeper: TestZooKeeper | undefined;
  /** The addresses of the brokers that run now. */
  running(): string[];
  /** The broker with this id; InvalidConfigError (field `brokerId`) when there is none. */
  broker(id: number): KafkaBroker;
  /**
   * Restarts broker `id`: a controlled shutdown (or SIGKILL with `{ kill: true }`, a crash whose
   * session is left to expire: the new JVM starts once its node is gone, as Kafka refuses to start
   * while it lingers), then start(); resolves once it is registered again and serves Metadata.
   */
  restartBroker(id: number, opts?: { readonly kill?: boolean }): Promise<void>;
  /**
   * Ends every temporary broker still registered in this cluster's chroot (one a failing test did not
   * dispose), kills every broker by pid, deletes their dirs, and stops the ZooKeeper the kit started
   * for it. Idempotent.
   */
  stop(): Promise<void>;
}

let clusters = 0;

/** log4j settings for every Kafka JVM: one file per JVM, named by the kzr.log.file property. */
export const KAFKA_LOG4J = [
  'log4j.rootLogger=INFO, file',
  'log4j.appender.file=org.apache.log4j.FileAppender',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j placeholder, filled in by the JVM from -Dkzr.log.file.
  'log4j.appender.file.File=${kzr.log.file}',
  'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.org.apache.zookeeper=WARN',
  'log4j.logger.kafka.log.LogCleaner=WARN',
].join('\n');

function brokerProperties(
  id: number,
  port: number,
  dir: string,
  zkConnect: string,
  zkSessionTimeoutMs: number,
  extra: Readonly<Record<string, string>>,
): string {
  const lines = [
    `broker.id=${id}`,
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    `log.dirs=${join(dir, 'data')}`,
    `zookeeper.connect=${zkConnect}`,
    `zookeeper.session.timeout.ms=${zkSessionTimeoutMs}`,
    'zookeeper.connection.timeout.ms=30000',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    // A small broker: 2 cores run a 3-broker cluster beside ZooKeeper and the tests.
    'num.network.threads=1',
    'num.io.threads=2',
    'background.threads=2',
    'num.replica.fetchers=1',
    'num.recovery.threads.per.data.dir=1',
    'log.cleaner.enable=false',
    'controlled.shutdown.max.retries=1',
    'controlled.shutdown.retry.backoff.ms=500',
  ].filter((l) => !((l.split('=')[0] ?? '') in extra));
  return `${[...lines, ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)].join('\n')}\n`;
}

function isTestZooKeeper(z: unknown): z is TestZooKeeper {
  return (
    typeof z === 'object' &&
    z !== null &&
    typeof (z as TestZooKeeper).connectString === 'string' &&
    Array.isArray((z as TestZooKeeper).members)
  );
}

/**
 * Starts a ZooKeeper-mode Kafka cluster of `brokers` brokers (and, unless given one, its ZooKeeper)
 * and resolves once every broker is registered and serves Metadata listing all of them. Rejects with
 * InvalidConfigError for a bad option, JarsMissingError / JavaMissingError, or ServerStartError /
 * Error naming what did not happen in time; nothing it started is left running then.
 */
export async function startKafkaCluster(opts: StartKafkaClusterOptions = {}): Promise<TestKafkaCluster> {
  checkOptionKeys(opts, CLUSTER_OPTION_KEYS, 'options', 'an options object');
  const size = opts.brokers ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 9)
    throw new InvalidConfigError('brokers', size, 'expected a whole number of brokers from 1 to 9');
  const firstId = opts.firstBrokerId ?? 1;
  // Kafka refuses a configured broker.id above reserved.broker.max.id (1000, while id generation
  // is on, its default); -1 asks it to generate one, which a test could never wait for by id.
  if (typeof firstId !== 'number' || !Number.isInteger(firstId) || firstId < 0 || firstId + size - 1 > MAX_CONFIGURED_BROKER_ID)
    throw new InvalidConfigError(
      'firstBrokerId',
      firstId,
      `expected a whole number from 0 to ${MAX_CONFIGURED_BROKER_ID + 1 - size} (the last id, firstBrokerId + brokers - 1, at most Kafka's reserved.broker.max.id, ${MAX_CONFIGURED_BROKER_ID})`,
    );
  const zkSessionTimeoutMs = opts.zkSessionTimeoutMs === undefined ? 6000 : timerMs(opts.zkSessionTimeoutMs, 'zkSessionTimeoutMs', 1);
  const startTimeoutMs = opts.startTimeoutMs === undefined ? 90_000 : timerMs(opts.startTimeoutMs, 'startTimeoutMs', 1);
  const version = checkKafkaVersion(opts.version ?? DEFAULT_KAFKA_VERSION);
  if (opts.chroot !== undefined && (opts.chroot === '/' || invalidPathReason(opts.chroot) !== undefined))
    throw new InvalidConfigError('chroot', opts.chroot, 'expected an absolute ZooKeeper path such as /kafka, without a trailing slash');
  if (typeof opts.zookeeper === 'string') parseConnectString(opts.zookeeper, 'zookeeper');
  else if (opts.zookeeper !== undefined && (typeof opts.zookeeper !== 'object' || opts.zookeeper === null || Array.isArray(opts.zookeeper)))
    throw new InvalidConfigError(
      'zookeeper',
      opts.zookeeper,
      'expected a connect string, a started TestZooKeeper or startZooKeeper options',
    );
  if (opts.zookeeperFor !== undefined && typeof opts.zookeeperFor !== 'function')
    throw new InvalidConfigError('zookeeperFor', opts.zookeeperFor, 'expected a function (brokerId) => connect string');
  for (const k of ['libs', 'cacheDir'] as const)
    if (opts[k] !== undefined && typeof opts[k] !== 'string') throw new InvalidConfigError(k, opts[k], 'expected a directory path');
  if (opts.brokerProperties !== undefined && typeof opts.brokerProperties !== 'function')
    throw new InvalidConfigError('brokerProperties', opts.brokerProperties, 'expected a function (brokerId, port) => { property: value }');
  const libs = opts.libs ?? kafkaLibs(version, opts.cacheDir);
  const classpath = join(libs, '*');
  requireJava();

  let ownZk: TestZooKeeper | undefined;
  let zookeeper: TestZooKeeper | undefined;
  let zkHosts: string;
  if (typeof opts.zookeeper === 'string') zkHosts = opts.zookeeper;
  else if (isTestZooKeeper(opts.zookeeper)) {
    zookeeper = opts.zookeeper;
    zkHosts = zookeeper.connectString;
  } else {
    const zkOpts: StartZooKeeperOptions = {
      kafkaVersion: version,
      ...(opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir }),
      ...opts.zookeeper,
    };
    ownZk = await startZooKeeper(zkOpts);
    zookeeper = ownZk;
    zkHosts = ownZk.connectString;
  }
  const chroot = opts.chroot ?? `/kafka-${process.pid}-${++clusters}`;
  const zkConnect = `${zkHosts}${chroot}`;
  const root = makeTempDir('kzr-kafka-');
  const brokers: KafkaBroker[] = [];
  let observer: Session | undefined;
  // One stopping for every caller: a second stop() (an after() hook and `await using`) resolves
  // when the first is done, not at once with the JVMs still running.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopOnce());
  const stopOnce = async (): Promise<void> => {
    // Temporary brokers a test left in this cluster: ended first, while ZooKeeper still answers.
    await endTemporaryBrokersOn(zkConnect, true);
    await Promise.all(brokers.map((b) => b.kill()));
    await observer?.close().catch(() => undefined);
    removeTempDir(root);
    await ownZk?.stop();
  };
  // The kit's own view of the brokers' nodes. Its session is replaced once it has ended: a stall of
  // ZooKeeper longer than the session (capped at 20 ticks by the server) expires it, and the
  // cluster must still start and restart brokers afterwards.
  const openObserver = (): Promise<Session> =>
    openSessionWithin({ connect: zkHosts, sessionTimeoutMs: 10_000 }, Math.min(15_000, startTimeoutMs));
  const watching = async (): Promise<Session> => {
    if (observer === undefined || observer.ended !== undefined) {
      await observer?.close().catch(() => undefined);
      observer = await openObserver();
    }
    return observer;
  };
  try {
    observer = await openObserver();
    await observer.createParents(`${chroot}/brokers/ids/x`);
    for (let i = 0; i < size; i++) {
      const id = firstId + i;
      const port = await freePort();
      const dir = join(root, `broker-${id}`);
      mkdirSync(dir, { recursive: true });
      const brokerZk = `${opts.zookeeperFor?.(id) ?? zkHosts}${chroot}`;
      const writeProperties = (extra: Readonly<Record<string, string>>): void =>
        writeFileSync(join(dir, 'server.properties'), brokerProperties(id, port, dir, brokerZk, zkSessionTimeoutMs, extra));
      writeProperties(opts.brokerProperties?.(id, port) ?? {});
      writeFileSync(join(dir, 'log4j.properties'), `${KAFKA_LOG4J}\n`);
      const logFile = join(dir, 'server.log');
      let jvm: Jvm | undefined;
      // One start at a time: two at once (two restartBroker calls) would run two JVMs on one data dir.
      let starting: Promise<void> | undefined;
      brokers.push({
        id,
        port,
        address: `127.0.0.1:${port}`,
        get pid() {
          return jvm !== undefined && !jvm.exited ? jvm.pid : undefined;
        },
        get running() {
          return jvm !== undefined && !jvm.exited;
        },
        start: () =>
          (starting ??= (async () => {
            if (jvm !== undefined && !jvm.exited) return;
            const path = `${chroot}/brokers/ids/${id}`;
            const deadline = Date.now() + startTimeoutMs;
            let watcher: Session;
            let before: Stat | null;
            for (;;) {
              try {
                watcher = await watching();
                // A killed broker's node lingers until its session expires, and Kafka refuses to
                // start while it is there (KafkaZkClient.CheckedEphemeral: NodeExists, not its
                // session): waited out first, as an operator restarting a crashed broker waits.
                if ((await watcher.exists(path)) !== null)
                  await waitForNode(
                    watcher,
                    path,
                    (st) => st === null,
                    Math.max(1, deadline - Date.now()),
                    `the node of broker ${id}'s killed JVM (${path}) to expire`,
                  );
                // A new node must be seen, not one that appears for another reason meanwhile.
                before = await watcher.exists(path);
                break;
              } catch (err) {
                // ZooKeeper stalled or its session gone (a restart during a leader stall): asked again
                // (on a new session if need be) until startTimeoutMs.
                if ((!isRetriable(err) && !isSessionGone(err)) || Date.now() >= deadline) throw err;
                await delay(Math.min(250, Math.max(0, deadline - Date.now())));
              }
            }
            jvm = spawnJvm({
              classpath,
              mainClass: 'kafka.Kafka',
              args: [join(dir, 'server.properties')],
              logFile,
              heap: '384m',
              systemProperties: { 'log4j.configuration': `file:${join(dir, 'log4j.properties')}`, 'kzr.log.file': logFile },
            });
            const started = jvm;
            const died = new Promise<never>((_, reject) => {
              started.child.once('exit', (code, sig) => {
                // The Java version too: what a line may not support.
                void javaMajorVersion().then((major) =>
                  reject(
                    new ServerStartError(
                      `Kafka ${version} broker ${id} (127.0.0.1:${port})`,
                      `exited (${code ?? sig}) while starting, on Java ${major ?? '(version unknown)'} (${javaBinary()})`,
                      started.logTail(30),
                    ),
                  ),
                );
              });
            });
            died.catch(() => undefined);
            // Whatever ends the start, its waits end with it: a broker that died must not leave them
            // (a timer, a probe every second) running until startTimeoutMs, holding the process.
            const over = new AbortController();
            try {
              await Promise.race([
                died,
                waitForNode(
                  watcher,
                  path,
                  (st) => st !== null && (before === null || st.czxid !== before.czxid),
                  startTimeoutMs,
                  `Kafka broker ${id} to register at ${path}`,
                  over.signal,
                ),
              ]);
              await Promise.race([
                died,
                eventually(
                  async () => (await probeMetadata(`127.0.0.1:${port}`)).brokers.some((b) => b.nodeId === id),
                  startTimeoutMs,
                  `Kafka broker ${id} to list itself in Metadata`,
                  undefined,
                  over.signal,
                ),
              ]);
            } catch (err) {
              await started.kill();
              throw err;
            } finally {
              over.abort();
            }
          })().finally(() => {
            starting = undefined;
          })),
        stop: async () => {
          await jvm?.stop(30_000);
        },
        kill: async () => {
          await jvm?.kill();
        },
        log: () => {
          try {
            return readFileSync(logFile, 'utf8');
          } catch {
            return '';
          }
        },
        configure: writeProperties,
      });
    }
    await Promise.all(brokers.map((b) => b.start()));
    // Every broker serves Metadata that lists the whole cluster (the controller has propagated it).
    await Promise.all(
      brokers.map((b) =>
        eventually(
          async () => (await probeMetadata(b.address)).brokers.length === brokers.length,
          startTimeoutMs,
          `broker ${b.id} to list all ${brokers.length} brokers`,
        ),
      ),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const restarts = new SharedWork<void>();
  const broker = (id: number): KafkaBroker => {
    const b = brokers.find((x) => x.id === id);
    if (b === undefined)
      throw new InvalidConfigError('brokerId', id, `expected one of this cluster's broker ids: ${brokers.map((x) => x.id).join(', ')}`);
    return b;
  };
  return {
    brokers,
    bootstrap: brokers.map((b) => b.address),
    zkConnect,
    chroot,
    zookeeper,
    running: () => brokers.filter((b) => b.running).map((b) => b.address),
    broker,
    // Concurrent restarts of one broker share one (as restartMember does): two would each start a JVM.
    restartBroker: (id, o = {}) => {
      const b = broker(id);
      return restarts.run(String(id), async () => {
        if (o.kill === true) await b.kill();
        else await b.stop();
        await b.start();
      }).result;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
