// One ZooKeeper session, as the rest of the library uses it: our own client (client/zk-client.ts)
// behind the small surface the recipes need, with typed errors and one-shot watchers. The session
// survives lost connections (the client reconnects with the same session id until the server says
// it expired); once it has ended it is over for good, so this object is single-use by design and
// `Connection` makes new ones.
import { SafeEmitter } from '../util/safe-emitter.js';
import { ClosingError, ZOOKEEPER_RC } from '../errors.js';
import { logger } from '../log.js';
import { ZkClient, type MultiOpInput, type MultiOutcome } from './client/zk-client.js';
export type { MultiOpInput, MultiOpResult, MultiOutcome } from './client/zk-client.js';
import type { ClientEndReason } from './client/client-connection.js';
import { validateTls, type ZooKeeperTls } from './tls.js';
import { checkOptionKeys } from '../util/options.js';
import type { Acl, CreateMode, Stat, Watcher } from './types.js';

export { ANY_VERSION, PERM } from './types.js';
export type { Acl, CreateMode, Stat, WatchEventType, Watcher } from './types.js';

const log = logger('session');

/**
 * Why a session ended: `expired` (the server said so, or this process gave it up: see abandon()),
 * `closed` (close()), `auth-failed` (the server refused the session's credentials).
 */
export type SessionEndReason = ClientEndReason;

/** Options of `Session.open`. */
export interface SessionOptions {
  /** Connect string including an optional chroot; IPv6 addresses in brackets (`[::1]:2181`). */
  readonly connect: string;
  /**
   * Requested session timeout in ms; the server clamps it to its minSessionTimeout..maxSessionTimeout (the
   * granted one is `timeoutMs`).
   */
  readonly sessionTimeoutMs: number;
  /**
   * Reattach to an existing session (what the hijack-close test trick uses): its id in hex (as
   * `Session.id` and `Stat.ephemeralOwner` show it, `0x` optional) and its password, 16 bytes in hex,
   * in either case. Both or neither.
   */
  readonly sessionId?: string;
  /**
   * The session's password, 32 hex digits (16 bytes), either case; with `sessionId`. A malformed one is an
   * InvalidConfigError that does not echo it.
   */
  readonly sessionPassword?: string;
  /**
   * TLS to the servers' secure client port (see ZooKeeperTls); default plain TCP. Invalid options
   * reject with InvalidConfigError naming `tls.<option>`; a failed handshake is an attempt's cause.
   */
  readonly tls?: ZooKeeperTls;
  /**
   * Told of each connection attempt that fails before the session is established, with its cause.
   * When the open is given up (its signal), the attempt under way is told too if it says something:
   * a socket error it hit, the only attempt so far, or a wait of 500 ms or more (a server that took
   * the connection and said nothing); a retry given up a few ms into it is not, so that the failure
   * told before it stays the last.
   */
  readonly onAttemptFailed?: (host: string, cause: Error) => void;
}

const SESSION_OPTION_KEYS = Object.keys({
  connect: true,
  sessionTimeoutMs: true,
  sessionId: true,
  sessionPassword: true,
  tls: true,
  onAttemptFailed: true,
} satisfies Record<keyof SessionOptions, true>);

/** The events of Session. */
export interface SessionEvents {
  /** The session's connection is back (same session), after `disconnected`. */
  connected: [];
  /**
   * The session lost its server connection; the client reconnects by itself, and the session lives until the
   * server says it expired.
   */
  disconnected: [];
  /** A reconnect attempt failed (see ClientConnectionEvents.attemptFailed for `closedAtHandshake`). */
  attemptFailed: [host: string, cause: Error, closedAtHandshake: boolean];
  /** The session ended for good (see SessionEndReason); emitted once. */
  ended: [reason: SessionEndReason];
}

/**
 * The pause before going round the host list again, and the most random delay before a reconnect:
 * the Java client's 1 s each, but never more than a tenth of the session timeout, so that with a
 * short timeout a lost connection (noticed after 2/3 of it) is retried while the session lives.
 */
function reconnectPaceMs(sessionTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(sessionTimeoutMs / 10)));
}

