// Every error this library throws or emits is one of these classes, each with a stable `code`
// string that callers can switch on without `instanceof` across package copies.

/** Codes of the ZooKeeper return-code errors (`ZOOKEEPER` for a code without its own class). */
export type ZooKeeperErrorCode =
  | 'ZOOKEEPER'
  | 'ZNODEEXISTS'
  | 'ZNONODE'
  | 'ZBADVERSION'
  | 'ZNOTEMPTY'
  | 'ZNOAUTH'
  | 'ZCONNECTIONLOSS'
  | 'ZOPERATIONTIMEOUT'
  | 'ZSESSIONEXPIRED'
  | 'ZSESSIONMOVED'
  | 'ZNOCHILDRENFOREPHEMERALS'
  | 'ZAUTHFAILED'
  | 'ZCLOSING'
  | 'ZUNIMPLEMENTED';
/** Every `code` this library's errors carry: `switch (err.code)` narrows on it. */
export type ErrorCode =
  | 'INVALID_CONFIG'
  | 'ZNODE_FORMAT'
  | 'REGISTRATION_CONFLICT'
  | 'CONNECT_TIMEOUT'
  | 'STOPPED'
  | 'NOT_CONTROLLER'
  | 'CONTROLLER_MOVED'
  | 'LISTENER_MISMATCH'
  | 'AUDIT_FAILED'
  | 'PERSISTENT_NODE'
  | 'PATH_CLAIMED'
  | 'CLUSTER_ID_MISMATCH'
  | 'MIGRATION_IN_PROGRESS'
  | 'START_ABORTED'
  | 'UNEXPECTED'
  | 'LIFECYCLE'
  | 'CLUSTER_UNREACHABLE'
  | 'CONFIRMATION_FAILED'
  | 'BROKER_ID_IN_USE'
  | 'CONTROLLER_CANDIDACY_REFUSED'
  | 'CONTROLLER_CLAIM_FAILED'
  // The testing kit's (kafka-zk-registrar/testing: src/testing/errors.ts)
  | 'JAVA_MISSING'
  | 'JARS_MISSING'
  | 'FETCH_FAILED'
  | 'SERVER_START_FAILED'
  | ZooKeeperErrorCode;

/**
 * Names a configuration option (with a value to set it to, when given) as the reader of a message
 * knows it. The library's messages name its option keys (`controller.besideOtherBrokers: true`); the
 * CLI renders the same errors with its flags (`--controller-beside-other-brokers`), so that nobody is
 * told to set a key they have no way to type. See `messageWith`.
 */
export type OptionNamer = (field: string, value?: string | true) => string;

/** The library's names: the option key, and a value as it is written in the config object. */
export const optionKey: OptionNamer = (field, value) =>
  value === undefined ? field : `${field}: ${value === true ? 'true' : `'${value}'`}`;

/**
 * The base of every error this library throws, rejects with or emits. `code` is stable (switch on it rather
 * than on `instanceof`, which fails across two copies of the package); `retriable` says whether trying the
 * same thing again may succeed; `cause` is kept on wrapped errors. The table of ZooKeeper's return codes is
 * `ZOOKEEPER_ERRORS` below.
 */
export abstract class KafkaZkRegistrarError extends Error {
  /** A stable string naming the error (`INVALID_CONFIG`, `ZNODEEXISTS`, ...): see ErrorCode. */
  abstract readonly code: ErrorCode;
  /**
   * Trying the same thing again may succeed: a ZooKeeper call on the same session once reconnected
   * (connection loss, operation timeout), a first connect, asking the Kafka cluster. False for
   * everything that needs a change first (a config, a node, credentials). See `isRetriable`.
   */
  readonly retriable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * The message with every option it names rendered by `name`: `message` is `messageWith(optionKey)`.
   * Errors whose text names no option return `message`.
   */
  messageWith(_name: OptionNamer): string {
    return this.message;
  }
}

