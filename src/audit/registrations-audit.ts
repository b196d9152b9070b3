// A read-only report of what ZooKeeper holds for Kafka's registrations, for operators: each broker
// znode decoded with Kafka's rules (or why it does not decode), its owner session and epoch, the
// controller, the cluster id; and, with a bootstrap list, what each broker's Metadata lists beside
// it. It never writes: a missing chroot is an error, not something to create.
import { isIP } from 'node:net';
import { AuditFailedError, KafkaZkRegistrarError, NoAuthError, NoNodeError, UnimplementedError, ZooKeeperError } from '../errors.js';
import { brokerAddresses } from '../kafka-protocol/broker-address.js';
import { timerMs } from '../util/timing.js';
import { checkOptionKeys } from '../util/options.js';
import { probeMetadata } from '../kafka-protocol/metadata-probe.js';
import { probeBrokerConfigs } from '../kafka-protocol/describe-configs-probe.js';
import { LISTENER_ROLE_CONFIGS, listenerRolesFrom, type ListenerRoles } from '../confirmation/listener-roles.js';
import { BROKER_IDS_PATH, decodeBrokerZNode, endpointString, type DecodedBrokerZNode } from '../znodes/broker-znode.js';
import { CONTROLLER_EPOCH_PATH, CONTROLLER_PATH, decodeControllerEpoch, decodeControllerRegistration } from '../znodes/controller-znode.js';
import { INT32_MAX } from '../znodes/znode-json.js';
import { decodeMigrationZNode, MIGRATION_PATH, type MigrationPhase, type MigrationState } from '../znodes/migration-znode.js';
import { CLUSTER_ID_PATH, decodeClusterId } from '../znodes/cluster-id-znode.js';
import { parseConnectString } from '../zookeeper/connect-string.js';
import { Session, type Acl, type Stat } from '../zookeeper/session.js';
import { validateAuth, type ZooKeeperAuth } from '../zookeeper/auth.js';
import { validateTls, type ZooKeeperTls } from '../zookeeper/tls.js';

/** One `/brokers/ids/<id>` as ZooKeeper holds it, decoded with Kafka's rules. */
export interface BrokerAudit {
  /** The child's name: a number for a valid broker id, else the name as found. */
  readonly brokerId: number | string;
  /** Session id (hex) owning the ephemeral node; "0" means someone created a persistent node there. */
  readonly ownerSessionId: string;
  /** Kafka's broker epoch: the znode's czxid. */
  readonly brokerEpoch: number;
  /** When the znode was created (ZooKeeper's ctime, epoch ms): the registration's age. */
  readonly createdAt: number;
  /** The decoded znode; undefined when it does not decode (see `problem`). */
  readonly registration: DecodedBrokerZNode | undefined;
  /**
   * The node's ACL: who may change it (deleting it is governed by /brokers/ids' ACL). A digest entry's
   * id is its user name only: the hash ZooKeeper shows is derived from the password, and an audit's
   * output goes to logs and tickets.
   */
  readonly acl: readonly Acl[];
  /** What is wrong with this registration (`CODE: sentence`), if anything. */
  readonly problem: string | undefined;
}

/** What one broker's Metadata answer listed. */
export interface MetadataView {
  /** The bootstrap address asked. */
  readonly source: string;
  /** The brokers it lists, each at the endpoint of the listener it was asked on. */
  readonly brokers: ReadonlyArray<{ readonly nodeId: number; readonly host: string; readonly port: number }>;
  /** The controller's broker id; null when there is none. */
  readonly controller: number | null;
  /** The cluster id it reports. */
  readonly clusterId: string;
}

