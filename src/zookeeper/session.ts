// One ZooKeeper session = one native handle of the `zookeeper` binding, with a promise API and
// typed errors. A handle whose session ended can never be reused (the binding frees its zhandle),
// so this object is single-use by design; `Connection` makes new ones.
import { SafeEmitter } from '../util/safe-emitter.js';
import { ClosingError, InvalidConfigError, NodeExistsError, SessionExpiredError, zooKeeperError, ZRC } from '../errors.js';
import { logger } from '../log.js';

const log = logger('session');
const nativeLog = logger('zk-native');

/** The parts of a ZooKeeper Stat this library exposes. zxids are JS numbers (exact below 2^53). */
export interface Stat {
  readonly czxid: number;
  readonly mzxid: number;
  readonly version: number;
  /** The ACL's version (ZooKeeper's aversion): what setAcl is conditional on. */
  readonly aclVersion: number;
  readonly dataLength: number;
  readonly numChildren: number;
  /** Session id (lowercase hex, no 0x) of the owner of an ephemeral node; "0" for persistent nodes. */
  readonly ephemeralOwner: string;
  readonly ctime: Date;
  readonly mtime: Date;
}

export type WatchEventType = 'created' | 'deleted' | 'changed' | 'child';
export type Watcher = (event: WatchEventType, path: string) => void;
export type CreateMode = 'persistent' | 'ephemeral';

export type SessionEndReason = 'expired' | 'closed';

/** One ACL entry: `perms` (a sum of PERM bits) for `id` in `scheme` (world:anyone, auth, digest:user:hash, ip:...). */
export interface Acl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/** ZooKeeper's permission bits (ZooDefs.Perms). */
export const PERM = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

export interface SessionOptions {
  /** Connect string including an optional chroot. */
  readonly connect: string;
  readonly sessionTimeoutMs: number;
  /**
   * Reattach to an existing session (what the hijack-close test trick uses): its id in hex (as
   * `Session.id` and `Stat.ephemeralOwner` show it, `0x` optional) and its password, 16 bytes in hex,
   * in either case. Both or neither.
   */
  readonly sessionId?: string;
  readonly sessionPassword?: string;
}

/**
 * The binding's form of reattach credentials. It reads a password's hex digits in upper case only:
 * lower-case 'a'..'f' become other bytes, and the server then refuses the attach exactly as if the
 * session had expired (after cutting the session's current connection) — so a password copied from
 * a Java client (lower case) would look like a dead session. The password is never echoed in errors.
 */
function attachCredentials(opts: SessionOptions): { client_id: string; client_password: string } | undefined {
  const { sessionId: id, sessionPassword: password } = opts;
  if (id === undefined && password === undefined) return undefined;
  if (typeof id !== 'string' || !/^(0x)?[0-9a-fA-F]{1,16}$/.test(id)) throw new InvalidConfigError('sessionId', id, 'expected a session id in hex, given together with sessionPassword');
  if (typeof password !== 'string' || !/^[0-9a-fA-F]{32}$/.test(password)) {
    throw new InvalidConfigError('sessionPassword', typeof password === 'string' ? `(${password.length} characters, not shown)` : password, 'expected 32 hex digits (16 bytes), given together with sessionId');
  }
  return { client_id: id.replace(/^0x/, '').toLowerCase(), client_password: password.toUpperCase() };
}

export interface SessionEvents {
  connected: [];
  disconnected: [];
  ended: [reason: SessionEndReason];
}