/** A configuration value is missing or out of range. `field` is the dotted path of the option. */
export class InvalidConfigError extends KafkaZkRegistrarError {
  /** Always `INVALID_CONFIG`. */
  readonly code = 'INVALID_CONFIG';
  /** Why, in words: what was expected (options it names, by their keys). */
  readonly reason: string;
  private readonly reasonWith: (name: OptionNamer) => string;
  constructor(
    /** The option's dotted path, e.g. `listeners[1].port` or `zookeeper.tls.key`. */
    readonly field: string,
    /**
     * The value given (`undefined` when missing); secrets (credentials, key material) are given as
     * `<redacted>`.
     */
    readonly value: unknown,
    /** Why: a sentence, or one that names other options through `name` (see OptionNamer). */
    reason: string | ((name: OptionNamer) => string),
  ) {
    const reasonWith = typeof reason === 'string' ? () => reason : reason;
    super(configProblem(field, value, reasonWith(optionKey)));
    this.reason = reasonWith(optionKey);
    this.reasonWith = reasonWith;
  }

  /** The message with the option named by `name` (the CLI passes its flags). */
  override messageWith(name: OptionNamer): string {
    return configProblem(name(this.field), this.value, this.reasonWith(name));
  }
}

/** `invalid <field>: <value> (<reason>)`, or `<field> is not given (<reason>)`: never "invalid x: undefined". */
export function configProblem(field: string, value: unknown, reason: string): string {
  return value === undefined ? `${field} is not given (${reason})` : `invalid ${field}: ${describe(value)} (${reason})`;
}

/** A znode holds data that does not decode with Kafka's rules. Nothing was changed. */
export class ZNodeFormatError extends KafkaZkRegistrarError {
  /** Always `ZNODE_FORMAT`. */
  readonly code = 'ZNODE_FORMAT';
  constructor(
    /** The znode's path, e.g. `/brokers/ids/1`. */
    readonly path: string,
    /** The znode's data as UTF-8 text (the message shows at most 200 characters of it). */
    readonly data: string,
    /** Why it does not decode, in Kafka's terms. */
    readonly reason: string,
  ) {
    super(`znode ${path} does not hold a valid Kafka registration (${reason}): ${truncate(data)}`);
  }
}

/**
 * Our ephemeral node exists but belongs to another ZooKeeper session, and did not go away within the
 * bound. Either a previous session of ours that the server has not yet expired, or a live
 * duplicate (two brokers configured with one id).
 */
export class RegistrationConflictError extends KafkaZkRegistrarError {
  /** Always `REGISTRATION_CONFLICT`. */
  readonly code = 'REGISTRATION_CONFLICT';
  constructor(
    /** Our node's path. */
    readonly path: string,
    /** The session holding it (hex, as `Stat.ephemeralOwner`). */
    readonly ownerSessionId: string,
    /** Our current session (hex). */
    readonly ourSessionId: string,
    /** How long we had waited for it to go, in milliseconds (at least the conflict timeout). */
    readonly waitedMs: number,
    /** Who the node says holds it (for a broker id: its endpoints), when that can be told. */
    readonly holder?: string,
  ) {
    super(
      `${path} is owned by ZooKeeper session 0x${ownerSessionId}${holder === undefined ? '' : ` (${holder})`}, not ours (0x${ourSessionId}); ` +
        `still there after ${waitedMs} ms`,
    );
  }
}

/**
 * Our broker id is registered by *another broker*: the node's data names other endpoints than ours
 * (or is not a broker registration at all), so it is not a stale registration of ours that the
 * server has yet to expire. Kafka refuses to start there (`NodeExistsException` in registerBroker);
 * so do we, whatever the conflict policy, and we never take the id when that broker restarts.
 * Usually a mistyped `broker.id`. Nothing was written.
 */
export class BrokerIdInUseError extends KafkaZkRegistrarError {
  /** Always `BROKER_ID_IN_USE`. */
  readonly code = 'BROKER_ID_IN_USE';
  constructor(
    /** Our broker id, the one another broker holds. */
    readonly brokerId: number,
    /** The holder's session (hex). */
    readonly ownerSessionId: string,
    /** The holder's endpoints (`NAME://host:port`), or undefined when its data is not a broker registration. */
    readonly holderEndpoints: readonly string[] | undefined,
    /** Our endpoints (`NAME://host:port`). */
    readonly ourEndpoints: readonly string[],
  ) {
    super(
      `broker id ${brokerId} is held by another broker (session 0x${ownerSessionId}, ` +
        (holderEndpoints === undefined ? 'data that is not a broker registration' : `endpoints ${holderEndpoints.join(',') || '(none)'}`) +
        `), not by a stale registration of ours (${ourEndpoints.join(',')}): refusing to take it; is broker.id right?`,
    );
  }
}

