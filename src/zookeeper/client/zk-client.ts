// The promise API over a ClientConnection: what the Java client's ZooKeeper class is to ClientCnxn.
// Paths go out with the chroot and come back without it; server error codes become the library's
// typed errors (zooKeeperError), UNIMPLEMENTED an UnimplementedError; Stats and ACLs take the
// library's shapes (types.ts). Session (session.ts) is a thin layer over it.
import {
  describe,
  InvalidConfigError,
  NodeExistsError,
  SessionExpiredError,
  ZOOKEEPER_RC,
  zooKeeperError,
  type ZooKeeperError,
} from '../../errors.js';
import { callUserCode, SafeEmitter } from '../../util/safe-emitter.js';
import {
  AddWatchMode,
  type ClientInfo,
  CreateMode as WireCreateMode,
  Create2Response,
  CreateResponse,
  decodeAddWatchResponse,
  decodeGetACLResponse,
  decodeGetChildren2Response,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeMultiResponse,
  decodeSetACLResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  decodeWhoAmIResponse,
  encodeAddWatchRequest,
  encodeCreateRequest,
  encodeCreateTTLRequest,
  encodeDeleteRequest,
  encodeExistsRequest,
  encodeGetACLRequest,
  encodeGetChildren2Request,
  encodeGetChildrenRequest,
  encodeGetDataRequest,
  encodeGetEphemeralsRequest,
  encodeMultiRequest,
  encodeRemoveWatchesRequest,
  encodeSetACLRequest,
  encodeSetDataRequest,
  encodeSyncRequest,
  decodeExistsResponse,
  fromAcl,
  KeeperErrorCode,
  OpCode,
  OPEN_ACL_UNSAFE,
  sessionIdFromHex,
  sessionIdToHex,
  toAcl,
  toStat,
  WatcherType,
  type JuteReader,
  type MultiOp,
  type WireAcl,
  type WireStat,
} from '../protocol/index.js';
import { ANY_VERSION, type Acl, invalidAclReason, type Stat, type Watcher } from '../types.js';
import { invalidPathReason } from './chroot.js';
import {
  ClientConnection,
  type ClientConnectionOptions,
  type ClientEndReason,
  type ClientState,
  type CutAttempt,
  type RequestSpec,
  type ReplyOutcome,
  type WatchRequest,
} from './client-connection.js';
import { UnimplementedError } from '../../errors.js';
import type { OneShotWatchKind, PersistentWatcher, PersistentWatchKind, WatchKind } from './watch-registry.js';

/** A create mode by name (ZooKeeper's CreateMode): persistent, ephemeral, their sequential and TTL forms, container. */
export type CreateModeName =
  | 'persistent'
  | 'ephemeral'
  | 'persistent-sequential'
  | 'ephemeral-sequential'
  /** 3.5.3+: deleted by the server once its last child is gone. */
  | 'container'
  /** 3.5.3+, servers with extendedTypesEnabled: deleted when unchanged and childless for ttlMs. */
  | 'persistent-ttl'
  | 'persistent-sequential-ttl';

const CREATE_FLAGS: Readonly<Record<CreateModeName, number>> = {
  persistent: WireCreateMode.PERSISTENT,
  ephemeral: WireCreateMode.EPHEMERAL,
  'persistent-sequential': WireCreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': WireCreateMode.EPHEMERAL_SEQUENTIAL,
  container: WireCreateMode.CONTAINER,
  'persistent-ttl': WireCreateMode.PERSISTENT_WITH_TTL,
  'persistent-sequential-ttl': WireCreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
};

/** How to create a node: its mode, its ACL, and for the TTL modes its time to live (ms). */
export interface CreateOptions {
  /** Default 'persistent'. */
  readonly mode?: CreateModeName;
  /** Default world:anyone with every permission (OPEN_ACL_UNSAFE). */
  readonly acl?: readonly Acl[];
  /** Required for the TTL modes, refused for the others. */
  readonly ttlMs?: number;
}

/**
 * One op of a multi (ZooKeeper's MultiRequest): `create` (with its mode and ACL), `delete` and `setData`
 * (version-checked; version -1 or omitted: any), `check` (the node is at `version`).
 */
