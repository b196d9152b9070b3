// BrokerRegistrarConfig, and its validation into normalized settings. Every problem is an
// InvalidConfigError naming the option (e.g. `listeners[1].port`) and the value, raised before
// any connection is made or any listener attached.
import { InvalidConfigError, ZNodeFormatError } from '../errors.js';
import {
  decodeBrokerZNode,
  encodeBrokerZNode,
  listenersToEndpoints,
  NO_JMX_PORT,
  validateRack,
  type BrokerRegistrationInfo,
} from '../znodes/broker-znode.js';
import { INT32_MAX } from '../znodes/znode-json.js';
import { timerMs } from '../util/timing.js';
import { Connection, CONNECTION_OPTION_KEYS } from '../zookeeper/connection.js';
import { rejectSecureTransport } from '../zookeeper/auth.js';
import type { ConflictPolicy } from '../recipes/owned-ephemeral.js';
import type { ConfirmationOptions } from '../confirmation/cluster-confirmation.js';
import type { BrokerZNodeVersion, Listener, SupportedFeatureRange } from '../znodes/broker-znode.js';
import type { ConnectionOptions } from '../zookeeper/connection.js';

/**
 * Options of BrokerRegistrar. Validated in the constructor: a problem is an InvalidConfigError naming the
 * option (e.g. `listeners[1].port`) and the value, before any connection is made; an unknown key is refused
 * too.
 */
export interface BrokerRegistrarConfig {
  /**
   * Where to register: connection options (the registrar then owns the connection and closes it on
   * stop), or a Connection shared with other recipes (started here if idle, never closed here).
   */
  readonly zookeeper: ConnectionOptions | Connection;
  /** Kafka `broker.id`: an integer in 0..2147483647. */
  readonly brokerId: number;
  /** Advertised listeners, in the order Kafka should list them. */
  readonly listeners: readonly Listener[];
  /** Kafka's `broker.rack`: 1 to 255 characters. Default: none (not written). */
  readonly rack?: string;
  /** JMX port to advertise; -1 (the default) means none. */
  readonly jmxPort?: number;
  /** Znode JSON version: 5 (Kafka 2.7+, the default) or 4 (Kafka 0.10.0 - 2.6). */
  readonly znodeVersion?: BrokerZNodeVersion;
  /** Supported features to advertise in a v5 znode. Default `{}`. */
  readonly features?: Readonly<Record<string, SupportedFeatureRange>>;
  /**
   * What to do when another session's node with our endpoints holds our path (a previous session of this
   * broker the server has not expired yet, or a live duplicate).
   */
  readonly conflict?: {
    /** Report a conflict when another session's node blocks us this long. Default: 2 x negotiated session timeout. */
    readonly timeoutMs?: number;
    /**
     * `fail` (default): give up, RegistrationConflictError (a holder that outlives the bound is a live
     * process registering this broker: taking the id when it goes would take it from that process).
     * `wait`: keep waiting, and register the moment the node goes (knowingly: a takeover).
     */
    readonly policy?: ConflictPolicy;
  };
  /**
   * Controller candidacy: contend for /controller once our broker znode is owned, fence with
   * /controller_epoch. Off by default (no `controller` key).
   *
   * A candidate that wins is Kafka's controller: the cluster then waits on it for LeaderAndIsr and
   * UpdateMetadata, which this library does not send. So candidacy needs the embedding program's
   * acknowledgement that it does that work (`performsControllerDuties: true`), and is refused
   * (ControllerCandidacyRefusedError, nothing written) while other brokers are registered, any of
   * which could be the controller, unless `besideOtherBrokers: true` says so knowingly (a test
   * cluster of programs that each do a controller's work).
   */
  readonly controller?: { readonly performsControllerDuties: true; readonly besideOtherBrokers?: boolean };
  /** Confirm through kafkajs metadata that the cluster lists the broker after every (re-)registration. */
  readonly confirm?: ConfirmationOptions;
  /**
   * Kafka's `inter.broker.listener.name`: the listener our registration must have for the controller
   * to add the broker. Default: learned at start() from the registered brokers (every listener name
   * they all share); name it for the first broker of a new cluster.
   */
  readonly interBrokerListener?: string;
  /**
   * Kafka's `control.plane.listener.name`, when the cluster uses one: the listener the controller
   * talks to brokers on, which our registration must have too. Default: read from a registered
   * broker's configuration when `confirm` can reach the cluster.
   */
  readonly controlPlaneListener?: string;
  /**
   * The cluster id this broker belongs to (`/cluster/id`). When set, start() refuses to register
   * where /cluster/id is missing or names another cluster: a broker pointed at the wrong chroot.
   */
  readonly clusterId?: string;
  /**
   * What to do when the cluster is being migrated to KRaft (`/migration` exists): `refuse` (default)
   * fails start() with MigrationInProgressError, since a ZooKeeper-only registration would hold the
   * migration back or never be listed; `register` registers anyway (e.g. to keep an id reserved
   * knowingly). Checked at start(); a registration that exists when a migration begins reports it
   * (`kraftMigration` event, `status().kraftMigration`) instead.
   */
  readonly kraftMigration?: 'refuse' | 'register';
  /**
   * Kafka's `zookeeper.set.acl`: the nodes we create (and the persistent parents we create) get
   * creator-all plus world-read, the creator being our digest identity (`zookeeper.auth`, required).
   * Anyone can still read a registration; only our identity (or a ZooKeeper superuser) can change it,
   * and deleting it needs DELETE on the parent (see docs/guides/security.md).
   */
  readonly zookeeperSetAcl?: boolean;
}