// The binding's callback-style handle. Typed here, at the one place we touch it, so that no `any`
// leaks into the rest of the library.
interface NativeStat {
  czxid: number;
  mzxid: number;
  version: number;
  aversion: number;
  dataLength: number;
  numChildren: number;
  ephemeralOwner: string;
  ctime: Date;
  mtime: Date;
}
type NativeWatch = (type: number, state: number, path: string) => void;
interface NativeHandle {
  readonly client_id: string;
  readonly client_password: string;
  readonly timeout: number;
  /** zoo_state: 1 connecting, 2 associating, 3 connected; 0 between attempts; negative: over. */
  readonly state: number;
  on(event: 'connect' | 'connecting' | 'close', fn: () => void): void;
  removeAllListeners(): void;
  init(config: object): void;
  close(): void;
  a_create(path: string, data: Buffer, flags: number, cb: (rc: number, err: string, path: string) => void): number;
  a_exists(path: string, watch: boolean, cb: (rc: number, err: string, stat: NativeStat | null) => void): number;
  aw_exists(path: string, w: NativeWatch, cb: (rc: number, err: string, stat: NativeStat | null) => void): number;
  a_get(path: string, watch: boolean, cb: (rc: number, err: string, stat: NativeStat | null, data: Buffer | null) => void): number;
  aw_get(path: string, w: NativeWatch, cb: (rc: number, err: string, stat: NativeStat | null, data: Buffer | null) => void): number;
  a_get_children(path: string, watch: boolean, cb: (rc: number, err: string, children: string[] | null) => void): number;
  aw_get_children(path: string, w: NativeWatch, cb: (rc: number, err: string, children: string[] | null) => void): number;
  a_set(path: string, data: Buffer, version: number, cb: (rc: number, err: string, stat: NativeStat | null) => void): number;
  a_delete_(path: string, version: number, cb: (rc: number, err: string) => void): number;
  a_sync(path: string, cb: (rc: number, err: string, path: string) => void): number;
  add_auth(scheme: string, auth: string, cb: (rc: number, err: string) => void): number;
  a_get_acl(path: string, cb: (rc: number, err: string, acl: NativeAcl[] | null, stat: NativeStat | null) => void): number;
  a_set_acl(path: string, version: number, acl: NativeAclIn[], cb: (rc: number, err: string) => void): number;
}
// The binding reads ACL entries as { perm, scheme, auth } and returns them as { perms, scheme, auth }.
interface NativeAcl {
  perms: number;
  scheme: string;
  auth: string;
}
interface NativeAclIn {
  perm: number;
  scheme: string;
  auth: string;
}
type NativeCtor = new (config: object) => NativeHandle;

const ZOO_EPHEMERAL = 1;
const WATCH_TYPES: Readonly<Record<number, WatchEventType>> = { 1: 'created', 2: 'deleted', 3: 'changed', 4: 'child' };
// zookeeper.h log levels: 0 silences the C client entirely (it otherwise prints to stderr).
const ZOO_LOG_LEVEL_WARN = 2;
const NO_RESPONSE_LIMIT_OFF = 2_147_483_647;

function newNative(connect: string, timeoutMs: number, attach: { client_id: string; client_password: string } | undefined): NativeHandle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Native = require('zookeeper') as NativeCtor;
  const config: Record<string, unknown> = {
    connect,
    timeout: timeoutMs,
    debug_level: nativeLog.enabled ? ZOO_LOG_LEVEL_WARN : 0,
    host_order_deterministic: false,
    // The binding declares a handle expired (and closes it) once the C client's
    // zookeeper_process has returned ZNOTHING 10 times in a row. A handle connecting to, or
    // connected to, a stalled ensemble member does that within milliseconds, so the heuristic
    // reported live sessions as expired and failed every new one during a leader stall. Whether
    // a session is gone is the server's verdict (or our watchdog's, after a full session timeout
    // without a connection), so the heuristic is switched off.
    response_counter_limit: NO_RESPONSE_LIMIT_OFF,
  };
  if (attach !== undefined) Object.assign(config, attach);
  return new Native(config);
}

export class Session extends SafeEmitter<SessionEvents> {
  /** Session id as lowercase hex (the form `Stat.ephemeralOwner` uses). */
  readonly id: string;
  readonly password: string;
  /** The timeout the server granted, which may differ from the one asked for. */
  readonly timeoutMs: number;
  private connected = true;
  private endReason: SessionEndReason | undefined;
  private contactAt = Date.now();
  /** Watchers not yet fired: emptied when the session ends (see nativeWatch). */
  private readonly watchSlots = new Set<{ fn: Watcher | undefined; readonly path: string }>();
  /** Credentials added to this session: a replacement handle must present them again. */
  private readonly auths: { readonly scheme: string; readonly credentials: string }[] = [];
  private reattachTimer: NodeJS.Timeout | undefined;
  /** Replacements in a row without a connection: each waits twice as long as the last (see armReattach). */
  private replacedInARow = 0;
  /** True while a handle is being replaced: its requests end with ZCLOSING, which means connection loss here. */
  private replacing = false;
  /** The watches of a replaced handle are gone with it: fired (as 'changed') once the new one connects. */
  private watchesLost = false;

  private constructor(
    private native: NativeHandle,
    private readonly connectString: string,
  ) {
    super();
    this.id = native.client_id;
    this.password = native.client_password;
    this.timeoutMs = native.timeout;
    this.listen(native);
  }

