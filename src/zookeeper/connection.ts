// A connection that outlives ZooKeeper sessions. A session itself outlives lost connections (the
// client reconnects with it until the server says it expired, as Kafka's Java client does). When a
// session ends (declared expired by the server, or given up because this process was frozen past its
// timeout) the connection opens a new one by itself and announces it; users of the connection
// re-create whatever ephemeral state they need on the new session.
import { setMaxListeners } from 'node:events';
import { SafeEmitter } from '../util/safe-emitter.js';
import { Lifecycle } from '../util/lifecycle.js';
import {
  AuthFailedError,
  ConnectTimeoutError,
  InvalidConfigError,
  PathClaimedError,
  KafkaZkRegistrarError,
  StoppedError,
  UnexpectedError,
  ZOOKEEPER_RC,
} from '../errors.js';
import { logger } from '../log.js';
import { backoffMs, delay, timerMs } from '../util/timing.js';
import { parseConnectString, type ParsedConnectString } from './connect-string.js';
import { Session } from './session.js';
import { digestId, rejectSecureTransport, validateAuth, type ZooKeeperAuth } from './auth.js';
import { StallDetector } from './stall-detector.js';
import { validateTls, type ZooKeeperTls } from './tls.js';

import { StateMachine, type Transitions } from '../util/state-machine.js';
import { SharedWork, untilAborted } from '../util/shared-work.js';
import { checkOptionKeys } from '../util/options.js';
const log = logger('connection');

/** ConnectionOptions' keys: any other is refused by name (a typo would otherwise be a silent default). */
export const CONNECTION_OPTION_KEYS: readonly string[] = Object.keys({
  connect: true,
  sessionTimeoutMs: true,
  connectTimeoutMs: true,
  reconnectBackoffMs: true,
  auth: true,
  tls: true,
  wedgedAfterMs: true,
} satisfies Record<keyof ConnectionOptions, true>);
// Sessions live at most maxSessionTimeout after we give them up; a handful covers any burst of expiries.
const PREVIOUS_SESSIONS_KEPT = 16;
// Chroot creations in flight in this process (hosts + chroot): a thousand Connections that find the
// same chroot missing at once share one extra session and one create, not a thousand.
const chrootCreations = new SharedWork<void>();

/** Options of Connection (and the `zookeeper` option of BrokerRegistrar and registerTemporaryBroker). */
export interface ConnectionOptions {
  /**
   * `host:port[,host:port...][/chroot]`. A missing chroot is created when something is first written
   * under it (as Kafka creates it at startup), and again whenever it has gone missing; connecting
   * creates nothing.
   */
  readonly connect: string;
  /** Requested session timeout; the server clamps it to [minSessionTimeout, maxSessionTimeout]. Default 18000. */
  readonly sessionTimeoutMs?: number;
  /** How long `start()` waits for the first session. Default 30000. */
  readonly connectTimeoutMs?: number;
  /**
   * How long without a connected session (while trying) before the `wedged` event, /livez 503 and
   * the CLI's exit, for a supervisor to restart the process. Default: 10 session timeouts, at least 60000.
   */
  readonly wedgedAfterMs?: number;
  /**
   * Credentials added to every session (the first and each replacement) before anything else is
   * sent on it, and presented again on every reconnect. ZooKeeper's `digest` scheme (`user:password`).
   */
  readonly auth?: ZooKeeperAuth;
  /**
   * TLS to the servers' secure client port (`secureClientPort`), for every session this connection
   * opens: `{ ca?, cert?, key?, passphrase?, servername? }`, PEM (see ZooKeeperTls). Default: plain
   * TCP. Kafka's `zookeeper.ssl.client.enable`, ZooKeeper's `zookeeper.client.secure`. Invalid options
   * throw InvalidConfigError naming `zookeeper.tls.<option>`. A failed handshake (an unknown CA, a
   * name the certificate does not carry) is a failed connection attempt: `unreachable` says it with
   * its code (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ...), and a `start()`
   * that times out rejects with ConnectTimeoutError whose `cause` it is.
   */
  readonly tls?: ZooKeeperTls;
  /** Backoff between attempts to open a new session after expiry. Default 100..5000 ms, jittered. */
  readonly reconnectBackoffMs?: { readonly min: number; readonly max: number };
}