/**
 * Controller candidacy refused, nothing written: other ZooKeeper-mode brokers are registered, and
 * any of them can be Kafka's controller. A candidate of ours that won /controller would owe the
 * cluster a controller's work (LeaderAndIsr, UpdateMetadata); beside real brokers that is taking the
 * controller from them. `controller.besideOtherBrokers` overrides this knowingly.
 */
export class ControllerCandidacyRefusedError extends KafkaZkRegistrarError {
  /** Always `CONTROLLER_CANDIDACY_REFUSED`. */
  readonly code = 'CONTROLLER_CANDIDACY_REFUSED';
  constructor(
    /** Our broker id. */
    readonly brokerId: number,
    /** The other registered broker ids (up to a few). */
    readonly otherBrokers: readonly number[],
  ) {
    super(candidacyRefused(brokerId, otherBrokers, optionKey));
  }

  /**
   * The message with `controller.besideOtherBrokers` named by `name` (the CLI:
   * `--controller-beside-other-brokers`).
   */
  override messageWith(name: OptionNamer): string {
    return candidacyRefused(this.brokerId, this.otherBrokers, name);
  }
}

function candidacyRefused(brokerId: number, otherBrokers: readonly number[], name: OptionNamer): string {
  return (
    `broker ${brokerId} will not contend for /controller: ${brokerList(otherBrokers)} ${otherBrokers.length === 1 ? 'is registered and can' : 'are registered and any of them can'} be the controller; ` +
    `a candidate that wins must do the controller's work for them (${name('controller.besideOtherBrokers', true)} overrides this)`
  );
}

/** `broker 0`, `brokers 0, 2`: ids named as ids, never as a bare "(0)" that reads like a count. */
function brokerList(ids: readonly number[]): string {
  return `${ids.length === 1 ? 'broker' : 'brokers'} ${ids.join(', ')}`;
}

/**
 * /controller was ours but the election could not be completed (announced, or checked against
 * /controller_epoch) for a reason other than connection loss or the session's end; see `cause`.
 * /controller was released (deleted, ours only) and the candidacy ended.
 */
export class ControllerClaimFailedError extends KafkaZkRegistrarError {
  /** Always `CONTROLLER_CLAIM_FAILED`. */
  readonly code = 'CONTROLLER_CLAIM_FAILED';
}

/** No session within the connect timeout; `cause` (when set) is why the last connection attempt failed. */
export class ConnectTimeoutError extends KafkaZkRegistrarError {
  /** Always `CONNECT_TIMEOUT`. */
  readonly code = 'CONNECT_TIMEOUT';
  /** True: a later attempt may find a server. */
  override readonly retriable = true;
  constructor(
    /** The connect string tried (hosts and chroot). */
    readonly connectString: string,
    /** The connect timeout that ran out, in milliseconds (`connectTimeoutMs`, default 30000). */
    readonly timeoutMs: number,
    options?: { cause?: Error },
  ) {
    super(
      `no ZooKeeper session with ${connectString} within ${timeoutMs} ms${options?.cause === undefined ? '' : ` (last attempt: ${options.cause.message})`}`,
      options,
    );
  }
}

