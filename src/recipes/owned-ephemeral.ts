// The owner-checked ephemeral: keeps one ephemeral znode owned by the *current* session of a
// Connection, across disconnects, session expiry and interference by other clients.
//
// Why this is not just "create, and treat NodeExists as success": ZooKeeper expires a session and
// deletes its ephemerals in separate steps. A client on a fresh session can get NodeExists for a
// node that still belongs to its dead session and is about to be deleted. So NodeExists is only
// success when the node's ephemeralOwner is our session id; anything else is waited out.
//
// Each run of the routine is one short, mutex-serialized pass: it ends "owned" or "blocked". While
// blocked, nothing holds the mutex: an exists-watch on the path schedules the next pass the moment
// the node changes, so recipes that share the mutex (broker + controller) never wait on each other.
import { listenTo, SafeEmitter } from '../util/safe-emitter.js';
import { Lifecycle } from '../util/lifecycle.js';
import { StateMachine, type Transitions } from '../util/state-machine.js';
import { aclKey, checkOwner, PERSISTENT_OWNER, type StepHook } from './owner-check.js';
import { SharedWork, untilAborted } from '../util/shared-work.js';
import { checkOptionKeys } from '../util/options.js';
import { type StopCheck, StopSignal } from '../util/stop-signal.js';
import { onSameSession } from './same-session.js';
import { Mutex } from 'async-mutex';
import {
  BadVersionError,
  InvalidConfigError,
  isSessionGone,
  KafkaZkRegistrarError,
  NoNodeError,
  PersistentNodeError,
  RegistrationConflictError,
  StoppedError,
  UnexpectedError,
} from '../errors.js';
import { logger } from '../log.js';
import { Connection } from '../zookeeper/connection.js';
import type { Acl, MultiOpInput, MultiOpResult, Session, Stat } from '../zookeeper/session.js';
import { invalidAclReason } from '../zookeeper/types.js';
import { backoffMs, delay, timerMs } from '../util/timing.js';
import { invalidPathReason, reservedPathReason } from '../zookeeper/client/chroot.js';

const log = logger('ephemeral');
// The parents being created in this process, per cluster, parent path and ACL (see attempt).
const parentCreations = new SharedWork<string[]>();

/**
 * After a conflict is reported: `wait` (keep waiting, take the path when the node goes) or `fail` (give up
 * with RegistrationConflictError).
 */
export type ConflictPolicy = 'wait' | 'fail';

/** The key of the one method that assumes the caller holds the recipe's mutex (not public API). */
export const releaseLocked = Symbol('releaseLocked');
/** Option key (not public API) for a StepHook on every owner-check step: tests act at exact points. */
export const ownerCheckHook = Symbol('ownerCheckHook');
/**
 * The key of start() that throws at once on misuse instead of rejecting (not public API): for a
 * recipe that starts this one as part of its own synchronous start (ControllerCandidate).
 */
export const beginNow = Symbol('beginNow');
/**
 * The key of the hint (not public API) that the node's parents were just read missing (the
 * registrar's pre-flight): the next run makes them before its first create (see checkOwner).
 */
export const parentsMissing = Symbol('parentsMissing');

/** Options of OwnedEphemeral. */
export interface OwnedEphemeralOptions {
  /**
   * The connection whose sessions own the node, shared with other recipes for other paths: started by
   * start() if idle, never closed here (its owner closes it). A closed one is refused (StoppedError).
   */
  readonly connection: Connection;
  /**
   * The node's absolute path (under the connection's chroot). One recipe per path per Connection (else
   * PathClaimedError at start).
   */
  readonly path: string;
  /** Bytes for a fresh registration; called once per acquisition (so timestamps are fresh). */
  readonly data: () => Buffer;
  /**
   * How long a node owned by another session may block us before a conflict is reported.
   * Default: 2 x the negotiated session timeout. `Infinity`: never report.
   */
  readonly conflictTimeoutMs?: number | undefined;
  /** After a conflict is reported: keep waiting for the node to go away, or give up. */
  readonly onConflict?: ConflictPolicy | undefined;
  /** Runs of this recipe are serialized on this mutex; share one to serialize several recipes. */
  readonly mutex?: Mutex | undefined;
  /** The routine only contends while this returns true (e.g. "our broker is registered"). */
  readonly runWhen?: (() => boolean) | undefined;
  /**
   * A persistent node in our place never goes away by itself. `fail` (default): give up with
   * PersistentNodeError, as Kafka's broker registration does. `wait`: wait for an operator to delete
   * it (a controller candidate: Kafka's brokers keep watching /controller whatever holds it).
   */
  readonly onPersistentNode?: 'fail' | 'wait' | undefined;
  /**
   * The ACL the node (and the persistent parents we create) must carry: given to the create itself,
   * so our node is never open, and set (conditional on the ACL version) on a node of ours found
   * without it. Default: the open ACL.
   */
  readonly acl?: readonly Acl[] | undefined;
  /**
   * Judges a node that another session holds. `holder` says who it is (for messages and events);
   * `refuse` set means the node is another party's claim, not a stale one of ours: the recipe fails
   * with that error at once, whatever `onConflict` says, and so never takes the path when it goes.
   * Default: every such node is waited out (a controller candidate: another broker holding
   * /controller is the normal state).
   */
  readonly judgeHolder?: ((node: { readonly ownerSessionId: string; readonly data: Buffer }) => HolderVerdict) | undefined;
  /**
   * Runs (inside the mutex) before each attempt to acquire the node, never while it is owned: an
   * error that is not a connection loss makes the recipe fail with it, nothing written.
   */
  readonly precondition?: ((session: Session) => Promise<void>) | undefined;
  /**
   * Ops applied atomically with each create of the node: the create and these are one multi, all
   * applied or none (as Kafka creates /controller and bumps /controller_epoch). Called inside the
   * mutex before each create, on the session the create will use, so the ops can be conditional on
   * what it reads (a zkVersion). If one of them fails, nothing was applied and the create is tried
   * again with ops made anew; an error it throws ends the attempt like any other. The results reach
   * the `owned` event (`Ownership.companion`) when this run's create applied them. Default: none (a
   * plain create).
   */
  readonly companion?: ((session: Session) => Promise<readonly MultiOpInput[]>) | undefined;
  /** Tests only, not public API: a StepHook called after each owner-check step. */
  readonly [ownerCheckHook]?: StepHook | undefined;
}