/**
 * One ZooKeeper session with a promise API, on this library's own client (src/zookeeper/client/): it
 * survives lost connections (reconnecting host after host with the same id and password, presenting
 * credentials and watches again) and ends only when the server expires it, `close()` or `abandon()`. Every
 * failure is a ZooKeeperError subclass with ZooKeeper's return code as `zkCode`.
 */
export class Session extends SafeEmitter<SessionEvents> {
  /** Session id as lowercase hex (the form `Stat.ephemeralOwner` uses). */
  readonly id: string;
  /** The session password, 32 lowercase hex digits: with `id`, what reattaches to the session. */
  readonly password: string;
  private endReason: SessionEndReason | undefined;

  private constructor(private readonly client: ZkClient) {
    super();
    this.id = client.id;
    this.password = client.password;
    client.on('connected', () => {
      if (this.endReason !== undefined) return;
      log('session 0x%s reconnected', this.id);
      this.notify('connected');
    });
    client.on('disconnected', () => {
      if (this.endReason !== undefined) return;
      log('session 0x%s disconnected', this.id);
      this.notify('disconnected');
    });
    client.connection.on('attemptFailed', (host, cause, closedAtHandshake) => {
      if (this.endReason === undefined) this.notify('attemptFailed', host, cause, closedAtHandshake);
    });
    client.on('ended', (reason: ClientEndReason) => this.markEnded(reason));
  }

  /**
   * Connects and resolves once the server has granted the session (or accepted the reattach).
   * Until then every host is tried in turn, again and again: bound it with `signal`, which closes
   * the client and rejects with its reason. Rejects at once if the server says a reattached
   * session expired (SessionExpiredError).
   */
  static async open(opts: SessionOptions, signal?: AbortSignal): Promise<Session> {
    // A key it does not know (a typo, or a Connection's `auth`, which a Session does not take: use
    // addAuth) is refused, never silently an unauthenticated session.
    checkOptionKeys(opts, SESSION_OPTION_KEYS, 'options', '{ connect, sessionTimeoutMs, sessionId?, sessionPassword?, tls? }');
    const pace = reconnectPaceMs(opts.sessionTimeoutMs);
    const tls = opts.tls === undefined ? undefined : validateTls(opts.tls, 'tls');
    let client: ZkClient;
    try {
      client = await ZkClient.connect(
        {
          connect: opts.connect,
          sessionTimeoutMs: opts.sessionTimeoutMs,
          retryListPauseMs: pace,
          reconnectJitterMs: pace,
          ...(opts.sessionId === undefined ? {} : { sessionId: opts.sessionId }),
          ...(opts.sessionPassword === undefined ? {} : { sessionPassword: opts.sessionPassword }),
          ...(tls === undefined ? {} : { tls }),
          ...(opts.onAttemptFailed === undefined ? {} : { onAttemptFailed: opts.onAttemptFailed }),
        },
        signal,
      );
    } catch (err) {
      if (signal?.aborted === true && !(signal.reason instanceof Error))
        throw new ClosingError(ZOOKEEPER_RC.CLOSING, 'connect', undefined, 'aborted');
      throw err;
    }
    const s = new Session(client);
    log('session 0x%s established, timeout %d ms', s.id, s.timeoutMs);
    return s;
  }

  /** The timeout the server granted, which may differ from the one asked for. */
  get timeoutMs(): number {
    return this.client.timeoutMs;
  }

  /** True while the session lives and has a server connection. */
  get isConnected(): boolean {
    return this.endReason === undefined && this.client.isConnected;
  }

  /** Why the session ended; undefined while it lives. */
  get ended(): SessionEndReason | undefined {
    return this.endReason;
  }

  /** When the server was last heard from on this session (a reply, a ping's answer, a (re)connect; epoch ms). */
  get lastContactAt(): number {
    return this.client.lastContactAt;
  }

  /** The highest zxid of any reply this session has had (ZooKeeper's lastZxidSeen). */
  get lastZxidSeen(): bigint {
    return this.client.lastZxidSeen;
  }

