// `kafka-zk-registrar/testing`: a real ZooKeeper-mode Kafka cluster for your own tests (real
// ZooKeeper and Kafka JVMs from jars fetched once from Maven Central), with the faults of the field
// on tap, and a temporary broker id registered in a real cluster. See docs/guides/testing-kit.md.
export { startZooKeeper, expireSession, superDigest } from './zookeeper.js';
export type { StartZooKeeperOptions, TestZooKeeper, ZooKeeperMember, ZooKeeperTlsPort } from './zookeeper.js';
export { startKafkaCluster, KAFKA_LOG4J } from './kafka.js';
export type { KafkaBroker, StartKafkaClusterOptions, TestKafkaCluster } from './kafka.js';
export { startTcpProxy } from './tcp-proxy.js';
export type { ProxyMode, TcpProxy } from './tcp-proxy.js';
export {
  DEFAULT_KAFKA_VERSION,
  defaultCacheDir,
  fetchKafka,
  fetchZooKeeper,
  fetchKafkaCommand,
  fetchZooKeeperCommand,
  kafkaLibs,
  zookeeperJars,
} from './jars.js';
export type { FetchOptions } from './jars.js';
export { FetchFailedError, JarsMissingError, JavaMissingError, ServerStartError, TestingKitError } from './errors.js';
// The library's errors the kit's functions reject with, so that a test needs one import to check them.
export {
  BrokerIdInUseError,
  ConfirmationFailedError,
  ConnectTimeoutError,
  InvalidConfigError,
  RegistrationConflictError,
} from '../errors.js';
export type { FetchFailureReason, TestingErrorCode } from './errors.js';
export { diesWithParent } from './jvm.js';
export { freePort, fourLetterWord } from './net.js';
export { registerTemporaryBroker, TEMPORARY_BROKER_SESSION_TIMEOUT_MS } from './temporary-broker.js';
export { FakeKafkaBroker } from './kafka-double/fake-broker.js';
export type { FakeBrokerOptions } from './kafka-double/fake-broker.js';
export type { TemporaryBroker, TemporaryBrokerOptions } from './temporary-broker.js';
