// ControllerCandidate: contends for /controller like a ZooKeeper-mode Kafka broker, with the same
// owner check as the broker registration, and fences itself with /controller_epoch.
//
// Kafka creates /controller and bumps /controller_epoch in one multi-op. We do not use multi yet (the
// native binding this was written on had none), so election is two guarded steps, both inside the registrar's mutex:
//   1. win /controller with the owner-checked ephemeral (a stale node of our own dead session is
//      waited out, never adopted);
//   2. compare-and-set /controller_epoch from the (epoch, zkVersion) we read to epoch + 1.
// Only after both do we announce `elected`. If the CAS loses, someone moved the epoch under us: we
// are not the controller, so we delete /controller (only if our session owns it) and contend again.
// Between the steps a reader can see our broker id in /controller with the previous epoch; no
// controller action is taken in that window, and every later write is fenced on the new zkVersion.
import { SafeEmitter } from '../util/safe-emitter.js';
import type { Mutex } from 'async-mutex';
import {
  BadVersionError,
  ControllerClaimFailedError,
  ControllerMovedError,
  isSessionGone,
  KafkaZkRegistrarError,
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
import type { Acl, Session, Stat } from '../zookeeper/session.js';
import type { MultiOpInput } from '../zookeeper/client/zk-client.js';
import { beginNow, OwnedEphemeral, releaseLocked, type Ownership } from './owned-ephemeral.js';
import { onSameSession } from './same-session.js';

/** Option key (not public API): called at each step of the claim, so that tests can act exactly there. */
export const claimHook = Symbol('claimHook');
export type ClaimStep = 'won' | 'epoch-read' | 'epoch-bumped';

const log = logger('controller');

export interface ControllerElection {
  readonly brokerId: number;
  readonly epoch: number;
  /** zkVersion of /controller_epoch after our bump: the fencing token for fenced writes. */
  readonly epochZkVersion: number;
  readonly sessionId: string;
}

export type ResignReason = 'session-expired' | 'epoch-changed' | 'node-lost' | 'stopped';

export interface ControllerView {
  readonly isController: boolean;
  /** Broker id in /controller as last seen; undefined when there is none or it is unreadable. */
  readonly controllerId: number | undefined;
  /** /controller_epoch as last read. */
  readonly epoch: number | undefined;
  readonly epochZkVersion: number | undefined;
  /**
   * A KRaft controller holds /controller (a ZooKeeper -> KRaft migration: `kraftControllerEpoch` >= 0,
   * or a persistent node). We do not contend against it; `controllerId` is then its node id.
   */
  readonly kraft: boolean;
}

export interface KRaftControllerSeen {
  readonly kraftControllerId: number;
  readonly kraftControllerEpoch: number | undefined;
  /** /controller has no owner session (KRaft writes it persistent). */
  readonly persistent: boolean;
}

export interface ControllerCandidateEvents {
  elected: [election: ControllerElection];
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

export interface ControllerCandidateOptions {
  readonly connection: Connection;
  readonly brokerId: number;
  /** The registrar's mutex: election, resignation and fenced writes never interleave with registration. */
  readonly mutex: Mutex;
  /** Contend only while this is true (the registrar: "our broker znode is owned"). */
  readonly runWhen: () => boolean;
  /** The ACL for /controller and for /controller_epoch when we create it (Kafka's zookeeper.set.acl). */
  readonly acl?: readonly Acl[] | undefined;
  /** Must hold before every contention (see OwnedEphemeralOptions.precondition); its error ends the candidacy. */
  readonly precondition?: ((session: Session) => Promise<void>) | undefined;
  readonly [claimHook]?: ((step: ClaimStep) => Promise<void>) | undefined;
}

export interface FencedWriteOptions {
  /** Create the node (persistent) instead of updating it. */
  readonly create?: boolean;
  /** For updates: the node's expected zkVersion (-1, the default, for any). */
  readonly version?: number;
}

export class ControllerCandidate extends SafeEmitter<ControllerCandidateEvents> {
  readonly brokerId: number;
  private readonly connection: Connection;
  private readonly mutex: Mutex;
  private readonly ephemeral: OwnedEphemeral;
  private readonly acl: readonly Acl[] | undefined;
  private readonly hook: ((step: ClaimStep) => Promise<void>) | undefined;
  private readonly stopper = new AbortController();
  private election: ControllerElection | undefined;
  private seen: { controllerId: number | undefined; epoch: number | undefined; epochZkVersion: number | undefined; kraft: boolean } = {
    controllerId: undefined,
    epoch: undefined,
    epochZkVersion: undefined,
    kraft: false,
  };
  private readonly detach: () => void;

  constructor(opts: ControllerCandidateOptions) {
    super();
    this.brokerId = opts.brokerId;
    this.connection = opts.connection;
    this.mutex = opts.mutex;
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
      precondition: opts.precondition,
    });
    this.acl = opts.acl;
    this.hook = opts[claimHook];
    this.ephemeral.on('failed', (e) => this.notify('failed', e));
    this.ephemeral.on('owned', (o) => this.queue(() => this.claimEpoch(o)));
    this.ephemeral.on('lost', () => this.resign('node-lost'));
    this.ephemeral.on('waiting', ({ data, ownerSessionId }) => {
      const reg = this.decodeController(data);
      const kraft = reg !== undefined && (reg.kraft || ownerSessionId === '0');
      const wasKraft = this.seen.kraft;
      this.seen.controllerId = reg?.brokerId;
      this.seen.kraft = kraft;
      if (kraft && !wasKraft && reg !== undefined) {
        log('a KRaft controller (%d, epoch %s) holds %s: not contending', reg.brokerId, reg.kraftControllerEpoch, CONTROLLER_PATH);
        this.notify('kraftControlled', { kraftControllerId: reg.brokerId, kraftControllerEpoch: reg.kraftControllerEpoch, persistent: ownerSessionId === '0' });
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

  get isController(): boolean {
    return this.elected !== undefined;
  }

  /** The current election, while we are the controller (a frozen process resigns first: see Connection.checkForStall). */
  get elected(): ControllerElection | undefined {
    this.connection.checkForStall();
    return this.election;
  }

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
          : { op: 'setData', path, data, version: opts.version ?? -1 };
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
   * Step 2 of the election, run in the mutex right after we won /controller. Each step is retried on
   * the same session across connection loss (a blip must not leave us holding /controller unfenced
   * and never elected); the session's end hands over to the next session's run. Anything else ends
   * the candidacy, /controller released: holding it without a claim would keep every broker from
   * becoming controller.
   */
  private async claimEpoch(o: Ownership): Promise<void> {
    const s = this.connection.session;
    if (s === undefined || s.id !== o.sessionId || this.ephemeral.ownership?.czxid !== o.czxid) return; // superseded
    const step = <T>(op: () => Promise<T>): Promise<T> =>
      onSameSession(this.connection, s, op, this.stopper.signal, (err) => log('claim step: %s; retrying on session 0x%s once reconnected', err.message, s.id));
    try {
      await this.hook?.('won');
      const current = await step(() => this.epochNow(s));
      await this.hook?.('epoch-read');
      let bumped: Stat;
      try {
        bumped = await step(() => s.set(CONTROLLER_EPOCH_PATH, encodeControllerEpoch(current.epoch + 1), current.stat.version));
      } catch (err) {
        if (!(err instanceof BadVersionError) && !(err instanceof NoNodeError)) throw err;
        // A bump cut off by a connection loss may have been applied before the retry lost the CAS:
        // either way we do not hold a claim we can prove, so we contend again.
        log('lost the epoch CAS at zkVersion %d: not the controller, contending again', current.stat.version);
        await this.ephemeral[releaseLocked]();
        return;
      }
      await this.hook?.('epoch-bumped');
      const still = await step(() => s.get(CONTROLLER_PATH)).catch((err: unknown) => {
        if (err instanceof NoNodeError) return undefined;
        throw err;
      });
      if (still === undefined || still.stat.ephemeralOwner !== s.id) return; // the watch re-runs the election
      this.election = { brokerId: this.brokerId, epoch: current.epoch + 1, epochZkVersion: bumped.version, sessionId: s.id };
      this.seen = { controllerId: this.brokerId, epoch: current.epoch + 1, epochZkVersion: bumped.version, kraft: false };
      log('broker %d elected controller, epoch %d (zkVersion %d)', this.brokerId, current.epoch + 1, bumped.version);
      this.notify('elected', this.election);
    } catch (err) {
      if (err instanceof StoppedError || isSessionGone(err)) return; // stop(), or the new session's run takes over
      // An undecodable /controller_epoch: Kafka's own controller would fail here too. Reported as
      // such (invalidZNode); anything else as the candidacy's failure.
      if (err instanceof ZNodeFormatError) this.notify('invalidZNode', err);
      const failure = err instanceof ZNodeFormatError ? undefined : new ControllerClaimFailedError(`broker ${this.brokerId} won /controller but could not claim the controller epoch: ${String(err)}`, { cause: err });
      log('%s: releasing /controller and ending the candidacy', (failure ?? err as Error).message);
      await this.ephemeral[releaseLocked]().catch(() => undefined);
      if (failure !== undefined) this.notify('failed', failure);
      void this.ephemeral.stop();
    }
  }
}