  /**
   * Closes the session: the server deletes its ephemeral nodes. `ended` is `closed` at once; the
   * promise resolves once the server has confirmed it (or could not be told: then the session
   * expires there) and the socket is closed. Idempotent.
   */
  close(): Promise<void> {
    this.markEnded('closed');
    return this.client.close();
  }

  /**
   * Gives the session up without telling the server (this process was frozen past the session
   * timeout: whatever it owned is unverifiable). The server expires it on its own clock. `ended`
   * is `expired` at once. Idempotent.
   */
  abandon(): Promise<void> {
    this.markEnded('expired');
    return this.client.abandon();
  }

  /** Creates a node, with `acl` from the start when given (default: open to everyone, ZooKeeper's OPEN_ACL_UNSAFE). */
  create(path: string, data: Buffer, mode: CreateMode, acl?: readonly Acl[]): Promise<string> {
    return this.client.create(path, data, acl === undefined ? mode : { mode, acl });
  }

  /**
   * Creates each missing ancestor of `path` (not `path` itself) as an empty persistent node, with
   * `acl` when given; returns those it created.
   */
  createParents(path: string, acl?: readonly Acl[]): Promise<string[]> {
    return this.client.createParents(path, acl);
  }

  /** ZooKeeper's multi: every op applied at one zxid, or none (see ZkClient.multi). */
  multi(ops: readonly MultiOpInput[]): Promise<MultiOutcome> {
    return this.client.multi(ops);
  }

  /**
   * The node's Stat, or null when there is no node; `watcher` (one-shot) fires on its creation, deletion or
   * change.
   */
  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return this.client.exists(path, watcher);
  }

  /**
   * The node's data and Stat; NoNodeError when it does not exist. `watcher` (one-shot) fires on its deletion
   * or change.
   */
  get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    return this.client.get(path, watcher);
  }

  /**
   * The names of the node's children (unsorted); NoNodeError when it does not exist. `watcher` (one-shot)
   * fires when a child is added or removed, or the node is deleted.
   */
  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.client.getChildren(path, watcher);
  }

  /** Conditional write: fails with BadVersionError unless the node is at `version` (-1: any). */
  set(path: string, data: Buffer, version: number): Promise<Stat> {
    return this.client.set(path, data, version);
  }

  /** Conditional delete: fails with BadVersionError unless the node is at `version` (-1: any). */
  delete(path: string, version: number): Promise<void> {
    return this.client.delete(path, version);
  }

  /**
   * Makes the server this session talks to catch up with the leader, so that the next read sees
   * every write committed before it (reads from a follower may otherwise lag).
   */
  sync(path: string): Promise<void> {
    return this.client.sync(path);
  }

  /**
   * Adds credentials to this session (ZooKeeper's addAuthInfo): every later request carries that
   * identity, and the client presents them again first of all on every reconnect. Errors never
   * include them.
   */
  addAuth(scheme: string, credentials: string): Promise<void> {
    return this.client.addAuth(scheme, credentials);
  }

  /**
   * The identities the server attached to this session's connection (ZooKeeper 3.7+'s whoAmI): `ip`
   * always, one entry per accepted addAuth. What an ACL is checked against, so the way to explain a
   * NoAuth. A digest's entry shows the user name only. UnimplementedError before 3.7 (the server then
   * closes the connection once; the session lives on).
   */
  async whoAmI(): Promise<{ readonly scheme: string; readonly id: string }[]> {
    const infos = await this.client.whoAmI();
    // Servers show a digest identity as `user`; strip a hash, should one ever be there.
    return infos.map((i) => ({ scheme: i.authScheme, id: i.authScheme === 'digest' ? (i.user.split(':')[0] ?? '') : i.user }));
  }

  /** The node's ACL, and its stat (`aclVersion` is what setAcl is conditional on). */
  getAcl(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return this.client.getAcl(path);
  }

  /** Sets the node's ACL, conditional on its ACL version (`aversion`; -1: any). */
  async setAcl(path: string, aclVersion: number, acl: readonly Acl[]): Promise<void> {
    await this.client.setAcl(path, aclVersion, acl);
  }

  private markEnded(reason: SessionEndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    log('session 0x%s ended: %s', this.id, reason);
    this.notify('ended', reason);
  }
}
