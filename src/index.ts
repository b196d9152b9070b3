// Public API. Everything a user needs is exported from here; deep imports are not supported.
export { BrokerRegistrar } from './registration/broker-registrar.js';
export type {
  BrokerRegistrarConfig,
  BrokerRegistrarEvents,
  BrokerRegistrarState,
  BrokerRegistrarStatus,
  Registration,
} from './registration/broker-registrar.js';
export { OwnedEphemeral } from './registration/owned-ephemeral.js';
export type {
  ConflictPolicy,
  LossReason,
  OwnedEphemeralEvents,
  OwnedEphemeralOptions,
  OwnedEphemeralState,
  Ownership,
} from './registration/owned-ephemeral.js';
export { Connection } from './zookeeper/connection.js';
export type { ConnectionEvents, ConnectionOptions, ConnectionState, ExpiryCause } from './zookeeper/connection.js';
export { Session } from './zookeeper/session.js';
export type { CreateMode, SessionEndReason, SessionOptions, Stat, WatchEventType, Watcher } from './zookeeper/session.js';
export { parseConnectString } from './zookeeper/connect-string.js';
export type { ParsedConnectString } from './zookeeper/connect-string.js';
export {
  brokerIdPath,
  decodeBrokerZNode,
  encodeBrokerZNode,
  endpointString,
  listenersToEndpoints,
  SECURITY_PROTOCOLS,
} from './znodes/broker-znode.js';
export type {
  BrokerRegistrationInfo,
  BrokerZNodeVersion,
  DecodedBrokerZNode,
  Endpoint,
  Listener,
  SecurityProtocol,
  SupportedFeatureRange,
} from './znodes/broker-znode.js';
export {
  AuthFailedError,
  BadVersionError,
  ClosingError,
  ConnectionLossError,
  ConnectTimeoutError,
  InvalidConfigError,
  KafkaZkRegistrarError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  OperationTimeoutError,
  RegistrationConflictError,
  SessionExpiredError,
  SessionMovedError,
  StoppedError,
  ZNodeFormatError,
  ZooKeeperError,
} from './errors.js';