  private listen(native: NativeHandle): void {
    native.on('connect', () => {
      if (this.endReason !== undefined || native !== this.native) return;
      this.clearReattach();
      this.replacedInARow = 0;
      this.connected = true;
      this.contactAt = Date.now();
      log('session 0x%s reconnected', this.id);
      // Before 'connected': whoever re-checks on reconnect must find its watch gone, and set it again.
      if (this.watchesLost) this.fireLostWatches();
      this.notify('connected');
    });
    native.on('connecting', () => {
      if (this.endReason !== undefined || native !== this.native || !this.connected) return;
      this.connected = false;
      log('session 0x%s disconnected', this.id);
      this.armReattach();
      this.notify('disconnected');
    });
    native.on('close', () => {
      if (native === this.native) this.markEnded('expired');
    });
  }

  // The binding's reconnect can lag by up to a third of the session timeout: when the C client has
  // tried the last server of the connect string, it asks to wait 1/60 of the timeout before the next
  // round (zookeeper_interest returns no socket and that delay), and the binding arms no timer for it
  // (its fd == -1 branch returns early), so nothing happens until the handle's previous timer fires.
  // With one server in the connect string every dropped connection is such a case; it also delays
  // hearing that the session expired meanwhile. So a handle that sits idle between attempts past that
  // delay is replaced by a new handle attached to the same session: it connects at once. Only an idle
  // handle (not connecting, not connected) is replaced: closing it sends nothing to the server, so the
  // session is never closed by this, and there is never more than one handle.
  // The first replacement comes after the C client's own 1/60 of the timeout; while the servers stay
  // unreachable each further one waits twice as long, up to a second (or the third of the timeout the
  // binding alone would take, if that is less): an outage neither churns handles nor delays the
  // reconnect by more than that once a server answers again.
  private armReattach(): void {
    this.clearReattach();
    const first = Math.max(50, Math.round(this.timeoutMs / 60));
    const wait = Math.min(first * 2 ** this.replacedInARow, Math.max(first, Math.min(1000, Math.round(this.timeoutMs / 3))));
    this.reattachTimer = setTimeout(() => this.reattachIfIdle(), wait);
    this.reattachTimer.unref();
  }

  private clearReattach(): void {
    if (this.reattachTimer !== undefined) clearTimeout(this.reattachTimer);
    this.reattachTimer = undefined;
  }

  private reattachIfIdle(): void {
    this.reattachTimer = undefined;
    if (this.endReason !== undefined || this.connected) return;
    const state = this.native.state;
    // Connecting or associating: that attempt is bounded by the C client's own timer; look again later.
    if (state !== 0) {
      if (state > 0) this.armReattach();
      return;
    }
    log('session 0x%s: the handle idles between connection attempts; replacing it', this.id);
    this.replacedInARow++;
    const old = this.native;
    old.removeAllListeners();
    this.replacing = true;
    try {
      old.close();
    } finally {
      this.replacing = false;
    }
    this.watchesLost = this.watchesLost || this.watchSlots.size > 0;
    const next = newNative(this.connectString, this.timeoutMs, { client_id: this.id, client_password: this.password });
    this.native = next;
    this.listen(next);
    next.init({});
    // The C client keeps these and presents them as soon as it connects, before any request.
    for (const a of this.auths) next.add_auth(a.scheme, a.credentials, () => undefined);
    this.armReattach();
  }

  private fireLostWatches(): void {
    this.watchesLost = false;
    const lost = [...this.watchSlots];
    this.watchSlots.clear();
    for (const slot of lost) {
      const fn = slot.fn;
      slot.fn = undefined;
      fn?.('changed', slot.path);
    }
  }

  /**
   * Opens a handle and resolves once the server has granted a session. Rejects (and frees the
   * handle) if the session ends first or `signal` aborts.
   */
  static open(opts: SessionOptions, signal?: AbortSignal): Promise<Session> {
    let attach: ReturnType<typeof attachCredentials>;
    try {
      attach = attachCredentials(opts);
    } catch (err) {
      return Promise.reject(err);
    }
    const native = newNative(opts.connect, opts.sessionTimeoutMs, attach);
    return new Promise<Session>((resolve, reject) => {
      const onAbort = (): void => {
        cleanup();
        native.close();
        reject(signal?.reason instanceof Error ? signal.reason : new ClosingError(ZRC.CLOSING, 'connect', undefined, 'aborted'));
      };
      const cleanup = (): void => {
        native.removeAllListeners();
        signal?.removeEventListener('abort', onAbort);
      };
      native.on('connect', () => {
        cleanup();
        const s = new Session(native, opts.connect);
        log('session 0x%s established, timeout %d ms', s.id, s.timeoutMs);
        resolve(s);
      });
      native.on('close', () => {
        cleanup();
        reject(new SessionExpiredError(ZRC.SESSIONEXPIRED, 'connect', undefined, 'session ended before it was established'));
      });
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      native.init({});
    });
  }