/** What `judgeHolder` says of another session's node. */
export interface HolderVerdict {
  /** Who the node says holds it (for messages and events); undefined when that cannot be told. */
  readonly holder: string | undefined;
  /**
   * Set: the node is another party's claim; the recipe fails with this error at once and never takes the
   * path.
   */
  readonly refuse: KafkaZkRegistrarError | undefined;
}

/**
 * What the recipe knows about its node: `idle` (not started), `acquiring` (running the owner check),
 * `waiting` (another session's node is in the way), `owned` (our current session owns it), `lost` (it was
 * ours; the routine runs again), `failed` (gave up: see the `failed` event), `stopped`. It changes only
 * along a table of allowed transitions.
 */
export type OwnedEphemeralState = 'idle' | 'acquiring' | 'waiting' | 'owned' | 'lost' | 'failed' | 'stopped';

// What the recipe knows about its node changes only along these edges (the lifecycle,
// latent/started/closed, is kept apart, in `lifecycle`).
const TRANSITIONS: Transitions<OwnedEphemeralState> = {
  idle: ['acquiring', 'stopped'],
  acquiring: ['acquiring', 'owned', 'waiting', 'failed', 'stopped'],
  waiting: ['owned', 'waiting', 'failed', 'stopped'],
  owned: ['lost', 'stopped'],
  lost: ['owned', 'waiting', 'failed', 'stopped'],
  failed: ['stopped'],
  stopped: [],
};
const OPTION_KEYS: readonly string[] = Object.keys({
  connection: true,
  path: true,
  data: true,
  conflictTimeoutMs: true,
  onConflict: true,
  mutex: true,
  runWhen: true,
  onPersistentNode: true,
  acl: true,
  judgeHolder: true,
  precondition: true,
  companion: true,
} satisfies Readonly<Record<Exclude<keyof OwnedEphemeralOptions, typeof ownerCheckHook>, true>>);

/** The options as the constructor takes them, each problem an InvalidConfigError naming the option. */
function checkOptions(opts: OwnedEphemeralOptions): void {
  checkOptionKeys(opts, OPTION_KEYS, 'options', '{ connection, path, data, ... }');
  if (!(opts.connection instanceof Connection)) throw new InvalidConfigError('connection', opts.connection, 'expected a Connection');
  if (opts.mutex !== undefined && typeof (opts.mutex as Partial<Mutex> | null)?.runExclusive !== 'function')
    throw new InvalidConfigError('mutex', opts.mutex, 'expected an async-mutex Mutex');
  const aclProblem = opts.acl === undefined ? undefined : invalidAclReason(opts.acl);
  if (aclProblem !== undefined) throw new InvalidConfigError('acl', opts.acl, aclProblem);
  const pathProblem = invalidPathReason(opts.path);
  if (pathProblem !== undefined) throw new InvalidConfigError('path', opts.path, `expected an absolute ZooKeeper path: it ${pathProblem}`);
  const reserved = reservedPathReason(opts.connection.chroot, opts.path);
  if (reserved !== undefined) throw new InvalidConfigError('path', opts.path, reserved);
  if (typeof opts.data !== 'function') throw new InvalidConfigError('data', opts.data, "expected a function returning the node's bytes");
  const fn = (k: 'runWhen' | 'judgeHolder' | 'precondition' | 'companion'): void => {
    if (opts[k] !== undefined && typeof opts[k] !== 'function') throw new InvalidConfigError(k, opts[k], 'expected a function');
  };
  for (const k of ['runWhen', 'judgeHolder', 'precondition', 'companion'] as const) fn(k);
  if (opts.onConflict !== undefined && opts.onConflict !== 'wait' && opts.onConflict !== 'fail')
    throw new InvalidConfigError('onConflict', opts.onConflict, "expected 'wait' or 'fail'");
  if (opts.onPersistentNode !== undefined && opts.onPersistentNode !== 'wait' && opts.onPersistentNode !== 'fail')
    throw new InvalidConfigError('onPersistentNode', opts.onPersistentNode, "expected 'wait' or 'fail'");
  if (opts.conflictTimeoutMs !== undefined && opts.conflictTimeoutMs !== Number.POSITIVE_INFINITY)
    timerMs(opts.conflictTimeoutMs, 'conflictTimeoutMs', 0);
}

/**
 * What stop() did with the node: `deleted` (ours, deleted), `not-owned` (not ours to delete: never
 * owned, already gone, or another session's), or `unreachable` (we may own it, but ZooKeeper did not
 * answer in time: it stays until the server expires our session).
 */
