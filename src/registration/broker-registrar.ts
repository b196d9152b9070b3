// BrokerRegistrar: registers one Kafka broker id at /brokers/ids/<id> the way a ZooKeeper-mode
// broker does, but with the owner-checked ephemeral, so a registration cannot be silently lost to
// the expiry/deletion race.
import { listenTo, SafeEmitter } from '../util/safe-emitter.js';
import { Lifecycle } from '../util/lifecycle.js';
import { StopSignal } from '../util/stop-signal.js';
import { Mutex } from 'async-mutex';
import {
  BrokerIdInUseError,
  ClusterIdMismatchError,
  ControllerCandidacyRefusedError,
  InvalidConfigError,
  LifecycleError,
  MigrationInProgressError,
  NoNodeError,
  isRetriable,
  isSessionGone,
  StartAbortedError,
  StoppedError,
  ZNodeFormatError,
  KafkaZkRegistrarError,
  type RegistrationConflictError,
} from '../errors.js';
import { normalizeBrokerConfig, type BrokerRegistrarConfig, type BrokerUpdate } from './broker-config.js';

export type { BrokerRegistrarConfig, BrokerUpdate };
import { checkClusterListeners } from './listener-preflight.js';
import { registeredBrokers } from './registered-brokers.js';
import { CLUSTER_ID_PATH, decodeClusterId } from '../znodes/cluster-id-znode.js';
import { logger } from '../log.js';
import {
  brokerIdPath,
  decodeBrokerZNode,
  encodeBrokerZNode,
  endpointString,
  type BrokerRegistrationInfo,
  type Endpoint,
} from '../znodes/broker-znode.js';
import { Connection, type ConnectionEvents, type ConnectionState, type ExpiryCause } from '../zookeeper/connection.js';
import { PERM, type Acl, type Session } from '../zookeeper/session.js';
import { ClusterConfirmation, type ClusterConfirmationEvents, type ConfirmationStatus } from '../confirmation/cluster-confirmation.js';
import {
  ControllerCandidate,
  type ControllerCandidateEvents,
  type ControllerElection,
  type ControllerView,
  type ResignReason,
} from './controller-candidate.js';
import { healthOf, type RegistrarHealth } from './health.js';
import { MigrationWatch, readMigration, type MigrationView } from './migration-watch.js';
import {
  OwnedEphemeral,
  parentsMissing,
  type HolderVerdict,
  type LossReason,
  type OwnedEphemeralState,
  type Ownership,
  type StopOutcome,
} from '../recipes/owned-ephemeral.js';

const log = logger('broker');
/** update() re-checks the listeners only: /migration is read (and watched) before a first registration. */
const NO_MIGRATION_READ: Promise<MigrationView> = Promise.resolve({ phase: 'none' });
/** What update() changes: Kafka's updateBrokerInfo. */
const UPDATABLE: readonly string[] = Object.keys({ listeners: true, rack: true, jmxPort: true, features: true } satisfies Readonly<
  Record<keyof BrokerUpdate, true>
>);

/** One registration: `/brokers/ids/<id>` owned by our current session. A new one after every re-creation. */
export interface Registration {
  /** Kafka's `broker.id`. */
  readonly brokerId: number;
  /** The znode's path, `/brokers/ids/<id>` (under the connect string's chroot). */
  readonly path: string;
  /** Kafka's broker epoch: the czxid of the registration znode. Changes with every re-creation. */
  readonly brokerEpoch: number;
  /** Our session that owns the znode (hex, as `Stat.ephemeralOwner`). */
  readonly sessionId: string;
  /**
   * Set when this registration replaced a node that a previous session of ours still held (the server
   * had not finished expiring it) instead of waiting for it to go.
   */
  readonly replacedSessionId: string | undefined;
}

/** OwnedEphemeralState, plus `starting` (start() called, its pre-flight not done yet). */
export type BrokerRegistrarState = OwnedEphemeralState | 'starting';