/**
 * What a recipe should do in each state (Curator's ConnectionState, in ZooKeeper's words):
 * - `idle`: not started. Nothing to do.
 * - `connecting`: no session yet, or the last one expired and a new one is being opened. Nothing this
 *   connection's earlier sessions owned can be trusted; wait for `session` and start over on it.
 * - `connected`: the current session is reachable. Reads and writes go through.
 * - `disconnected`: the current session lost its server connection and may come back (`connected`,
 *   same session) or be declared expired (`expired`, then `connecting`). What it owns is unverified
 *   meanwhile: keep it, claim nothing new, act on nothing it owns until the session is back.
 * - `closed`: close() was called, or the credentials were refused. Final.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

const TRANSITIONS: Transitions<ConnectionState> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'closed'],
  connected: ['disconnected', 'connecting', 'closed'],
  disconnected: ['connected', 'connecting', 'closed'],
  closed: [],
};
/**
 * Who decided the session is gone: the server said so; a stall (this process was frozen longer than
 * the session timeout, and gave the session up); or `refused`: servers have closed our reconnects
 * unanswered for a session timeout, and a new session shows the ensemble behind the newest zxid our
 * session saw (it lost its data, and refuses a client that has seen newer zxids, for ever; an election
 * refuses us too, but grants no new session, and our session comes back after it). A lost connection
 * alone never ends a session: the client keeps it until the server says it expired.
 */
export type ExpiryCause = 'server' | 'stall' | 'refused';

/** The events of Connection. */
export interface ConnectionEvents {
  /** A new session was established (the first, or a replacement after expiry). */
  session: [session: Session];
  /** The current session is reachable again after a disconnect (same session id). */
  connected: [session: Session];
  /** The current session lost its server connection; it may still come back. */
  disconnected: [session: Session];
  /** The session is gone and everything it owned with it; a new one is being opened. */
  expired: [info: { sessionId: string; cause: ExpiryCause }];
  /** This process was frozen for a third of the session timeout or more, but less than all of it: what
   * the session owns is unverified until the next round trip. */
  stalled: [info: { sessionId: string; stalledMs: number }];
  /**
   * The connection gave up for good: its start() failed (with the error start() rejects with:
   * ConnectTimeoutError, ...), or the server refused our credentials. No more sessions are opened.
   */
  failed: [error: KafkaZkRegistrarError];
  /**
   * close() was called: the session is closed (its ephemeral nodes go with it) and no other is opened.
   * Recipes still running on a shared Connection end with it (see OwnedEphemeral).
   */
  closed: [];
  /**
   * No connected session for `wedgedAfterMs` although the connection keeps trying: the ensemble is
   * down or out of reach of this process. The CLI exits (for its supervisor to restart it, perhaps
   * elsewhere), /livez turns 503. Cleared by the next connected session.
   */
  wedged: [info: { readonly sessionlessForMs: number }];
  /**
   * A connection attempt failed: what it hit (`code`: ECONNREFUSED, ENOTFOUND, ... when the socket
   * said), so that nobody waits out a connect timeout in silence. The first failure, then the same one
   * again at most every 5 s; a different one at once. Not emitted while connected.
   */
  unreachable: [info: { readonly host: string; readonly error: string; readonly code: string | undefined }];
}

/** An `unreachable` event's failure as an Error (`<host>: <error>`, with the socket's `code`): a cause to report. */
export function unreachableError(e: ConnectionEvents['unreachable'][0]): Error {
  return Object.assign(new Error(`${e.host}: ${e.error}`), e.code === undefined ? {} : { code: e.code });
}

/**
 * A ZooKeeper connection that outlives sessions: it opens a session, keeps it across lost connections until
 * the server says it expired (as ZooKeeper's Java client does), opens a new one after an expiry (jittered
 * backoff), and tells recipes which sessions were its own. Share one among recipes for different paths (one
 * recipe per path: PathClaimedError). `start()` resolves with the first session, or rejects with
 * ConnectTimeoutError after `connectTimeoutMs` (its `cause`: why the last attempt failed). A stall detector
 * treats a freeze of this process longer than the session timeout as an expiry (`expired` with cause
 * `stall`).
 */