export interface StopOutcome {
  /** True when stop() deleted the node. */
  readonly deleted: boolean;
  /** `deleted`, `not-owned` or `unreachable` (see above). */
  readonly reason: 'deleted' | 'not-owned' | 'unreachable';
}

/** stop()'s deletion is not cut short by the stop itself: it ends with its session (or the Connection). */
const UNTIL_SESSION_ENDS: StopCheck = {
  aborted: false,
  what: 'the deletion of our node',
  signal: new AbortController().signal,
};

/** How long stop() waits for ZooKeeper to delete our node: a third of the session timeout, 1..5 s. */
function stopBudgetMs(sessionTimeoutMs: number): number {
  return Math.min(5000, Math.max(1000, Math.round(sessionTimeoutMs / 3)));
}

/**
 * Why an ownership ended: `deleted` (someone deleted the node), `owner-changed` (another session's node is
 * there now), `data-changed` (someone rewrote it), `session-expired` (our session is gone), `session-closed`
 * (the shared Connection was closed before the recipe was stopped), `released` (we gave it up: a
 * controller whose epoch moved).
 */
export type LossReason = 'deleted' | 'owner-changed' | 'data-changed' | 'session-expired' | 'session-closed' | 'released';

/** The node as our current session owns it. */
export interface Ownership {
  /** The node's path. */
  readonly path: string;
  /** The owning session (hex, as `Stat.ephemeralOwner`): the connection's current one. */
  readonly sessionId: string;
  /** zxid of the node's creation: Kafka uses it as the broker epoch. */
  readonly czxid: number;
  /** The node's data version as last seen (0 after a create). */
  readonly version: number;
  /** The node's data as written by us. */
  readonly data: Buffer;
  /**
   * A previous session of ours whose node was still there and was replaced (deleted, version-checked,
   * and created again) rather than waited for: the server had not yet finished that session's expiry.
   */
  readonly replacedSessionId: string | undefined;
  /**
   * With a `companion` option: the results of its ops (after the create's) when the create that made
   * this node applied them in this run; undefined when the ownership was found by reading (a create
   * whose reply was lost, a node adopted or rewritten): check their effect yourself then.
   */
  readonly companion?: readonly MultiOpResult[] | undefined;
}

/** Another session's node in our place, which we wait for (`waiting` event, `blockedBy`). */
export interface BlockingNode {
  /** The session holding it (hex). */
  readonly ownerSessionId: string;
  /** Our current session (hex). */
  readonly sessionId: string;
  /** The blocking node's data, as read (it may be anything another client wrote). */
  readonly data: Buffer;
  /** Who the node says holds it (`judgeHolder`), when that can be told. */
  readonly holder: string | undefined;
}

/** The events of OwnedEphemeral. */
export interface OwnedEphemeralEvents {
  /**
   * Our current session owns the node (the first time, and after every loss); the ownership was confirmed by
   * a watch.
   */
  owned: [ownership: Ownership];
  /** The node is no longer ours (see LossReason); the routine runs again unless stopped. */
  lost: [info: { reason: LossReason; sessionId: string }];
  /** Another session's node is in our place; we wait for it to go (exists-watch) and create ours at once. */
  waiting: [info: BlockingNode];
  /**
   * That node outlived `conflictTimeoutMs`; with `onConflict: 'fail'` the recipe then fails, else it keeps
   * waiting.
   */
  conflict: [error: RegistrationConflictError];
  /**
   * The recipe gave up for good: `refuse` from `judgeHolder`, PersistentNodeError, a conflict under `fail`,
   * NoAuthError, the connection's failure, a `precondition` error.
   */
  failed: [error: KafkaZkRegistrarError];
}

type Attempt = { readonly owned: Ownership } | { readonly blockedBy: BlockingNode; readonly refuse?: KafkaZkRegistrarError | undefined };

/**
 * The owner-checked ephemeral node, for any path: `start()` resolves once the connection's current session
 * owns the node. NodeExists is a claim to check (the node's `ephemeralOwner`), never a success: another
 * session's node is waited out with an exists-watch and never adopted; a node of a session this connection
 * gave up is replaced at once. The node is restored after deletion, rewrite or session expiry; every run is
 * serialized on a mutex. Single-use (LifecycleError on misuse). The decision table is `next()` in
 * src/recipes/owner-check.ts.
 *
 * ```ts
 * const lock = new OwnedEphemeral({ connection, path: '/my-app/leader', data: () => Buffer.from(hostname()) });
 * lock.on('lost', (e) => console.warn('lost', e.reason));
 * await lock.start();
 * await lock.stop(); // deletes it only if this session owns it
 * ```
 */