/** What `status()` returns: a snapshot, checked first against a frozen process (see `verified`). */
export interface BrokerRegistrarStatus {
  /** `idle`, `starting`, `acquiring`, `waiting`, `owned`, `lost`, `failed` or `stopped`. */
  readonly state: BrokerRegistrarState;
  /** Kafka's `broker.id`. */
  readonly brokerId: number;
  /** `/brokers/ids/<id>`. */
  readonly path: string;
  /** The ZooKeeper connection's state. */
  readonly connection: ConnectionState;
  /** The current session (hex); undefined while there is none. */
  readonly sessionId: string | undefined;
  /** The czxid of our znode while owned. */
  readonly brokerEpoch: number | undefined;
  /** While waiting: the session that owns our path instead of us. */
  readonly blockedBySession: string | undefined;
  /** How many times the node was (re-)created or adopted by us since start. */
  readonly registrations: number;
  /** The error the registrar (or its controller candidacy) last failed with: `code` and `message` only. */
  readonly lastError: { readonly code: string; readonly message: string } | undefined;
  /** With controller candidacy: whether we are controller, and /controller and /controller_epoch as last seen. */
  readonly controller: ControllerView | undefined;
  /** With `confirm`: whether the cluster lists the current registration, and what it showed. */
  readonly confirmation: ConfirmationStatus | undefined;
  /** `/cluster/id` as read at start(); undefined before, or where the cluster has not written one. */
  readonly clusterId: string | undefined;
  /**
   * True only while our current session owns the registration and a round trip has confirmed it:
   * false before it is owned (a registrar that never connected verified nothing), after it is lost or
   * stopped, after a shorter freeze of this process until a round trip has confirmed our node again,
   * and while disconnected, when the server may expire our session unheard.
   */
  readonly verified: boolean;
  /** When ZooKeeper last answered a request of ours or our session last (re)connected (epoch ms). */
  readonly lastContactAt: number | undefined;
  /** While owned: when the current registration was created or taken over (epoch ms, this host's clock). */
  readonly registeredAt: number | undefined;
  /** The ZooKeeper-to-KRaft migration as /migration shows it; undefined when there is none. */
  readonly kraftMigration: KRaftMigrationStatus | undefined;
  /** The connection has had no session for a long time although it keeps trying: see the `wedged` event. */
  readonly wedged: boolean;
  /** What start()'s pre-flight found where a Kafka cluster should be, when it was not one: see `emptyCluster`. */
  readonly emptyCluster: EmptyCluster | undefined;
}

/**
 * Where we register does not look like a Kafka cluster (yet): a mistyped chroot, or the very first
 * broker of a new cluster. `reason`: `no-chroot` (the chroot does not exist: it is created with our
 * registration), `no-cluster-id` (no /cluster/id: no Kafka broker has ever started here), or
 * `no-brokers` (no other broker is registered).
 */
export interface EmptyCluster {
  /** `no-chroot`, `no-cluster-id` or `no-brokers` (see above). */
  readonly reason: 'no-chroot' | 'no-cluster-id' | 'no-brokers';
  /** The connect string's chroot, if any. */
  readonly chroot: string | undefined;
  /** One sentence saying what was found and what it may mean. */
  readonly message: string;
}

/** `status().kraftMigration`: the ZooKeeper to KRaft migration (KIP-866) as /migration shows it. */
export interface KRaftMigrationStatus {
  /** `waiting-for-brokers`, `migrated`, or `unreadable` (a /migration that does not decode). */
  readonly phase: Exclude<MigrationView['phase'], 'none'>;
  /** The KRaft controller's node id, when /migration decodes. */
  readonly kraftControllerId: number | undefined;
  /**
   * True while the migration waits for brokers and our ZooKeeper-only registration exists: the KRaft
   * controller will not start migrating until it is gone (or this broker id registers with KRaft).
   */
  readonly holdingBack: boolean;
}

/**
 * The events of BrokerRegistrar, with their payloads. A listener that throws cannot derail the registrar:
 * its exception is re-thrown on the next tick, from the listener's own code.
 */