/** The registrar or connection was stopped while an operation was waiting. */
export class StoppedError extends KafkaZkRegistrarError {
  /** Always `STOPPED`. */
  readonly code = 'STOPPED';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} was stopped`, options);
  }
}

/** A controller-only operation was called on a broker that is not (or no longer) the controller. */
export class NotControllerError extends KafkaZkRegistrarError {
  /** Always `NOT_CONTROLLER`. */
  readonly code = 'NOT_CONTROLLER';
  constructor(
    /** Our broker id. */
    readonly brokerId: number,
  ) {
    super(`broker ${brokerId} is not the controller`);
  }
}

/**
 * /controller_epoch moved away from the zkVersion this controller was elected with: another
 * controller (or a tool) bumped the epoch, so this one is fenced off and has resigned.
 */
export class ControllerMovedError extends KafkaZkRegistrarError {
  /** Always `CONTROLLER_MOVED`. */
  readonly code = 'CONTROLLER_MOVED';
  constructor(
    /** The zkVersion of /controller_epoch this controller was elected with (its fencing token). */
    readonly expectedEpochZkVersion: number,
    /** The zkVersion found instead; undefined when /controller_epoch was deleted. */
    readonly actualEpochZkVersion: number | undefined,
  ) {
    super(
      `/controller_epoch is at zkVersion ${actualEpochZkVersion ?? '(deleted)'}, not ${expectedEpochZkVersion}: ` +
        'this broker is no longer the controller; the guarded write was not applied',
    );
  }
}

/**
 * Our registration lacks a listener that Kafka's controller needs to add the broker: the cluster's
 * inter-broker listener, and its control-plane listener when it has one. The controller would fail on
 * such a znode, on every broker change, for as long as it exists: nothing was written.
 */
export class ListenerMismatchError extends KafkaZkRegistrarError {
  /** Always `LISTENER_MISMATCH`. */
  readonly code = 'LISTENER_MISMATCH';
  constructor(
    /** Our broker id. */
    readonly brokerId: number,
    /** Listener names the cluster needs and our registration lacks. */
    readonly missing: readonly string[],
    /** Our listener names. */
    readonly ours: readonly string[],
    /**
     * Where the requirement came from: the options; the configuration of a registered broker, read
     * through Kafka; or, when neither is at hand, the listener names every registered broker shares
     * (these broker ids): a superset of what the controller needs.
     */
    readonly learnedFrom: readonly number[] | 'interBrokerListener' | { readonly brokerConfig: number },
  ) {
    super(listenerMismatch(brokerId, missing, ours, learnedFrom, optionKey));
  }

  /**
   * The message with `interBrokerListener`, `controlPlaneListener` and `confirm` named by `name` (the CLI:
   * its flags).
   */
  override messageWith(name: OptionNamer): string {
    return listenerMismatch(this.brokerId, this.missing, this.ours, this.learnedFrom, name);
  }
}

function listenerMismatch(
  brokerId: number,
  missing: readonly string[],
  ours: readonly string[],
  learnedFrom: ListenerMismatchError['learnedFrom'],
  name: OptionNamer,
): string {
  const them = missing.length === 1 ? 'it' : 'them';
  const which =
    learnedFrom === 'interBrokerListener'
      ? `which ${name('interBrokerListener')} or ${name('controlPlaneListener')} names as the cluster's inter-broker or control-plane listener`
      : Array.isArray(learnedFrom)
        ? `which every registered broker (${brokerList(learnedFrom)}) has`
        : `which broker ${(learnedFrom as { readonly brokerConfig: number }).brokerConfig}'s configuration names as its inter-broker or control-plane listener`;
  const advice = Array.isArray(learnedFrom)
    ? ` ZooKeeper does not say which of them is the inter-broker (or control-plane) listener the controller needs, so all are required: name it with ${name('interBrokerListener')} (Kafka's inter.broker.listener.name), or give ${name('confirm')} so that the brokers' own settings are read.`
    : '';
  return (
    `broker ${brokerId} would register without listener${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (ours: ${ours.join(', ')}), ${which}. ` +
    `Kafka's controller cannot add a broker without ${them}: it would stall on every broker change for as long as the registration existed, so nothing was written.${advice}`
  );
}

/** An audit could not be made (ZooKeeper unreachable, the chroot does not exist). Nothing was written. */
export class AuditFailedError extends KafkaZkRegistrarError {
  /** Always `AUDIT_FAILED`. */
  readonly code = 'AUDIT_FAILED';
  /** True when its cause is (no session in time, a connection that failed): the same audit may work later. */
  override readonly retriable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const cause = options?.cause;
    this.retriable =
      isRetriable(cause) ||
      (cause instanceof Error && typeof (cause as NodeJS.ErrnoException).code === 'string' && !(cause instanceof KafkaZkRegistrarError));
  }
}

/**
 * A persistent znode sits where our ephemeral registration belongs. No session owns it, so it never
 * goes away by itself: an operator must delete it. Nothing was changed.
 */