export class OwnedEphemeral extends SafeEmitter<OwnedEphemeralEvents> {
  /** The node's path. */
  readonly path: string;
  private readonly mutex: Mutex;
  private readonly connection: Connection;
  private readonly dataFn: () => Buffer;
  private readonly conflictTimeoutMs: number | undefined;
  private readonly onConflict: ConflictPolicy;
  private readonly runWhen: () => boolean;
  private readonly onPersistentNode: 'fail' | 'wait';
  private readonly hook: StepHook | undefined;
  private readonly acl: readonly Acl[] | undefined;
  private readonly judgeHolder: OwnedEphemeralOptions['judgeHolder'];
  private readonly precondition: OwnedEphemeralOptions['precondition'];
  private readonly stopper: StopSignal;
  /** start()'s promise, until it settles: rejected by stop(). */
  private starting: ((err: StoppedError) => void) | undefined;
  private readonly lifecycle: Lifecycle;
  private readonly companion: OwnedEphemeralOptions['companion'];
  private readonly fsm: StateMachine<OwnedEphemeralState>;
  /** The ownership we hold (or last held, until stop() or a new one). */
  private held: Ownership | undefined;
  private blocking: BlockingNode | undefined;
  private blockedSince: number | undefined;
  private conflictTimer: NodeJS.Timeout | undefined;
  private conflictReported = false;
  /** The latest exists-watch armed (see armWatch), and whether it found the node; undefined once it fired or failed. */
  private armed: { readonly session: Session; sawNode: boolean } | undefined;
  private runs = 0;
  /** Set by [parentsMissing](), taken by the next attempt. */
  private parentsHint = false;
  /** False after a freeze of this process until a round trip has seen our node again (status().verified). */
  private verifiedSinceFreeze = true;
  private readonly unsubscribe: () => void;
  private releaseClaim: (() => void) | undefined;
  private stopping: Promise<StopOutcome> | undefined;
  private static holders = 0;
  private readonly holderName: string;

  constructor(opts: OwnedEphemeralOptions) {
    super();
    checkOptions(opts);
    this.path = opts.path;
    this.connection = opts.connection;
    this.dataFn = opts.data;
    this.conflictTimeoutMs = opts.conflictTimeoutMs;
    this.onConflict = opts.onConflict ?? 'wait';
    this.mutex = opts.mutex ?? new Mutex();
    this.runWhen = opts.runWhen ?? (() => true);
    this.onPersistentNode = opts.onPersistentNode ?? 'fail';
    this.hook = opts[ownerCheckHook];
    this.acl = opts.acl;
    this.judgeHolder = opts.judgeHolder;
    this.precondition = opts.precondition;
    this.companion = opts.companion;
    this.holderName = `recipe #${++OwnedEphemeral.holders} (${this.path})`;
    this.stopper = new StopSignal(`registration of ${this.path}`);
    this.lifecycle = new Lifecycle(`OwnedEphemeral(${this.path})`);
    this.fsm = new StateMachine(`OwnedEphemeral(${this.path})`, 'idle', TRANSITIONS, log);

    const onSession = (): void => this.schedule('new session');
    const onConnected = (): void => this.schedule('reconnected');
    const onExpired = ({ sessionId }: { sessionId: string }): void => {
      if (this.nodeState === 'owned') this.markLost('session-expired', sessionId);
    };
    const onStalled = (): void => {
      if (this.nodeState !== 'owned') return;
      this.verifiedSinceFreeze = false;
      this.schedule('this process was frozen');
    };
    // The connection gave up (credentials refused): so does the recipe, once, with that error.
    const onFailed = (err: KafkaZkRegistrarError): void => {
      if (this.nodeState === 'acquiring' || this.nodeState === 'waiting' || this.nodeState === 'lost') this.fail(err);
    };
    // The shared Connection closed under us (before stop()): its session, and our node with it, is
    // gone and no other comes; an owned node is lost, and the recipe ends (start() rejects).
    const onClosed = (): void => {
      if (this.stopper.aborted || this.nodeState === 'idle' || this.nodeState === 'failed') return;
      if (this.nodeState === 'owned') this.markLost('session-closed', this.held?.sessionId ?? '0');
      this.fail(new StoppedError('the Connection this recipe runs on (closed)'));
    };
    this.unsubscribe = listenTo(this.connection, {
      session: onSession,
      connected: onConnected,
      expired: onExpired,
      stalled: onStalled,
      failed: onFailed,
      closed: onClosed,
    });
  }

  // Every getter first checks whether this process was frozen past the session timeout: if so the
  // session is expired on the spot, so that no caller is told about an ownership it no longer has.
  /**
   * The recipe's state (see OwnedEphemeralState), after checking that this process was not frozen past the
   * session timeout.
   */
  get state(): OwnedEphemeralState {
    this.connection.checkForStall();
    return this.nodeState;
  }

  /** The current ownership, if our current session owns the node. */
  get ownership(): Ownership | undefined {
    return this.state === 'owned' ? this.held : undefined;
  }

  /** The node we are waiting out, if any. */
  get blockedBy(): BlockingNode | undefined {
    return this.state === 'waiting' ? this.blocking : undefined;
  }

  /**
   * True only while our session owns the node and a round trip has confirmed it since any freeze of
   * this process, with the session connected. Never true of a node we do not hold: a registrar that
   * never connected has verified nothing, and its last status must not say otherwise.
   */
  get verified(): boolean {
    return this.state === 'owned' && this.verifiedSinceFreeze && !this.connection.mayHaveExpired;
  }

