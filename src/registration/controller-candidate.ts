// ControllerCandidate: contends for /controller like a ZooKeeper-mode Kafka broker, with the same
// owner check as the broker registration, and fences itself with /controller_epoch.
//
// The election is Kafka's (KafkaZkClient.registerControllerAndIncrementControllerEpoch): read
// /controller_epoch (creating it as "0" when absent), then create /controller and compare-and-set
// /controller_epoch to epoch + 1 in one multi, so both happen at one zxid or neither does: no reader
// ever sees our broker id in /controller beside the previous epoch. The create is the owner-checked
// ephemeral's (OwnedEphemeral's `companion`): NodeExists is a claim to check, and a bump that loses
// its compare-and-set applied nothing, so the epoch is read again and the multi tried again.
// An ownership found by reading instead (our multi applied but its reply was lost to a connection
// loss, and the retry answered NodeExists) is ours only if /controller_epoch still holds the epoch
// we wrote (Kafka's checkControllerAndEpoch); otherwise /controller is released and we contend again.
// Every later controller write is fenced on the epoch's zkVersion (fencedWrite).
import { SafeEmitter } from '../util/safe-emitter.js';
import type { Mutex } from 'async-mutex';
import {
  ControllerCandidacyRefusedError,
  ControllerClaimFailedError,
  InvalidConfigError,
  ControllerMovedError,
  isSessionGone,
  type KafkaZkRegistrarError,
  NodeExistsError,
  NoNodeError,
  NotControllerError,
  StoppedError,
  UnexpectedError,
  ZNodeFormatError,
} from '../errors.js';
import { logger } from '../log.js';
import {
  CONTROLLER_EPOCH_PATH,
  CONTROLLER_PATH,
  decodeControllerEpoch,
  decodeControllerRegistration,
  encodeControllerEpoch,
  encodeControllerZNode,
  INITIAL_CONTROLLER_EPOCH,
  type ControllerRegistration,
} from '../znodes/controller-znode.js';
import type { Connection } from '../zookeeper/connection.js';
import { ANY_VERSION, type Acl, type Session, type Stat } from '../zookeeper/session.js';
import type { MultiOpInput } from '../zookeeper/client/zk-client.js';
import { beginNow, OwnedEphemeral, releaseLocked, type Ownership } from '../recipes/owned-ephemeral.js';
import { onSameSession } from '../recipes/same-session.js';
import { StopSignal } from '../util/stop-signal.js';
import { checkOptionKeys } from '../util/options.js';
import { checkBrokerId } from './broker-config.js';
import { registeredBrokers } from './registered-brokers.js';
import { brokerIdPath } from '../znodes/broker-znode.js';

/** Option key (not public API): called at each step of the claim, so that tests can act exactly there. */
export const claimHook = Symbol('claimHook');
/** A point of the election where a test hook (not public API) may act: after the epoch read, after winning /controller. */
export type ClaimStep = 'epoch-read' | 'won';

const log = logger('controller');

const OPTION_KEYS = ['connection', 'brokerId', 'performsControllerDuties', 'besideOtherBrokers', 'mutex', 'runWhen', 'acl', 'precondition'];

/** Refuses, by field, options that could not make a candidate Kafka's controller would accept. */
function checkOptions(opts: ControllerCandidateOptions): void {
  checkOptionKeys(opts, OPTION_KEYS, 'options', '{ connection, brokerId, performsControllerDuties: true, mutex, runWhen, ... }');
  checkBrokerId(opts.brokerId, 'brokerId');
  if (opts.performsControllerDuties !== true)
    throw new InvalidConfigError(
      'performsControllerDuties',
      opts.performsControllerDuties,
      "expected true: a candidate that wins is the cluster's controller and must send LeaderAndIsr and UpdateMetadata to every broker; this library does not, so only a program that does may contend (docs/guides/controller-mode.md)",
    );
  if (opts.besideOtherBrokers !== undefined && typeof opts.besideOtherBrokers !== 'boolean')
    throw new InvalidConfigError('besideOtherBrokers', opts.besideOtherBrokers, 'expected true or false');
  if (typeof (opts.mutex as Partial<Mutex> | undefined)?.runExclusive !== 'function')
    throw new InvalidConfigError('mutex', opts.mutex, "expected an async-mutex Mutex (the registrar's)");
  if (typeof opts.runWhen !== 'function') throw new InvalidConfigError('runWhen', opts.runWhen, 'expected a function');
  // Wrapped in the candidate's own precondition, so OwnedEphemeral never sees it to check it.
  if (opts.precondition !== undefined && typeof opts.precondition !== 'function')
    throw new InvalidConfigError('precondition', opts.precondition, 'expected a function');
}