export type MultiOpInput =
  | ({ readonly op: 'create'; readonly path: string; readonly data?: Buffer | null } & CreateOptions)
  | { readonly op: 'delete'; readonly path: string; readonly version?: number }
  | { readonly op: 'setData'; readonly path: string; readonly data: Buffer | null; readonly version?: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

/**
 * One op's result. When the multi failed, every result is an `error`: the op that failed with its
 * error, those before it with code 0 (applied, then rolled back), those after it with
 * RUNTIMEINCONSISTENCY (-2, not tried).
 */
export type MultiOpResult =
  | { readonly op: 'create'; readonly path: string; readonly stat: Stat | undefined }
  | { readonly op: 'delete' }
  | { readonly op: 'setData'; readonly stat: Stat }
  | { readonly op: 'check' }
  | { readonly op: 'error'; readonly code: number; readonly error: ZooKeeperError | undefined };

/** What a multi returned: every op applied at one zxid (`ok`), or none. */
export interface MultiOutcome {
  /** True when every op was applied (at one zxid); false when none was. */
  readonly ok: boolean;
  /** One result per op, in order (see MultiOpResult). */
  readonly results: MultiOpResult[];
}

export type AddWatchModeName = 'persistent' | 'persistent-recursive';
/**
 * What removeWatches removes: 'data' covers exists watches too; 'any' every watch of the path,
 * persistent ones included. 'persistent' and 'persistent-recursive' alone need a 3.9 server.
 */
export type RemoveWatchType = 'data' | 'children' | 'any' | 'persistent' | 'persistent-recursive';

export interface ZkClientOptions extends Omit<ClientConnectionOptions, 'session'> {
  /** Reattach to an existing session: its id in hex (`0x` optional) and its password, 32 hex digits. Both or neither. */
  readonly sessionId?: string;
  readonly sessionPassword?: string;
  /** Told of each connection attempt that fails before the session is established (refused, DNS, timeout). */
  readonly onAttemptFailed?: (host: string, cause: Error) => void;
}

export interface ZkClientEvents {
  connected: [];
  disconnected: [];
  ended: [reason: ClientEndReason];
}

const REMOVE_TYPES: Readonly<Record<RemoveWatchType, { readonly type: number; readonly kinds: readonly WatchKind[] }>> = {
  data: { type: WatcherType.DATA, kinds: ['data', 'exist'] },
  children: { type: WatcherType.CHILDREN, kinds: ['child'] },
  any: { type: WatcherType.ANY, kinds: ['data', 'exist', 'child', 'persistent', 'persistentRecursive'] },
  persistent: { type: WatcherType.PERSISTENT, kinds: ['persistent'] },
  'persistent-recursive': { type: WatcherType.PERSISTENT_RECURSIVE, kinds: ['persistentRecursive'] },
};

const CODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(KeeperErrorCode).map(([name, code]) => [code, name]));

/** The release that introduced an op the server may not know, for UnimplementedError. */
const SINCE: Readonly<Record<string, string>> = {
  create2: '3.5',
  createContainer: '3.5.3',
  createTTL: '3.5.3',
  addWatch: '3.6',
  getEphemerals: '3.6',
  whoAmI: '3.7',
  removeWatches: '3.5',
};

/**
 * How long an attempt must have run for its wait alone to be news: far longer than a healthy server
 * takes to accept a connection and answer its ConnectRequest (or a loaded one a TLS handshake), far
 * shorter than any connect timeout.
 */
const TELLING_WAIT_MS = 500;

/**
 * Whether an attempt a caller gave up on is said as a failed attempt (the last one, for the caller's
 * error). Without it, giving up while a server holds the connection silently would report no failure
 * at all. But a wait of a few ms ("no connection within 3 ms") says nothing, and said last it would
 * bury the failure that explains why no session came (in CI: a TLS refusal, under a retry cut 1 ms in).
 * So it is said when it hit a socket error, when nothing else failed in this connect, or when its
 * wait has lasted long enough to mean a server that does not answer (a host that refused, then took
 * the retry and said nothing while it started: the hold is the news).
 */
function cutAttemptTells(cut: CutAttempt, failures: number): boolean {
  return cut.socketError || failures === 0 || cut.ms >= TELLING_WAIT_MS;
}

export class ZkClient extends SafeEmitter<ZkClientEvents> {
  /** The session id, lowercase hex without 0x (the form Stat.ephemeralOwner uses). */
  readonly id: string;
  /** The session password, 32 lowercase hex digits: with `id`, what reattaches to the session. */
  readonly password: string;

