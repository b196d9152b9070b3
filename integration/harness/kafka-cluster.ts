// The suite's real Apache Kafka brokers in ZooKeeper mode, on the testing kit (src/testing/kafka.ts):
// this file only finds the jars where the repository keeps them (scripts/fetch-kafka.sh, into
// .cache/kafka-<version>/libs, or KAFKA_LIBS) and keeps the suite's option names. Without the jars
// the real-Kafka suites are skipped and say which command fetches them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA_LOG4J, startKafkaCluster as startKit, type KafkaBroker, type TestKafkaCluster } from '../../src/testing/kafka.js';
import { probeMetadata as metadataFrom } from '../../src/kafka-protocol/metadata-probe.js';
import { repoRoot } from './zk-versions.js';

export { metadataFrom };
export type { KafkaBroker };

/** The Kafka version scripts/fetch-kafka.sh pins (scripts/maven/kafka/pom.xml). */
export const KAFKA_VERSION = readPinnedVersion();
const FETCH_HINT = 'run `bash scripts/fetch-kafka.sh` (or `./scripts/setup.sh`) to fetch them from Maven Central';

/** log4j settings for every Kafka JVM of the harness (brokers, KRaft controllers): one file per JVM. */
export const LOG4J = KAFKA_LOG4J;

function readPinnedVersion(): string {
  const pom = readFileSync(join(repoRoot(), 'scripts', 'maven', 'kafka', 'pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (m === null) throw new Error('scripts/maven/kafka/pom.xml has no <kafka.version>');
  return m[1] as string;
}

/** The directory of the Kafka jars, or undefined when they have not been fetched. */
export function kafkaLibs(): string | undefined {
  const dir = process.env.KAFKA_LIBS ?? join(repoRoot(), '.cache', `kafka-${KAFKA_VERSION}`, 'libs');
  return existsSync(join(dir, '.complete')) || (existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('kafka_2.13-')))
    ? dir
    : undefined;
}

/** Why a real-Kafka suite cannot run here, or false when it can. */
export function kafkaSkipReason(): string | false {
  return kafkaLibs() === undefined ? `the Kafka ${KAFKA_VERSION} jars are not in .cache/: ${FETCH_HINT}` : false;
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

export type KafkaCluster = Pick<
  TestKafkaCluster,
  'brokers' | 'zkConnect' | 'chroot' | 'bootstrap' | 'running' | 'broker' | 'stop' | 'restartBroker'
>;

export async function startKafkaCluster(opts: KafkaClusterOptions): Promise<KafkaCluster> {
  const libs = kafkaLibs();
  if (libs === undefined) throw new Error(`no Kafka jars: ${FETCH_HINT}`);
  return startKit({
    libs,
    version: KAFKA_VERSION,
    zookeeper: opts.zookeeper,
    brokers: opts.size,
    ...(opts.zookeeperFor === undefined ? {} : { zookeeperFor: opts.zookeeperFor }),
    ...(opts.chroot === undefined ? {} : { chroot: opts.chroot }),
    ...(opts.zkSessionTimeoutMs === undefined ? {} : { zkSessionTimeoutMs: opts.zkSessionTimeoutMs }),
    ...(opts.firstId === undefined ? {} : { firstBrokerId: opts.firstId }),
    ...(opts.startTimeoutMs === undefined ? {} : { startTimeoutMs: opts.startTimeoutMs }),
    ...(opts.properties === undefined ? {} : { brokerProperties: opts.properties }),
  });
}