/** An election we won. */
export interface ControllerElection {
  /** Our broker id, now in /controller. */
  readonly brokerId: number;
  /** The controller epoch we wrote to /controller_epoch (the previous one + 1). */
  readonly epoch: number;
  /** zkVersion of /controller_epoch after our bump: the fencing token for fenced writes. */
  readonly epochZkVersion: number;
  /** The session owning /controller (hex). */
  readonly sessionId: string;
}

/**
 * Why we are no longer the controller: `session-expired` (emitted before any other event of that expiry),
 * `epoch-changed` (/controller_epoch moved: a fenced write found it), `node-lost` (/controller deleted or
 * taken), `stopped`.
 */
export type ResignReason = 'session-expired' | 'epoch-changed' | 'node-lost' | 'stopped';

/** `status().controller`: the candidacy and /controller and /controller_epoch as last seen. */
export interface ControllerView {
  /** True while we are the controller. */
  readonly isController: boolean;
  /** Broker id in /controller as last seen; undefined when there is none or it is unreadable. */
  readonly controllerId: number | undefined;
  /** /controller_epoch as last read. */
  readonly epoch: number | undefined;
  /** /controller_epoch's zkVersion as last read. */
  readonly epochZkVersion: number | undefined;
  /**
   * A KRaft controller holds /controller (a ZooKeeper-to-KRaft migration: `kraftControllerEpoch` of 0 or more,
   * or a persistent node). We do not contend against it; `controllerId` is then its node id.
   */
  readonly kraft: boolean;
}

/** A KRaft controller seen in /controller (the `kraftControlled` event). */
export interface KRaftControllerSeen {
  /** Its node id (`brokerid` in /controller). */
  readonly kraftControllerId: number;
  /** Its `kraftControllerEpoch`. */
  readonly kraftControllerEpoch: number | undefined;
  /** /controller has no owner session (KRaft writes it persistent). */
  readonly persistent: boolean;
}

/** The events of ControllerCandidate; BrokerRegistrar re-emits them. */
export interface ControllerCandidateEvents {
  /** We won /controller and bumped /controller_epoch, in one multi. */
  elected: [election: ControllerElection];
  /** We are no longer the controller (see ResignReason). */
  resigned: [info: { readonly reason: ResignReason; readonly brokerId: number; readonly epoch: number }];
  /** /controller or /controller_epoch holds data that Kafka could not decode. Nothing was changed. */
  invalidZNode: [error: ZNodeFormatError];
  /**
   * The candidacy gave up for good: refused by `precondition` (ControllerCandidacyRefusedError), or a
   * claim that could not complete (ControllerClaimFailedError, /controller released). No more contending.
   */
  failed: [error: KafkaZkRegistrarError];
  /**
   * A KRaft controller took /controller (or holds it when we start): we wait, never delete or
   * overwrite, and contend again only if the cluster rolls back (an ephemeral /controller of a
   * ZooKeeper-mode broker, or none).
   */
  kraftControlled: [info: KRaftControllerSeen];
}

/** Options of ControllerCandidate (BrokerRegistrar makes one from its `controller` option). */
export interface ControllerCandidateOptions {
  /** The connection whose sessions contend; the registrar's. */
  readonly connection: Connection;
  /** Our broker id (an int32, 0 or more), written into /controller. */
  readonly brokerId: number;
  /**
   * The embedder's word that it does a controller's work (LeaderAndIsr, UpdateMetadata to every
   * broker): a candidate that wins is the cluster's controller, and this library sends none of it.
   * Required, `true` (docs/guides/controller-mode.md); BrokerRegistrar's `controller` option gives it.
   */
  readonly performsControllerDuties: true;
  /**
   * Contend although other brokers are registered (default false: before every contention the
   * candidacy fails with ControllerCandidacyRefusedError when /brokers/ids lists a broker other
   * than ours, which could be a real cluster's controller-to-be). For a test cluster of its own.
   */
  readonly besideOtherBrokers?: boolean | undefined;
  /** The registrar's mutex: election, resignation and fenced writes never interleave with registration. */
  readonly mutex: Mutex;
  /** Contend only while this is true (the registrar: "our broker znode is owned"). */
  readonly runWhen: () => boolean;
  /** The ACL for /controller and for /controller_epoch when we create it (Kafka's zookeeper.set.acl). */
  readonly acl?: readonly Acl[] | undefined;
  /** Must hold before every contention (see OwnedEphemeralOptions.precondition); its error ends the candidacy. */
  readonly precondition?: ((session: Session) => Promise<void>) | undefined;
  /** Tests only, not public API: called at each step of the claim. */
  readonly [claimHook]?: ((step: ClaimStep) => Promise<void>) | undefined;
}