export interface BrokerRegistrarEvents {
  /** The first registration after start(). */
  registered: [registration: Registration];
  /** Registered again after a loss (new session, deleted node, ...). */
  restored: [registration: Registration];
  /** Our registration is gone or altered (see LossReason); the routine runs again and `restored` follows. */
  lost: [info: { readonly reason: LossReason; readonly sessionId: string }];
  /**
   * Our path is owned by another session with a registration like ours (a previous session of this
   * broker the server has not expired yet); we are waiting for it to go. `holder` is what the node
   * says (its endpoints). A node naming other endpoints is another broker's: `failed` with
   * BrokerIdInUseError instead, never waited for.
   */
  waiting: [info: { readonly ownerSessionId: string; readonly sessionId: string; readonly holder: string | undefined }];
  /** start()'s pre-flight found no Kafka cluster where we register (yet); see EmptyCluster. Registration goes on. */
  emptyCluster: [info: EmptyCluster];
  /**
   * The node in our way outlived `conflict.timeoutMs`: a live process registering this broker. With policy
   * `fail` (the default), `failed` follows.
   */
  conflict: [error: RegistrationConflictError];
  /**
   * Our session ended and a new one is being opened: `server` (the server said so), `stall` (this process
   * was frozen past the session timeout), `refused` (reconnects closed unanswered for a session timeout,
   * and a new session showed the ensemble lost what ours had seen). A lost connection alone never ends a
   * session.
   */
  sessionExpired: [info: { readonly sessionId: string; readonly cause: ExpiryCause }];
  /**
   * Registration gave up (our broker id held by another broker, conflict with policy `fail`, no
   * permission, ...), or the controller candidacy did (refused beside other brokers, a claim that
   * could not complete): then the broker registration itself goes on.
   */
  failed: [error: KafkaZkRegistrarError];
  /** Controller mode: we won /controller and bumped /controller_epoch. */
  elected: [election: ControllerElection];
  /** Controller mode: we are no longer the controller. Emitted first on session expiry. */
  resigned: [info: { readonly reason: ResignReason; readonly brokerId: number; readonly epoch: number }];
  /** Controller mode: /controller or /controller_epoch holds data Kafka could not decode; nothing was changed. */
  invalidZNode: [error: ZNodeFormatError];
  /** With `confirm`: the cluster lists the current registration with our endpoint. */
  confirmed: ClusterConfirmationEvents['confirmed'];
  /** With `confirm`: the deadline passed and the cluster did not show us as expected. */
  unconfirmed: ClusterConfirmationEvents['unconfirmed'];
  /** With `confirm` and re-checks: ZooKeeper has our node but the cluster stopped listing us; the routine re-runs once. */
  missing: ClusterConfirmationEvents['missing'];
  /** /migration appeared, changed or went: the cluster is (no longer) on its way to KRaft. */
  kraftMigration: [status: KRaftMigrationStatus | undefined];
  /** Controller mode: a KRaft controller holds /controller; we do not contend until the cluster rolls back. */
  kraftControlled: ControllerCandidateEvents['kraftControlled'];
  /** No ZooKeeper session for `wedgedAfterMs` although the connection keeps trying: restart the process. */
  wedged: ConnectionEvents['wedged'];
  /** A ZooKeeper connection attempt failed, and what it hit (throttled: see Connection's `unreachable`). */
  zookeeperUnreachable: ConnectionEvents['unreachable'];
  /**
   * Curator's SUSPENDED: our session lost its server connection. The session may well be alive (its
   * node with it), so the registration is not lost, only unverified (not ready) until `reconnected`;
   * if the server expired it meanwhile, `sessionExpired` follows instead (Curator's LOST).
   */
  suspended: [info: { readonly sessionId: string }];
  /** Curator's RECONNECTED, for the same session: its connection is back after `suspended` (`suspendedMs` later). */
  reconnected: [info: { readonly sessionId: string; readonly suspendedMs: number }];
}

/** Kafka's secure ACL (creator-all, world-read), with the creator named by our digest identity. */
function kafkaAcl(identity: string | undefined): readonly Acl[] {
  if (identity === undefined) {
    throw new InvalidConfigError(
      'zookeeperSetAcl',
      true,
      (name) => `needs ${name('zookeeper.auth')} with the digest scheme: the ACL names the identity it gives us`,
    );
  }
  return [
    { perms: PERM.ALL, scheme: 'digest', id: identity },
    { perms: PERM.READ, scheme: 'world', id: 'anyone' },
  ];
}

/**
 * Registers one Kafka broker at `/brokers/ids/<id>` in Kafka's v5 or v4 format, as a ZooKeeper-mode broker
 * does (KafkaZkClient.registerBroker), but owner-checked: NodeExists is a claim to check, so the
 * registration cannot be silently lost to ZooKeeper's expiry/deletion race, and it is restored after every
 * loss. Optional: controller candidacy (`controller`), confirmation through the cluster's metadata
 * (`confirm`).
 *
 * `start()` resolves with the Registration once our session owns the node; it rejects (after releasing
 * everything it opened) with ConnectTimeoutError, ListenerMismatchError, BrokerIdInUseError,
 * RegistrationConflictError (policy `fail`), ClusterIdMismatchError, MigrationInProgressError,
 * PersistentNodeError, StartAbortedError (its AbortSignal), StoppedError (stop() was called first). The
 * constructor throws InvalidConfigError. Single-use: LifecycleError on misuse.
 *
 * ```ts
 * const registrar = new BrokerRegistrar({ zookeeper: { connect: 'zk-1:2181/kafka' }, brokerId: 1,
 *   listeners: [{ name: 'PLAINTEXT', host: 'broker-1.internal', port: 9092 }] });
 * registrar.on('lost', (e) => console.warn(e.reason));
 * await registrar.start();
 * await registrar.stop(); // deletes the node only if our session owns it
 * ```
 */