export class PersistentNodeError extends KafkaZkRegistrarError {
  /** Always `PERSISTENT_NODE`. */
  readonly code = 'PERSISTENT_NODE';
  constructor(
    /** The path of the persistent node. */
    readonly path: string,
  ) {
    super(
      `${path} is a persistent znode (no ZooKeeper session owns it): it will not go away by itself, so an operator must delete it before we can register`,
    );
  }
}

/**
 * Another recipe on the same Connection already maintains this path. Two recipes on one session
 * cannot tell their nodes apart (both pass the owner check), so they would fight over it.
 */
export class PathClaimedError extends KafkaZkRegistrarError {
  /** Always `PATH_CLAIMED`. */
  readonly code = 'PATH_CLAIMED';
  constructor(
    /** The path both recipes would maintain. */
    readonly path: string,
    /** The recipe that claimed it first, e.g. `recipe #3 (/brokers/ids/1)`. */
    readonly holder: string,
  ) {
    super(
      `${path} is already maintained by ${holder} on this Connection: use one recipe per path (and one controller candidate) per Connection`,
    );
  }
}

/** `/cluster/id` names another cluster than the registrar expects (or none): wrong connect string or chroot? */
export class ClusterIdMismatchError extends KafkaZkRegistrarError {
  /** Always `CLUSTER_ID_MISMATCH`. */
  readonly code = 'CLUSTER_ID_MISMATCH';
  constructor(
    /** The `clusterId` option. */
    readonly expected: string,
    /** What /cluster/id holds; undefined when it does not exist. */
    readonly found: string | undefined,
  ) {
    super(
      found === undefined
        ? `expected to join cluster ${expected}, but /cluster/id does not exist here: is the connect string's chroot right?`
        : `expected to join cluster ${expected}, but /cluster/id here says ${found}: is the connect string's chroot right?`,
    );
  }
}

/**
 * The cluster is being migrated to KRaft (`/migration` exists) and a new ZooKeeper-only registration
 * was refused: while the migration waits for brokers it would hold the migration back for as long as
 * it exists (the KRaft controller waits for every id under /brokers/ids to register with KRaft too),
 * and once migrated the cluster would never list it. `kraftMigration: 'register'` overrides this.
 */
export class MigrationInProgressError extends KafkaZkRegistrarError {
  /** Always `MIGRATION_IN_PROGRESS`. */
  readonly code = 'MIGRATION_IN_PROGRESS';
  constructor(
    /** Our broker id. */
    readonly brokerId: number,
    /** `waiting-for-brokers`, `migrated`, or `unreadable` (a /migration that does not decode). */
    readonly phase: string,
    /** The KRaft controller's node id from /migration, when it decodes. */
    readonly kraftControllerId: number | undefined,
  ) {
    super(migrationRefusal(brokerId, phase, kraftControllerId, optionKey));
  }

  /** The message with `kraftMigration` named by `name` (the CLI: `--kraft-migration register`). */
  override messageWith(name: OptionNamer): string {
    return migrationRefusal(this.brokerId, this.phase, this.kraftControllerId, name);
  }
}

function migrationRefusal(brokerId: number, phase: string, kraftControllerId: number | undefined, name: OptionNamer): string {
  const overrides = `(${name('kraftMigration', 'register')} overrides)`;
  return phase === 'migrated'
    ? `not registering broker ${brokerId}: the cluster has been migrated to KRaft (KRaft controller ${kraftControllerId ?? '?'}); a ZooKeeper-only registration would never be listed ${overrides}`
    : phase === 'waiting-for-brokers'
      ? `not registering broker ${brokerId}: a ZooKeeper -> KRaft migration is waiting for every registered broker to register with the KRaft quorum too, and a ZooKeeper-only registration would hold it back for as long as it exists ${overrides}`
      : `not registering broker ${brokerId}: /migration exists but does not decode, so a migration may be under way ${overrides}`;
}

/** `start()` was given up through its AbortSignal (see `cause`); everything it opened was released. */
export class StartAbortedError extends KafkaZkRegistrarError {
  /** Always `START_ABORTED`. */
  readonly code = 'START_ABORTED';
}

