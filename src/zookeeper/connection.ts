// A connection that outlives ZooKeeper sessions. When a session ends (declared expired by the
// server, or judged dead by the watchdog) it opens a new one by itself and announces it; users of
// the connection re-create whatever ephemeral state they need on the new session.
import { setMaxListeners } from 'node:events';
import { SafeEmitter } from '../util/safe-emitter.js';
import { Lifecycle } from '../util/lifecycle.js';
import { AuthFailedError, ConnectTimeoutError, InvalidConfigError, PathClaimedError, StoppedError, type KafkaZkRegistrarError } from '../errors.js';
import { logger } from '../log.js';
import { backoffMs, delay } from '../util/timing.js';
import { parseConnectString, type ParsedConnectString } from './connect-string.js';
import { Session } from './session.js';
import { digestId, rejectSecureTransport, validateAuth, type ZooKeeperAuth } from './auth.js';
import { StallDetector } from './stall-detector.js';

const log = logger('connection');
// Sessions live at most maxSessionTimeout after we give them up; a handful covers any burst of expiries.
const PREVIOUS_SESSIONS_KEPT = 16;
// Chroot creations in flight in this process (hosts + chroot): a thousand Connections that find the
// same chroot missing at once share one extra session and one create, not a thousand.
const chrootsInFlight = new Map<string, Promise<void>>();

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
   * How long without a session (while trying) before the `wedged` event, /livez 503 and the CLI's
   * exit: a new process is the remedy for wedged handles. Default: 10 session timeouts, at least 60000.
   */
  readonly wedgedAfterMs?: number;
  /**
   * Credentials added to every session (the first and each replacement) before anything else is
   * sent on it. Only ZooKeeper's `digest` scheme (`user:password`) works with the binding.
   */
  readonly auth?: ZooKeeperAuth;
  /** Backoff between attempts to open a new session after expiry. Default 100..5000 ms, jittered. */
  readonly reconnectBackoffMs?: { readonly min: number; readonly max: number };
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';
/** Who decided the session is gone: the server said so, our watchdog (disconnected longer than the
 * session timeout), or a stall (this process was frozen longer than the session timeout). */
export type ExpiryCause = 'server' | 'watchdog' | 'stall';

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
  /** The connection gave up for good (the server refused our credentials): no more sessions are opened. */
  failed: [error: KafkaZkRegistrarError];
  /**
   * No session for `wedgedAfterMs` although the connection keeps trying. The ensemble may be down; or
   * this process's handles are wedged (seen with the binding after a leader stall: a handle that
   * busy-loops and new handles that never finish connecting, while other processes reconnect).
   * Restarting the process is the remedy for the latter: the CLI exits, /livez turns 503.
   */
  wedged: [info: { readonly sessionlessForMs: number }];
}

export class Connection extends SafeEmitter<ConnectionEvents> {
  readonly connectString: ParsedConnectString;
  readonly sessionTimeoutMs: number;
  readonly connectTimeoutMs: number;
  private readonly backoff: { readonly min: number; readonly max: number };
  private readonly auth: Required<ZooKeeperAuth> | undefined;
  /** The digest identity (`user:base64(sha1(user:password))`) our credentials give us, for ACLs. */
  readonly identity: string | undefined;
  private current: Session | undefined;
  private st: ConnectionState = 'idle';
  private readonly stopper = new AbortController();
  private watchdog: NodeJS.Timeout | undefined;
  private reopening: Promise<void> | undefined;
  private readonly claims = new Map<string, string>();
  private readonly lifecycle = new Lifecycle('Connection');
  private readonly stall: StallDetector;
  private sessionlessSince: number | undefined;
  private wedgeTimer: NodeJS.Timeout | undefined;
  private isWedged = false;
  /** How long without a session counts as wedged. */
  readonly wedgedAfterMs: number;
  /** Ids of the sessions this connection opened and gave up, newest last (bounded). */
  private readonly previous: string[] = [];