export class BrokerRegistrar extends SafeEmitter<BrokerRegistrarEvents> {
  /** Kafka's `broker.id`. */
  readonly brokerId: number;
  /** `/brokers/ids/<id>`. */
  readonly path: string;
  private readonly config: BrokerRegistrarConfig;
  private info: BrokerRegistrationInfo;
  private readonly interBrokerListener: string | undefined;
  private readonly controlPlaneListener: string | undefined;
  private readonly controllerBesideOtherBrokers: boolean;
  private emptyCluster: EmptyCluster | undefined;
  private clusterId: string | undefined;
  private readonly connection: Connection;
  private readonly ownsConnection: boolean;
  private readonly ephemeral: OwnedEphemeral;
  /** The controller candidacy, when enabled: use it for fenced writes. */
  readonly controller: ControllerCandidate | undefined;
  private readonly confirmation: ClusterConfirmation | undefined;
  private readonly migration: MigrationWatch;
  private readonly kraftMigrationPolicy: 'refuse' | 'register';
  /** The listener whose endpoint the cluster must show us at: `confirm.listener`, or learned at start(). */
  private confirmListener: string | undefined;
  private registrations = 0;
  private registeredAt: number | undefined;
  private lastError: KafkaZkRegistrarError | undefined;
  private readonly lifecycle = new Lifecycle('BrokerRegistrar');
  private stopping: Promise<StopOutcome> | undefined;
  /** Ends the pre-flight's waits (a connection that is down) when stop() is called. */
  private readonly stopper: StopSignal;
  private readonly detach: () => void;

  constructor(config: BrokerRegistrarConfig) {
    super();
    // Everything is validated before anything subscribes to a (possibly shared) connection.
    const settings = normalizeBrokerConfig(config);
    this.brokerId = settings.info.brokerId;
    this.stopper = new StopSignal(`broker ${this.brokerId} registrar`);
    this.path = brokerIdPath(this.brokerId);
    this.config = config;
    this.info = settings.info;
    this.interBrokerListener = settings.interBrokerListener;
    this.controlPlaneListener = settings.controlPlaneListener;
    this.controllerBesideOtherBrokers = settings.controllerBesideOtherBrokers;
    this.confirmListener = config.confirm?.listener?.toUpperCase();
    this.ownsConnection = !(config.zookeeper instanceof Connection);
    this.connection = config.zookeeper instanceof Connection ? config.zookeeper : new Connection(config.zookeeper);
    // Still before any subscription: this can throw.
    const acl = settings.zookeeperSetAcl ? kafkaAcl(this.connection.identity) : undefined;
    this.kraftMigrationPolicy = settings.kraftMigration;
    this.confirmation =
      config.confirm === undefined
        ? undefined
        : new ClusterConfirmation(config.confirm, () => this.ephemeral.schedule('the cluster does not list us'));
    // The last thing that can throw is above: from here on we subscribe to the (possibly shared) connection.
    this.migration = new MigrationWatch(this.connection);
    this.migration.on('changed', () => this.notify('kraftMigration', this.migrationStatus()));
    // One mutex for every step of this broker: registration, election, resignation, fenced writes.
    const mutex = new Mutex();

    this.ephemeral = new OwnedEphemeral({
      connection: this.connection,
      path: this.path,
      data: () => encodeBrokerZNode(this.info, Date.now()),
      conflictTimeoutMs: settings.conflictTimeoutMs,
      onConflict: settings.conflictPolicy,
      mutex,
      acl,
      judgeHolder: (node) => this.judgeHolder(node.ownerSessionId, node.data),
    });
    const onExpired = (e: { sessionId: string; cause: ExpiryCause }): void => {
      this.notify('sessionExpired', e);
    };
    const onWedged = (e: { sessionlessForMs: number }): void => this.notify('wedged', e);
    const onUnreachable = (e: ConnectionEvents['unreachable'][0]): void => this.notify('zookeeperUnreachable', e);
    // The same session losing and regaining its connection: said as it happens, so that an operator
    // reading the CLI's lines sees why readiness dropped while nothing was lost.
    let suspendedAt: number | undefined;
    const onDisconnected = (s: Session): void => {
      suspendedAt = Date.now();
      this.notify('suspended', { sessionId: s.id });
    };
    const onConnected = (s: Session): void => {
      const since = suspendedAt;
      suspendedAt = undefined;
      this.notify('reconnected', { sessionId: s.id, suspendedMs: since === undefined ? 0 : Date.now() - since });
    };
    this.detach = listenTo(this.connection, {
      expired: onExpired,
      wedged: onWedged,
      unreachable: onUnreachable,
      disconnected: onDisconnected,
      connected: onConnected,
    });
    this.ephemeral.on('owned', (o) => this.onOwned(o));
    this.ephemeral.on('lost', (e) => {
      // Before anyone hears of the loss: nothing confirms a registration that is gone.
      this.confirmation?.forget();
      this.notify('lost', e);
    });
    this.ephemeral.on('waiting', ({ ownerSessionId, sessionId, holder }) => this.notify('waiting', { ownerSessionId, sessionId, holder }));
    this.ephemeral.on('conflict', (e) => {
      this.lastError = e;
      this.notify('conflict', e);
    });
    this.ephemeral.on('failed', (e) => {
      this.lastError = e;
      this.notify('failed', e);
    });
    this.controller = settings.controllerEnabled
      ? new ControllerCandidate({
          connection: this.connection,
          brokerId: this.brokerId,
          mutex,
          runWhen: () => this.ephemeral.state === 'owned',
          acl,
          performsControllerDuties: true,
          besideOtherBrokers: settings.controllerBesideOtherBrokers,
        })
      : undefined;
    this.controller?.on('elected', (e) => {
      this.notify('elected', e);
      // Elected is only half of it: the cluster must now show us as its controller (which it does only
      // if the embedding program sends UpdateMetadata), so readiness waits for the metadata again.
      const own = this.ephemeral.ownership;
      if (own !== undefined) this.confirmCurrent(own);
    });
    this.controller?.on('failed', (e) => {
      this.lastError = e;
      this.notify('failed', e);
    });
    this.controller?.on('resigned', (e) => this.notify('resigned', e));
    this.controller?.on('kraftControlled', (e) => this.notify('kraftControlled', e));
    this.controller?.on('invalidZNode', (e) => {
      this.lastError = e;
      this.notify('invalidZNode', e);
    });
    this.confirmation?.on('confirmed', (e) => this.notify('confirmed', e));
    // A confirmation error is the cluster's, not the registration's: it stays in status().confirmation.
    this.confirmation?.on('unconfirmed', (e) => this.notify('unconfirmed', e));
    this.confirmation?.on('missing', (e) => this.notify('missing', e));
  }