  private constructor(readonly connection: ClientConnection) {
    super();
    this.id = sessionIdToHex(connection.sessionId);
    this.password = connection.sessionPassword.toString('hex');
    connection.on('connected', () => this.notify('connected'));
    connection.on('disconnected', () => this.notify('disconnected'));
    connection.on('ended', (reason) => this.notify('ended', reason));
  }

  /**
   * Connects and resolves once a server has granted the session. Rejects if the client ends first
   * (a reattach to an expired session: SessionExpiredError; refused credentials) or `signal`
   * aborts (the client is closed first). Until then it keeps trying the hosts: bound it with
   * `signal` (AbortSignal.timeout(ms)).
   */
  static connect(opts: ZkClientOptions, signal?: AbortSignal): Promise<ZkClient> {
    let conn: ClientConnection;
    try {
      conn = new ClientConnection({ ...opts, ...reattach(opts) });
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<ZkClient>((resolve, reject) => {
      const told = opts.onAttemptFailed;
      let failures = 0;
      const onAttemptFailed = (host: string, cause: Error): void => {
        failures++;
        told?.(host, cause);
      };
      const cleanup = (): void => {
        conn.off('connected', onConnected);
        conn.off('ended', onEnded);
        conn.off('attemptFailed', onAttemptFailed);
        signal?.removeEventListener('abort', onAbort);
      };
      const onConnected = (): void => {
        cleanup();
        resolve(new ZkClient(conn));
      };
      const onEnded = (_reason: ClientEndReason, cause: Error | undefined): void => {
        cleanup();
        reject(
          cause ??
            new SessionExpiredError(ZOOKEEPER_RC.SESSIONEXPIRED, 'connect', undefined, 'the client ended before a session was established'),
        );
      };
      const onAbort = (): void => {
        const cut = conn.attemptCutShort();
        cleanup();
        const reason: unknown = signal?.reason;
        void conn.close().then(() => reject(reason instanceof Error ? reason : new Error('connect aborted')));
        // After the close is under way: a callback that throws must not keep connect() from settling
        // (its exception surfaces on its own, as a listener's does).
        if (cut !== undefined && cutAttemptTells(cut, failures)) callUserCode(() => told?.(cut.host, cut.cause));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      conn.on('connected', onConnected);
      conn.on('ended', onEnded);
      conn.on('attemptFailed', onAttemptFailed);
      signal?.addEventListener('abort', onAbort, { once: true });
      conn.start();
    });
  }

  get state(): ClientState {
    return this.connection.state;
  }

  get isConnected(): boolean {
    return this.connection.state === 'connected';
  }

  /** Why the client is over, or undefined while it lives. */
  get ended(): ClientEndReason | undefined {
    return this.connection.ended;
  }

  /** The timeout the server granted on the latest connection. */
  get timeoutMs(): number {
    return this.connection.negotiatedTimeoutMs;
  }

  get lastContactAt(): number {
    return this.connection.lastContactAt;
  }

  /** The highest zxid of any reply this session has had: how far into the ensemble's history it has seen. */
  get lastZxidSeen(): bigint {
    return this.connection.lastZxidSeen;
  }

  /** See ClientConnection.close. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Drops the connection without closing the session on the server: see ClientConnection.abandon. */
  abandon(): Promise<void> {
    return this.connection.abandon();
  }

  // ---- nodes ------------------------------------------------------------------------------------

  /** Creates a node; resolves with its path (with a sequential mode, the name the server gave it). */
  async create(path: string, data: Buffer | null = null, opts: CreateOptions | CreateModeName = {}): Promise<string> {
    return (await this.createNode('create', path, data, opts, false)).path;
  }

  /** create, with the new node's Stat (3.5+: UnimplementedError from older servers). */
  async create2(
    path: string,
    data: Buffer | null = null,
    opts: CreateOptions | CreateModeName = {},
  ): Promise<{ path: string; stat: Stat }> {
    const r = await this.createNode('create2', path, data, opts, true);
    return { path: r.path, stat: toStat(r.stat!) };
  }

  /** Creates each missing ancestor of `path` (not `path` itself) as an empty persistent node; returns those it created. */
  async createParents(path: string, acl?: readonly Acl[]): Promise<string[]> {
    const parts = path.split('/').filter((p) => p !== '');
    const made: string[] = [];
    let cur = '';
    for (const part of parts.slice(0, -1)) {
      cur += `/${part}`;
      try {
        await this.create(cur, Buffer.alloc(0), acl === undefined ? 'persistent' : { mode: 'persistent', acl });
        made.push(cur);
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
    return made;
  }

  /** Conditional delete (version -1: any). */
  async delete(path: string, version = ANY_VERSION): Promise<void> {
    await this.call({ op: 'delete', path, opCode: OpCode.delete, body: encodeDeleteRequest(this.serverPath('delete', path), version) });
  }

  /**
   * The node's Stat, or null when it does not exist. A watcher is left either way (ZooKeeper's
   * ExistsWatchRegistration): on an existing node it fires on changed/deleted, on a missing one on
   * created.
   */
  async exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    const watch =
      watcher === undefined
        ? undefined
        : {
            path,
            watcher,
            kindFor: (err: number): OneShotWatchKind | undefined =>
              err === KeeperErrorCode.OK ? 'data' : err === KeeperErrorCode.NONODE ? 'exist' : undefined,
          };
    const r = await this.call(
      {
        op: 'exists',
        path,
        opCode: OpCode.exists,
        body: encodeExistsRequest(this.serverPath('exists', path), watcher !== undefined),
        decode: decodeExistsResponse,
        ...(watch === undefined ? {} : { watch }),
      },
      [KeeperErrorCode.NONODE],
    );
    return r.err === KeeperErrorCode.NONODE ? null : toStat(r.value!.stat);
  }

  /** The node's data (empty for a node created with null data) and Stat; the watcher fires on changed/deleted. */
  async get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    const r = await this.call({
      op: 'get',
      path,
      opCode: OpCode.getData,
      body: encodeGetDataRequest(this.serverPath('get', path), watcher !== undefined),
      decode: decodeGetDataResponse,
      ...this.watch(path, watcher, 'data'),
    });
    return { data: r.value!.data ?? Buffer.alloc(0), stat: toStat(r.value!.stat) };
  }

  /** Conditional write (version -1: any); the node's new Stat. */
  async set(path: string, data: Buffer | null, version = ANY_VERSION): Promise<Stat> {
    const r = await this.call({
      op: 'set',
      path,
      opCode: OpCode.setData,
      body: encodeSetDataRequest(this.serverPath('set', path), this.checkData('set', path, data), version),
      decode: decodeSetDataResponse,
    });
    return toStat(r.value!.stat);
  }

  /** Child names (not paths), in no particular order; the watcher fires on child/deleted. */
  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    const r = await this.call({
      op: 'getChildren',
      path,
      opCode: OpCode.getChildren,
      body: encodeGetChildrenRequest(this.serverPath('getChildren', path), watcher !== undefined),
      decode: decodeGetChildrenResponse,
      ...this.watch(path, watcher, 'child'),
    });
    return r.value!.children;
  }

  /** getChildren with the parent's Stat, read at one zxid. */
  async getChildren2(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    const r = await this.call({
      op: 'getChildren2',
      path,
      opCode: OpCode.getChildren2,
      body: encodeGetChildren2Request(this.serverPath('getChildren2', path), watcher !== undefined),
      decode: decodeGetChildren2Response,
      ...this.watch(path, watcher, 'child'),
    });
    return { children: r.value!.children, stat: toStat(r.value!.stat) };
  }

  /** Makes the server of this connection catch up with the leader before it answers anything after. */
  async sync(path: string): Promise<void> {
    await this.call({
      op: 'sync',
      path,
      opCode: OpCode.sync,
      body: encodeSyncRequest(this.serverPath('sync', path)),
      decode: decodeSyncResponse,
    });
  }

  async getAcl(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    const r = await this.call({
      op: 'getAcl',
      path,
      opCode: OpCode.getACL,
      body: encodeGetACLRequest(this.serverPath('getAcl', path)),
      decode: decodeGetACLResponse,
    });
    return { acl: r.value!.acl.map(toAcl), stat: toStat(r.value!.stat) };
  }

  /** Sets the ACL, conditional on the ACL's version (Stat.aclVersion; -1: any); the node's new Stat. */
  async setAcl(path: string, aclVersion: number, acl: readonly Acl[]): Promise<Stat> {
    const r = await this.call({
      op: 'setAcl',
      path,
      opCode: OpCode.setACL,
      body: encodeSetACLRequest(this.serverPath('setAcl', path), this.wireAcl('setAcl', path, acl), aclVersion),
      decode: decodeSetACLResponse,
    });
    return toStat(r.value!.stat);
  }

  /**
   * Applies the ops at one zxid, all or none. Resolves in both cases: see MultiOutcome (an error
   * that concerns the whole request, such as connection loss, still rejects).
   */
  async multi(ops: readonly MultiOpInput[]): Promise<MultiOutcome> {
    const wire = ops.map((o) => this.multiOp(o));
    const r = await this.call({
      op: 'multi',
      path: undefined,
      opCode: OpCode.multi,
      body: encodeMultiRequest(wire),
      decode: decodeMultiResponse,
    });
    const results: MultiOpResult[] = r.value!.results.map((res, i): MultiOpResult => {
      const path = ops[i]?.path;
      switch (res.op) {
        case 'create':
          return { op: 'create', path: this.connection.chroot.toClient(res.path), stat: undefined };
        case 'create2':
          return { op: 'create', path: this.connection.chroot.toClient(res.path), stat: toStat(res.stat) };
        case 'setData':
          return { op: 'setData', stat: toStat(res.stat) };
        case 'delete':
        case 'check':
          return { op: res.op };
        case 'error':
          return {
            op: 'error',
            code: res.err,
            error: res.err === KeeperErrorCode.OK ? undefined : this.serverError(res.err, `multi ${ops[i]?.op ?? '?'}`, path, r.server),
          };
        default:
          return {
            op: 'error',
            code: KeeperErrorCode.MARSHALLINGERROR,
            error: this.serverError(KeeperErrorCode.MARSHALLINGERROR, 'multi', path),
          };
      }
    });
    return { ok: results.every((x) => x.op !== 'error'), results };
  }

  // ---- watches ----------------------------------------------------------------------------------

  /**
   * A persistent watch (3.6+): fires on every created/deleted/changed/child event of `path`
   * ('persistent-recursive': of `path` and every node below it, without 'child'), until removed.
   * A server older than 3.6 refuses it (UnimplementedError). If the session later reconnects to such
   * a server (a rolling upgrade or downgrade), the watch cannot be set again there: it is dropped and
   * `watcher` is told `removed`, with an UnimplementedError naming that server (PersistentWatcher);
   * the session and its one-shot watches go on.
   */
  async addWatch(path: string, watcher: PersistentWatcher, mode: AddWatchModeName = 'persistent'): Promise<void> {
    const kind: PersistentWatchKind = mode === 'persistent' ? 'persistent' : 'persistentRecursive';
    const wireMode = mode === 'persistent' ? AddWatchMode.PERSISTENT : AddWatchMode.PERSISTENT_RECURSIVE;
    await this.call({
      op: 'addWatch',
      path,
      opCode: OpCode.addWatch,
      body: encodeAddWatchRequest(this.serverPath('addWatch', path), wireMode),
      decode: decodeAddWatchResponse,
      watch: { path, watcher, persistent: kind },
    });
  }

  /**
   * Removes this session's watches of a type on `path`, on the server and here (their watchers
   * never fire). Fails with a ZooKeeperError of code -121 (NOWATCHER) when the server has none.
   * Every watcher of that type on the path goes: there is no removal of one function alone.
   */
  async removeWatches(path: string, type: RemoveWatchType): Promise<void> {
    const t = REMOVE_TYPES[type];
    const r = await this.call(
      {
        op: 'removeWatches',
        path,
        opCode: OpCode.removeWatches,
        body: encodeRemoveWatchesRequest(this.serverPath('removeWatches', path), t.type),
      },
      [KeeperErrorCode.MARSHALLINGERROR],
    );
    if (r.err !== KeeperErrorCode.OK) {
      // Servers before 3.9 (ZOOKEEPER-4472) cannot read the persistent types and fail the request
      // as a whole with MARSHALLINGERROR; 'any' removes persistent watches there.
      if (t.type === WatcherType.PERSISTENT || t.type === WatcherType.PERSISTENT_RECURSIVE)
        throw new UnimplementedError(`removeWatches(${type})`, path, '3.9', "remove it with type 'any'", r.server);
      throw this.serverError(r.err, 'removeWatches', path, r.server);
    }
    this.connection.watches.remove(t.kinds, path);
  }

  // ---- session ----------------------------------------------------------------------------------

  /**
   * Adds credentials to the session (`digest` with `user:password`, ...): see
   * ClientConnection.addAuth. Never echoed in errors.
   */
  addAuth(scheme: string, credentials: string | Buffer): Promise<void> {
    return this.connection.addAuth(scheme, typeof credentials === 'string' ? Buffer.from(credentials, 'utf8') : credentials);
  }

  /** This session's ephemeral nodes whose path starts with `prefix` (a string prefix, not a subtree) (3.6+). */
  async getEphemerals(prefix = '/'): Promise<string[]> {
    const chroot = this.connection.chroot;
    const r = await this.call({
      op: 'getEphemerals',
      path: prefix,
      opCode: OpCode.getEphemerals,
      body: encodeGetEphemeralsRequest(this.serverPath('getEphemerals', prefix, true)),
      decode: decodeGetEphemeralsResponse,
    });
    return r.value!.ephemerals.filter((p) => chroot.contains(p)).map((p) => chroot.toClient(p));
  }

  /** The identities the server attached to this connection: 'ip' always, one per accepted addAuth (3.7+). */
  async whoAmI(): Promise<ClientInfo[]> {
    const r = await this.call({ op: 'whoAmI', path: undefined, opCode: OpCode.whoAmI, decode: decodeWhoAmIResponse });
    return r.value!.clientInfo;
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private async createNode(
    op: 'create' | 'create2',
    path: string,
    data: Buffer | null,
    opts: CreateOptions | CreateModeName,
    wantStat: boolean,
  ): Promise<{ path: string; stat: WireStat | undefined }> {
    const o: CreateOptions = typeof opts === 'string' ? { mode: opts } : opts;
    const mode = o.mode ?? 'persistent';
    const flags = CREATE_FLAGS[mode];
    if (flags === undefined) throw new InvalidConfigError('mode', mode, `expected one of ${Object.keys(CREATE_FLAGS).join(', ')}`);
    const server = this.serverPath(op, path, mode.includes('sequential'));
    const acl = o.acl === undefined ? OPEN_ACL_UNSAFE : this.wireAcl(op, path, o.acl);
    this.checkData(op, path, data);
    const ttl = mode.endsWith('-ttl');
    if (ttl !== (o.ttlMs !== undefined))
      throw this.badArguments(op, path, ttl ? `mode ${mode} needs ttlMs` : `ttlMs is only for the TTL modes, not ${mode}`);
    if (ttl && !(Number.isInteger(o.ttlMs) && o.ttlMs! > 0))
      throw this.badArguments(op, path, `ttlMs ${String(o.ttlMs)} is not a positive integer`);
    const opCode = mode === 'container' ? OpCode.createContainer : ttl ? OpCode.createTTL : wantStat ? OpCode.create2 : OpCode.create;
    const body = ttl
      ? encodeCreateTTLRequest({ path: server, data, acl, flags, ttl: BigInt(o.ttlMs!) })
      : encodeCreateRequest({ path: server, data, acl, flags });
    const decode = (r: JuteReader): { path: string; stat: WireStat | undefined } =>
      opCode === OpCode.create ? { path: CreateResponse.read(r).path, stat: undefined } : Create2Response.read(r);
    const opName = opCode === OpCode.createContainer ? 'createContainer' : opCode === OpCode.createTTL ? 'createTTL' : op;
    const r = await this.call({ op: opName, path, opCode, body, decode });
    return { path: this.connection.chroot.toClient(r.value!.path), stat: r.value!.stat };
  }

  private multiOp(o: MultiOpInput): MultiOp {
    switch (o.op) {
      case 'create': {
        const mode = o.mode ?? 'persistent';
        const flags = CREATE_FLAGS[mode];
        if (flags === undefined) throw new InvalidConfigError('mode', mode, `expected one of ${Object.keys(CREATE_FLAGS).join(', ')}`);
        if (!mode.endsWith('-ttl') && o.ttlMs !== undefined)
          throw this.badArguments('multi create', o.path, `ttlMs is only for the TTL modes, not ${mode}`);
        const path = this.serverPath('multi create', o.path, mode.includes('sequential'));
        const acl = o.acl === undefined ? OPEN_ACL_UNSAFE : this.wireAcl('multi create', o.path, o.acl);
        const data = this.checkData('multi create', o.path, o.data ?? null);
        if (mode === 'container') return { op: 'createContainer', path, data, acl, flags };
        if (mode.endsWith('-ttl')) {
          if (!(Number.isInteger(o.ttlMs) && o.ttlMs! > 0))
            throw this.badArguments('multi create', o.path, `mode ${mode} needs a positive integer ttlMs`);
          return { op: 'createTTL', path, data, acl, flags, ttl: BigInt(o.ttlMs!) };
        }
        return { op: 'create', path, data, acl, flags };
      }
      case 'delete':
        return { op: 'delete', path: this.serverPath('multi delete', o.path), version: o.version ?? ANY_VERSION };
      case 'setData':
        return {
          op: 'setData',
          path: this.serverPath('multi setData', o.path),
          data: this.checkData('multi setData', o.path, o.data),
          version: o.version ?? ANY_VERSION,
        };
      case 'check':
        return { op: 'check', path: this.serverPath('multi check', o.path), version: o.version };
      default:
        throw this.badArguments('multi', undefined, `unknown op ${JSON.stringify((o as { op: unknown }).op)}`);
    }
  }

  /** Sends a request; resolves for err 0 (and the codes in `accept`), rejects with the typed error otherwise. */
  private async call<T>(spec: RequestSpec<T>, accept: readonly number[] = []): Promise<ReplyOutcome<T>> {
    const r = await this.connection.submit(spec);
    if (r.err !== KeeperErrorCode.OK && !accept.includes(r.err)) throw this.serverError(r.err, spec.op, spec.path, r.server);
    return r;
  }

  private serverError(code: number, op: string, path: string | undefined, server?: string): ZooKeeperError {
    if (code === KeeperErrorCode.UNIMPLEMENTED) {
      const base = op.replace(/^multi /, '');
      return new UnimplementedError(
        op,
        path,
        SINCE[base],
        base === 'createTTL' ? 'TTL nodes need the server setting zookeeper.extendedTypesEnabled=true' : undefined,
        server,
      );
    }
    return zooKeeperError(code, op, path, CODE_NAMES.get(code) ?? `error ${code}`);
  }

  private watch(path: string, watcher: Watcher | undefined, kind: OneShotWatchKind): { watch?: WatchRequest } {
    if (watcher === undefined) return {};
    return { watch: { path, watcher, kindFor: (err) => (err === KeeperErrorCode.OK ? kind : undefined) } };
  }

  private serverPath(op: string, path: string, sequential = false): string {
    const why = invalidPathReason(path, sequential);
    if (why !== undefined) throw this.badArguments(op, typeof path === 'string' ? path : undefined, `path ${JSON.stringify(path)} ${why}`);
    return this.connection.chroot.toServer(path);
  }

  /** The ACL as the wire carries it; INVALIDACL for anything but a list of entries (null and [] too: the Java client's InvalidACLException). */
  private wireAcl(op: string, path: string, acl: unknown): readonly WireAcl[] {
    const why = invalidAclReason(acl);
    if (why !== undefined) throw zooKeeperError(KeeperErrorCode.INVALIDACL, op, path, `INVALIDACL: ${why}`);
    return (acl as readonly Acl[]).map(fromAcl);
  }

  /** The node data as the wire carries it: bytes or none; anything else would be written as something else. */
  private checkData(op: string, path: string, data: unknown): Buffer | null {
    if (data === null || Buffer.isBuffer(data)) return data;
    throw this.badArguments(op, path, `data ${describe(data)} is not a Buffer (or null)`);
  }

  private badArguments(op: string, path: string | undefined, why: string): ZooKeeperError {
    return zooKeeperError(KeeperErrorCode.BADARGUMENTS, op, path, `BADARGUMENTS: ${why}`);
  }
}

function reattach(opts: ZkClientOptions): { session?: { id: bigint; password: Buffer } } {
  const { sessionId: id, sessionPassword: password } = opts;
  if (id === undefined && password === undefined) return {};
  if (typeof id !== 'string' || !/^(0x)?[0-9a-fA-F]{1,16}$/.test(id))
    throw new InvalidConfigError('sessionId', id, 'expected a session id in hex, given together with sessionPassword');
  if (typeof password !== 'string' || !/^[0-9a-fA-F]{32}$/.test(password)) {
    throw new InvalidConfigError(
      'sessionPassword',
      typeof password === 'string' ? `(${password.length} characters, not shown)` : password,
      'expected 32 hex digits (16 bytes), given together with sessionId',
    );
  }
  return { session: { id: sessionIdFromHex(id), password: Buffer.from(password, 'hex') } };
}