/** Options of `fencedWrite`. */
export interface FencedWriteOptions {
  /** Create the node (persistent) instead of updating it. */
  readonly create?: boolean;
  /** For updates: the node's expected zkVersion (-1, the default, for any). */
  readonly version?: number;
}

/**
 * Contends for /controller like a ZooKeeper-mode Kafka broker, with the owner check, and fences itself with
 * /controller_epoch: the election reads /controller_epoch (created as "0" when absent), then creates
 * /controller and compare-and-sets the epoch to epoch + 1 in one multi
 * (KafkaZkClient.registerControllerAndIncrementControllerEpoch). Writes while elected go through
 * `fencedWrite`. `registrar.controller` when the registrar has the `controller` option. Never contends
 * against a KRaft controller.
 */
export class ControllerCandidate extends SafeEmitter<ControllerCandidateEvents> {
  /** Our broker id. */
  readonly brokerId: number;
  private readonly connection: Connection;
  private readonly mutex: Mutex;
  private readonly ephemeral: OwnedEphemeral;
  private readonly acl: readonly Acl[] | undefined;
  private readonly hook: ((step: ClaimStep) => Promise<void>) | undefined;
  private readonly stopper = new StopSignal('the controller candidacy');
  private election: ControllerElection | undefined;
  /** The epoch our latest election multi tried to write, and on which session. */
  private tried: { readonly sessionId: string; readonly epoch: number } | undefined;
  private seen: { controllerId: number | undefined; epoch: number | undefined; epochZkVersion: number | undefined; kraft: boolean } = {
    controllerId: undefined,
    epoch: undefined,
    epochZkVersion: undefined,
    kraft: false,
  };
  private readonly detach: () => void;

  constructor(opts: ControllerCandidateOptions) {
    super();
    checkOptions(opts);
    this.brokerId = opts.brokerId;
    this.connection = opts.connection;
    this.mutex = opts.mutex;
    const { precondition, besideOtherBrokers } = opts;
    this.ephemeral = new OwnedEphemeral({
      connection: opts.connection,
      path: CONTROLLER_PATH,
      data: () => encodeControllerZNode(this.brokerId, Date.now()),
      // Another broker holding /controller is the normal state of a candidate, not a conflict.
      conflictTimeoutMs: Number.POSITIVE_INFINITY,
      // A persistent /controller (a tool's, or a KRaft controller's during a migration) is waited
      // out too: the candidate contends again the moment it is deleted.
      onPersistentNode: 'wait',
      mutex: opts.mutex,
      runWhen: opts.runWhen,
      acl: opts.acl,
      // Checked before every contention, not only at start: real brokers may have registered since.
      precondition: async (s) => {
        if (besideOtherBrokers !== true) {
          const ids = (await registeredBrokers(s)) ?? [];
          const others = ids.filter((b) => b !== this.brokerId);
          // Our own id counts as ours only on our session: held by another, it is a real broker's.
          if (others.length === 0 && ids.includes(this.brokerId) && (await s.exists(brokerIdPath(this.brokerId)))?.ephemeralOwner !== s.id)
            others.push(this.brokerId);
          if (others.length > 0) throw new ControllerCandidacyRefusedError(this.brokerId, others.slice(0, 8));
        }
        await precondition?.(s);
      },
      companion: (s) => this.epochBump(s),
    });
    this.acl = opts.acl;
    this.hook = opts[claimHook];
    // An undecodable /controller_epoch ends the candidacy before anything is written (Kafka's own
    // controller would fail on it too): reported as what it is, invalidZNode.
    this.ephemeral.on('failed', (e) => (e instanceof ZNodeFormatError ? this.notify('invalidZNode', e) : this.notify('failed', e)));
    this.ephemeral.on('owned', (o) => this.queue(() => this.confirmClaim(o)));
    this.ephemeral.on('lost', () => this.resign('node-lost'));
    this.ephemeral.on('waiting', ({ data, ownerSessionId }) => {
      const reg = this.decodeController(data);
      const kraft = reg !== undefined && (reg.kraft || ownerSessionId === '0');
      const wasKraft = this.seen.kraft;
      this.seen.controllerId = reg?.brokerId;
      this.seen.kraft = kraft;
      if (kraft && !wasKraft && reg !== undefined) {
        log('a KRaft controller (%d, epoch %s) holds %s: not contending', reg.brokerId, reg.kraftControllerEpoch, CONTROLLER_PATH);
        this.notify('kraftControlled', {
          kraftControllerId: reg.brokerId,
          kraftControllerEpoch: reg.kraftControllerEpoch,
          persistent: ownerSessionId === '0',
        });
      }
      this.queue(() => this.readEpoch());
    });
    // Whoever holds /controller next is a ZooKeeper-mode controller until its data says otherwise.
    this.ephemeral.on('owned', () => (this.seen.kraft = false));
    // We stop being controller the moment the session is gone: before anyone else hears of it.
    const onExpired = (): void => this.resign('session-expired');
    this.connection.prependListener('expired', onExpired);
    this.detach = () => this.connection.off('expired', onExpired);
  }