  get isConnected(): boolean {
    return this.connected && this.endReason === undefined;
  }

  get ended(): SessionEndReason | undefined {
    return this.endReason;
  }

  /** When a request of this session was last answered, or it last (re)connected (epoch ms). */
  get lastContactAt(): number {
    return this.contactAt;
  }

  /** Closes the session: the server deletes its ephemeral nodes. Idempotent. */
  close(): void {
    if (this.endReason !== undefined) return;
    this.markEnded('closed');
    this.native.close();
  }

  /**
   * Gives up on the handle without telling the server (the watchdog's verdict on a handle that
   * has stopped hearing from the server). The server expires the session on its own clock.
   */
  abandon(): void {
    if (this.endReason !== undefined) return;
    this.markEnded('expired');
    this.native.close();
  }

  create(path: string, data: Buffer, mode: CreateMode): Promise<string> {
    return this.call<string>('create', path, (done) =>
      this.native.a_create(path, data, mode === 'ephemeral' ? ZOO_EPHEMERAL : 0, (rc, err, created) =>
        done(rc, err, () => created),
      ),
    );
  }

  /** Creates each missing ancestor of `path` (not `path` itself) as an empty persistent node; returns those it created. */
  async createParents(path: string): Promise<string[]> {
    const parts = path.split('/').filter((p) => p !== '');
    const made: string[] = [];
    let cur = '';
    for (const part of parts.slice(0, -1)) {
      cur += `/${part}`;
      try {
        await this.create(cur, Buffer.alloc(0), 'persistent');
        made.push(cur);
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
    return made;
  }

  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return this.call<Stat | null>('exists', path, (done) => {
      const cb = (rc: number, err: string, stat: NativeStat | null): void =>
        rc === ZRC.NONODE ? done(ZRC.OK, err, () => null) : done(rc, err, () => (stat === null ? null : toStat(stat)));
      return watcher === undefined
        ? this.native.a_exists(path, false, cb)
        : this.native.aw_exists(path, this.nativeWatch(watcher, path), cb);
    });
  }

  get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    return this.call('get', path, (done) => {
      const cb = (rc: number, err: string, stat: NativeStat | null, data: Buffer | null): void =>
        done(rc, err, () => ({ data: data ?? Buffer.alloc(0), stat: toStat(stat as NativeStat) }));
      return watcher === undefined
        ? this.native.a_get(path, false, cb)
        : this.native.aw_get(path, this.nativeWatch(watcher, path), cb);
    });
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.call('getChildren', path, (done) => {
      const cb = (rc: number, err: string, children: string[] | null): void => done(rc, err, () => children ?? []);
      return watcher === undefined
        ? this.native.a_get_children(path, false, cb)
        : this.native.aw_get_children(path, this.nativeWatch(watcher, path), cb);
    });
  }

  /** Conditional write: fails with BadVersionError unless the node is at `version` (-1: any). */
  set(path: string, data: Buffer, version: number): Promise<Stat> {
    return this.call('set', path, (done) =>
      this.native.a_set(path, data, version, (rc, err, stat) => done(rc, err, () => toStat(stat as NativeStat))),
    );
  }