/** What `update()` can change in a live registration (Kafka's `updateBrokerInfo`). */
export type BrokerUpdate = Partial<Pick<BrokerRegistrarConfig, 'listeners' | 'rack' | 'jmxPort' | 'features'>>;

export interface BrokerSettings {
  readonly info: BrokerRegistrationInfo;
  readonly conflictTimeoutMs: number | undefined;
  readonly conflictPolicy: ConflictPolicy;
  readonly controllerEnabled: boolean;
  /** Contend although other brokers are registered (`controller.besideOtherBrokers`). */
  readonly controllerBesideOtherBrokers: boolean;
  /** The listener Kafka's brokers talk to each other on, when the config names it (upper-cased). */
  readonly interBrokerListener: string | undefined;
  /** The control-plane listener, when the config names it (upper-cased). */
  readonly controlPlaneListener: string | undefined;
  /** The endpoint the cluster must show for confirmation, when `confirm` is set. */
  readonly confirmEndpoint: { readonly host: string; readonly port: number } | undefined;
  readonly kraftMigration: 'refuse' | 'register';
  readonly zookeeperSetAcl: boolean;
}

// What plain JavaScript callers can get wrong that TypeScript would have caught: a misspelled key
// (`brokerID`) or a shorthand (`controller: true`) must not be silently ignored.
/**
 * The keys each part of the config may have, as an object per interface so that the compiler checks
 * it against that interface (`satisfies`): a key added to the interface and not here (or the reverse)
 * fails the build, so the constructor never refuses a documented option nor takes an unknown one.
 */
type KeysOf<T> = Readonly<Record<keyof T, true>>;
const keys = (k: Readonly<Record<string, true>>): readonly string[] => Object.keys(k);
const KEYS = {
  config: keys({
    zookeeper: true,
    brokerId: true,
    listeners: true,
    rack: true,
    jmxPort: true,
    znodeVersion: true,
    features: true,
    conflict: true,
    controller: true,
    confirm: true,
    interBrokerListener: true,
    controlPlaneListener: true,
    clusterId: true,
    kraftMigration: true,
    zookeeperSetAcl: true,
  } satisfies KeysOf<BrokerRegistrarConfig>),
  zookeeper: CONNECTION_OPTION_KEYS,
  conflict: keys({ timeoutMs: true, policy: true } satisfies KeysOf<NonNullable<BrokerRegistrarConfig['conflict']>>),
  controller: keys({ performsControllerDuties: true, besideOtherBrokers: true } satisfies KeysOf<
    NonNullable<BrokerRegistrarConfig['controller']>
  >),
  confirm: keys({
    admin: true,
    kafka: true,
    listener: true,
    timeoutMs: true,
    recheckIntervalMs: true,
    missingAfterMs: true,
  } satisfies KeysOf<ConfirmationOptions>),
  listener: keys({ name: true, host: true, port: true, securityProtocol: true } satisfies KeysOf<Listener>),
};