  constructor(opts: ConnectionOptions) {
    super();
    // Every recipe on a shared connection listens to it (and to its stop signal) until it stops: 50
    // registrars on one Connection are a use, not a leak (integration/leaks.test.ts checks that
    // stopped ones leave nothing behind), so Node's leak warning at 10 listeners does not apply.
    this.setMaxListeners(0);
    setMaxListeners(0, this.stopper.signal);
    rejectSecureTransport(opts, 'zookeeper');
    this.connectString = parseConnectString(opts.connect);
    this.sessionTimeoutMs = positiveInt(opts.sessionTimeoutMs ?? 18_000, 'zookeeper.sessionTimeoutMs');
    this.connectTimeoutMs = positiveInt(opts.connectTimeoutMs ?? 30_000, 'zookeeper.connectTimeoutMs');
    const b = opts.reconnectBackoffMs ?? { min: 100, max: 5000 };
    positiveInt(b.min, 'zookeeper.reconnectBackoffMs.min');
    positiveInt(b.max, 'zookeeper.reconnectBackoffMs.max');
    if (b.max < b.min) throw new InvalidConfigError('zookeeper.reconnectBackoffMs.max', b.max, 'must be >= min');
    this.backoff = b;
    this.auth = opts.auth === undefined ? undefined : validateAuth(opts.auth, 'zookeeper.auth');
    this.identity = this.auth === undefined ? undefined : digestId(this.auth);
    this.wedgedAfterMs = opts.wedgedAfterMs === undefined ? Math.max(10 * this.sessionTimeoutMs, 60_000) : positiveInt(opts.wedgedAfterMs, 'zookeeper.wedgedAfterMs');
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
      log('this process was frozen for %d ms, longer than session 0x%s\'s timeout (%d ms): treating it as expired', Math.round(frozenMs), s.id, s.timeoutMs);
      this.onExpired(s, 'stall');
      s.abandon();
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

  get state(): ConnectionState {
    return this.st;
  }

  /**
   * True while our session is disconnected: the server may expire it at any moment then. The C client
   * notices a silent connection only after 2/3 of the session timeout, and the server expires a session
   * one timeout after it last heard from it: by the time we notice, a third of the timeout (less our
   * own latency) may be all that is left. What we own is unverified until we are connected again.
   */
  get mayHaveExpired(): boolean {
    return this.current !== undefined && this.st === 'disconnected';
  }

  /** True once the connection has been without a session for `wedgedAfterMs` (until it gets one). */
  get wedged(): boolean {
    return this.isWedged && this.st !== 'closed';
  }

  /** The current session, if one is established (it may be momentarily disconnected). */
  get session(): Session | undefined {
    return this.current;
  }

  /**
   * Opens the first session. Rejects with ConnectTimeoutError (and leaves nothing open) if no
   * session is granted within `connectTimeoutMs`.
   */
  async start(): Promise<Session> {
    this.lifecycle.start();
    this.st = 'connecting';
    const attempt = new AbortController();
    // Said as what it is: a DOM AbortError would leak out of start() otherwise.
    const onStop = (): void => attempt.abort(new StoppedError('connection'));
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new ConnectTimeoutError(this.connectString.hosts, this.connectTimeoutMs)), this.connectTimeoutMs);
    try {
      const s = await this.openSession(this.fullConnect(), attempt.signal);
      this.adopt(s);
      this.stall.start();
      return s;
    } catch (err) {
      this.lifecycle.close();
      this.st = 'closed';
      this.stall.stop();
      this.stopper.abort();
      throw attempt.signal.reason instanceof ConnectTimeoutError ? attempt.signal.reason : err;
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
    if (s !== undefined && s.isConnected) return Promise.resolve(s);
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
      const onStop = (): void => {
        done();
        reject(new StoppedError('connection'));
      };
      if (this.stopper.signal.aborted || signal?.aborted === true) {
        reject(new StoppedError('connection'));
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
    const s = this.current;
    this.current = undefined;
    s?.close();
    await this.reopening?.catch(() => undefined);
  }

  /** A new session, authenticated before anyone can use it. */
  private async openSession(connect: string, signal: AbortSignal): Promise<Session> {
    const s = await Session.open({ connect, sessionTimeoutMs: this.sessionTimeoutMs }, signal);
    if (this.auth === undefined) return s;
    try {
      await s.addAuth(this.auth.scheme, this.auth.credentials);
      return s;
    } catch (err) {
      s.close();
      throw err;
    }
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
    const key = `${this.connectString.hosts}${chroot}`;
    let inFlight = chrootsInFlight.get(key);
    if (inFlight === undefined) {
      inFlight = (async () => {
        const s = await this.openSession(this.connectString.hosts, AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.connectTimeoutMs)]));
        try {
          const made = await s.createParents(`${chroot}/x`);
          if (made.length > 0) log('created the chroot %s', made.join(', '));
        } finally {
          s.close();
        }
      })().finally(() => chrootsInFlight.delete(key));
      chrootsInFlight.set(key, inFlight);
    }
    await (signal === undefined ? inFlight : Promise.race([inFlight, abortion(signal)]));
  }

  private adopt(s: Session): void {
    this.current = s;
    this.sessionlessSince = undefined;
    this.isWedged = false;
    this.clearWedgeTimer();
    this.st = 'connected';
    // Handlers stay attached after the session is replaced, so they check it is still current.
    s.on('disconnected', () => {
      if (this.current !== s) return;
      this.st = 'disconnected';
      this.armWatchdog(s);
      this.notify('disconnected', s);
    });
    s.on('connected', () => {
      if (this.current !== s) return;
      this.clearWatchdog();
      this.st = 'connected';
      this.notify('connected', s);
    });
    s.on('ended', (reason) => {
      if (reason === 'closed' || this.current !== s) return;
      this.onExpired(s, 'server');
    });
    this.notify('session', s);
  }

  // The C client reconnects on its own, but a handle was seen to stop getting socket events after
  // a failover and never recover. A session cannot outlive its timeout without a connection, so
  // after that long disconnected the session is dead to the server too: replacing it is safe,
  // and owners of ephemerals never trust a node of the old session anyway.
  private armWatchdog(s: Session): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (this.current !== s || s.isConnected) return;
      log('session 0x%s disconnected for %d ms: treating it as expired', s.id, s.timeoutMs);
      this.onExpired(s, 'watchdog');
      s.abandon();
    }, s.timeoutMs);
  }

  /** closed: no more sessions, no more timers. */
  private stopTrying(): void {
    this.lifecycle.close();
    this.st = 'closed';
    this.stopper.abort();
    this.clearWatchdog();
    this.clearWedgeTimer();
    this.stall.stop();
  }

  private clearWedgeTimer(): void {
    if (this.wedgeTimer !== undefined) clearTimeout(this.wedgeTimer);
    this.wedgeTimer = undefined;
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private onExpired(s: Session, cause: ExpiryCause): void {
    this.clearWatchdog();
    this.current = undefined;
    this.previous.push(s.id);
    if (this.previous.length > PREVIOUS_SESSIONS_KEPT) this.previous.shift();
    this.st = 'connecting';
    this.sessionlessSince = Date.now();
    this.wedgeTimer = setTimeout(() => {
      // Still no session: adopt() would have cleared this timer.
      this.wedgeTimer = undefined;
      if (this.st === 'closed') return;
      this.isWedged = true;
      log('no session for %d ms: wedged?', this.wedgedAfterMs);
      this.notify('wedged', { sessionlessForMs: Date.now() - (this.sessionlessSince as number) });
    }, this.wedgedAfterMs);
    log('session 0x%s expired (%s)', s.id, cause);
    this.notify('expired', { sessionId: s.id, cause });
    this.reopening = this.reopen();
  }

  private async reopen(): Promise<void> {
    const signal = this.stopper.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      // A bounded attempt: a handle that never connects is replaced rather than trusted forever.
      const perAttempt = AbortSignal.any([signal, AbortSignal.timeout(Math.max(2 * this.sessionTimeoutMs, 2000))]);
      try {
        const s = await this.openSession(this.fullConnect(), perAttempt);
        if (signal.aborted) {
          s.close();
          return;
        }
        this.adopt(s);
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof AuthFailedError) {
          // Refused credentials stay refused: retrying would only hammer the ensemble.
          log('the server refused our credentials: giving up');
          this.stopTrying();
          this.notify('failed', err);
          return;
        }
        log('opening a new session failed (%s); retrying', (err as Error).message);
        await delay(backoffMs(attempt, this.backoff.min, this.backoff.max), signal).catch(() => undefined);
      }
    }
  }
}

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new InvalidConfigError(field, v, 'expected a positive integer number of milliseconds');
  }
  return v;
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = (): void => reject(new StoppedError('creating the chroot'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