/** With `bootstrap`: each broker's own Metadata beside what ZooKeeper holds. */
export interface MetadataAudit {
  /** What each reachable bootstrap broker answered. */
  readonly views: readonly MetadataView[];
  /** Bootstrap addresses that could not be asked, with why (`code`: ECONNREFUSED, ENOTFOUND, ... when the socket said). */
  readonly unreachable: ReadonlyArray<{ readonly source: string; readonly error: string; readonly code: string | undefined }>;
  /** Registered in ZooKeeper, but missing from the Metadata of these sources. */
  readonly registeredNotListed: ReadonlyArray<{ readonly brokerId: number; readonly missingFrom: readonly string[] }>;
  /** Listed by these sources, but not registered in ZooKeeper. */
  readonly listedNotRegistered: ReadonlyArray<{ readonly brokerId: number; readonly listedBy: readonly string[] }>;
  /**
   * The listeners the ZooKeeper-mode controller's own configuration reaches brokers on, asked of the
   * controller itself (DescribeConfigs v0 of its BROKER resource: Kafka answers that on that broker
   * only) at the address a bootstrap broker lists it at, an endpoint its registration has. `roles`
   * undefined and `error` set when it was not asked (no bootstrap broker's Metadata names it controller
   * and lists it at such an endpoint) or did not say; the whole field undefined when ZooKeeper shows no
   * ZooKeeper-mode controller. With roles, a broker that lacks the listener the controller uses is
   * MISSING_LISTENER even when it shares other listener names with the controller.
   */
  readonly controllerListeners:
    | {
        readonly brokerId: number;
        /** Where it was asked (`host:port`); undefined when it was not (see `error`). */
        readonly source: string | undefined;
        readonly roles: ListenerRoles | undefined;
        readonly error: string | undefined;
      }
    | undefined;
}

/** /migration: a ZooKeeper-to-KRaft migration (KIP-866) under way or done. */
export interface MigrationAudit {
  /** `waiting-for-brokers`, `migrated`, or `unreadable` (it does not decode: see `problem`). */
  readonly phase: MigrationPhase | 'unreadable';
  /** The decoded /migration; undefined when unreadable. */
  readonly state: MigrationState | undefined;
  /**
   * While `waiting-for-brokers`: every registered broker id, each of which must also register with
   * the KRaft quorum before the migration starts. ZooKeeper cannot show which already have; a
   * ZooKeeper-only registration (one kept by this library, say) never will.
   */
  readonly waitingFor: readonly number[] | undefined;
  /** Why /migration does not decode, if it does not. */
  readonly problem: string | undefined;
}

/**
 * What `auditRegistrations` found: ZooKeeper's view of Kafka's registrations, and with `bootstrap` the
 * cluster's. Read-only: made without writing anything.
 */
export interface RegistrationsAudit {
  /** Every `/brokers/ids/<id>`, in id order. */
  readonly brokers: readonly BrokerAudit[];
  /** /controller: who holds it, and whether it decodes; undefined when there is none. */
  readonly controller:
    | {
        readonly brokerId: number | undefined;
        readonly ownerSessionId: string;
        /** The KRaft controller's epoch when a KRaft controller holds /controller (a migration); else undefined or -1. */
        readonly kraftControllerEpoch: number | undefined;
        /** A KRaft controller holds /controller: `brokerId` is its node id. */
        readonly kraft: boolean;
        readonly problem: string | undefined;
      }
    | undefined;
  /** /controller_epoch: the epoch and its zkVersion (the fencing token); undefined when it does not exist. */
  readonly controllerEpoch:
    | { readonly epoch: number | undefined; readonly zkVersion: number; readonly problem: string | undefined }
    | undefined;
  /** /cluster/id, when the cluster has written it (and it decodes). */
  readonly clusterId: string | undefined;
  /** Why /cluster/id, which exists, does not decode (Kafka's broker would fail to start on it); else undefined. */
  readonly clusterIdProblem: string | undefined;
  /** /migration, when a KRaft controller with migration enabled has written it. */
  readonly migration: MigrationAudit | undefined;
  /** With `bootstrap`: what the cluster's Metadata lists beside what ZooKeeper holds. */
  readonly metadata: MetadataAudit | undefined;
  /** Every problem found: a stable code and one sentence each. Empty: nothing to act on. */
  readonly problems: readonly AuditProblem[];
}

