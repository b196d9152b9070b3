// Public API. Everything a user needs is exported from here; deep imports are not supported.
export { BrokerRegistrar } from './registration/broker-registrar.js';
export type {
  BrokerRegistrarConfig,
  BrokerUpdate,
  BrokerRegistrarEvents,
  BrokerRegistrarState,
  BrokerRegistrarStatus,
  EmptyCluster,
  KRaftMigrationStatus,
  Registration,
} from './registration/broker-registrar.js';
export { ControllerCandidate } from './registration/controller-candidate.js';
export type {
  ControllerCandidateEvents,
  ControllerCandidateOptions,
  ControllerElection,
  ControllerView,
  FencedWriteOptions,
  KRaftControllerSeen,
  ResignReason,
} from './registration/controller-candidate.js';
export {
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  decodeControllerEpoch,
  decodeControllerRegistration,
  decodeControllerZNode,
  encodeControllerEpoch,
  encodeControllerZNode,
} from './znodes/controller-znode.js';
export type { ControllerRegistration } from './znodes/controller-znode.js';
export { decodeMigrationZNode, encodeMigrationZNode, MIGRATION_PATH } from './znodes/migration-znode.js';
export type { MigrationPhase, MigrationState } from './znodes/migration-znode.js';
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
export type { HealthReason, RegistrarHealth } from './registration/health.js';
export { RegistrarMetrics } from './operations/registrar-metrics.js';
export { renderOpenMetrics, OPENMETRICS_CONTENT_TYPE } from './operations/metric-families.js';
export type { Labels, MetricFamily, MetricSample, MetricType } from './operations/metric-families.js';
export { registerOnPromClient } from './operations/prom-client-metrics.js';
export type { PromClientMetric, PromClientRegistry } from './operations/prom-client-metrics.js';
export { serveHealth } from './operations/health-server.js';
export type { HealthServer, HealthServerOptions } from './operations/health-server.js';
export { formatAuditTable } from './audit/audit-table.js';
export { registerTemporaryBroker } from './testing/temporary-broker.js';
export type { TemporaryBroker, TemporaryBrokerOptions } from './testing/temporary-broker.js';
export { auditRegistrations } from './audit/registrations-audit.js';
export type {
  AuditOptions,
  AuditProblem,
  AuditProblemCode,
  BrokerAudit,
  MigrationAudit,
  MetadataAudit,
  MetadataView,
  RegistrationsAudit,
} from './audit/registrations-audit.js';
export { CLUSTER_ID_PATH, decodeClusterId } from './znodes/cluster-id-znode.js';
export { OwnedEphemeral } from './recipes/owned-ephemeral.js';
export type {
  BlockingNode,
  ConflictPolicy,
  LossReason,
  OwnedEphemeralEvents,
  OwnedEphemeralOptions,
  HolderVerdict,
  OwnedEphemeralState,
  Ownership,
  StopOutcome,
} from './recipes/owned-ephemeral.js';
export { Connection } from './zookeeper/connection.js';
export type { ConnectionEvents, ConnectionOptions, ConnectionState, ExpiryCause } from './zookeeper/connection.js';
export { Session } from './zookeeper/session.js';
export { ANY_VERSION, PERM } from './zookeeper/session.js';
export type {
  Acl,
  CreateMode,
  MultiOpInput,
  MultiOpResult,
  MultiOutcome,
  SessionEndReason,
  SessionEvents,
  SessionOptions,
  Stat,
  WatchEventType,
  Watcher,
} from './zookeeper/session.js';
export type { ZooKeeperAuth } from './zookeeper/auth.js';
export type { ZooKeeperTls } from './zookeeper/tls.js';
export { parseConnectString } from './zookeeper/connect-string.js';
export type { ParsedConnectString } from './zookeeper/connect-string.js';
export {
  BROKER_IDS_PATH,
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
  AuditFailedError,
  AuthFailedError,
  BadVersionError,
  BrokerIdInUseError,
  ClosingError,
  ClusterIdMismatchError,
  ClusterUnreachableError,
  ConfirmationFailedError,
  ConnectionLossError,
  ConnectTimeoutError,
  ControllerCandidacyRefusedError,
  ControllerClaimFailedError,
  ControllerMovedError,
  InvalidConfigError,
  KafkaZkRegistrarError,
  LifecycleError,
  ListenerMismatchError,
  MigrationInProgressError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NoNodeError,
  NotControllerError,
  NotEmptyError,
  OperationTimeoutError,
  PathClaimedError,
  PersistentNodeError,
  RegistrationConflictError,
  SessionExpiredError,
  SessionMovedError,
  StartAbortedError,
  StoppedError,
  UnexpectedError,
  UnimplementedError,
  ZNodeFormatError,
  ZooKeeperError,
  isRetriable,
  isSessionGone,
  optionKey,
} from './errors.js';
export type { ErrorCode, OptionNamer, ZooKeeperErrorCode } from './errors.js';
// Types the API above uses in its signatures, exported so that they can be named (and are documented).
export type { EventListenerOf, SafeEmitter, TypedEmitter, TypedEventEmitter } from './util/safe-emitter.js';
export type { ListenerRoles } from './confirmation/listener-roles.js';
export type { MigrationView } from './registration/migration-watch.js';
export type { CreateModeName, CreateOptions } from './zookeeper/client/zk-client.js';
export type { ClientEndReason } from './zookeeper/client/client-connection.js';
export type { ClaimStep } from './registration/controller-candidate.js';
export type { StepHook } from './recipes/owner-check.js';