/** Something this library did not anticipate went wrong inside a registration run; see `cause`. */
export class UnexpectedError extends KafkaZkRegistrarError {
  /** Always `UNEXPECTED`. */
  readonly code = 'UNEXPECTED';
}

/**
 * A method was called in a lifecycle state that does not allow it: start() twice, or after stop()/
 * close(). Objects are single-use: create a new one. Thrown or rejected at once; nothing was changed.
 */
export class LifecycleError extends KafkaZkRegistrarError {
  /** Always `LIFECYCLE`. */
  readonly code = 'LIFECYCLE';
  constructor(
    /** The object, e.g. `OwnedEphemeral(/brokers/ids/1)`. */
    readonly what: string,
    /** The method called, e.g. `start`. */
    readonly operation: string,
    /** Its lifecycle state then: `started` or `closed`. */
    readonly state: string,
  ) {
    super(
      `${what}: ${operation}() is not allowed once ${state === 'started' ? 'started' : state} (it can be started once; create a new one)`,
    );
  }
}

/** The Kafka cluster could not be asked (bootstrap unreachable, request failed or timed out). */
export class ClusterUnreachableError extends KafkaZkRegistrarError {
  /** Always `CLUSTER_UNREACHABLE`. */
  readonly code = 'CLUSTER_UNREACHABLE';
  /** True: a later round may reach the cluster. */
  override readonly retriable = true;
  constructor(detail: string, cause?: unknown) {
    super(`the Kafka cluster could not be asked for metadata: ${detail}`, { cause });
  }
}

/** The cluster did not show what was expected in time (see `reason` and `seen`). */
export class ConfirmationFailedError extends KafkaZkRegistrarError {
  /** Always `CONFIRMATION_FAILED`. */
  readonly code = 'CONFIRMATION_FAILED';
  constructor(
    /** The broker id that was to be listed (or to disappear). */
    readonly brokerId: number,
    /**
     * Why, as ClusterConfirmation's `unconfirmed` says it (`not-listed`, `endpoint-mismatch`, ...) or
     * `still-listed` on dispose.
     */
    readonly reason: string,
    /**
     * What the cluster showed at the last round (a ClusterView), or the last error when it could not be
     * asked; undefined when nothing is known.
     */
    readonly seen: unknown,
    cause?: unknown,
  ) {
    super(`broker ${brokerId}: the cluster did not confirm in time (${reason})`, { cause });
  }
}

// ---- ZooKeeper return codes -------------------------------------------------------------------

/**
 * A ZooKeeper operation failed. `zkCode` is ZooKeeper's return code (KeeperException.Code, e.g. -110);
 * `retriable` and `sessionGone` come from the table below (ZOOKEEPER_ERRORS).
 */
export class ZooKeeperError extends KafkaZkRegistrarError {
  /**
   * `ZOOKEEPER` for a return code without a class of its own; each subclass has its own (`ZNODEEXISTS`,
   * ...).
   */
  readonly code: ZooKeeperErrorCode = 'ZOOKEEPER';
  /**
   * From the table: true for CONNECTIONLOSS and OPERATIONTIMEOUT (the same session may still be fine: retry
   * once reconnected).
   */
  override readonly retriable: boolean;
  /** The session, and so every ephemeral node and watch it had, is gone: only a new session can go on. */
  readonly sessionGone: boolean;
  constructor(
    /** ZooKeeper's return code (KeeperException.Code), e.g. -110 for NODEEXISTS. */
    readonly zkCode: number,
    /** The operation, e.g. `create`, `getData`, `multi`. */
    readonly operation: string,
    /** The path it was on, when it had one. */
    readonly path: string | undefined,
    text: string,
  ) {
    super(`${operation}${path === undefined ? '' : ` ${path}`} failed: ${text} (${zkCode})`);
    const row = rowOf(zkCode);
    this.retriable = row?.retriable ?? false;
    this.sessionGone = row?.sessionGone ?? false;
  }
}

/**
 * NODEEXISTS (-110): the node already exists. For our own ephemeral, a claim to check (the owner check),
 * never a success.
 */