export class Connection extends SafeEmitter<ConnectionEvents> {
  /** The parsed `connect` option. */
  readonly connectString: ParsedConnectString;
  /**
   * The requested session timeout in ms (the `sessionTimeoutMs` option, default 18000); the server may grant
   * another.
   */
  readonly sessionTimeoutMs: number;
  /** How long `start()` waits for the first session, in ms (default 30000). */
  readonly connectTimeoutMs: number;
  private readonly backoff: { readonly min: number; readonly max: number };
  private readonly auth: Required<ZooKeeperAuth> | undefined;
  private readonly tls: ZooKeeperTls | undefined;
  /** The digest identity (`user:base64(sha1(user:password))`) our credentials give us, for ACLs. */
  readonly identity: string | undefined;
  private current: Session | undefined;
  private readonly fsm = new StateMachine<ConnectionState>('connection', 'idle', TRANSITIONS, log);
  private readonly stopper = new AbortController();
  private reopening: Promise<void> | undefined;
  /** start()'s session opening, settled (never rejects): what close() waits for. */
  private opening: Promise<void> | undefined;
  /** Sessions of our own beside the current one (a chroot creation, a data-loss probe): close() waits for them. */
  private readonly helpers = new Set<Promise<unknown>>();
  /** Why the connection gave up for good (its start failed, or credentials were refused), if it did. */
  private failure: KafkaZkRegistrarError | undefined;
  private readonly claims = new Map<string, string>();
  private readonly lifecycle = new Lifecycle('Connection');
  private readonly stall: StallDetector;
  private sessionlessSince: number | undefined;
  private wedgeTimer: NodeJS.Timeout | undefined;
  private isWedged = false;
  /** How long without a connected session counts as wedged. */
  readonly wedgedAfterMs: number;
  /** Ids of the sessions this connection opened and gave up, newest last (bounded). */
  private readonly previous: string[] = [];
  /** The last `unreachable` reported, for its throttle. */
  private lastAttempt: { readonly key: string; readonly at: number } | undefined;

  constructor(opts: ConnectionOptions) {
    super();
    // Every recipe on a shared connection listens to it (and to its stop signal) until it stops: 50
    // registrars on one Connection are a use, not a leak (integration/leaks.test.ts checks that
    // stopped ones leave nothing behind), so Node's leak warning at 10 listeners does not apply.
    this.setMaxListeners(0);
    setMaxListeners(0, this.stopper.signal);
    rejectSecureTransport(opts, 'zookeeper');
    checkOptionKeys(opts, CONNECTION_OPTION_KEYS, 'zookeeper', '{ connect, sessionTimeoutMs?, ... }');
    this.connectString = parseConnectString(opts.connect);
    this.sessionTimeoutMs = positiveInt(opts.sessionTimeoutMs ?? 18_000, 'zookeeper.sessionTimeoutMs');
    this.connectTimeoutMs = positiveInt(opts.connectTimeoutMs ?? 30_000, 'zookeeper.connectTimeoutMs');
    const b = opts.reconnectBackoffMs ?? { min: 100, max: 5000 };
    checkOptionKeys(b, ['min', 'max'], 'zookeeper.reconnectBackoffMs', '{ min, max } in ms');
    positiveInt(b.min, 'zookeeper.reconnectBackoffMs.min');
    positiveInt(b.max, 'zookeeper.reconnectBackoffMs.max');
    if (b.max < b.min) throw new InvalidConfigError('zookeeper.reconnectBackoffMs.max', b.max, 'must be >= min');
    this.backoff = b;
    this.auth = opts.auth === undefined ? undefined : validateAuth(opts.auth, 'zookeeper.auth');
    this.identity = this.auth === undefined ? undefined : digestId(this.auth);
    this.tls = opts.tls === undefined ? undefined : validateTls(opts.tls, 'zookeeper.tls');
    this.wedgedAfterMs =
      opts.wedgedAfterMs === undefined
        ? Math.max(10 * this.sessionTimeoutMs, 60_000)
        : positiveInt(opts.wedgedAfterMs, 'zookeeper.wedgedAfterMs');
    this.stall = new StallDetector(Math.min(1000, Math.max(50, Math.floor(this.sessionTimeoutMs / 10))), () => this.checkForStall());
  }