  /** True while we are the controller (see `elected`). */
  get isController(): boolean {
    return this.elected !== undefined;
  }

  /** The current election, while we are the controller (a frozen process resigns first: see Connection.checkForStall). */
  get elected(): ControllerElection | undefined {
    this.connection.checkForStall();
    return this.election;
  }

  /** Whether we are the controller, and /controller and /controller_epoch as last seen. */
  view(): ControllerView {
    return { isController: this.isController, ...this.seen };
  }

  /**
   * Starts contending (whenever `runWhen` allows). Resolves at once; rejects at once, nothing started,
   * with LifecycleError (started twice, or after stop()) or PathClaimedError (another candidate on
   * this Connection). How the candidacy goes is told by events (`elected`, `failed`, ...).
   */
  start(): Promise<void> {
    let first: Promise<Ownership>;
    try {
      first = this.ephemeral[beginNow]();
    } catch (err) {
      return Promise.reject(err);
    }
    first.catch((err: unknown) => log('candidacy ended: %s', (err as Error).message));
    return Promise.resolve();
  }

  /** Contend now if allowed (e.g. our broker znode was just registered). */
  schedule(why: string): void {
    this.ephemeral.schedule(why);
  }

  /** Resigns (deleting /controller only if our session owns it) and stops contending. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.detach();
    this.resign('stopped');
    await this.ephemeral.stop();
  }

  /**
   * A write guarded by the controller epoch, as Kafka's controller fences its writes
   * (KafkaZkClient: a CheckOp on /controller_epoch's zkVersion in the same multi as the write): the
   * write is applied only if /controller_epoch is still at the zkVersion we were elected with, in one
   * atomic step. Otherwise nothing is written: ControllerMovedError, and we resign. An error of the
   * write itself (NodeExistsError for a create, BadVersionError for `version`) is thrown as such.
   */
  fencedWrite(path: string, data: Buffer, opts: FencedWriteOptions = {}): Promise<Stat> {
    this.connection.checkForStall();
    return this.mutex.runExclusive(async () => {
      const e = this.election;
      const s = this.connection.session;
      if (e === undefined || s === undefined || s.id !== e.sessionId) throw new NotControllerError(this.brokerId);
      const write: MultiOpInput =
        opts.create === true
          ? { op: 'create', path, data, mode: 'persistent', ...(this.acl === undefined ? {} : { acl: this.acl }) }
          : { op: 'setData', path, data, version: opts.version ?? ANY_VERSION };
      const out = await s.multi([{ op: 'check', path: CONTROLLER_EPOCH_PATH, version: e.epochZkVersion }, write]);
      const [check, result] = out.results;
      if (check?.op === 'error' && check.code !== 0) {
        const actual = await s.exists(CONTROLLER_EPOCH_PATH).catch(() => null);
        log('epoch zkVersion moved from %d to %s: resigning', e.epochZkVersion, actual?.version ?? 'deleted');
        this.resign('epoch-changed');
        await this.ephemeral[releaseLocked]();
        throw new ControllerMovedError(e.epochZkVersion, actual?.version);
      }
      if (result?.op === 'error') throw result.error ?? new UnexpectedError(`fenced write of ${path} failed (code ${result.code})`);
      // A create in a multi answers with its path only (no stat, on every server line): read it.
      return result?.op === 'setData' ? result.stat : (await s.get(path)).stat;
    });
  }

  private queue(job: () => Promise<void>): void {
    void this.mutex.runExclusive(job).catch((err: unknown) => log('controller step failed: %s', (err as Error).message));
  }

  private resign(reason: ResignReason): void {
    const e = this.election;
    if (e === undefined) return;
    this.election = undefined;
    log('broker %d resigns as controller (epoch %d): %s', this.brokerId, e.epoch, reason);
    this.notify('resigned', { reason, brokerId: this.brokerId, epoch: e.epoch });
  }