export class NodeExistsError extends ZooKeeperError {
  /** Always `ZNODEEXISTS`. */
  override readonly code = 'ZNODEEXISTS';
}
/** NONODE (-101): the node (or, for a create, its parent) does not exist. */
export class NoNodeError extends ZooKeeperError {
  /** Always `ZNONODE`. */
  override readonly code = 'ZNONODE';
}
/** BADVERSION (-103): a conditional write found the node at another version: it changed under us. */
export class BadVersionError extends ZooKeeperError {
  /** Always `ZBADVERSION`. */
  override readonly code = 'ZBADVERSION';
}
/** NOTEMPTY (-111): a delete of a node that has children. */
export class NotEmptyError extends ZooKeeperError {
  /** Always `ZNOTEMPTY`. */
  override readonly code = 'ZNOTEMPTY';
}
/**
 * NOAUTH (-102): the node's ACL (or, for create and delete, its parent's) does not let our identity do this.
 * Final: fix the credentials or the ACL.
 */
export class NoAuthError extends ZooKeeperError {
  /** Always `ZNOAUTH`. */
  override readonly code = 'ZNOAUTH';
}
/**
 * CONNECTIONLOSS (-4): the connection dropped with the request in flight; it may or may not have been
 * applied. Retriable on the same session once reconnected.
 */
export class ConnectionLossError extends ZooKeeperError {
  /** Always `ZCONNECTIONLOSS`. */
  override readonly code = 'ZCONNECTIONLOSS';
}
/**
 * OPERATIONTIMEOUT (-7): no reply in time; it may or may not have been applied. Retriable on the same
 * session.
 */
export class OperationTimeoutError extends ZooKeeperError {
  /** Always `ZOPERATIONTIMEOUT`. */
  override readonly code = 'ZOPERATIONTIMEOUT';
}
/**
 * SESSIONEXPIRED (-112), and INVALIDSTATE (-9): the session is gone, and with it every ephemeral node and
 * watch it had. Only a new session can go on.
 */
export class SessionExpiredError extends ZooKeeperError {
  /** Always `ZSESSIONEXPIRED`. */
  override readonly code = 'ZSESSIONEXPIRED';
}
/** SESSIONMOVED (-118): the session was moved to another server; this connection cannot use it any more. */
export class SessionMovedError extends ZooKeeperError {
  /** Always `ZSESSIONMOVED`. */
  override readonly code = 'ZSESSIONMOVED';
}
/** NOCHILDRENFOREPHEMERALS (-108): an ephemeral node cannot have children. */
export class NoChildrenForEphemeralsError extends ZooKeeperError {
  /** Always `ZNOCHILDRENFOREPHEMERALS`. */
  override readonly code = 'ZNOCHILDRENFOREPHEMERALS';
}
/**
 * AUTHFAILED (-115): the server refused the credentials' scheme. Final: the connection stops opening
 * sessions.
 */
export class AuthFailedError extends ZooKeeperError {
  /** Always `ZAUTHFAILED`. */
  override readonly code = 'ZAUTHFAILED';
}
/** The handle is closed or closing; the operation never reached the server. */
export class ClosingError extends ZooKeeperError {
  /** Always `ZCLOSING`. */
  override readonly code = 'ZCLOSING';
}

/**
 * The server does not know the operation: it is older than the operation (create2 needs 3.5,
 * addWatch and getEphemerals 3.6, whoAmI 3.7), or the feature is off there (TTL nodes need the
 * server's extendedTypesEnabled). Nothing was changed; the session is fine.
 */
export class UnimplementedError extends ZooKeeperError {
  /** Always `ZUNIMPLEMENTED`. */
  override readonly code = 'ZUNIMPLEMENTED';
  /** The release that introduced the operation, when that explains the refusal. */
  readonly since: string | undefined;
  /** The server (`host:port`) that refused it, when a server did. */
  readonly server: string | undefined;
  constructor(operation: string, path: string | undefined, since: string | undefined, hint?: string, server?: string) {
    super(
      ZOOKEEPER_RC.UNIMPLEMENTED,
      operation,
      path,
      `the server${server === undefined ? '' : ` ${server}`} does not implement ${operation}${since === undefined ? '' : ` (ZooKeeper ${since}+)`}${hint === undefined ? '' : `; ${hint}`} (UNIMPLEMENTED)`,
    );
    this.since = since;
    this.server = server;
  }
}