  /**
   * Connects, checks that the cluster's controller could use our registration (listeners), and
   * registers. Resolves once our session owns /brokers/ids/<id>; rejects with a typed error
   * (ConnectTimeoutError, ListenerMismatchError, RegistrationConflictError with policy `fail`, ...)
   * after releasing everything it opened.
   */
  async start(opts: { readonly signal?: AbortSignal } = {}): Promise<Registration> {
    // Checked before anything changes: a bad option leaves the registrar as it was (idle, startable).
    if (typeof opts !== 'object' || opts === null) throw new InvalidConfigError('start', opts, 'expected { signal? }');
    for (const key of Object.keys(opts))
      if (key !== 'signal')
        throw new InvalidConfigError(`start.${key}`, (opts as Record<string, unknown>)[key], 'unknown option (known: signal)');
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal))
      throw new InvalidConfigError('start.signal', opts.signal, 'expected an AbortSignal');
    this.lifecycle.start();
    // Giving up through the signal is a stop(): everything opened so far is released, and the
    // pending steps below end with StoppedError, which is reported as StartAbortedError.
    const signal = opts.signal;
    const onAbort = (): void => void this.stop();
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // A shared Connection goes on starting for its owner; our start() stops waiting at stop().
      if (this.connection.state === 'idle') await this.stopper.until(this.connection.start());
      // Claims first (throwing PathClaimedError if another recipe on this Connection has either
      // path); the candidacy only contends once our broker znode is owned.
      await this.controller?.start();
      const read = await this.preflight(this.info.endpoints, true);
      this.migration.start(read.migration, read.session);
      // /brokers/ids read missing (a new cluster, or a fleet's first start): made before our create,
      // not after a create refused for the lack of it.
      if (read.brokerIdsMissing) this.ephemeral[parentsMissing]();
      const owned = await this.ephemeral.start();
      // stop() resigns the candidacy before it stops the node's recipe, so a create in flight at
      // stop() can still land: start() says StoppedError all the same (stop() was called first).
      if (this.stopping !== undefined) throw new StoppedError(`start() of broker ${this.brokerId}`);
      return this.registration(owned);
    } catch (err) {
      // stop() called while starting: whatever the pending step ended with (a recipe refusing a start
      // after its stop, a cut-off request), start() says that, and only that.
      const stoppedFirst = this.stopping !== undefined;
      await this.stop();
      if (signal?.aborted === true) throw new StartAbortedError(`start() of broker ${this.brokerId} was aborted`, { cause: signal.reason });
      if (stoppedFirst && !(err instanceof StoppedError)) throw new StoppedError(`start() of broker ${this.brokerId}`, { cause: err });
      // Why the start failed stays in status() (a ConnectTimeoutError, say), not only in the rejection.
      if (err instanceof KafkaZkRegistrarError && !(err instanceof StoppedError)) this.lastError = err;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Changes a live registration in place, as Kafka's updateBrokerInfo does: the znode is rewritten
   * version-checked, so the broker epoch (its czxid) stays. Validated like the constructor's config
   * (InvalidConfigError) and by the listener pre-flight (ListenerMismatchError) before anything is
   * written. Resolves with the registration, or undefined when not registered right now (the next
   * registration uses the new settings anyway).
   */
  async update(changes: BrokerUpdate): Promise<Registration | undefined> {
    if (this.lifecycle.state === 'closed') throw new LifecycleError('BrokerRegistrar', 'update', 'closed');
    // Only what Kafka's updateBrokerInfo can change; anything else (a broker id, a connect string)
    // is a different registration, and silently ignoring it would be worse than refusing it.
    if (typeof changes !== 'object' || changes === null)
      throw new InvalidConfigError('update', changes, `expected { ${UPDATABLE.join(', ')} }`);
    for (const key of Object.keys(changes)) {
      if (!UPDATABLE.includes(key)) {
        throw new InvalidConfigError(
          key,
          (changes as Record<string, unknown>)[key],
          `cannot be changed by update(); it changes only ${UPDATABLE.join(', ')} (a new registrar for anything else)`,
        );
      }
    }
    const settings = normalizeBrokerConfig({ ...this.config, ...changes });
    if (this.lifecycle.state === 'started') await this.preflight(settings.info.endpoints, false);
    this.info = settings.info;
    const own = await this.ephemeral.rewrite();
    if (own === undefined) return undefined;
    log('broker %d registration updated in place, epoch %d', this.brokerId, own.czxid);
    this.confirmCurrent(own);
    return this.registration(own);
  }

  /**
   * What must hold before anything is written, read in one batch (one session answers them in
   * order): the cluster id, the listeners Kafka's controller needs, the controller candidacy beside
   * other brokers, and (before a first registration) the KRaft migration, its watch armed. Returns
   * /migration as read (`none` when not read), and the session that read it.
   * Nothing here creates anything: a mistyped chroot is refused (with `clusterId`) or reported
   * (`emptyCluster`) before the registration creates it.
   */
  private async preflight(
    endpoints: readonly Endpoint[],
    beforeRegistering: boolean,
  ): Promise<{ migration: MigrationView; session: Session; brokerIdsMissing: boolean }> {
    for (;;) {
      try {
        // The waits end with stop(): a shared Connection that is down may stay down.
        const current = this.connection.session;
        const s = current?.isConnected === true ? current : await this.connection.waitForConnected(this.stopper.signal);
        const [root, id, children, migration] = await this.stopper.until(
          Promise.allSettled([
            s.exists('/'),
            readClusterId(s),
            registeredBrokers(s),
            beforeRegistering ? readMigration(s, this.migration.watcher) : NO_MIGRATION_READ,
          ]),
        );
        // The wrong cluster is the most fundamental finding, so it is reported first.
        if (id.status === 'rejected') throw id.reason;
        this.clusterId = id.value;
        if (this.config.clusterId !== undefined && id.value !== this.config.clusterId)
          throw new ClusterIdMismatchError(this.config.clusterId, id.value);
        if (root.status === 'rejected') throw root.reason;
        if (children.status === 'rejected') throw children.reason;
        if (migration.status === 'rejected') throw migration.reason;
        const registered = children.value ?? [];
        const others = registered.filter((b) => b !== this.brokerId);
        if (beforeRegistering && this.controller !== undefined && !this.controllerBesideOtherBrokers) this.refuseCandidacyBeside(others);
        await checkClusterListeners(s, this.brokerId, endpoints, {
          interBrokerListener: this.interBrokerListener,
          controlPlaneListener: this.controlPlaneListener,
          registered: others,
          askBroker:
            this.confirmation === undefined
              ? undefined
              : (b, budgetMs) => (this.confirmation as ClusterConfirmation).listenerRoles(b, budgetMs),
        });
        const m = migration.value;
        if (beforeRegistering && m.phase !== 'none' && this.kraftMigrationPolicy === 'refuse') {
          throw new MigrationInProgressError(this.brokerId, m.phase, 'state' in m ? m.state.kraftControllerId : undefined);
        }
        if (beforeRegistering && this.confirmation !== undefined && this.config.confirm?.listener === undefined) {
          this.confirmListener = (await bootstrapListener(s, others, this.config.confirm?.kafka?.brokers)) ?? this.confirmListener;
        }
        if (beforeRegistering) this.reportEmptyCluster(root.value === null, id.value === undefined, registered.length === 0);
        return { migration: m, session: s, brokerIdsMissing: children.value === undefined };
      } catch (err) {
        if (!isRetriable(err) && !isSessionGone(err)) throw err;
      }
    }
  }

  private reportEmptyCluster(noChroot: boolean, noClusterId: boolean, noBrokers: boolean): void {
    const chroot = this.connection.connectString.chroot;
    const where = chroot === undefined ? 'the ZooKeeper root' : `chroot ${chroot}`;
    const found: EmptyCluster | undefined = noChroot
      ? {
          reason: 'no-chroot',
          chroot,
          message: `${where} does not exist: it is created with broker ${this.brokerId}'s registration; is the connect string right?`,
        }
      : noClusterId
        ? {
            reason: 'no-cluster-id',
            chroot,
            message: `${where} has no /cluster/id: no Kafka broker has ever started here; is the connect string right?`,
          }
        : noBrokers
          ? {
              reason: 'no-brokers',
              chroot,
              message: `${where} has no other registered broker: broker ${this.brokerId} is alone in this cluster`,
            }
          : undefined;
    this.emptyCluster = found;
    if (found === undefined) return;
    log('%s', found.message);
    this.notify('emptyCluster', found);
  }

  private refuseCandidacyBeside(others: readonly number[]): void {
    if (others.length > 0) throw new ControllerCandidacyRefusedError(this.brokerId, others.slice(0, 8));
  }

  /**
   * Whose is the node another session holds at our path? A registration with our endpoints is a
   * previous session of this broker that the server has not expired yet: waited out (the report's
   * case). Anything else is another broker's id (or not a broker registration at all): refused, as
   * Kafka refuses, and never taken when that broker restarts.
   */
  private judgeHolder(ownerSessionId: string, data: Buffer): HolderVerdict {
    const ours = this.info.endpoints.map(endpointString);
    let theirs: string[] | undefined;
    try {
      theirs = decodeBrokerZNode(this.brokerId, data).endpoints.map(endpointString);
    } catch (err) {
      if (!(err instanceof ZNodeFormatError)) throw err;
    }
    const holder = theirs === undefined ? 'not a broker registration' : `endpoints ${theirs.join(',') || '(none)'}`;
    const same = theirs !== undefined && [...theirs].sort().join(',') === [...ours].sort().join(',');
    return { holder, refuse: same ? undefined : new BrokerIdInUseError(this.brokerId, ownerSessionId, theirs, ours) };
  }

  /**
   * Deletes our registration (only if our session owns it) and closes the session (an owned
   * connection). Resolves with what became of the node (StopOutcome: `deleted`, or `not-owned`, or
   * `unreachable` when ZooKeeper did not answer within a third of the session timeout, 1 to 5 s: the
   * node then stays until the server expires our session). Closing an owned session waits up to 2 s
   * more for the server's answer, so against a silent ZooKeeper stop() takes up to about 7 s; the event
   * loop is never blocked meanwhile. Idempotent: every call gets that outcome.
   */
  stop(): Promise<StopOutcome> {
    this.lifecycle.close();
    this.stopper.abort();
    this.stopping ??= (async () => {
      this.detach();
      this.migration.stop();
      await this.confirmation?.stop();
      await this.controller?.stop();
      const outcome = await this.ephemeral.stop();
      if (this.ownsConnection) await this.connection.close();
      log('broker %d registrar stopped: %s', this.brokerId, outcome.reason);
      return outcome;
    })();
    return this.stopping;
  }

  /** The broker epoch (czxid of our znode) while registered. */
  get brokerEpoch(): number | undefined {
    return this.ephemeral.ownership?.czxid;
  }

  /**
   * A snapshot of the registrar (see BrokerRegistrarStatus). Checks first whether this process was frozen
   * past the session timeout: then the session is treated as expired on the spot.
   */
  status(): BrokerRegistrarStatus {
    const own = this.ephemeral.ownership;
    const state: BrokerRegistrarState =
      this.ephemeral.state === 'idle' && this.lifecycle.state === 'started' ? 'starting' : this.ephemeral.state;
    return {
      state,
      brokerId: this.brokerId,
      path: this.path,
      connection: this.connection.state,
      sessionId: this.connection.session?.id,
      brokerEpoch: own?.czxid,
      blockedBySession: this.ephemeral.blockedBy?.ownerSessionId,
      registrations: this.registrations,
      lastError: this.lastError === undefined ? undefined : { code: this.lastError.code, message: this.lastError.message },
      controller: this.controller?.view(),
      confirmation: this.confirmation?.status(),
      clusterId: this.clusterId,
      verified: this.ephemeral.verified,
      lastContactAt: this.connection.lastContactAt,
      registeredAt: own === undefined ? undefined : this.registeredAt,
      kraftMigration: this.migrationStatus(),
      wedged: this.connection.wedged,
      emptyCluster: this.emptyCluster,
    };
  }

  /** Live and ready, in one word: what a readiness probe or a wrapper's own health check needs. */
  health(): RegistrarHealth {
    return healthOf(this.status());
  }

  private migrationStatus(): KRaftMigrationStatus | undefined {
    const v = this.migration.view;
    if (v.phase === 'none') return undefined;
    const holdingBack = v.phase !== 'migrated' && this.ephemeral.state === 'owned';
    return { phase: v.phase, kraftControllerId: 'state' in v ? v.state.kraftControllerId : undefined, holdingBack };
  }

  /** Whether KRaft serves the cluster's metadata: then the cluster will never list a ZooKeeper-only broker. */
  private kraftControlled(): boolean {
    return this.migration.view.phase === 'migrated' || this.controller?.view().kraft === true;
  }

  private onOwned(o: Ownership): void {
    // Landed after stop() was called (see start()): being deleted, never announced.
    if (this.stopping !== undefined) return;
    // A conflict that has been waited out is history, not the registrar's last error.
    if (this.lastError?.code === 'REGISTRATION_CONFLICT') this.lastError = undefined;
    this.registrations++;
    this.registeredAt = Date.now();
    const r = this.registration(o);
    log('broker %d registered, epoch %d, session 0x%s', this.brokerId, r.brokerEpoch, r.sessionId);
    this.notify(this.registrations === 1 ? 'registered' : 'restored', r);
    // Broker first, then contend: the candidacy only runs while our broker znode is owned.
    this.controller?.schedule('broker registered');
    this.confirmCurrent(o);
  }

  private confirmCurrent(o: Ownership): void {
    const r = this.registration(o);
    const ep = this.confirmEndpoint();
    if (ep !== undefined) {
      const controller = this.controller;
      this.confirmation?.confirm({
        brokerId: this.brokerId,
        brokerEpoch: r.brokerEpoch,
        host: ep.host,
        port: ep.port,
        controllerId: () => controller?.view().controllerId,
        kraftControlled: () => this.kraftControlled(),
      });
    }
  }

  /**
   * Where the cluster must show us: our endpoint on the listener its Metadata answers with, which is
   * the listener the confirmation's client connects through (`confirm.listener`, or learned at
   * start() from the registered brokers, or our first listener).
   */
  private confirmEndpoint(): { readonly host: string; readonly port: number } | undefined {
    if (this.confirmation === undefined) return undefined;
    const eps = this.info.endpoints;
    const ep = eps.find((e) => e.listenerName === this.confirmListener) ?? eps[0];
    return ep === undefined || ep.host === null ? undefined : { host: ep.host, port: ep.port };
  }

  private registration(o: Ownership): Registration {
    return {
      brokerId: this.brokerId,
      path: this.path,
      brokerEpoch: o.czxid,
      sessionId: o.sessionId,
      replacedSessionId: o.replacedSessionId,
    };
  }
}