/** Options of `auditRegistrations`. */
export interface AuditOptions {
  /**
   * How long to wait for a ZooKeeper session, in milliseconds. Default 15000; past it, AuditFailedError
   * whose cause is a ConnectTimeoutError.
   */
  readonly connectTimeoutMs?: number;
  /** Credentials for reading nodes whose ACL does not let everyone read (digest `user:password`). */
  readonly auth?: ZooKeeperAuth;
  /**
   * TLS to the servers' secure client port: `{ ca?, cert?, key?, passphrase?, servername? }`, PEM (see
   * ZooKeeperTls; default plain TCP). Invalid options throw InvalidConfigError naming `tls.<option>`; a
   * failed handshake is an AuditFailedError whose cause is the last attempt's TLS error.
   */
  readonly tls?: ZooKeeperTls;
  /**
   * Kafka broker addresses (`host:port` of PLAINTEXT listeners): each one is asked for its own
   * Metadata, so that brokers serving different views are seen as such; and the controller, at the
   * address they list it at, for its listener settings (MetadataAudit.controllerListeners).
   */
  readonly bootstrap?: readonly string[];
}

/** `digest:user:hash` -> `digest:user`. */
function withoutDigestHash(a: Acl): Acl {
  if (a.scheme !== 'digest') return a;
  const colon = a.id.indexOf(':');
  return colon < 0 ? a : { ...a, id: a.id.slice(0, colon) };
}

function problemOf(err: unknown): string {
  if (err instanceof KafkaZkRegistrarError) return `${err.code}: ${err.message}`;
  throw err;
}

/** `host:port: <what happened>`, the host said once even when the socket's message names it too. */
function attemptText(host: string, cause: Error): string {
  return cause.message.includes(host) ? cause.message : `${host}: ${cause.message}`;
}

async function optionalGet(s: Session, path: string): Promise<{ data: Buffer; stat: Stat } | undefined> {
  try {
    return await s.get(path);
  } catch (err) {
    if (err instanceof NoNodeError) return undefined;
    throw err;
  }
}

const AUDIT_OPTION_KEYS: readonly string[] = Object.keys({
  connectTimeoutMs: true,
  auth: true,
  tls: true,
  bootstrap: true,
} satisfies Readonly<Record<keyof AuditOptions, true>>);

/**
 * A read-only report of what ZooKeeper holds under `connect` (`host:port[,host:port...][/chroot]`) for
 * Kafka: every broker znode decoded with Kafka's rules, /controller, /controller_epoch, /cluster/id and
 * /migration, each node's ACL, and the problems found (`problems`, each with a stable code). With
 * `opts.bootstrap`, each of those brokers is asked for its own Metadata (plaintext) and compared with
 * ZooKeeper, and the controller for the listener it reaches brokers on (Kafka 0.11+ answer DescribeConfigs v0).
 *
 * It never writes: a chroot that does not exist is an error, not created. Rejects with AuditFailedError when
 * the audit cannot be made (no session within `connectTimeoutMs`, a missing chroot, a read the ACLs refuse:
 * then the message names the identities the server took the session for, through whoAmI on ZooKeeper 3.7+);
 * InvalidConfigError for bad options.
 */
export async function auditRegistrations(connect: string, opts: AuditOptions = {}): Promise<RegistrationsAudit> {
  const { hosts, chroot = '' } = parseConnectString(connect, 'connect');
  checkOptionKeys(opts, AUDIT_OPTION_KEYS, 'options', '{ connectTimeoutMs?, auth?, tls?, bootstrap? }');
  const timeoutMs = timerMs(opts.connectTimeoutMs ?? 15_000, 'connectTimeoutMs', 1);
  const bootstrap = opts.bootstrap === undefined ? undefined : brokerAddresses(opts.bootstrap, 'bootstrap');
  const auth = opts.auth === undefined ? undefined : validateAuth(opts.auth, 'auth');
  const tls = opts.tls === undefined ? undefined : validateTls(opts.tls, 'tls');
  let s: Session;
  // What the last connection attempt hit (refused, a name that does not resolve, no answer): the
  // only useful thing to say when no session came, rather than "aborted due to timeout".
  let lastAttempt: { readonly host: string; readonly cause: Error } | undefined;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    // A chroot-free session, with the chroot prefixed by hand: a chrooted Connection would create it.
    s = await Session.open(
      {
        connect: hosts,
        sessionTimeoutMs: 10_000,
        ...(tls === undefined ? {} : { tls }),
        onAttemptFailed: (host, cause) => void (lastAttempt = { host, cause }),
      },
      deadline,
    );
    if (auth !== undefined)
      await s.addAuth(auth.scheme, auth.credentials).catch((err: unknown) => {
        s.close();
        throw err;
      });
  } catch (err) {
    if (!deadline.aborted) throw new AuditFailedError(`no ZooKeeper session with ${hosts}: ${(err as Error).message}`, { cause: err });
    const last =
      lastAttempt === undefined ? 'no connection attempt finished' : `last attempt: ${attemptText(lastAttempt.host, lastAttempt.cause)}`;
    throw new AuditFailedError(`no ZooKeeper session with ${hosts} within ${timeoutMs} ms (${last})`, { cause: lastAttempt?.cause ?? err });
  }
  try {
    if (chroot !== '' && (await s.exists(chroot)) === null) {
      throw new AuditFailedError(`chroot ${chroot} does not exist on ${hosts}: nothing is registered there (check the connect string)`);
    }
    const zk = await readZooKeeper(s, chroot);
    const metadata = bootstrap === undefined ? undefined : await readMetadata(bootstrap, zk);
    return { ...zk, metadata, problems: problems(zk, metadata) };
  } catch (err) {
    if (err instanceof ZooKeeperError)
      throw new AuditFailedError(`reading ZooKeeper failed: ${err.message}${err instanceof NoAuthError ? await knownAs(s) : ''}`, {
        cause: err,
      });
    throw err;
  } finally {
    s.close();
  }
}