  /**
   * Checks at once whether this process was frozen since the last check. Frozen for the session's
   * timeout or longer: the session is treated as expired (cause `stall`) and replaced, before anyone
   * can be told it still owns anything. Shorter, but a third of the timeout or more: `stalled`.
   * Runs on a timer, and from every getter that reports ownership.
   */
  checkForStall(): void {
    const frozenMs = this.stall.sample();
    const s = this.current;
    if (s === undefined || frozenMs < s.timeoutMs / 3) return;
    if (frozenMs >= s.timeoutMs) {
      log(
        "this process was frozen for %d ms, longer than session 0x%s's timeout (%d ms): treating it as expired",
        Math.round(frozenMs),
        s.id,
        s.timeoutMs,
      );
      this.onExpired(s, 'stall');
      void s.abandon();
      return;
    }
    log('this process was frozen for %d ms (session timeout %d ms)', Math.round(frozenMs), s.timeoutMs);
    this.notify('stalled', { sessionId: s.id, stalledMs: Math.round(frozenMs) });
  }

  /**
   * True for a session this connection opened before its current one. A node such a session still
   * owns is ours to replace: nothing else can be holding it, and its expiry deletes only what it owns.
   */
  wasPreviousSession(sessionId: string): boolean {
    return this.previous.includes(sessionId);
  }

  /** When the current session last had a request answered or (re)connected: the last confirmed contact. */
  get lastContactAt(): number | undefined {
    return this.current?.lastContactAt;
  }

  /** See ConnectionState: what a recipe should do in each. */
  get state(): ConnectionState {
    return this.fsm.state;
  }

  /**
   * True while our session is disconnected: the server may expire it at any moment then. The client
   * notices a silent connection only after 2/3 of the session timeout, and the server expires a session
   * one timeout after it last heard from it: by the time we notice, a third of the timeout (less our
   * own latency) may be all that is left. What we own is unverified until we are connected again.
   */
  get mayHaveExpired(): boolean {
    return this.current !== undefined && this.fsm.is('disconnected');
  }

  /** True once the connection has been without a connected session for `wedgedAfterMs` (until it has one again). */
  get wedged(): boolean {
    return this.isWedged && !this.fsm.is('closed');
  }

  /** The chroot of the connect string (`/kafka` of `zk1:2181/kafka`), if it has one. */
  get chroot(): string | undefined {
    return this.connectString.chroot;
  }

  /** The current session, if one is established (it may be momentarily disconnected). */
  get session(): Session | undefined {
    return this.current;
  }

  /**
   * Opens the first session. Rejects with ConnectTimeoutError (and leaves nothing open) if no
   * session is granted within `connectTimeoutMs`; its `cause` is why the last connection attempt
   * failed (refused, a name that does not resolve, no answer), when one did.
   */
  async start(): Promise<Session> {
    this.lifecycle.start();
    this.fsm.to('connecting', 'start()');
    const attempt = new AbortController();
    // Said as what it is: a DOM AbortError would leak out of start() otherwise.
    const onStop = (): void => attempt.abort(new StoppedError('connection'));
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    let lastFailure: Error | undefined;
    const onAttemptFailed = (host: string, cause: Error): void => {
      log('connecting to %s failed: %s', host, cause.message);
      lastFailure = cause;
      this.reportAttempt(host, cause);
    };
    const timer = setTimeout(
      () => attempt.abort(new ConnectTimeoutError(this.connectString.hosts, this.connectTimeoutMs)),
      this.connectTimeoutMs,
    );
    try {
      const opening = this.openSession(this.fullConnect(), attempt.signal, onAttemptFailed);
      this.opening = opening.then(
        () => undefined,
        () => undefined,
      );
      const s = await opening;
      // Given up meanwhile (close(), the connect timeout): closed here, never adopted.
      if (attempt.signal.aborted) {
        await s.close();
        throw attempt.signal.reason;
      }
      this.adopt(s);
      this.stall.start();
      return s;
    } catch (err) {
      this.lifecycle.close();
      // close() during start() has said `closed` already; otherwise the start failed on its own.
      const gaveUp = !this.fsm.is('closed');
      // Built now, not when the timer fired: aborting reports the attempt it cut short (a server
      // that took the connection and never answered), and that is the last attempt's failure.
      const failure =
        attempt.signal.reason instanceof ConnectTimeoutError
          ? new ConnectTimeoutError(
              this.connectString.hosts,
              this.connectTimeoutMs,
              lastFailure === undefined ? undefined : { cause: lastFailure },
            )
          : err instanceof KafkaZkRegistrarError
            ? err
            : new UnexpectedError(`connection start failed: ${String(err)}`, { cause: err });
      // Set before the stop below: whoever waits for the first session hears why none comes.
      if (gaveUp) {
        this.failure = failure;
        this.fsm.to('closed', `start() failed: ${failure.message}`);
      }
      this.stall.stop();
      this.stopper.abort();
      // Recipes that share this Connection and wait for its first session hear it too.
      if (gaveUp) this.notify('failed', failure);
      throw failure;
    } finally {
      clearTimeout(timer);
      this.stopper.signal.removeEventListener('abort', onStop);
    }
  }