/** The registered broker ids (numeric children of /brokers/ids); none when it does not exist. */
/** The cluster id, or undefined when /cluster/id does not exist or does not decode (audit reports that). */
async function readClusterId(s: Session): Promise<string | undefined> {
  try {
    return decodeClusterId((await s.get(CLUSTER_ID_PATH)).data);
  } catch (err) {
    if (err instanceof NoNodeError || err instanceof ZNodeFormatError) return undefined;
    throw err;
  }
}

/**
 * The listener the bootstrap servers are on, from the registered brokers' endpoints: Kafka answers
 * Metadata with the endpoints of the listener a client connected through, so that is the listener our
 * endpoint must be seen on. Undefined when no registered broker has a bootstrap address.
 */
async function bootstrapListener(s: Session, registered: readonly number[], bootstrap: unknown): Promise<string | undefined> {
  if (!Array.isArray(bootstrap)) return undefined;
  const wanted = new Set(bootstrap.filter((b): b is string => typeof b === 'string'));
  for (const id of registered.slice(0, 3)) {
    try {
      const found = decodeBrokerZNode(id, (await s.get(brokerIdPath(id))).data).endpoints.find((e) =>
        wanted.has(`${e.host ?? ''}:${e.port}`),
      );
      if (found !== undefined) return found.listenerName;
    } catch (err) {
      if (!(err instanceof NoNodeError) && !(err instanceof ZNodeFormatError)) throw err;
    }
  }
  return undefined;
}