/**
 * For a NoAuth: who the server takes this session for (whoAmI, ZooKeeper 3.7+), which is what the
 * node's ACL was checked against: a missing or mistyped credential shows at once.
 */
async function knownAs(s: Session): Promise<string> {
  try {
    const ids = await s.whoAmI();
    const digest = ids.some((i) => i.scheme === 'digest') ? '' : '; no digest credentials were presented';
    return `; the server knows this session as ${ids.map((i) => `${i.scheme}:${i.id}`).join(', ')}${digest}`;
  } catch (err) {
    if (err instanceof UnimplementedError)
      return '; the server (before ZooKeeper 3.7) cannot say which identities it took this session for';
    return '';
  }
}

export type ZooKeeperPart = Omit<RegistrationsAudit, 'metadata' | 'problems'>;

async function readZooKeeper(s: Session, chroot: string): Promise<ZooKeeperPart> {
  let ids: string[] = [];
  try {
    ids = await s.getChildren(chroot + BROKER_IDS_PATH);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
  const brokers: BrokerAudit[] = [];
  for (const child of ids.sort((a, b) => Number(a) - Number(b))) {
    const path = `${chroot}${BROKER_IDS_PATH}/${child}`;
    const [got, acl] = await Promise.all([
      optionalGet(s, path),
      s.getAcl(path).then(
        (a) => a.acl.map(withoutDigestHash),
        () => [],
      ),
    ]);
    if (got === undefined) continue; // deleted while we listed
    // Kafka's controller reads each child name as an Int (toInt): "0001" as broker 1, whose znode it
    // then reads at /brokers/ids/1; a name beyond an Int fails its broker-change event outright. Only
    // the name Kafka writes for a broker id is one.
    const id = /^(0|[1-9]\d{0,9})$/.test(child) && Number(child) <= INT32_MAX ? Number(child) : child;
    let registration: DecodedBrokerZNode | undefined;
    let problem: string | undefined;
    if (typeof id !== 'number')
      problem = /^[+-]?\d+$/.test(child.trim())
        ? `child name ${JSON.stringify(child)} is not the name Kafka gives a broker id: its controller misreads it (as another broker's id, or fails on it)`
        : `child name ${JSON.stringify(child)} is not a broker id`;
    else {
      try {
        registration = decodeBrokerZNode(id, got.data);
      } catch (err) {
        problem = problemOf(err);
      }
    }
    if (problem === undefined && got.stat.ephemeralOwner === '0') problem = 'persistent node: no broker session owns it';
    brokers.push({
      brokerId: id,
      ownerSessionId: got.stat.ephemeralOwner,
      brokerEpoch: got.stat.czxid,
      createdAt: got.stat.ctime.getTime(),
      registration,
      acl,
      problem,
    });
  }
  const c = await optionalGet(s, chroot + CONTROLLER_PATH);
  let controller: RegistrationsAudit['controller'];
  if (c !== undefined) {
    try {
      const reg = decodeControllerRegistration(c.data);
      controller = {
        brokerId: reg.brokerId,
        ownerSessionId: c.stat.ephemeralOwner,
        kraftControllerEpoch: reg.kraftControllerEpoch,
        kraft: reg.kraft,
        problem: undefined,
      };
    } catch (err) {
      controller = {
        brokerId: undefined,
        ownerSessionId: c.stat.ephemeralOwner,
        kraftControllerEpoch: undefined,
        kraft: false,
        problem: problemOf(err),
      };
    }
  }
  const e = await optionalGet(s, chroot + CONTROLLER_EPOCH_PATH);
  let controllerEpoch: RegistrationsAudit['controllerEpoch'];
  if (e !== undefined) {
    try {
      controllerEpoch = { epoch: decodeControllerEpoch(e.data), zkVersion: e.stat.version, problem: undefined };
    } catch (err) {
      controllerEpoch = { epoch: undefined, zkVersion: e.stat.version, problem: problemOf(err) };
    }
  }
  const idNode = await optionalGet(s, chroot + CLUSTER_ID_PATH);
  let clusterId: string | undefined;
  let clusterIdProblem: string | undefined;
  if (idNode !== undefined) {
    try {
      clusterId = decodeClusterId(idNode.data);
    } catch (err) {
      clusterIdProblem = problemOf(err);
    }
  }
  const m = await optionalGet(s, chroot + MIGRATION_PATH);
  let migration: MigrationAudit | undefined;
  if (m !== undefined) {
    try {
      const state = decodeMigrationZNode(m.data);
      const waitingFor =
        state.phase === 'waiting-for-brokers' ? brokers.flatMap((b) => (typeof b.brokerId === 'number' ? [b.brokerId] : [])) : undefined;
      migration = { phase: state.phase, state, waitingFor, problem: undefined };
    } catch (err) {
      migration = { phase: 'unreadable', state: undefined, waitingFor: undefined, problem: problemOf(err) };
    }
  }
  return { brokers, controller, controllerEpoch, clusterId, clusterIdProblem, migration };
}

async function readMetadata(bootstrap: readonly string[], zk: ZooKeeperPart): Promise<MetadataAudit> {
  const registered = zk.brokers;
  const views: MetadataView[] = [];
  const unreachable: { source: string; error: string; code: string | undefined }[] = [];
  await Promise.all(
    bootstrap.map(async (source) => {
      try {
        const m = await probeMetadata(source, 5000);
        views.push({
          source,
          brokers: m.brokers.sort((a, b) => a.nodeId - b.nodeId),
          controller: m.controller < 0 ? null : m.controller,
          clusterId: m.clusterId ?? '',
        });
      } catch (err) {
        unreachable.push({ source, error: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
      }
    }),
  );
  views.sort((a, b) => a.source.localeCompare(b.source));
  const registeredIds = registered.flatMap((b) => (typeof b.brokerId === 'number' ? [b.brokerId] : []));
  const registeredNotListed = registeredIds
    .map((brokerId) => ({ brokerId, missingFrom: views.filter((v) => !v.brokers.some((b) => b.nodeId === brokerId)).map((v) => v.source) }))
    .filter((r) => r.missingFrom.length > 0);
  const listedIds = [...new Set(views.flatMap((v) => v.brokers.map((b) => b.nodeId)))].sort((a, b) => a - b);
  const listedNotRegistered = listedIds
    .filter((id) => !registeredIds.includes(id))
    .map((brokerId) => ({ brokerId, listedBy: views.filter((v) => v.brokers.some((b) => b.nodeId === brokerId)).map((v) => v.source) }));
  return { views, unreachable, registeredNotListed, listedNotRegistered, controllerListeners: await askController(zk, views) };
}

/**
 * Where to ask controller `brokerId` (`host:port`): where a view that names it controller (it may have
 * moved since /controller was read) lists it, at an endpoint its registration has. Listed only
 * elsewhere, it is another process at that id (the LISTED_AT_OTHER_ENDPOINT case), whose settings
 * would be another's: not asked. `error` says why not.
 */
export function controllerAddress(
  zk: ZooKeeperPart,
  brokerId: number,
  views: readonly MetadataView[],
): { readonly address: string } | { readonly error: string } {
  const registered = zk.brokers.find((b) => b.brokerId === brokerId)?.registration?.endpoints ?? [];
  const listed = views.filter((v) => v.controller === brokerId).flatMap((v) => v.brokers.filter((b) => b.nodeId === brokerId));
  if (listed.length === 0) return { error: "no bootstrap broker's Metadata names it controller and lists it" };
  const at = listed.find((l) => registered.some((e) => e.host === l.host && e.port === l.port));
  if (at === undefined)
    return {
      error: `listed only at ${[...new Set(listed.map((l) => `${l.host}:${l.port}`))].join(', ')}, an endpoint its registration does not have`,
    };
  return { address: at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}` };
}

/** MetadataAudit.controllerListeners: the ZooKeeper-mode controller asked for its listener settings. */
async function askController(zk: ZooKeeperPart, views: readonly MetadataView[]): Promise<MetadataAudit['controllerListeners']> {
  const brokerId = zk.controller?.kraft === false ? zk.controller.brokerId : undefined;
  if (brokerId === undefined) return undefined;
  const where = controllerAddress(zk, brokerId, views);
  if ('error' in where) return { brokerId, source: undefined, roles: undefined, error: where.error };
  const source = where.address;
  try {
    const configs = await probeBrokerConfigs(source, brokerId, LISTENER_ROLE_CONFIGS, 5000);
    const roles = listenerRolesFrom((name) => configs.get(name));
    return { brokerId, source, roles, error: roles === undefined ? 'its configuration names no inter-broker listener' : undefined };
  } catch (err) {
    return { brokerId, source, roles: undefined, error: (err as Error).message };
  }
}

/** What kind of problem an audit found: stable, for machines (`--json`), beside the sentence. */
export type AuditProblemCode =
  | 'BROKER_ZNODE'
  | 'CONTROLLER_ZNODE'
  | 'CONTROLLER_EPOCH_ZNODE'
  | 'CLUSTER_ID_ZNODE'
  | 'MIGRATION_ZNODE'
  | 'SHARED_ENDPOINT'
  | 'MISSING_LISTENER'
  | 'NOT_A_KAFKA_CLUSTER'
  | 'NO_CONTROLLER'
  | 'STALE_CONTROLLER'
  | 'METADATA_UNREACHABLE'
  | 'REGISTERED_NOT_LISTED'
  | 'LISTED_NOT_REGISTERED'
  | 'LISTED_AT_OTHER_ENDPOINT'
  | 'CLUSTER_ID_MISMATCH';

/** One problem an audit found. */
export interface AuditProblem {
  /** Stable: switch on it (see AuditProblemCode). */
  readonly code: AuditProblemCode;
  /** One sentence, naming the node or broker. */
  readonly message: string;
}

/** Every problem in a report (exported for the decision-table test). */
export function problems(zk: ZooKeeperPart, metadata: MetadataAudit | undefined): AuditProblem[] {
  const out: AuditProblem[] = [];
  const add = (code: AuditProblemCode, message: string): void => void out.push({ code, message });
  for (const b of zk.brokers) if (b.problem !== undefined) add('BROKER_ZNODE', `broker ${b.brokerId}: ${b.problem}`);
  if (zk.controller?.problem !== undefined) add('CONTROLLER_ZNODE', `/controller: ${zk.controller.problem}`);
  if (zk.controllerEpoch?.problem !== undefined) add('CONTROLLER_EPOCH_ZNODE', `/controller_epoch: ${zk.controllerEpoch.problem}`);
  // Each election writes epoch + 1 at the next zkVersion, from "0" (or Kafka before 2.2: "1") at
  // zkVersion 0: an epoch below its zkVersion was written back by something else, and the next
  // controller's epoch would be one the brokers that saw a higher one reject as stale.
  const epoch = zk.controllerEpoch?.epoch;
  if (zk.controllerEpoch !== undefined && epoch !== undefined && (epoch < 0 || epoch < zk.controllerEpoch.zkVersion))
    add(
      'CONTROLLER_EPOCH_ZNODE',
      `/controller_epoch: epoch ${epoch} at zkVersion ${zk.controllerEpoch.zkVersion}: written back by something other than a controller; brokers that saw a higher epoch reject the next controller's requests as stale`,
    );
  if (zk.clusterIdProblem !== undefined) add('CLUSTER_ID_ZNODE', `/cluster/id: ${zk.clusterIdProblem}`);
  if (zk.migration?.problem !== undefined) add('MIGRATION_ZNODE', `/migration: ${zk.migration.problem}`);
  // A mistyped chroot, or a cluster no Kafka broker has started in: every finding above would be
  // "nothing wrong" there, which is the wrong answer to "is my cluster all right?".
  const numbered = zk.brokers.filter((b) => typeof b.brokerId === 'number');
  if ((zk.clusterId === undefined && zk.clusterIdProblem === undefined) || numbered.length === 0) {
    add(
      'NOT_A_KAFKA_CLUSTER',
      `cluster: empty or not a Kafka cluster: ${zk.clusterId === undefined ? 'no /cluster/id (no Kafka broker has ever started here)' : 'no registered broker'}; is the connect string's chroot right?`,
    );
  }
  if (zk.controller === undefined)
    add('NO_CONTROLLER', '/controller: no controller: no broker holds /controller, so no one sends the cluster its metadata');
  const cid = zk.controller?.brokerId;
  // A /controller naming an unregistered id is no working controller (a leftover, or a session that
  // is not a broker's: no one sends the cluster its metadata), unless a KRaft controller (not a
  // broker) wrote it.
  // A ZooKeeper-mode controller creates /controller on the session that registered its broker, so
  // a /controller of another session (or a persistent one) is held by no controller: Kafka's
  // election waits while it exists.
  const named = zk.brokers.find((b) => b.brokerId === cid);
  if (cid !== undefined && cid >= 0 && zk.controller !== undefined && zk.controller.kraft !== true) {
    const owner = zk.controller.ownerSessionId;
    if (named === undefined)
      add(
        'STALE_CONTROLLER',
        owner === '0'
          ? `/controller: persistent node naming broker ${cid}, which is not registered`
          : `/controller: session 0x${owner} holds it for broker ${cid}, which is not registered: no broker acts as the controller`,
      );
    else if (owner !== named.ownerSessionId)
      add(
        'STALE_CONTROLLER',
        owner === '0'
          ? `/controller: persistent node naming broker ${cid}: no broker session holds it, and no election happens while it exists`
          : `/controller: session 0x${owner} holds it for broker ${cid}, whose registration is session 0x${named.ownerSessionId}'s: no broker acts as the controller`,
      );
  }
  // Two brokers at one advertised host:port (a copied advertised.listeners): clients sent to one
  // reach the other, and get NOT_LEADER answers for ever.
  const at = new Map<string, number[]>();
  for (const b of zk.brokers)
    for (const e of b.registration?.endpoints ?? [])
      if (e.host !== null && typeof b.brokerId === 'number') {
        const key = `${hostKey(e.host)}:${e.port}`;
        const ids = at.get(key) ?? [];
        if (!ids.includes(b.brokerId)) ids.push(b.brokerId);
        at.set(key, ids);
      }
  for (const [key, ids] of at)
    if (ids.length > 1) add('SHARED_ENDPOINT', `brokers ${ids.join(', ')}: all registered at ${key}: clients sent to one reach another`);
  for (const m of missingListeners(zk, named, metadata?.controllerListeners?.roles)) add('MISSING_LISTENER', m);
  if (metadata !== undefined) {
    for (const u of metadata.unreachable) add('METADATA_UNREACHABLE', `metadata from ${u.source}: unreachable (${u.error})`);
    for (const r of metadata.registeredNotListed)
      add('REGISTERED_NOT_LISTED', `broker ${r.brokerId}: registered in ZooKeeper but not listed by ${r.missingFrom.join(', ')}`);
    for (const l of metadata.listedNotRegistered)
      add('LISTED_NOT_REGISTERED', `broker ${l.brokerId}: listed by ${l.listedBy.join(', ')} but not registered in ZooKeeper`);
    // The cluster lists an id at an endpoint its registration does not have: another process holds
    // the id (a mistyped broker.id that took it), or the controller has not caught up with a change.
    for (const b of zk.brokers) {
      const eps = b.registration?.endpoints;
      if (eps === undefined) continue;
      for (const v of metadata.views) {
        const listed = v.brokers.find((x) => x.nodeId === b.brokerId);
        if (listed === undefined || eps.some((e) => e.host === listed.host && e.port === listed.port)) continue;
        add(
          'LISTED_AT_OTHER_ENDPOINT',
          `broker ${b.brokerId}: registered in ZooKeeper with ${eps.map(endpointString).join(',')}, but ${v.source} lists it at ${listed.host}:${listed.port}: another process holds this broker id, or the controller has not caught up`,
        );
      }
    }
    if (zk.clusterId !== undefined) {
      for (const v of metadata.views)
        if (v.clusterId !== zk.clusterId)
          add('CLUSTER_ID_MISMATCH', `metadata from ${v.source}: cluster id ${v.clusterId}, but /cluster/id says ${zk.clusterId}`);
    }
  }
  return out;
}

/**
 * Registrations Kafka's controller cannot use. A ZooKeeper-mode controller opens a channel to every
 * broker on its control-plane listener, else its inter-broker one (ControllerChannelManager.addBroker
 * -> Broker.node), and a broker without it makes the broker-change event fail: from Kafka 2.2 on,
 * every later one too while that znode exists, and a new controller's startup (the cluster stops
 * noticing brokers come and go); on 2.0 and 2.1 the brokers of that one event are missed (see
 * registration/listener-preflight.ts).
 * ZooKeeper does not say which listener that is; `roles` (the controller's own configuration, asked
 * with `bootstrap`) does. Without it only what is certain is reported: a broker that shares no listener
 * name with the controller's registration, or, with no such controller, brokers that share no
 * listener name at all.
 */
function missingListeners(
  zk: ZooKeeperPart,
  controller: ZooKeeperPart['brokers'][number] | undefined,
  roles: ListenerRoles | undefined,
): string[] {
  const names = (b: ZooKeeperPart['brokers'][number]): string[] => b.registration?.endpoints.map((e) => e.listenerName) ?? [];
  const decoded = zk.brokers.filter((b) => b.registration !== undefined && typeof b.brokerId === 'number');
  const ours = controller === undefined || zk.controller?.kraft === true ? [] : names(controller);
  if (ours.length > 0 && roles !== undefined) {
    const needed = roles.controlPlane ?? roles.interBroker;
    const which = roles.controlPlane === undefined ? 'inter-broker' : 'control-plane';
    return decoded
      .filter((b) => b !== controller && !names(b).includes(needed))
      .map(
        (b) =>
          `broker ${b.brokerId}: it has no listener ${needed} (it has ${names(b).join(', ') || 'none'}), the ${which} listener the controller, broker ${controller?.brokerId}, is configured to reach brokers on: the controller cannot reach it, and its handling of broker changes fails on it`,
      );
  }
  if (ours.length > 0)
    return decoded
      .filter((b) => b !== controller && !names(b).some((n) => ours.includes(n)))
      .map(
        (b) =>
          `broker ${b.brokerId}: none of its listeners (${names(b).join(', ') || 'none'}) is one the controller, broker ${controller?.brokerId}, has (${ours.join(', ')}): the controller cannot reach it, and its handling of broker changes fails on it`,
      );
  if (decoded.length < 2) return [];
  const [first, ...rest] = decoded.map(names);
  const shared = (first ?? []).filter((n) => rest.every((r) => r.includes(n)));
  if (shared.length > 0) return [];
  return [
    `brokers ${decoded.map((b) => b.brokerId).join(', ')}: no listener name is common to all of them: one lacks the inter-broker listener, which the controller and the other brokers reach it on`,
  ];
}

/**
 * One spelling per host, so that two brokers at one address are seen as such: host names compare
 * without case (RFC 4343), and an IPv6 address in its shortest form (`0:0:0:0:0:0:0:1` is `[::1]`).
 */
function hostKey(host: string): string {
  if (isIP(host) !== 6) return host.toLowerCase();
  try {
    return new URL(`http://[${host}]/`).hostname;
  } catch {
    return host.toLowerCase(); // a zone id (fe80::1%eth0), which URL does not take
  }
}