  /**
   * Records that `holder` maintains the node at `path` on this connection's sessions, and returns the
   * function that releases the claim. Throws PathClaimedError if another holder has it: the owner
   * check compares sessions, and two recipes on one session would both pass it.
   */
  claim(path: string, holder: string): () => void {
    const other = this.claims.get(path);
    if (other !== undefined) throw new PathClaimedError(path, other);
    this.claims.set(path, holder);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.claims.delete(path);
    };
  }

  /** Resolves with a connected session, waiting through disconnects and session replacement. */
  waitForConnected(signal?: AbortSignal): Promise<Session> {
    const s = this.current;
    if (s?.isConnected) return Promise.resolve(s);
    return new Promise<Session>((resolve, reject) => {
      const done = (): void => {
        this.off('connected', onUp);
        this.off('session', onUp);
        this.stopper.signal.removeEventListener('abort', onStop);
        signal?.removeEventListener('abort', onStop);
      };
      const onUp = (session: Session): void => {
        done();
        resolve(session);
      };
      // Why no session comes: the Connection gave up (its error is the cause), or was closed, or the
      // caller stopped waiting. Never the retriable error itself: a caller that retries would spin.
      const stopped = (): KafkaZkRegistrarError =>
        signal?.aborted !== true && this.failure !== undefined
          ? new StoppedError(`connection (it gave up: ${this.failure.message})`, { cause: this.failure })
          : new StoppedError('connection');
      const onStop = (): void => {
        done();
        reject(stopped());
      };
      if (this.stopper.signal.aborted || signal?.aborted === true) {
        reject(stopped());
        return;
      }
      this.on('connected', onUp);
      this.on('session', onUp);
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
      signal?.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Closes the current session (the server deletes its ephemerals) and stops reconnecting. */
  async close(): Promise<void> {
    if (!this.lifecycle.close()) return;
    this.stopTrying();
    this.notify('closed');
    const s = this.current;
    this.current = undefined;
    await s?.close();
    // A session start() or a reopen is still opening is closed by them once they see the stop, and
    // so is a helper's: each ends at the stop (an open is aborted, a request in flight is not waited for).
    await this.opening;
    await this.reopening?.catch(() => undefined);
    await Promise.allSettled(this.helpers);
  }

  /** A new session, authenticated before anyone can use it. */
  private async openSession(
    connect: string,
    signal: AbortSignal,
    onAttemptFailed?: (host: string, cause: Error) => void,
  ): Promise<Session> {
    const s = await Session.open(
      {
        connect,
        sessionTimeoutMs: this.sessionTimeoutMs,
        ...(this.tls === undefined ? {} : { tls: this.tls }),
        ...(onAttemptFailed === undefined ? {} : { onAttemptFailed }),
      },
      signal,
    );
    try {
      // A server that holds the auth reply must not hold close() up: the wait ends with the signal.
      if (this.auth !== undefined) await untilAborted(s.addAuth(this.auth.scheme, this.auth.credentials), signal, 'connection');
      return s;
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  /**
   * Whether the ensemble has lost history our session saw (see adopt(), `refused`): a new session,
   * one request, and its reply's zxid against ours. False when no session is granted in a session
   * timeout (no one serves: an election) or the server is as far as we are.
   */
  private dataLost(s: Session): Promise<boolean> {
    return this.helper(async () => {
      let probe: Session | undefined;
      try {
        const signal = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(s.timeoutMs)]);
        probe = await this.openSession(this.connectString.hosts, signal);
        await untilAborted(probe.exists('/'), signal, 'probing the ensemble');
        const behind = probe.lastZxidSeen < s.lastZxidSeen;
        log(
          'session 0x%s refused; a new session sees zxid 0x%s, ours 0x%s: %s',
          s.id,
          probe.lastZxidSeen.toString(16),
          s.lastZxidSeen.toString(16),
          behind ? 'data lost' : 'not behind',
        );
        return behind;
      } catch (err) {
        log('session 0x%s refused; no new session either (%s): no one serves yet', s.id, (err as Error).message);
        return false;
      } finally {
        await probe?.close().catch(() => undefined);
      }
    });
  }

  /** Runs `work` as a helper that close() waits for. */
  private helper<T>(work: () => Promise<T>): Promise<T> {
    const p = work();
    const untrack = (): void => void this.helpers.delete(tracked);
    const tracked: Promise<void> = p.then(untrack, untrack);
    this.helpers.add(tracked);
    return p;
  }

  private fullConnect(): string {
    return this.connectString.hosts + (this.connectString.chroot ?? '');
  }

  /**
   * Creates the chroot (and its parents) if it is missing, with a chroot-less session, as Kafka does
   * before connecting "inside" it: creates under a missing chroot fail with NoNode forever. Called
   * when a create finds it missing, never on connect, so that a mistyped chroot is not created by a
   * start that its pre-flight then refuses. Concurrent callers in this process share one creation.
   * No-op without a chroot.
   */
  async ensureChroot(signal?: AbortSignal): Promise<void> {
    const chroot = this.connectString.chroot;
    if (chroot === undefined) return;
    const create = (): Promise<void> =>
      this.helper(async () => {
        const bounded = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.connectTimeoutMs)]);
        const s = await this.openSession(this.connectString.hosts, bounded);
        try {
          // Not waited for past close(): the session's close answers whatever is in flight.
          const made = await untilAborted(s.createParents(`${chroot}/x`), this.stopper.signal, 'creating the chroot');
          if (made.length > 0) log('created the chroot %s', made.join(', '));
        } finally {
          await s.close();
        }
      });
    const { result, joined } = chrootCreations.run(`${this.connectString.hosts}${chroot}`, create);
    try {
      await untilAborted(result, signal, 'creating the chroot');
    } catch (err) {
      // The creation we joined runs under its caller's Connection and ends with it (a close()):
      // its failure may be its caller's alone, so this one makes the chroot itself.
      if (!joined || signal?.aborted === true || this.stopper.signal.aborted) throw err;
      await untilAborted(create(), signal, 'creating the chroot');
    }
  }

  private adopt(s: Session): void {
    this.current = s;
    this.clearWedge();
    this.fsm.to('connected', `session 0x${s.id}`);
    // Handlers stay attached after the session is replaced, so they check it is still current.
    // A disconnected session is kept: the client reconnects with it, and only the server can say it
    // expired (a ZooKeeper restart within the session timeout keeps it, as it keeps Kafka's).
    s.on('disconnected', () => {
      if (this.current !== s) return;
      this.fsm.to('disconnected', `session 0x${s.id}`);
      this.armWedge();
      this.notify('disconnected', s);
    });
    // Servers that take our reconnect and close it unanswered: not serving (an election, a start),
    // or refusing us for good (a server that lost its data: our session has seen newer zxids than
    // it has; the Java client would retry for ever). The two look the same on the wire, and need
    // opposite answers: an election ends, and the new leader gives every session a fresh timeout,
    // so our session comes back (giving it up would bounce our broker for nothing: measured under
    // the report's leader stalls, every such give-up was needless); a server that lost its data never
    // takes us back. So, refused for a session timeout with no connection in between, we ask for a
    // new session: none is granted while no one serves (keep trying ours); one that is granted shows
    // the server's zxid in its first reply, and a zxid below the newest our session has seen proves
    // the data loss: the session is given up then (safe: a node of a session we gave up is replaced,
    // never trusted), and only then.
    let refusedSince: number | undefined;
    let probing = false;
    s.on('attemptFailed', (host, cause, closedAtHandshake) => {
      if (this.current !== s) return;
      this.reportAttempt(host, cause);
      if (!closedAtHandshake) return;
      const now = Date.now();
      refusedSince ??= now;
      if (now - refusedSince < s.timeoutMs || probing) return;
      probing = true;
      void this.dataLost(s).then((lost) => {
        probing = false;
        if (this.current !== s) return;
        if (!lost) {
          refusedSince = Date.now(); // ask again after another session timeout of refusals
          return;
        }
        log(
          'session 0x%s: every reconnect closed unanswered (last: %s, %s), and the ensemble is behind what we saw: giving it up',
          s.id,
          host,
          cause.message,
        );
        this.onExpired(s, 'refused');
        void s.abandon();
      });
    });
    s.on('connected', () => {
      if (this.current !== s) return;
      refusedSince = undefined;
      this.lastAttempt = undefined;
      this.clearWedge();
      this.fsm.to('connected', `session 0x${s.id} back`);
      this.notify('connected', s);
    });
    s.on('ended', (reason) => {
      if (reason === 'closed' || this.current !== s) return;
      if (reason === 'auth-failed') {
        this.fail(
          s,
          new AuthFailedError(
            ZOOKEEPER_RC.AUTHFAILED,
            'addAuth',
            this.auth?.scheme,
            `the server refused the credentials of session 0x${s.id}`,
          ),
        );
        return;
      }
      this.onExpired(s, 'server');
    });
    this.notify('session', s);
  }

  /** closed: no more sessions, no more timers. */
  private stopTrying(): void {
    this.lifecycle.close();
    if (!this.fsm.is('closed')) this.fsm.to('closed', 'no more sessions');
    this.stopper.abort();
    this.clearWedge();
    this.stall.stop();
  }

  /** Starts counting time without a connected session (if not already counting). */
  private armWedge(): void {
    this.sessionlessSince ??= Date.now();
    if (this.wedgeTimer !== undefined) return;
    const since = this.sessionlessSince;
    this.wedgeTimer = setTimeout(
      () => {
        // Still without a connected session: adopt() and 'connected' would have cleared this timer.
        this.wedgeTimer = undefined;
        if (this.fsm.is('closed')) return;
        this.isWedged = true;
        log('no connected session for %d ms: wedged', Date.now() - since);
        this.notify('wedged', { sessionlessForMs: Date.now() - since });
      },
      Math.max(0, since + this.wedgedAfterMs - Date.now()),
    );
  }

  private clearWedge(): void {
    if (this.wedgeTimer !== undefined) clearTimeout(this.wedgeTimer);
    this.wedgeTimer = undefined;
    this.sessionlessSince = undefined;
    this.isWedged = false;
  }

  private onExpired(s: Session, cause: ExpiryCause): void {
    this.current = undefined;
    this.previous.push(s.id);
    if (this.previous.length > PREVIOUS_SESSIONS_KEPT) this.previous.shift();
    this.fsm.to('connecting', `session 0x${s.id} expired (${cause})`);
    this.armWedge();
    this.notify('expired', { sessionId: s.id, cause });
    this.reopening = this.reopen();
  }

  /** Refused credentials stay refused: no more sessions (retrying would only hammer the ensemble). */
  private fail(s: Session | undefined, err: KafkaZkRegistrarError): void {
    if (s !== undefined && this.current === s) {
      this.current = undefined;
      this.previous.push(s.id);
      if (this.previous.length > PREVIOUS_SESSIONS_KEPT) this.previous.shift();
    }
    log('the server refused our credentials: giving up');
    this.failure = err;
    this.stopTrying();
    this.notify('failed', err);
  }

  /** `unreachable`, throttled: the same failure at most every 5 s, a different one at once. */
  private reportAttempt(host: string, cause: Error): void {
    const key = `${host}\u0000${cause.message}`;
    const now = Date.now();
    if (this.lastAttempt !== undefined && this.lastAttempt.key === key && now - this.lastAttempt.at < 5000) return;
    this.lastAttempt = { key, at: now };
    this.notify('unreachable', { host, error: cause.message, code: (cause as NodeJS.ErrnoException).code });
  }

  private async reopen(): Promise<void> {
    const signal = this.stopper.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      // A bounded attempt, so that a server that accepts connections and never answers them is not
      // waited on for ever; the client itself goes on trying the other hosts meanwhile.
      const perAttempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(2 * this.sessionTimeoutMs, 2000))]);
      try {
        const s = await this.openSession(this.fullConnect(), perAttempt, (host, cause) => this.reportAttempt(host, cause));
        if (signal.aborted) {
          await s.close();
          return;
        }
        this.adopt(s);
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof AuthFailedError) {
          this.fail(undefined, err);
          return;
        }
        log('opening a new session failed (%s); retrying', (err as Error).message);
        await delay(backoffMs(attempt, this.backoff.min, this.backoff.max), signal).catch(() => undefined);
      }
    }
  }
}

function positiveInt(v: unknown, field: string): number {
  return timerMs(v, field, 1);
}
