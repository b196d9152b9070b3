// Real Apache Kafka brokers in ZooKeeper mode for the test suite: one JVM per broker (`kafka.Kafka
// server.properties`), a temp log dir each, a free loopback port each, all in a chroot of their own
// on the harness's ZooKeeper (standalone or ensemble). The jars come from Maven Central through
// scripts/fetch-kafka.sh; without them the real-Kafka suites are skipped and say which command
// fetches them. Brokers are stopped by pid, and die with the test process.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../src/index.js';
import { spawnJvm, type Jvm } from './jvm.js';
import { probeMetadata as metadataFrom } from '../../src/kafka-protocol/metadata-probe.js';

export { metadataFrom };
import { eventually, waitForNode, within } from './wait.js';
import { freePort } from './zookeeper-server.js';
import { repoRoot } from './zk-versions.js';

/** The Kafka version scripts/fetch-kafka.sh pins (scripts/maven/kafka/pom.xml). */
export const KAFKA_VERSION = readPinnedVersion();
const FETCH_HINT = 'run `bash scripts/fetch-kafka.sh` (or `./scripts/setup.sh`) to fetch them from Maven Central';

function readPinnedVersion(): string {
  const pom = readFileSync(join(repoRoot(), 'scripts', 'maven', 'kafka', 'pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (m === null) throw new Error('scripts/maven/kafka/pom.xml has no <kafka.version>');
  return m[1] as string;
}

/** The directory of the Kafka jars, or undefined when they have not been fetched. */
export function kafkaLibs(): string | undefined {
  const dir = process.env.KAFKA_LIBS ?? join(repoRoot(), '.cache', `kafka-${KAFKA_VERSION}`, 'libs');
  return existsSync(join(dir, '.complete')) || (existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('kafka_2.13-'))) ? dir : undefined;
}

/** Why a real-Kafka suite cannot run here, or false when it can. */
export function kafkaSkipReason(): string | false {
  return kafkaLibs() === undefined ? `the Kafka ${KAFKA_VERSION} jars are not in .cache/: ${FETCH_HINT}` : false;
}

export interface KafkaBroker {
  readonly id: number;
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts (again) with the same id, port and log dir, and waits until it is registered and serves Metadata. */
  start(): Promise<void>;
  /** SIGTERM: a controlled shutdown, as an operator's restart does. */
  stop(): Promise<void>;
  /** SIGKILL: the broker's ZooKeeper session is left to expire. */
  kill(): Promise<void>;
  /** The broker's log (server, controller and state-change loggers in one file). */
  log(): string;
  /** Properties added to (or replacing) the broker's own from its next start() on. */
  configure(extra: Readonly<Record<string, string>>): void;
}

export interface KafkaClusterOptions {
  /** ZooKeeper hosts (no chroot): `127.0.0.1:p[,127.0.0.1:q...]`. */
  readonly zookeeper: string;
  /** The hosts a given broker connects to instead (e.g. a TCP proxy the test controls). */
  readonly zookeeperFor?: (brokerId: number) => string;
  readonly size: number;
  /** Chroot for the cluster. Default: a fresh `/kafka-<pid>-<n>`. */
  readonly chroot?: string;
  /** Kafka's zookeeper.session.timeout.ms. Default 6000. */
  readonly zkSessionTimeoutMs?: number;
  /** Broker ids are firstId, firstId + 1, ... Default 1. */
  readonly firstId?: number;
  readonly startTimeoutMs?: number;
  /** Properties added to (or replacing) each broker's own from its first start on. */
  readonly properties?: (brokerId: number, port: number) => Readonly<Record<string, string>>;
}

export interface KafkaCluster {
  readonly brokers: readonly KafkaBroker[];
  /** The connect string with the cluster's chroot: what our registrars use to join this cluster. */
  readonly zkConnect: string;
  readonly chroot: string;
  /** Every broker's address, for kafkajs. */
  readonly bootstrap: string[];
  /** The addresses of the brokers that are running now. */
  running(): string[];
  broker(id: number): KafkaBroker;
  stop(): Promise<void>;
}

let clusters = 0;

/** log4j settings for every Kafka JVM of the harness (brokers, KRaft controllers): one file per JVM. */
export const LOG4J = [
  'log4j.rootLogger=INFO, file',
  'log4j.appender.file=org.apache.log4j.FileAppender',
  'log4j.appender.file.File=${kzr.log.file}',
  'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  // Kafka's own chatty loggers: the harness reads controller lines, not request traces.
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.org.apache.zookeeper=WARN',
  'log4j.logger.kafka.log.LogCleaner=WARN',
].join('\n');

function brokerProperties(id: number, port: number, dir: string, zkConnect: string, zkSessionTimeoutMs: number, extra: Readonly<Record<string, string>>): string {
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

export async function startKafkaCluster(opts: KafkaClusterOptions): Promise<KafkaCluster> {
  const libs = kafkaLibs();
  if (libs === undefined) throw new Error(`no Kafka jars: ${FETCH_HINT}`);
  const classpath = join(libs, '*');
  const chroot = opts.chroot ?? `/kafka-${process.pid}-${++clusters}`;
  const zkConnect = `${opts.zookeeper}${chroot}`;
  const root = mkdtempSync(join(tmpdir(), 'kzr-kafka-'));
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;
  const observer = await within(Session.open({ connect: opts.zookeeper, sessionTimeoutMs: 10_000 }), 15_000, 'an observer session for the Kafka harness');
  await observer.createParents(`${chroot}/brokers/ids/x`);

  const brokers: KafkaBroker[] = [];
  for (let i = 0; i < opts.size; i++) {
    const id = (opts.firstId ?? 1) + i;
    const port = await freePort();
    const dir = join(root, `broker-${id}`);
    mkdirSync(dir, { recursive: true });
    const brokerZk = `${opts.zookeeperFor?.(id) ?? opts.zookeeper}${chroot}`;
    const writeProperties = (extra: Readonly<Record<string, string>>): void =>
      writeFileSync(join(dir, 'server.properties'), brokerProperties(id, port, dir, brokerZk, opts.zkSessionTimeoutMs ?? 6000, extra));
    writeProperties(opts.properties?.(id, port) ?? {});
    writeFileSync(join(dir, 'log4j.properties'), `${LOG4J}\n`);
    const logFile = join(dir, 'server.log');
    let jvm: Jvm | undefined;
    const broker: KafkaBroker = {
      id,
      port,
      address: `127.0.0.1:${port}`,
      get pid() {
        return jvm !== undefined && !jvm.exited ? jvm.pid : undefined;
      },
      get running() {
        return jvm !== undefined && !jvm.exited;
      },
      start: async () => {
        if (jvm !== undefined && !jvm.exited) return;
        const path = `${chroot}/brokers/ids/${id}`;
        // A killed broker's node lingers until its session expires; a new one must be seen.
        const before = await observer.exists(path);
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
          started.child.once('exit', (code, sig) => reject(new Error(`Kafka broker ${id} exited (${code ?? sig}) while starting:\n${started.logTail(30)}`)));
        });
        died.catch(() => undefined);
        try {
          await Promise.race([
            died,
            waitForNode(observer, path, (st) => st !== null && (before === null || st.czxid !== before.czxid), startTimeoutMs, `Kafka broker ${id} to register at ${path}`),
          ]);
          await Promise.race([
            died,
            eventually(async () => (await metadataFrom(`127.0.0.1:${port}`)).brokers.some((b) => b.nodeId === id), startTimeoutMs, `Kafka broker ${id} to list itself in Metadata`),
          ]);
        } catch (err) {
          await started.kill();
          throw err;
        }
      },
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
    };
    brokers.push(broker);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(brokers.map((b) => b.kill()));
    observer.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(brokers.map((b) => b.start()));
    const all = brokers.map((b) => b.address);
    // Every broker serves Metadata that lists the whole cluster (the controller has propagated it).
    for (const b of brokers) {
      await eventually(async () => (await metadataFrom(b.address)).brokers.length === brokers.length, startTimeoutMs, `broker ${b.id} to list all ${brokers.length} brokers`);
    }
    return {
      brokers,
      zkConnect,
      chroot,
      bootstrap: all,
      running: () => brokers.filter((b) => b.running).map((b) => b.address),
      broker: (id) => {
        const b = brokers.find((x) => x.id === id);
        if (b === undefined) throw new Error(`no broker ${id} in this cluster`);
        return b;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