  private decodeController(data: Buffer): ControllerRegistration | undefined {
    try {
      return decodeControllerRegistration(data);
    } catch (err) {
      if (!(err instanceof ZNodeFormatError)) throw err;
      log('%s', err.message);
      this.notify('invalidZNode', err);
      return undefined;
    }
  }

  /** Reads /controller_epoch, creating it as Kafka does ("0") when absent. */
  private async epochNow(s: Session): Promise<{ epoch: number; stat: Stat }> {
    for (;;) {
      try {
        const { data, stat } = await s.get(CONTROLLER_EPOCH_PATH);
        return { epoch: decodeControllerEpoch(data), stat };
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      try {
        await s.create(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(INITIAL_CONTROLLER_EPOCH), 'persistent', this.acl);
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
  }

  private async readEpoch(): Promise<void> {
    const s = this.connection.session;
    if (s === undefined || !s.isConnected) return;
    try {
      const { data, stat } = await s.get(CONTROLLER_EPOCH_PATH);
      this.seen.epoch = decodeControllerEpoch(data);
      this.seen.epochZkVersion = stat.version;
    } catch (err) {
      if (err instanceof ZNodeFormatError) this.notify('invalidZNode', err);
      else if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /**
   * The election multi's companion op, made inside the mutex before each create of /controller:
   * /controller_epoch from the epoch and zkVersion read now to epoch + 1 (see the top of this file).
   */
  private async epochBump(s: Session): Promise<readonly MultiOpInput[]> {
    const current = await this.epochNow(s);
    this.seen.epoch = current.epoch;
    this.seen.epochZkVersion = current.stat.version;
    this.tried = { sessionId: s.id, epoch: current.epoch + 1 };
    await this.hook?.('epoch-read');
    return [{ op: 'setData', path: CONTROLLER_EPOCH_PATH, data: encodeControllerEpoch(current.epoch + 1), version: current.stat.version }];
  }

  /**
   * Run in the mutex right after we own /controller: announces the election. With the multi's own
   * results at hand that is all; an ownership found by reading is checked against /controller_epoch
   * first. Reads are retried on the same session across connection loss; the session's end hands over
   * to the next session's run. Anything else ends the candidacy with /controller released: holding it
   * without a claim would keep every broker from becoming controller.
   */
  private async confirmClaim(o: Ownership): Promise<void> {
    const s = this.connection.session;
    if (s === undefined || s.id !== o.sessionId || this.ephemeral.ownership?.czxid !== o.czxid) return; // superseded
    const tried = this.tried?.sessionId === s.id ? this.tried : undefined;
    try {
      await this.hook?.('won');
      let epochZkVersion: number | undefined;
      const bump = o.companion?.[0];
      if (bump?.op === 'setData') epochZkVersion = bump.stat.version;
      else if (tried !== undefined) {
        const current = await onSameSession(
          this.connection,
          s,
          () => s.get(CONTROLLER_EPOCH_PATH),
          this.stopper,
          (err) => log('claim check: %s; retrying on session 0x%s once reconnected', err.message, s.id),
        ).catch((err: unknown) => {
          if (err instanceof NoNodeError) return undefined;
          throw err;
        });
        if (current !== undefined && decodeControllerEpoch(current.data) === tried.epoch) epochZkVersion = current.stat.version;
      }
      if (tried === undefined || epochZkVersion === undefined) {
        log('/controller is ours but /controller_epoch is not at the epoch we wrote: releasing it, contending again');
        await this.ephemeral[releaseLocked]();
        return;
      }
      this.election = { brokerId: this.brokerId, epoch: tried.epoch, epochZkVersion, sessionId: s.id };
      this.seen = { controllerId: this.brokerId, epoch: tried.epoch, epochZkVersion, kraft: false };
      log('broker %d elected controller, epoch %d (zkVersion %d)', this.brokerId, tried.epoch, epochZkVersion);
      this.notify('elected', this.election);
    } catch (err) {
      if (err instanceof StoppedError || isSessionGone(err)) return; // stop(), or the new session's run takes over
      if (err instanceof ZNodeFormatError) this.notify('invalidZNode', err);
      const failure =
        err instanceof ZNodeFormatError
          ? undefined
          : new ControllerClaimFailedError(`broker ${this.brokerId} won /controller but could not confirm its claim: ${String(err)}`, {
              cause: err,
            });
      log('%s: releasing /controller and ending the candidacy', (failure ?? (err as Error)).message);
      await this.ephemeral[releaseLocked]().catch(() => undefined);
      if (failure !== undefined) this.notify('failed', failure);
      void this.ephemeral.stop();
    }
  }
}