  /**
   * Resolves at the first ownership; rejects if the recipe fails or is stopped first (with the
   * Connection's own error, e.g. ConnectTimeoutError, if it was idle and its start fails). Rejects at
   * once (nothing started) with LifecycleError when started twice or after stop(), PathClaimedError if
   * another recipe on the same Connection maintains this path, and StoppedError if the Connection is
   * closed.
   */
  start(): Promise<Ownership> {
    try {
      return this[beginNow]();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** start(), but misuse throws at once (see `beginNow`). */
  [beginNow](): Promise<Ownership> {
    // A closed Connection opens no session again: waiting on it would never end.
    if (this.connection.state === 'closed') throw new StoppedError('the Connection this recipe runs on (closed)');
    this.lifecycle.start();
    this.releaseClaim = this.connection.claim(this.path, this.holderName);
    const first = new Promise<Ownership>((resolve, reject) => {
      const cleanup = (): void => {
        this.off('owned', onOwned);
        this.off('failed', onFailed);
        this.starting = undefined;
      };
      const onOwned = (o: Ownership): void => {
        cleanup();
        resolve(o);
      };
      const onFailed = (e: KafkaZkRegistrarError): void => {
        cleanup();
        reject(e);
      };
      this.starting = (e) => {
        cleanup();
        reject(e);
      };
      this.on('owned', onOwned);
      this.on('failed', onFailed);
    });
    if (this.nodeState === 'idle') this.to('acquiring', 'start()');
    // Started here if nobody has (as BrokerRegistrar does), never closed here: its owner closes it. A
    // start that fails reaches every recipe on it as the Connection's `failed`.
    if (this.connection.state === 'idle') this.connection.start().catch(() => undefined);
    this.schedule('start');
    return first;
  }

  /** The node's parents were just read missing: the next run makes them before its first create. */
  [parentsMissing](): void {
    this.parentsHint = true;
  }

  /**
   * Stops maintaining the node and deletes it if, and only if, our session owns it (checked by
   * ephemeralOwner, then deleted with the version we read). Bounded: when ZooKeeper does not answer
   * within a third of the session timeout (1 to 5 s) it resolves with `unreachable`, saying so rather
   * than pretending the node is gone; the deletion goes on while the session lasts (a shared Connection
   * that reconnects it), and the path stays claimed on the Connection until it is done. Idempotent:
   * every call gets the first call's outcome.
   */
  stop(): Promise<StopOutcome> {
    if (!this.lifecycle.close()) return this.stopping ?? Promise.resolve({ deleted: false, reason: 'not-owned' });
    this.stopper.abort();
    this.starting?.(new StoppedError(this.stopper.what));
    this.unsubscribe();
    this.clearConflictTimer();
    // A create of ours may be in place (owned, or sent with its reply not yet in: a run from `lost`
    // or `waiting` keeps that state while it creates): only ZooKeeper can say.
    const mayOwn =
      this.nodeState === 'owned' || this.nodeState === 'acquiring' || this.nodeState === 'lost' || this.nodeState === 'waiting';
    const released = this.mutex.runExclusive(async () => {
      const outcome = await this.deleteIfOwned();
      if (this.nodeState !== 'stopped') this.to('stopped', 'stop()');
      this.held = undefined;
      return outcome;
    });
    let timer: NodeJS.Timeout | undefined;
    const budget = stopBudgetMs(this.connection.session?.timeoutMs ?? this.connection.sessionTimeoutMs);
    const late = new Promise<StopOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ deleted: false, reason: mayOwn ? 'unreachable' : 'not-owned' }), budget);
    });
    // The path stays claimed until the deletion is done or given up with the session: a recipe
    // started on it meanwhile would share our session, and the late delete would take its node.
    const releaseClaim = (): void => this.releaseClaim?.();
    void released.then(releaseClaim, releaseClaim);
    this.stopping = Promise.race([released, late]).then((outcome) => {
      clearTimeout(timer);
      if (this.nodeState !== 'stopped') this.to('stopped', 'stop()');
      if (outcome.reason === 'unreachable')
        log('%s: ZooKeeper did not answer within %d ms: the node is deleted once it does, or goes with our session', this.path, budget);
      return outcome;
    });
    return this.stopping;
  }

  /**
   * Writes fresh `data()` into the node we own, in place: version-checked against the version we
   * hold, so the node (and its czxid, Kafka's broker epoch) stays the same. Resolves with the new
   * ownership, or undefined when we do not own the node right now (the next acquisition writes the
   * fresh data anyway); if the node changed under us, the routine runs again to restore it.
   */
  rewrite(): Promise<Ownership | undefined> {
    return this.mutex.runExclusive(async () => {
      const s = this.connection.session;
      const own = this.ownership;
      if (s === undefined || own === undefined || own.sessionId !== s.id) return undefined;
      const data = this.freshData();
      try {
        const stat = await this.retrying(s, () => s.set(this.path, data, own.version));
        this.held = this.ownershipOf(s, stat, data);
        log('%s rewritten in place (version %d)', this.path, stat.version);
        return this.held;
      } catch (err) {
        // The session ended under the set (not stop()), or the server had ended it before our
        // client heard (SESSIONEXPIRED, CLOSING): not ours right now; the next session's
        // registration writes the fresh data anyway.
        const sessionGone = (err instanceof StoppedError && !this.stopper.aborted) || isSessionGone(err);
        if (!(err instanceof BadVersionError || err instanceof NoNodeError || sessionGone)) throw err;
        // A set whose reply was lost to a connection loss may have been applied: its retry then
        // meets our own write as a BadVersion. The node as it is says which.
        if (err instanceof BadVersionError) {
          const got = await this.retrying(s, () => s.get(this.path)).catch(() => undefined);
          if (got !== undefined && got.stat.ephemeralOwner === s.id && got.stat.czxid === own.czxid && got.data.equals(data)) {
            this.held = this.ownershipOf(s, got.stat, data);
            return this.held;
          }
        }
        // What the node is to hold from now on: the run that follows compares it with these bytes
        // (and writes them back if someone else's are there), never with the ones they replace.
        this.held = { ...own, data };
        this.schedule('changed under a rewrite');
        return undefined;
      }
    });
  }

  /**
   * Deletes the node if our current session owns it, and contends again (the deletion fires our
   * watch). Only for callers that already hold `mutex` (a controller resigning after a lost epoch
   * CAS), so it is keyed by a symbol that the package's entry point does not export.
   */
  async [releaseLocked](): Promise<void> {
    if (this.nodeState === 'owned') this.markLost('released', this.held?.sessionId ?? '0');
    await this.deleteIfOwned();
  }

  /** Queues one run of the routine; runs never overlap (mutex). */
  schedule(why: string): void {
    if (this.stopper.aborted || this.nodeState === 'failed' || this.nodeState === 'idle') return;
    void this.mutex
      .runExclusive(() => this.run(why))
      .catch((err: unknown) => log('run (%s) of %s ended: %s', why, this.path, (err as Error).message));
  }

  private async deleteIfOwned(): Promise<StopOutcome> {
    // Our session owning the node is not enough: a recipe that never started (its claim refused)
    // shares the session with the recipe that did, and must not delete that one's node.
    if (this.releaseClaim === undefined) return { deleted: false, reason: 'not-owned' };
    const s = this.connection.session;
    if (s === undefined || s.ended !== undefined) return { deleted: false, reason: 'not-owned' }; // its ephemerals go with it
    try {
      // On this session, across reconnects, however long they take (stop() says `unreachable` when
      // its budget runs out first): a create of ours whose reply was lost may have made the node,
      // and a shared Connection keeps the session, and so the node, alive after we stopped.
      const { stat } = await onSameSession(this.connection, s, () => s.get(this.path), UNTIL_SESSION_ENDS);
      if (stat.ephemeralOwner !== s.id) return { deleted: false, reason: 'not-owned' };
      await onSameSession(this.connection, s, () => s.delete(this.path, stat.version), UNTIL_SESSION_ENDS);
      return { deleted: true, reason: 'deleted' };
    } catch (err) {
      log('%s not deleted: %s', this.path, (err as Error).message);
      const gone = err instanceof NoNodeError || err instanceof BadVersionError || s.ended !== undefined;
      return { deleted: false, reason: gone ? 'not-owned' : 'unreachable' };
    }
  }

  private async run(why: string): Promise<void> {
    if (this.stopper.aborted || this.nodeState === 'failed') return;
    const session = this.connection.session;
    if (session === undefined || session.ended !== undefined) return; // the next 'session' event re-runs us
    if (this.nodeState === 'owned' && this.held?.sessionId !== session.id) this.markLost('session-expired', this.held?.sessionId ?? '0');
    if (this.nodeState !== 'owned' && !this.runWhen()) return;
    const n = ++this.runs;
    log('run #%d for %s (%s) on session 0x%s', n, this.path, why, session.id);
    try {
      if (this.nodeState === 'owned' && (await this.stillOurs(session))) {
        this.verifiedSinceFreeze = true;
        return;
      }
      if (this.precondition !== undefined)
        await this.retrying(session, () => (this.precondition as NonNullable<OwnedEphemeralOptions['precondition']>)(session));
      // The exists-watch is the owner check's peek: it rides behind each create (see checkOwner).
      // Armed anew when the watch we have was armed on a missing node: our own create would fire
      // it (see armWatch). One armed on a node stays: re-arming it on every run (a reconnect, say,
      // while we wait out another owner) would only pile up watchers until the node changes.
      const result = await this.attempt(session, () =>
        this.armed?.session === session && this.armed.sawNode
          ? this.retrying(session, () => session.exists(this.path))
          : this.armWatch(session),
      );
      // Another party's claim: given up at once, so that its going away can never hand us the path.
      if ('refuse' in result && result.refuse !== undefined) {
        this.fail(result.refuse);
        return;
      }
      const expected = 'owned' in result ? session.id : result.blockedBy.ownerSessionId;
      // A watch still armed now was set at or before the reads that gave the verdict and has not
      // fired since (ZooKeeper delivers a watch event before any later read sees the change), so
      // the node is as the verdict says; otherwise one is armed and compared (ensureWatch).
      const unchanged = await this.ensureWatch(session, expected);
      // stop() was called during this pass: it deletes the node once we release the mutex, so
      // announcing an ownership now would be announcing something already being undone.
      this.throwIfStopped(session);
      // The node changed between the owner check's read and the watch (deleted, re-owned): the
      // ownership we found is already gone, so it is not announced; the scheduled run looks again.
      // (Found by the model checker: model/registration.pml, property p1_owned.)
      if ('owned' in result && !unchanged) return;
      if ('owned' in result) this.announce(result.owned);
      else {
        this.onBlocked(result.blockedBy, session);
      }
    } catch (err) {
      if (err instanceof StoppedError || isSessionGone(err)) return; // stop() or the new session's run takes over
      this.fail(
        err instanceof KafkaZkRegistrarError
          ? err
          : new UnexpectedError(`registration of ${this.path} failed: ${String(err)}`, { cause: err }),
      );
    }
  }

  private announce(owned: Ownership): void {
    this.held = owned;
    this.verifiedSinceFreeze = true;
    this.to('owned', `czxid ${owned.czxid}, session 0x${owned.sessionId}`);
    this.blocking = undefined;
    this.blockedSince = undefined;
    this.conflictReported = false;
    this.clearConflictTimer();
    log('%s owned by session 0x%s (czxid %d)', this.path, owned.sessionId, owned.czxid);
    this.notify('owned', owned);
  }

  /** The node's state, without the frozen-process check of the public `state` getter. */
  private get nodeState(): OwnedEphemeralState {
    return this.fsm.state;
  }

  private to(next: OwnedEphemeralState, why: string): void {
    this.fsm.to(next, why);
  }

  private fail(e: KafkaZkRegistrarError): void {
    this.to('failed', e.code);
    this.clearConflictTimer();
    log('%s: giving up: %s', this.path, e.message);
    this.notify('failed', e);
  }

  /** Verifies an ownership we believe in. Returns false (after reporting the loss) if it is gone. */
  private async stillOurs(session: Session): Promise<boolean> {
    const own = this.held as Ownership;
    let got: { data: Buffer; stat: Stat };
    try {
      got = await this.retrying(session, () => session.get(this.path));
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      this.markLost('deleted', session.id);
      return false;
    }
    if (got.stat.ephemeralOwner !== session.id) {
      this.markLost('owner-changed', session.id);
      return false;
    }
    if (got.stat.czxid === own.czxid && got.data.equals(own.data)) {
      // Set again with the same bytes (by anyone): still ours, but at a new version, which the next
      // rewrite() must be conditional on; kept stale, every rewrite would fail its version check.
      if (got.stat.version !== own.version) this.held = { ...own, version: got.stat.version };
      if (await this.ensureWatch(session, session.id)) return true;
      // Gone between the read and the watch (a re-owned node was deleted first).
      this.markLost('deleted', session.id);
      return false;
    }
    // Our node, but someone rewrote it: the next attempt puts our data back, version-checked.
    this.markLost('data-changed', session.id);
    return false;
  }

  private markLost(reason: LossReason, sessionId: string): void {
    if (this.nodeState !== 'owned') return;
    this.to('lost', reason);
    log('%s lost (%s)', this.path, reason);
    this.notify('lost', { reason, sessionId });
  }

  /**
   * Creates the missing parents of `p` on `session`. A chroot can go missing (ZooKeeper back with an
   * empty data directory): created again then, as Kafka creates it at startup, and only then: never
   * before the registrar's pre-flight.
   */
  private async makeParents(session: Session, p: string, acl: readonly Acl[] | undefined): Promise<string[]> {
    const chroot = this.connection.connectString.chroot;
    const ensureChroot = async (): Promise<void> => {
      log('%s: the chroot %s is missing: creating it', this.path, chroot);
      await this.connection.ensureChroot(this.stopper.signal);
    };
    let made: string[];
    try {
      made = await this.retrying(session, () => session.createParents(p, acl));
    } catch (err) {
      if (!(err instanceof NoNodeError) || chroot === undefined) throw err;
      await ensureChroot();
      return this.retrying(session, () => session.createParents(p, acl));
    }
    // Nothing to make, yet the create found no parent: the parent is the chroot itself (a path
    // one level below it), which only ensureChroot creates.
    if (made.length === 0 && chroot !== undefined) await ensureChroot();
    return made;
  }

  /** One pass of the owner check (owner-check.ts): ends owned, or blocked by another owner. */
  private async attempt(session: Session, peek: () => Promise<Stat | null>): Promise<Attempt> {
    if (this.nodeState !== 'lost' && this.nodeState !== 'waiting') this.to('acquiring', `run on session 0x${session.id}`);
    const data = this.held !== undefined && this.held.sessionId === session.id ? this.held.data : this.freshData();
    let parentRounds = 0;
    const io = {
      run: <T>(op: () => Promise<T>) => this.retrying(session, op),
      checkpoint: () => this.throwIfStopped(session),
      wasOurs: (id: string) => this.connection.wasPreviousSession(id),
      // A chroot can go missing (ZooKeeper back with an empty data directory): created again then,
      // as Kafka creates it at startup, and only then: never before the registrar's pre-flight.
      // Called when our create said no-parent. Each call after the first in one pass waits a little
      // longer (parents deleted again as fast as we make them must not turn us into a flood).
      createParents: async (p: string, acl: readonly Acl[] | undefined): Promise<string[]> => {
        if (parentRounds++ > 0) await delay(backoffMs(parentRounds, 10, 1000), this.stopper.signal);
        // Registrars of one process that find the same parents missing (a fleet's first start) wait
        // for the one that creates them; if its work fails (its session or its stop), we do our own.
        const { hosts, chroot } = this.connection.connectString;
        const key = `${hosts}${chroot ?? ''}\u0000${p.slice(0, p.lastIndexOf('/'))}\u0000${aclKey(acl)}`;
        const { result, joined } = parentCreations.run(key, () => this.makeParents(session, p, acl));
        if (!joined) return result;
        const made = await untilAborted(result, this.stopper.signal, `registration of ${this.path}`).catch((err: unknown) => {
          if (err instanceof StoppedError && this.stopper.aborted) throw err;
          return undefined;
        });
        return made ?? this.makeParents(session, p, acl);
      },
    };
    const companion = this.companion;
    const parentsFirst = this.parentsHint;
    this.parentsHint = false;
    const v = await checkOwner(session, this.path, data, io, {
      hook: this.hook,
      acl: this.acl,
      peek,
      companion: companion === undefined ? undefined : () => this.retrying(session, () => companion(session)),
      parentsFirst,
    });
    switch (v.kind) {
      case 'owned':
        if (v.replaced !== undefined) log('%s: replaced the node of our previous session 0x%s', this.path, v.replaced);
        return { owned: { ...this.ownershipOf(session, v.stat, data, v.replaced), companion: v.companion } };
      case 'blocked': {
        const judged = this.judgeHolder?.({ ownerSessionId: v.owner, data: v.data });
        return {
          blockedBy: { ownerSessionId: v.owner, sessionId: session.id, data: v.data, holder: judged?.holder },
          refuse: judged?.refuse,
        };
      }
      case 'persistent':
        // It never goes away by itself: waiting for it would be waiting forever, unless asked to.
        if (this.onPersistentNode === 'fail') throw new PersistentNodeError(this.path);
        return { blockedBy: { ownerSessionId: PERSISTENT_OWNER, sessionId: session.id, data: v.data, holder: undefined } };
    }
  }

  private onBlocked(b: BlockingNode, session: Session): void {
    const changedOwner = this.blocking?.ownerSessionId !== b.ownerSessionId;
    this.blocking = b;
    if (this.nodeState !== 'waiting' || changedOwner) {
      this.to('waiting', `held by session 0x${b.ownerSessionId}`);
      log('%s is owned by session 0x%s, not ours (0x%s): waiting for it to go', this.path, b.ownerSessionId, b.sessionId);
      this.notify('waiting', b);
    }
    this.blockedSince ??= Date.now();
    const bound = this.conflictTimeoutMs ?? 2 * session.timeoutMs;
    if (this.conflictReported || this.conflictTimer !== undefined || !Number.isFinite(bound)) return;
    this.conflictTimer = setTimeout(
      () => {
        this.conflictTimer = undefined;
        if (this.nodeState !== 'waiting' || this.blocking === undefined || this.blockedSince === undefined) return;
        this.conflictReported = true;
        const conflict = new RegistrationConflictError(
          this.path,
          this.blocking.ownerSessionId,
          this.blocking.sessionId,
          Date.now() - this.blockedSince,
          this.blocking.holder,
        );
        log('%s', conflict.message);
        this.notify('conflict', conflict);
        if (this.onConflict === 'fail') this.fail(conflict);
      },
      Math.max(0, this.blockedSince + bound - Date.now()),
    );
  }

  private clearConflictTimer(): void {
    if (this.conflictTimer !== undefined) clearTimeout(this.conflictTimer);
    this.conflictTimer = undefined;
  }

  private ownershipOf(session: Session, stat: Stat, data: Buffer, replacedSessionId?: string): Ownership {
    return { path: this.path, sessionId: session.id, czxid: stat.czxid, version: stat.version, data, replacedSessionId };
  }

  /**
   * Sends the exists-watch for this session and returns what it saw (the watch is armed either way).
   * Whether we own the node or wait for another owner's node to go, any change to it schedules the
   * next run. (The client re-registers watches after a reconnect of the same session.)
   */
  private armWatch(session: Session): Promise<Stat | null> {
    const arming: { readonly session: Session; sawNode: boolean } = { session, sawNode: false };
    this.armed = arming;
    const armed = this.retrying(session, () =>
      session.exists(this.path, (ev) => {
        // Superseded by a later arming (on this session or a newer one): a change after that
        // arming's exists fires its watch too (the server keeps one watch per path and connection,
        // and the client hands the event to every watcher of the path), and a change before it
        // shows in what that exists returned. So this event, typically our own create firing the
        // watch armed while the node was missing, tells nothing new and costs no extra run.
        if (this.armed !== arming) return;
        this.armed = undefined;
        if (session.ended === undefined) this.schedule(`watch: ${ev}`);
      }),
    );
    armed.then(
      (stat) => {
        arming.sawNode = stat !== null;
      },
      () => {
        if (this.armed === arming) this.armed = undefined;
      },
    );
    return armed;
  }

  /**
   * Makes sure a watch is armed on this session over the node as the caller last read it. False
   * when the node is no longer like that (gone, or another owner): the change happened before the
   * watch, which will not fire for it, so a run is scheduled to look again.
   */
  private async ensureWatch(session: Session, expectedOwner: string): Promise<boolean> {
    // Already watching on this session: any change since fires that watch and schedules a run.
    if (this.armed?.session === session) return true;
    const seen = await this.armWatch(session);
    if (seen !== null && seen.ephemeralOwner === expectedOwner) return true;
    this.schedule('changed before the watch was set');
    return false;
  }

  /** What `data()` gives now: bytes, or InvalidConfigError (a string, say, would be written as something else). */
  private freshData(): Buffer {
    const d: unknown = this.dataFn();
    if (!Buffer.isBuffer(d)) throw new InvalidConfigError('data', d, "expected data() to return the node's bytes (a Buffer)");
    return d;
  }

  /** Retries an operation on the *same* session across connection loss; never across sessions. */
  private retrying<T>(session: Session, op: () => Promise<T>): Promise<T> {
    return onSameSession(this.connection, session, op, this.stopper, (err) =>
      log('%s: %s; retrying on session 0x%s once reconnected', this.path, err.message, session.id),
    );
  }

  private throwIfStopped(session: Session): void {
    if (this.stopper.aborted) throw new StoppedError(this.stopper.what);
    if (session.ended !== undefined) throw new StoppedError(`session 0x${session.id}`);
  }
}