  /** Conditional delete: fails with BadVersionError unless the node is at `version` (-1: any). */
  delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (done) => this.native.a_delete_(path, version, (rc, err) => done(rc, err, () => undefined)));
  }

  /**
   * Makes the server this handle talks to catch up with the leader, so that the next read sees
   * every write committed before it (reads from a follower may otherwise lag).
   */
  sync(path: string): Promise<void> {
    return this.call('sync', path, (done) => this.native.a_sync(path, (rc, err) => done(rc, err, () => undefined)));
  }

  /**
   * Adds credentials to this session (ZooKeeper's addAuthInfo): every later request carries that
   * identity. The credentials are handed to the server and kept nowhere by this library; errors
   * never include them.
   */
  addAuth(scheme: string, credentials: string): Promise<void> {
    this.auths.push({ scheme, credentials });
    return this.call('addAuth', scheme, (done) => this.native.add_auth(scheme, credentials, (rc, err) => done(rc, err, () => undefined)));
  }

  /** The node's ACL, and its stat (`aclVersion` is what setAcl is conditional on). */
  getAcl(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return this.call('getAcl', path, (done) =>
      this.native.a_get_acl(path, (rc, err, acl, stat) =>
        done(rc, err, () => ({ acl: (acl ?? []).map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.auth })), stat: toStat(stat as NativeStat) })),
      ),
    );
  }

  /** Sets the node's ACL, conditional on its ACL version (`aversion`; -1: any). */
  setAcl(path: string, aclVersion: number, acl: readonly Acl[]): Promise<void> {
    return this.call('setAcl', path, (done) =>
      this.native.a_set_acl(path, aclVersion, acl.map((a) => ({ perm: a.perms, scheme: a.scheme, auth: a.id })), (rc, err) => done(rc, err, () => undefined)),
    );
  }

  private markEnded(reason: SessionEndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.connected = false;
    this.clearReattach();
    for (const slot of this.watchSlots) slot.fn = undefined;
    this.watchSlots.clear();
    // The binding keeps its handle object alive for good once a watch was set on it (it never frees
    // watcher callbacks, which point back at the handle): drop everything of ours it could reach.
    this.native.removeAllListeners();
    log('session 0x%s ended: %s', this.id, reason);
    this.notify('ended', reason);
  }

  // A watch event with type -1 is a session-state notification the C client copies to every
  // registered watcher; the watch itself is still armed, so those are not passed on.
  //
  // The binding never frees a watcher function it was given (a global handle per watch, for the
  // life of the process). So the function it holds retains only a small slot, emptied when the watch
  // fires or the session ends: what a watch leaks is that slot (a few hundred bytes), not the
  // watcher's owner (a whole recipe, kilobytes).
  private nativeWatch(watcher: Watcher, path: string): NativeWatch {
    const slot: { fn: Watcher | undefined; readonly path: string } = { fn: watcher, path };
    const slots = this.watchSlots;
    slots.add(slot);
    return (type, _state, path) => {
      const ev = WATCH_TYPES[type];
      const fn = slot.fn;
      if (ev === undefined || fn === undefined) return;
      slot.fn = undefined;
      slots.delete(slot);
      fn(ev, path);
    };
  }

  // Completions run inside the native callback, where a thrown exception would leave the promise
  // pending forever; so results are built lazily, only for rc 0, and guarded.
  private call<T>(op: string, path: string, start: (done: (rc: number, err: string, value: () => T) => void) => number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const rc = start((code, text, value) => {
        if (answeredByServer(code)) this.contactAt = Date.now();
        if (code === ZRC.CLOSING && this.replacing) {
          // Cut off with the handle we replaced, as with any connection loss: it may have been applied.
          reject(zooKeeperError(ZRC.CONNECTIONLOSS, op, path, 'connection lost (handle replaced)'));
          return;
        }
        if (code !== ZRC.OK) {
          reject(zooKeeperError(code, op, path, text));
          return;
        }
        try {
          resolve(value());
        } catch (err) {
          reject(err);
        }
      });
      // A non-zero synchronous return means the callback will never run (e.g. -9 on a dead handle).
      if (rc !== ZRC.OK) {
        reject(
          this.endReason === 'closed'
            ? new ClosingError(ZRC.CLOSING, op, path, 'session closed by this client')
            : zooKeeperError(rc, op, path, 'rejected by the client library'),
        );
      }
    });
  }
}

/** OK and the API errors (NoNode, NodeExists, BadVersion, ...) are answers from the server; connection
 * loss, timeouts and session-state codes come from the client library itself. */
function answeredByServer(rc: number): boolean {
  return rc === ZRC.OK || (rc <= ZRC.NONODE && rc !== ZRC.SESSIONEXPIRED && rc !== ZRC.CLOSING && rc !== ZRC.SESSIONMOVED);
}

function toStat(s: NativeStat): Stat {
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    version: s.version,
    aclVersion: s.aversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    ephemeralOwner: s.ephemeralOwner,
    ctime: s.ctime,
    mtime: s.mtime,
  };
}