function onlyKnownKeys(value: unknown, allowed: readonly string[], field: string, shape: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidConfigError(field, value, `expected ${shape}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidConfigError(
        field === 'config' ? key : `${field}.${key}`,
        (value as Record<string, unknown>)[key],
        `unknown option; expected one of ${allowed.join(', ')}`,
      );
    }
  }
}

export function normalizeBrokerConfig(config: BrokerRegistrarConfig): BrokerSettings {
  onlyKnownKeys(config, KEYS.config, 'config', 'an object');
  if (!(config.zookeeper instanceof Connection) && typeof config.zookeeper === 'object' && config.zookeeper !== null)
    rejectSecureTransport(config.zookeeper, 'zookeeper');
  if (!(config.zookeeper instanceof Connection))
    onlyKnownKeys(config.zookeeper, KEYS.zookeeper, 'zookeeper', '{ connect, sessionTimeoutMs?, ... } or a Connection');
  if (config.conflict !== undefined) onlyKnownKeys(config.conflict, KEYS.conflict, 'conflict', '{ timeoutMs?, policy? }');
  if (config.controller !== undefined)
    onlyKnownKeys(config.controller, KEYS.controller, 'controller', '{ performsControllerDuties: true, besideOtherBrokers? }');
  if (config.confirm !== undefined) onlyKnownKeys(config.confirm, KEYS.confirm, 'confirm', '{ admin } or { kafka }, with options');
  if (Array.isArray(config.listeners))
    for (const [i, l] of config.listeners.entries())
      onlyKnownKeys(l, KEYS.listener, `listeners[${i}]`, '{ name, host, port, securityProtocol? }');
  const brokerId = checkBrokerId(config.brokerId, 'brokerId');
  const version = config.znodeVersion ?? 5;
  if (version !== 4 && version !== 5) throw new InvalidConfigError('znodeVersion', version, 'expected 4 or 5');
  const jmxPort = config.jmxPort ?? NO_JMX_PORT;
  if (!Number.isInteger(jmxPort) || jmxPort < -1 || jmxPort > 65535 || jmxPort === 0) {
    throw new InvalidConfigError('jmxPort', jmxPort, 'expected -1 (none) or an integer in 1..65535');
  }
  const conflictTimeoutMs = config.conflict?.timeoutMs;
  if (conflictTimeoutMs !== undefined) timerMs(conflictTimeoutMs, 'conflict.timeoutMs', 0);
  // A holder with our endpoints that outlives the conflict bound is no stale session of ours (that
  // one expires within a session timeout): it is another live process registering this very broker,
  // a real broker beside its own sidecar, say. Waiting on would take the id the moment that broker
  // restarts, and the broker would then fail at startup: so by default we give up instead.
  const conflictPolicy = config.conflict?.policy ?? 'fail';
  if (conflictPolicy !== 'wait' && conflictPolicy !== 'fail')
    throw new InvalidConfigError('conflict.policy', conflictPolicy, 'expected "wait" or "fail"');
  const controllerEnabled = config.controller !== undefined;
  if (controllerEnabled && (config.controller as { performsControllerDuties: unknown }).performsControllerDuties !== true) {
    throw new InvalidConfigError(
      'controller.performsControllerDuties',
      (config.controller as { performsControllerDuties: unknown }).performsControllerDuties,
      "expected true: a candidate that wins is the cluster's controller and must send LeaderAndIsr and UpdateMetadata to every broker; this library does not, so only a program that does may contend (docs/guides/controller-mode.md)",
    );
  }
  const controllerBesideOtherBrokers = config.controller?.besideOtherBrokers ?? false;
  if (typeof controllerBesideOtherBrokers !== 'boolean')
    throw new InvalidConfigError('controller.besideOtherBrokers', controllerBesideOtherBrokers, 'expected true or false');
  const endpoints = listenersToEndpoints(config.listeners);
  if (
    config.features !== undefined &&
    (typeof config.features !== 'object' || config.features === null || Array.isArray(config.features))
  ) {
    throw new InvalidConfigError('features', config.features, 'expected { name: { min_version, max_version } }');
  }
  const info: BrokerRegistrationInfo = {
    brokerId,
    endpoints,
    rack: validateRack(config.rack),
    jmxPort,
    version,
    features: config.features,
  };
  // Whatever we write must decode with Kafka's rules: a broker znode the controller cannot decode
  // makes it drop every broker-change event for as long as the znode exists.
  try {
    decodeBrokerZNode(brokerId, encodeBrokerZNode(info, 0));
  } catch (err) {
    if (!(err instanceof ZNodeFormatError)) throw err;
    throw new InvalidConfigError('features', config.features, `Kafka would not decode it: ${err.reason}`);
  }
  if (config.clusterId !== undefined && (typeof config.clusterId !== 'string' || config.clusterId === '')) {
    throw new InvalidConfigError('clusterId', config.clusterId, 'expected the non-empty id /cluster/id holds');
  }
  const zookeeperSetAcl = config.zookeeperSetAcl ?? false;
  if (typeof zookeeperSetAcl !== 'boolean') throw new InvalidConfigError('zookeeperSetAcl', zookeeperSetAcl, 'expected true or false');
  const kraftMigration = config.kraftMigration ?? 'refuse';
  if (kraftMigration !== 'refuse' && kraftMigration !== 'register')
    throw new InvalidConfigError('kraftMigration', kraftMigration, 'expected "refuse" or "register"');
  const interBrokerListener = oneOfOurListeners(config.interBrokerListener, 'interBrokerListener', endpoints);
  const controlPlaneListener = oneOfOurListeners(config.controlPlaneListener, 'controlPlaneListener', endpoints);
  if (typeof config.zookeeper !== 'object' || config.zookeeper === null) {
    throw new InvalidConfigError('zookeeper', config.zookeeper, 'expected { connect, sessionTimeoutMs?, ... } or a Connection');
  }
  let confirmEndpoint: BrokerSettings['confirmEndpoint'];
  if (config.confirm !== undefined) {
    if (typeof config.confirm !== 'object' || config.confirm === null)
      throw new InvalidConfigError('confirm', config.confirm, 'expected { admin } or { kafka }');
    const given: unknown = config.confirm.listener;
    if (given !== undefined && typeof given !== 'string')
      throw new InvalidConfigError('confirm.listener', given, 'expected a listener name (one of the listeners)');
    const name = given?.toUpperCase() ?? endpoints[0]?.listenerName;
    const ep = endpoints.find((e) => e.listenerName === name);
    if (ep === undefined || ep.host === null) {
      throw new InvalidConfigError(
        'confirm.listener',
        config.confirm.listener,
        `not one of the listeners (${endpoints.map((e) => e.listenerName).join(', ')})`,
      );
    }
    confirmEndpoint = { host: ep.host, port: ep.port };
  }
  return {
    info,
    conflictTimeoutMs,
    conflictPolicy,
    controllerEnabled,
    controllerBesideOtherBrokers,
    interBrokerListener,
    controlPlaneListener,
    confirmEndpoint,
    kraftMigration,
    zookeeperSetAcl,
  };
}

/** A listener name option (Kafka's `*.listener.name`), upper-cased, which must be one of ours. */
function oneOfOurListeners(value: unknown, field: string, endpoints: readonly { readonly listenerName: string }[]): string | undefined {
  if (value === undefined) return undefined;
  const name = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (name === undefined || !endpoints.some((e) => e.listenerName === name)) {
    throw new InvalidConfigError(field, value, `not one of the listeners (${endpoints.map((e) => e.listenerName).join(', ')})`);
  }
  return name;
}

/** A Kafka broker id (`broker.id`: an int32, 0 or more), or InvalidConfigError naming `field`. */
export function checkBrokerId(brokerId: unknown, field: string): number {
  if (typeof brokerId !== 'number' || !Number.isInteger(brokerId) || brokerId < 0 || brokerId > INT32_MAX) {
    throw new InvalidConfigError(
      field,
      brokerId,
      brokerId === -1
        ? `expected an integer in 0..${INT32_MAX}: -1 asks a Kafka broker to generate its id (broker.id.generation.enable), which a registrar cannot do; give the id`
        : `expected an integer in 0..${INT32_MAX}`,
    );
  }
  return brokerId;
}