type ZkErrorClass = new (zkCode: number, operation: string, path: string | undefined, text: string) => ZooKeeperError;

/**
 * ZooKeeper's return codes that have a class here, with what a caller should do about each (as
 * kafkajs keeps Kafka's error codes: one table). `retriable`: the same session may still be fine,
 * retry once reconnected. `sessionGone`: the session, and everything it owned, is gone. Any other
 * return code is a plain ZooKeeperError (the wire protocol's KeeperErrorCode names them all).
 */
const ZOOKEEPER_ERRORS: readonly {
  readonly rc: number;
  readonly name: string;
  readonly cls: ZkErrorClass;
  readonly retriable: boolean;
  readonly sessionGone: boolean;
}[] = [
  { rc: -4, name: 'CONNECTIONLOSS', cls: ConnectionLossError, retriable: true, sessionGone: false },
  { rc: -7, name: 'OPERATIONTIMEOUT', cls: OperationTimeoutError, retriable: true, sessionGone: false },
  { rc: -112, name: 'SESSIONEXPIRED', cls: SessionExpiredError, retriable: false, sessionGone: true },
  // A call on a client whose session already ended: the session is unusable, as when it expired.
  { rc: -9, name: 'INVALIDSTATE', cls: SessionExpiredError, retriable: false, sessionGone: true },
  { rc: -118, name: 'SESSIONMOVED', cls: SessionMovedError, retriable: false, sessionGone: true },
  // The C client's ZCLOSING, never a server's: our handle was closed under the call.
  { rc: -116, name: 'CLOSING', cls: ClosingError, retriable: false, sessionGone: true },
  { rc: -101, name: 'NONODE', cls: NoNodeError, retriable: false, sessionGone: false },
  { rc: -102, name: 'NOAUTH', cls: NoAuthError, retriable: false, sessionGone: false },
  { rc: -103, name: 'BADVERSION', cls: BadVersionError, retriable: false, sessionGone: false },
  { rc: -108, name: 'NOCHILDRENFOREPHEMERALS', cls: NoChildrenForEphemeralsError, retriable: false, sessionGone: false },
  { rc: -110, name: 'NODEEXISTS', cls: NodeExistsError, retriable: false, sessionGone: false },
  { rc: -111, name: 'NOTEMPTY', cls: NotEmptyError, retriable: false, sessionGone: false },
  { rc: -115, name: 'AUTHFAILED', cls: AuthFailedError, retriable: false, sessionGone: false },
];

/** The return codes the library itself makes errors with (client-side ones included). */
export const ZOOKEEPER_RC = {
  CONNECTIONLOSS: -4,
  UNIMPLEMENTED: -6,
  SESSIONEXPIRED: -112,
  AUTHFAILED: -115,
  CLOSING: -116,
} as const;

// Built lazily: the classes above are defined before the table, and a ZooKeeperError's constructor
// reads it.
let rows: ReadonlyMap<number, (typeof ZOOKEEPER_ERRORS)[number]> | undefined;
function rowOf(rc: number): (typeof ZOOKEEPER_ERRORS)[number] | undefined {
  rows ??= new Map(ZOOKEEPER_ERRORS.map((r) => [r.rc, r]));
  return rows.get(rc);
}

/** The error for a ZooKeeper return code: the table's class, or a plain ZooKeeperError. */
export function zooKeeperError(zkCode: number, operation: string, path: string | undefined, text: string): ZooKeeperError {
  const Cls = rowOf(zkCode)?.cls ?? ZooKeeperError;
  return new Cls(zkCode, operation, path, text);
}

/** True for an error of ours after which trying again may succeed (see `KafkaZkRegistrarError.retriable`). */
export function isRetriable(err: unknown): boolean {
  return err instanceof KafkaZkRegistrarError && err.retriable;
}

/** True for a ZooKeeper error that means the session (and so anything it owned) is gone. */
export function isSessionGone(err: unknown): boolean {
  return err instanceof ZooKeeperError && err.sessionGone;
}

/** A value as an error message shows it: strings quoted, numbers as JS prints them, the rest as (truncated) JSON. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON would print NaN and Infinity as null.
  if (value === undefined || typeof value === 'number' || typeof value === 'bigint') return String(value);
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function truncate(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
