// Public API. Everything a user needs is exported from here; deep imports are not supported.
export { BrokerRegistrar } from './registration/broker-registrar.js';
export type {
  BrokerRegistrarConfig,
  BrokerRegistrarEvents,
  BrokerRegistrarState,
  BrokerRegistrarStatus,
  Registration,
} from './registration/broker-registrar.js';
export { ControllerCandidate } from './registration/controller-candidate.js';
export type {
  ControllerCandidateEvents,
  ControllerCandidateOptions,
  ControllerElection,
  ControllerView,
  FencedWriteOptions,
  ResignReason,
} from './registration/controller-candidate.js';
export {
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  decodeControllerEpoch,
  decodeControllerZNode,
  encodeControllerEpoch,
  encodeControllerZNode,
} from './znodes/controller-znode.js';
export { ClusterConfirmation } from './confirmation/cluster-confirmation.js';
export type {
  ClusterConfirmationEvents,
  ClusterView,
  ConfirmationOptions,
  ConfirmationState,
  ConfirmationStatus,
  ConfirmationTarget,
  UnconfirmedReason,
} from './confirmation/cluster-confirmation.js';
export { registerTemporaryBroker } from './testing/temporary-broker.js';
export type { TemporaryBroker, TemporaryBrokerOptions } from './testing/temporary-broker.js';
export { auditRegistrations } from './cli/audit.js';
export type { BrokerAudit, RegistrationsAudit } from './cli/audit.js';
export { OwnedEphemeral } from './registration/owned-ephemeral.js';
export type {
  BlockingNode,
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
export type { CreateMode, SessionEndReason, SessionEvents, SessionOptions, Stat, WatchEventType, Watcher } from './zookeeper/session.js';
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
  ClusterUnreachableError,
  ConfirmationFailedError,
  ConnectionLossError,
  ConnectTimeoutError,
  ControllerMovedError,
  InvalidConfigError,
  KafkaZkRegistrarError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotControllerError,
  NotEmptyError,
  OperationTimeoutError,
  RegistrationConflictError,
  SessionExpiredError,
  SessionMovedError,
  StoppedError,
  ZNodeFormatError,
  ZooKeeperError,
} from './errors.js';
