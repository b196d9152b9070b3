// One ZooKeeper session over a succession of sockets: the equivalent of the Java client's ClientCnxn
// (its SendThread and the outgoing/pending queues), written for Node's event loop. It connects,
// keeps the connection alive with pings, notices a server that went silent, reconnects to the next
// host with the same session, re-presents credentials and watches there, and ends when the server
// says the session expired or the client is closed. It knows requests only as opcodes and bodies:
// the typed operations are zk-client.ts's.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  AuthFailedError,
  ClosingError,
  ConnectionLossError,
  InvalidConfigError,
  SessionExpiredError,
  UnimplementedError,
  ZOOKEEPER_RC,
  zooKeeperError,
  type ZooKeeperError,
} from '../../errors.js';
import { logger } from '../../log.js';
import { SafeEmitter } from '../../util/safe-emitter.js';
import {
  ConnectResponse,
  DEFAULT_MAX_FRAME_BYTES,
  decodeReply,
  encodeAuthPacket,
  encodeConnectFrame,
  encodeConnectRequest,
  encodePingFrame,
  encodeRequestFrame,
  encodeSetWatches2Request,
  encodeSetWatchesRequest,
  FRAME_OVERHEAD_ALLOWANCE,
  FrameDecoder,
  JuteReader,
  KeeperErrorCode,
  NO_PASSWORD,
  OpCode,
  sessionIdToHex,
  WatcherEvent,
  Xid,
  ZooKeeperProtocolError,
  type ReplyHeader,
} from '../protocol/index.js';
import type { Watcher } from '../types.js';
import { Chroot } from './chroot.js';
import { DeliveryQueue } from './delivery-queue.js';
import { formatHostPort, HostProvider, parseConnectString, type HostPort } from './host-provider.js';
import { openTransport, type ClientTlsOptions } from './transport.js';
import { planSetWatches, setWatchesOutcome, type SetWatchesBatch } from './set-watches-plan.js';
import {
  watchEventName,
  WatchRegistry,
  type OneShotWatchKind,
  type PersistentWatcher,
  type PersistentWatchKind,
} from './watch-registry.js';

import { StateMachine, type Transitions } from '../../util/state-machine.js';
const log = logger('zk-client');

/**
 * Where a client stands. For recipe authors, in the manner of Curator's ConnectionState:
 *
 * - `connecting`: no server connection right now: before the first one, or after one was lost
 *   (the `disconnected` event). The session may well be alive on the server, with its ephemeral
 *   nodes and watches: a lost connection is not a lost session. Treat what you hold as *suspended*,
 *   not as gone: do not act on "I own this" until `connected` again, and do not give it up either.
 *   The client tries host after host by itself. Requests made now wait for the next connection
 *   attempt and fail with ConnectionLossError if that attempt fails (see `submit`).
 * - `connected`: a server has accepted the session on the current socket (the `connected`
 *   event, after every reconnect too). Credentials and watches have been presented again before
 *   any request of yours; watches whose node changed meanwhile have fired (once). A session
 *   re-established here is the same session: its ephemerals are still yours.
 * - `expired` (final): the server said the session is gone. Every ephemeral node it owned has been
 *   deleted and every watch is gone (none will fire). Requests fail with SessionExpiredError. Start
 *   over with a new client, re-creating what you need.
 * - `auth-failed` (final): the server refused credentials given to addAuth and closed the
 *   connection (AUTH_FAILED). Requests fail with AuthFailedError.
 * - `closed` (final): close() was called. The session was closed on the server (its ephemerals
 *   deleted at once) if the server could be told in time, or else is left to expire there.
 */
export type ClientState = 'connecting' | 'connected' | 'expired' | 'auth-failed' | 'closed';
/** Why a session ended: the final states above. */
export type ClientEndReason = 'expired' | 'auth-failed' | 'closed';

/** The states above and their edges: the three ends are final. */
const TRANSITIONS: Transitions<ClientState> = {
  connecting: ['connected', 'expired', 'auth-failed', 'closed'],
  connected: ['connecting', 'expired', 'auth-failed', 'closed'],
  expired: [],
  'auth-failed': [],
  closed: [],
};

export interface ClientConnectionOptions {
  /** `host:port[,host:port...][/chroot]`. */
  readonly connect: string;
  /** Asked of the server, which clamps it to [minSessionTimeout, maxSessionTimeout]. */
  readonly sessionTimeoutMs: number;
  /** Reattach to an existing session instead of creating one. */
  readonly session?: { readonly id: bigint; readonly password: Buffer };
  /** Connect with TLS (node:tls) instead of plain TCP. */
  readonly tls?: ClientTlsOptions;
  /** Default true, as the Java client: clients of one connect string spread over the ensemble. */
  readonly shuffleHosts?: boolean;
  /** The pause before going round the host list again after a round without a connection. Default 1000 (Java's spinDelay). */
  readonly retryListPauseMs?: number;
  /**
   * Up to this long (random) before every connection attempt but the first, so that the clients
   * of a failed server do not all reconnect to the next one in the same instant. Default 1000, as
   * the Java client's startConnect.
   */
  readonly reconnectJitterMs?: number;
  /** How long close() waits for the server to confirm closeSession. Default min(session timeout, 2000). */
  readonly closeTimeoutMs?: number;
  /**
   * The longest frame accepted from the server (FrameDecoder's limit; default jute.maxbuffer's
   * default plus the 1024 bytes jute allows on top). A request longer than this less those 1024
   * bytes is refused before it is sent (see submit).
   */
  readonly maxFrameBytes?: number;
}

/** The attempt under way, as the failure it would be if given up now (see ClientConnection.attemptCutShort). */
export interface CutAttempt {
  /** The host as the connect string names it. */
  readonly host: string;
  /** A socket error the attempt already hit, or what its wait amounts to ("connected to X but no answer within N ms"). */
  readonly cause: Error;
  /** How long the attempt had run, in ms. */
  readonly ms: number;
  /** `cause` is an error the socket reported (a real failure), not the wait so far. */
  readonly socketError: boolean;
}

export interface ClientConnectionEvents {
  /** A connection attempt begins (after any pause): the host as the connect string names it. */
  connecting: [host: string];
  /** A server accepted the session: the first time, and after every reconnect. */
  connected: [];
  /** The established connection was lost; the client is reconnecting. `cause` says why. */
  disconnected: [cause: Error];
  /**
   * One attempt failed before a session was established on it (refused, DNS, timeout, garbage).
   * `closedAtHandshake`: the server took our ConnectRequest and closed the connection without an
   * answer, as a server does that is not serving (an election, a start) or that refuses this client
   * (it has seen a newer zxid than the server has: a server that lost its data).
   */
  attemptFailed: [host: string, cause: Error, closedAtHandshake: boolean];
  /** The client is over: `expired`, `auth-failed` or `closed`. Emitted once. */
  ended: [reason: ClientEndReason, cause: Error | undefined];
}

/** A reply as the server gave it: `err` a KeeperErrorCode; `value` decoded only when err is 0. */
export interface ReplyOutcome<T> {
  readonly err: number;
  readonly zxid: bigint;
  readonly value: T | undefined;
  /** The server (`host:port`) that answered, or that answered UNIMPLEMENTED earlier (see knownUnimplemented). */
  readonly server: string;
}

/**
 * A watch a request leaves: registered only if the reply says the server set it. A one-shot watch
 * (a read's) or a persistent one (addWatch's), whose watcher can also be told it was removed.
 */
export type WatchRequest =
  | {
      /** The client path (without the chroot). */
      readonly path: string;
      readonly watcher: Watcher;
      /** The registry a reply with this error code puts the watcher in, or undefined for none. */
      readonly kindFor: (err: number) => OneShotWatchKind | undefined;
    }
  | {
      /** The client path (without the chroot). */
      readonly path: string;
      readonly watcher: PersistentWatcher;
      /** Set when the reply is OK. */
      readonly persistent: PersistentWatchKind;
    };

export interface RequestSpec<T> {
  /** The operation's name, for errors: 'getData'. */
  readonly op: string;
  /** The client path, for errors. */
  readonly path: string | undefined;
  readonly opCode: number;
  /** The request record (with server paths), from the protocol layer's encoders. */
  readonly body?: Buffer;
  /** Reads the response record; called only for err 0. */
  readonly decode?: (r: JuteReader) => T;
  readonly watch?: WatchRequest;
}

/** A request on its way: queued, then sent (with an xid) and pending until its reply. */
interface Packet {
  readonly opCode: number;
  readonly body: Buffer | undefined;
  readonly op: string;
  readonly path: string | undefined;
  xid: number;
  /**
   * Reads the reply at the moment its frame is read, so that watch registrations happen in the
   * server's order; returns what delivers the result to the caller (through the DeliveryQueue).
   */
  readonly onReply: (header: ReplyHeader, body: JuteReader, server: string) => () => void;
  readonly onFail: (err: ZooKeeperError) => void;
}

interface AuthWaiter {
  readonly resolve: () => void;
  readonly reject: (err: ZooKeeperError) => void;
}

/** Credentials of the session: presented on every connection, first of all. */
interface AuthEntry {
  readonly scheme: string;
  readonly data: Buffer;
  /** The AuthPacket, encoded once when added: what is sent now and after every reconnect. */
  readonly packet: Buffer;
  /** addAuth calls not yet answered and not yet sent on a connection. */
  waiting: AuthWaiter[];
}

/** One socket to one server: one connection attempt, and the connection if the handshake succeeds. */
interface Link {
  readonly host: HostPort;
  /** `host` as `host:port` (formatHostPort), made once: it names the server of every reply. */
  readonly name: string;
  readonly socket: Socket;
  readonly decoder: FrameDecoder;
  /** opening: TCP (and TLS) under way; handshake: ConnectRequest sent; ready: the session is on it. */
  phase: 'opening' | 'handshake' | 'ready';
  readonly startedAt: number;
  lastRecvAt: number;
  lastSendAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Auth packets sent on this socket, in order: the server answers each with xid -4. */
  readonly authInFlight: { readonly entry: AuthEntry; readonly waiters: AuthWaiter[] }[];
  /** The first socket error, reported as the cause when the socket closes. */
  error: Error | undefined;
  /**
   * The server's end closed the connection: a FIN, or a reset (a server that closes with our bytes
   * still unread, or after we wrote to a connection it had closed, shows as ECONNRESET or EPIPE).
   */
  closedByServer: boolean;
  /**
   * The latest request the server answered UNIMPLEMENTED, while no later request has been answered:
   * if the server then closes the connection, it did not know the op at all (see onReply).
   */
  unimplemented: { readonly xid: number; readonly opCode: number; readonly op: string; readonly pingsSent: number } | undefined;
  /** Pings written and ping replies read on this connection (see unimplemented). */
  pingsSent: number;
  pingsAnswered: number;
  /** Frames written in this synchronous run, sent together by one socket write (see write). */
  unsent: Buffer[];
}

const XID_MAX = 0x7fffffff;

/**
 * Whether xid `a` was handed out after `b`. Xids count 1..XID_MAX and wrap to 1, so "after" is
 * serial-number order (RFC 1982): within half the range ahead, what a plain `>` gets wrong once they
 * wrap (an answer to xid 1 is later than one to XID_MAX).
 */
export function xidAfter(a: number, b: number): boolean {
  const ahead = (a - b + XID_MAX) % XID_MAX;
  return ahead > 0 && ahead < XID_MAX / 2;
}

export class ClientConnection extends SafeEmitter<ClientConnectionEvents> {
  readonly chroot: Chroot;
  readonly hosts: HostProvider;
  private readonly requestedTimeoutMs: number;
  private readonly tls: ClientTlsOptions | undefined;
  private readonly reconnectJitterMs: number;
  private readonly closeTimeoutOption: number | undefined;
  private readonly maxFrameBytes: number | undefined;

  private readonly fsm = new StateMachine<ClientState>('client', 'connecting', TRANSITIONS, log);
  /** Servers that answered a reattach with "expired" since the session last connected (see onConnectResponse). */
  private readonly expirySaidBy = new Set<string>();
  private expiryFirstSaidAt: number | undefined;
  private endReason: ClientEndReason | undefined;
  private id: bigint;
  private passwd: Buffer;
  private negotiatedMs = 0;
  private zxidSeen = 0n;
  private contactAt = Date.now();
  private xid = 1;

  private current: Link | undefined;
  /** The host whose name is being looked up for the next attempt, and since when (performance.now()). */
  private resolving: { readonly name: string; readonly startedAt: number } | undefined;
  /** Requests waiting for a connection, in submission order (the Java client's outgoingQueue). */
  private outgoing: Packet[] = [];
  /** Requests sent on the current connection, in send order (pendingQueue): replies come in this order. */
  private pending: Packet[] = [];
  private readonly auths: AuthEntry[] = [];
  readonly watches = new WatchRegistry();
  private readonly delivery = new DeliveryQueue();
  /**
   * Per server (`host:port`), the opcodes it answered UNIMPLEMENTED and then closed the connection
   * over: refused here from then on, so that an op the server does not know costs one reconnect,
   * not one per call. A host's entry is forgotten when a connection to it is lost any other way
   * (a restart may be an upgrade).
   */
  private readonly unknownOps = new Map<string, Set<number>>();

  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private readonly sockets = new Set<Socket>();
  private socketsGoneWaiters: (() => void)[] = [];

  constructor(opts: ClientConnectionOptions) {
    super();
    const parsed = parseConnectString(opts.connect);
    const t = opts.sessionTimeoutMs;
    if (!Number.isInteger(t) || t <= 0 || t > XID_MAX)
      throw new InvalidConfigError('sessionTimeoutMs', t, 'expected a positive integer of milliseconds');
    for (const [field, v] of [
      ['retryListPauseMs', opts.retryListPauseMs],
      ['reconnectJitterMs', opts.reconnectJitterMs],
      ['closeTimeoutMs', opts.closeTimeoutMs],
    ] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0))
        throw new InvalidConfigError(field, v, 'expected a number of milliseconds >= 0');
    }
    if (opts.session !== undefined && opts.session.password.length !== 16) {
      throw new InvalidConfigError('session.password', `(${opts.session.password.length} bytes, not shown)`, 'expected 16 bytes');
    }
    this.requestedTimeoutMs = t;
    this.chroot = new Chroot(parsed.chroot);
    this.hosts = new HostProvider(parsed.hosts, {
      ...(opts.shuffleHosts === undefined ? {} : { shuffle: opts.shuffleHosts }),
      ...(opts.retryListPauseMs === undefined ? {} : { retryListPauseMs: opts.retryListPauseMs }),
    });
    this.tls = opts.tls;
    this.reconnectJitterMs = opts.reconnectJitterMs ?? 1000;
    this.closeTimeoutOption = opts.closeTimeoutMs;
    this.maxFrameBytes = opts.maxFrameBytes;
    this.id = opts.session?.id ?? 0n;
    this.passwd = Buffer.from(opts.session?.password ?? NO_PASSWORD);
  }

  /** Starts connecting. Call once; the `connected` event (or `ended`) tells the outcome. */
  start(): void {
    if (this.attempts > 0 || this.endReason !== undefined) return;
    this.scheduleAttempt();
  }

  get state(): ClientState {
    return this.fsm.state;
  }

  get ended(): ClientEndReason | undefined {
    return this.endReason;
  }

  /** The session id (0 until the first connection). */
  get sessionId(): bigint {
    return this.id;
  }

  get sessionPassword(): Buffer {
    return Buffer.from(this.passwd);
  }

  /** The timeout the server granted (0 until the first connection). */
  get negotiatedTimeoutMs(): number {
    return this.negotiatedMs;
  }

  /** The highest zxid of any reply: sent in every ConnectRequest, and in SetWatches. */
  get lastZxidSeen(): bigint {
    return this.zxidSeen;
  }

  /** When a frame last came from a server, or a connection was established (epoch ms). */
  get lastContactAt(): number {
    return this.contactAt;
  }

  /**
   * The connection attempt under way (no session on it yet) as the failure it would be if given up
   * now, e.g. `connected to zk-1:2181 but no answer within 1500 ms`: for a caller that stops waiting
   * (ZkClient.connect's signal) and must say what the last attempt hit. Undefined while connected and
   * between attempts.
   */
  attemptCutShort(): CutAttempt | undefined {
    const now = performance.now();
    const link = this.current;
    if (link?.phase === 'ready') return undefined;
    if (link === undefined) {
      // A host name whose lookup has not finished (a resolver that hangs) is an attempt too.
      const r = this.resolving;
      if (r === undefined) return undefined;
      const ms = Math.round(now - r.startedAt);
      return {
        host: r.name,
        cause: new Error(`no address for ${r.name} within ${ms} ms (its name lookup had not finished)`),
        ms,
        socketError: false,
      };
    }
    const ms = Math.round(now - link.startedAt);
    // A socket error already seen (a TLS verification failure) is what the attempt hit; its 'close'
    // comes a phase of the loop later, and a caller giving up in between must not call it a timeout.
    if (link.error !== undefined) return { host: link.name, cause: link.error, ms, socketError: true };
    return { host: link.name, cause: attemptTimedOut(link, ms, undefined), ms, socketError: false };
  }

  /** The server of the current connection (`host:port`), while connected. */
  get connectedTo(): string | undefined {
    return this.current?.phase === 'ready' ? this.current.name : undefined;
  }

  /** Timeouts, per the Java client: a third of the session timeout idle before a ping... */
  private get pingIntervalMs(): number {
    return Math.floor(this.negotiatedMs / 3);
  }

  /** ...two thirds without a frame from the server before the connection is given up... */
  private get readTimeoutMs(): number {
    return Math.floor((this.negotiatedMs * 2) / 3);
  }

  /** ...and the session timeout shared among the hosts for each connection attempt (Java: sessionTimeout / hostCount). */
  private get connectTimeoutMs(): number {
    return Math.max(1, Math.floor((this.negotiatedMs > 0 ? this.negotiatedMs : this.requestedTimeoutMs) / this.hosts.size));
  }

  /**
   * Sends a request and resolves with the server's reply, whatever its error code: turning codes
   * into errors is the caller's business. Rejects only when the request cannot have a reply:
   * ConnectionLossError (the connection it was sent on, or was waiting for, was lost: it may or
   * may not have been applied), SessionExpiredError, AuthFailedError, ClosingError.
   *
   * While no connection is established the request waits, as in the Java client: it is sent on the
   * next connection right after the session's credentials and watches, or fails with
   * ConnectionLossError when the next connection attempt fails (the Java client's cleanup() on every
   * failed attempt). So a request made while disconnected waits for at most the pause before the
   * next attempt and that one attempt, never for the whole outage.
   */
  submit<T>(spec: RequestSpec<T>): Promise<ReplyOutcome<T>> {
    return new Promise<ReplyOutcome<T>>((resolve, reject) => {
      const refused = this.refusal(spec.op, spec.path) ?? this.oversize(spec.op, spec.path, spec.body);
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      this.enqueue({
        opCode: spec.opCode,
        body: spec.body,
        op: spec.op,
        path: spec.path,
        xid: 0,
        onReply: (header, body, server) => {
          const value = header.err === KeeperErrorCode.OK && spec.decode !== undefined ? spec.decode(body) : undefined;
          const w = spec.watch;
          if (w !== undefined && this.endReason === undefined) {
            if ('persistent' in w) {
              if (header.err === KeeperErrorCode.OK) this.watches.addPersistent(w.persistent, w.path, w.watcher);
            } else {
              const kind = w.kindFor(header.err);
              if (kind !== undefined) this.watches.add(kind, w.path, w.watcher);
            }
          }
          return () => resolve({ err: header.err, zxid: header.zxid, value, server });
        },
        onFail: reject,
      });
    });
  }

  /**
   * Adds credentials to the session (the Java client's addAuthInfo): presented now if connected,
   * and again first of all on every later connection. Resolves when the server accepted them on
   * the current connection; rejects with ConnectionLossError if that connection is lost first
   * (the credentials stay with the session all the same and are presented on the next one).
   * Credentials the server refuses end the client (AuthFailedError, state `auth-failed`).
   */
  addAuth(scheme: string, data: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const refused = this.refusal('addAuth', scheme);
      if (refused !== undefined) {
        reject(refused);
        return;
      }
      // Checked before it is kept: credentials are presented again after every reconnect, so a bad
      // one kept would break every connection of the session from then on.
      if (typeof scheme !== 'string' || scheme === '' || !Buffer.isBuffer(data)) {
        const what =
          typeof scheme !== 'string' || scheme === ''
            ? `scheme ${JSON.stringify(scheme)} is not a non-empty string`
            : 'credentials are not a Buffer or string';
        reject(zooKeeperError(KeeperErrorCode.BADARGUMENTS, 'addAuth', undefined, `BADARGUMENTS: ${what}`));
        return;
      }
      let entry = this.auths.find((a) => a.scheme === scheme && a.data.equals(data));
      if (entry === undefined) {
        const packet = encodeAuthPacket(scheme, data);
        const tooBig = this.oversize('addAuth', scheme, packet);
        if (tooBig !== undefined) {
          reject(tooBig);
          return;
        }
        this.auths.push((entry = { scheme, data: Buffer.from(data), packet, waiting: [] }));
      }
      entry.waiting.push({ resolve, reject });
      const link = this.current;
      if (link?.phase === 'ready') this.sendAuth(link, entry);
    });
  }

  /**
   * Closes the session: sends closeSession and waits for the server to confirm it for at most
   * closeTimeoutMs (a timer: the event loop is never blocked), then closes the socket. Resolves
   * once every socket of this client is closed. Requests still pending fail with ClosingError.
   * Without a connection at that moment nothing can be told to the server: the session is left to
   * expire there. Idempotent; on a client that already ended it only waits for the sockets.
   */
  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  /**
   * Drops the connection without closeSession: the server keeps the session (its ephemerals and
   * watches) until it expires it on its own clock, one session timeout after it last heard from
   * us. For a session this process has given up on (it was frozen past the session timeout): telling
   * the server would be pointless or, worse, late. Ends the client as `closed`: requests fail with
   * ClosingError. Resolves once every socket is closed. Idempotent.
   */
  abandon(): Promise<void> {
    this.closePromise ??= (async () => {
      if (this.endReason === undefined) log('session 0x%s: abandoned (the server expires it on its own clock)', sessionIdToHex(this.id));
      this.end('closed', undefined);
      await this.socketsGone();
    })();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    const link = this.current;
    if (this.endReason === undefined && link?.phase === 'ready') {
      this.closing = true;
      const bound = this.closeTimeoutOption ?? Math.min(this.negotiatedMs, 2000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log('session 0x%s: no reply to closeSession within %d ms; closing the socket', sessionIdToHex(this.id), bound);
          resolve();
        }, bound);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        this.writePacket(link, {
          opCode: OpCode.closeSession,
          body: undefined,
          op: 'close',
          path: undefined,
          xid: 0,
          onReply: () => done,
          onFail: done,
        });
      });
    }
    this.end('closed', undefined);
    await this.socketsGone();
  }

  // ---- connection attempts ----------------------------------------------------------------------

  private scheduleAttempt(): void {
    if (this.endReason !== undefined || this.closing) return;
    const { host, pauseMs } = this.hosts.next();
    const jitter = this.attempts > 0 ? Math.floor(Math.random() * this.reconnectJitterMs) : 0;
    this.attempts++;
    const wait = pauseMs + jitter;
    if (wait <= 0) {
      this.attempt(host);
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt(host);
    }, wait);
  }

  private attempt(host: HostPort): void {
    const name = formatHostPort(host);
    this.delivery.event(() => this.notify('connecting', name));
    const lookup = { name, startedAt: performance.now() };
    this.resolving = lookup;
    const looked = (): void => {
      if (this.resolving === lookup) this.resolving = undefined;
    };
    this.hosts.resolve(host).then(
      (resolved) => {
        looked();
        if (this.endReason !== undefined || this.closing) return;
        if (!resolved.ok) {
          this.attemptFailed(host, resolved.error);
          return;
        }
        try {
          this.openLink(host, resolved.address);
        } catch (err) {
          this.attemptFailed(host, asError(err));
        }
      },
      (err: unknown) => {
        looked();
        this.attemptFailed(host, asError(err));
      },
    );
  }

  private openLink(host: HostPort, address: string): void {
    const { socket, readyEvent } = openTransport(address, host.port, host.host, this.tls);
    const now = performance.now();
    const link: Link = {
      host,
      name: formatHostPort(host),
      socket,
      decoder: new FrameDecoder(this.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.maxFrameBytes }),
      phase: 'opening',
      startedAt: now,
      lastRecvAt: now,
      lastSendAt: now,
      timer: undefined,
      authInFlight: [],
      error: undefined,
      closedByServer: false,
      unimplemented: undefined,
      pingsSent: 0,
      pingsAnswered: 0,
      unsent: [],
    };
    this.current = link;
    this.sockets.add(socket);
    // Every handler is guarded: nothing may throw out of a socket callback (it would be an
    // uncaught exception in the application), and every failure ends in dropLink.
    socket.once(readyEvent, () => this.guard(link, () => this.onTransportReady(link)));
    socket.on('data', (chunk: Buffer) => this.guard(link, () => this.onData(link, chunk)));
    socket.on('error', (err) => {
      link.error ??= err;
    });
    socket.once('close', () => {
      link.closedByServer = link.error === undefined || closedByPeer(link.error);
      this.sockets.delete(socket);
      this.dropLink(link, link.error ?? new Error(`${formatHostPort(host)} closed the connection`));
      if (this.sockets.size === 0) for (const w of this.socketsGoneWaiters.splice(0)) w();
    });
    this.armTimer(link);
  }

  private guard(link: Link, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.dropLink(link, asError(err));
    }
  }

  private onTransportReady(link: Link): void {
    if (link !== this.current) return;
    link.phase = 'handshake';
    this.write(
      link,
      encodeConnectFrame(
        encodeConnectRequest({
          timeOut: this.requestedTimeoutMs,
          sessionId: this.id,
          passwd: this.passwd,
          lastZxidSeen: this.zxidSeen,
          readOnly: false,
        }),
      ),
    );
  }

  private onData(link: Link, chunk: Buffer): void {
    if (link !== this.current) return;
    link.lastRecvAt = performance.now();
    // The decoder throws ZooKeeperProtocolError on a bad length; guard() turns it into dropLink.
    for (const payload of link.decoder.push(chunk)) {
      if (link !== this.current) return;
      this.contactAt = Date.now();
      if (link.phase === 'handshake') this.onConnectResponse(link, ConnectResponse.read(new JuteReader(payload)));
      else if (link.phase === 'ready') this.onReply(link, payload);
      else throw new ZooKeeperProtocolError('frame', 'a frame before the connection was open');
    }
  }

  private onConnectResponse(link: Link, rsp: ConnectResponse): void {
    if (rsp.timeOut <= 0) {
      // The server refuses to reattach: the session expired (or its password is wrong, which the
      // server cannot tell us apart from expiry). One server's word is not always the quorum's: a
      // leader that was stalled past the session timeout expires every session on its own clock when
      // it resumes, and says so to whoever reconnects to it before it notices it was deposed, while
      // the new quorum still has those sessions (measured under the report's leader stalls: every
      // expiry notice came from the deposed leader). So another member is asked before believing it;
      // a follower revalidates a reattach with its leader, so its answer is the current quorum's. The
      // word is taken as final when there is no other member to ask, when a second member says the
      // same, or once a session timeout has passed since the first said it (so that a client that can
      // reach only that server is not kept from a new session for ever).
      const hex = sessionIdToHex(this.id);
      const name = link.name;
      this.expirySaidBy.add(name);
      this.expiryFirstSaidAt ??= Date.now();
      // Before any connection of ours (a reattach by id and password) the timeout asked for stands in.
      const timeoutMs = this.negotiatedMs > 0 ? this.negotiatedMs : this.requestedTimeoutMs;
      const final = this.hosts.size < 2 || this.expirySaidBy.size >= 2 || Date.now() - this.expiryFirstSaidAt >= timeoutMs;
      if (final) {
        log('session 0x%s: %s says it expired', hex, [...this.expirySaidBy].join(' and '));
        this.end('expired', new SessionExpiredError(ZOOKEEPER_RC.SESSIONEXPIRED, 'connect', undefined, `session 0x${hex} has expired`));
        return;
      }
      log('session 0x%s: %s says it expired; asking another member before believing it', hex, name);
      this.dropLink(
        link,
        new Error(
          `${name} says session 0x${hex} expired; asking another member before believing it (a leader deposed while stalled says so of sessions the quorum still has)`,
        ),
      );
      return;
    }
    this.expirySaidBy.clear();
    this.expiryFirstSaidAt = undefined;
    if (this.id !== 0n && rsp.sessionId !== this.id) {
      throw new ZooKeeperProtocolError(
        'ConnectResponse.sessionId',
        `0x${sessionIdToHex(rsp.sessionId)} where session 0x${sessionIdToHex(this.id)} was asked for`,
      );
    }
    this.id = rsp.sessionId;
    this.passwd = Buffer.from(rsp.passwd);
    this.negotiatedMs = rsp.timeOut;
    link.phase = 'ready';
    this.fsm.to('connected', link.name);
    this.hosts.onConnected();
    this.rearm(link);
    log('session 0x%s connected to %s, timeout %d ms', sessionIdToHex(this.id), link.name, this.negotiatedMs);
    // The Java client's primeConnection order: credentials first of all, then the watches, then
    // the requests that waited for this connection.
    for (const entry of this.auths) this.sendAuth(link, entry);
    this.sendSetWatches(link);
    const waiting = this.outgoing;
    this.outgoing = [];
    for (const p of waiting) this.writePacket(link, p);
    this.delivery.event(() => this.notify('connected'));
  }

  private onReply(link: Link, payload: Buffer): void {
    const { header, body } = decodeReply(payload);
    switch (header.xid) {
      case Xid.PING:
        // A ping sent after an UNIMPLEMENTED answer was answered: the server kept the connection,
        // so no close is coming for it (a known op it refused, createTTL without extendedTypesEnabled).
        link.pingsAnswered++;
        if (link.unimplemented !== undefined && link.pingsAnswered > link.unimplemented.pingsSent) link.unimplemented = undefined;
        // Not a zxid our session has seen: as the Java client, only replies to requests move it (a
        // ping's is the server's newest, which a lagging member we reconnect to may not have yet).
        return;
      case Xid.AUTH:
        this.onAuthReply(link, header);
        return;
      case Xid.NOTIFICATION:
        this.onNotification(WatcherEvent.read(body));
        return;
    }
    if (header.zxid > this.zxidSeen) this.zxidSeen = header.zxid;
    if (header.err === KeeperErrorCode.UNIMPLEMENTED) {
      // Every server line (3.4 to 3.9: UnimplementedRequestProcessor) answers an opcode it does not
      // know (create2/removeWatches before 3.5, addWatch/getEphemerals before 3.6, whoAmI before
      // 3.7) from its I/O thread, ahead of the replies to earlier requests still in its pipeline,
      // then closes the connection (not the session). So this reply may overtake others: it is
      // matched by xid, and the close that follows is expected (see dropLink).
      // Every SetWatches request has xid -8, and SetWatches (101) is known to every line: an
      // UNIMPLEMENTED with that xid is for a SetWatches2, which may follow SetWatches requests
      // still in the pipeline (more than 128 KB of one-shot watch paths).
      const at = this.pending.findIndex((p) => p.xid === header.xid && (header.xid !== Xid.SET_WATCHES || p.opCode === OpCode.setWatches2));
      if (at > 0) {
        const [early] = this.pending.splice(at, 1);
        link.unimplemented = { xid: header.xid, opCode: early!.opCode, op: early!.op, pingsSent: link.pingsSent };
        this.delivery.settle(early!.onReply(header, body, link.name));
        return;
      }
      if (at === 0)
        link.unimplemented = { xid: header.xid, opCode: this.pending[0]!.opCode, op: this.pending[0]!.op, pingsSent: link.pingsSent };
    } else if (link.unimplemented !== undefined && xidAfter(header.xid, link.unimplemented.xid)) {
      // A later request answered: the server goes on serving (a known op it refused, such as
      // createTTL without extendedTypesEnabled), no close is coming for that UNIMPLEMENTED.
      link.unimplemented = undefined;
    }
    const head = this.pending[0];
    if (head === undefined || head.xid !== header.xid) {
      // Replies come in request order: anything else means we no longer know what answers what.
      throw new ZooKeeperProtocolError(
        'ReplyHeader.xid',
        `reply xid ${header.xid} where ${head === undefined ? 'no request is pending' : `xid ${head.xid} is next`}`,
      );
    }
    // Decoding may throw (a body that does not fit): the packet stays at the head and fails with
    // the rest of the queue when the connection is dropped.
    const deliver = head.onReply(header, body, link.name);
    this.pending.shift();
    this.delivery.settle(deliver);
  }

  private onAuthReply(link: Link, header: ReplyHeader): void {
    const sent = link.authInFlight.shift();
    if (sent === undefined) throw new ZooKeeperProtocolError('ReplyHeader.xid', 'an auth reply (xid -4) without an auth request');
    if (header.err === KeeperErrorCode.AUTHFAILED) {
      // The server closes the connection after this; the Java client goes to AUTH_FAILED for good.
      for (const w of sent.waiters) sent.entry.waiting.push(w);
      this.end(
        'auth-failed',
        new AuthFailedError(
          ZOOKEEPER_RC.AUTHFAILED,
          'addAuth',
          sent.entry.scheme,
          `the server refused the ${sent.entry.scheme} credentials`,
        ),
      );
      return;
    }
    for (const w of sent.waiters) {
      if (header.err === KeeperErrorCode.OK) this.delivery.settle(w.resolve);
      else {
        const err = zooKeeperError(header.err, 'addAuth', sent.entry.scheme, `auth refused (${header.err})`);
        this.delivery.settle(() => w.reject(err));
      }
    }
  }

  private onNotification(event: WatcherEvent): void {
    const name = watchEventName(event.type);
    // KeeperState-only events and the client-made *WatchRemoved types never come from a server.
    if (name === undefined) {
      log('ignoring a watch event of type %d on %s', event.type, event.path);
      return;
    }
    const path = this.chroot.toClient(event.path);
    for (const w of this.watches.materialize(event.type, path)) this.delivery.event(() => w(name, path));
  }

  // ---- sending ----------------------------------------------------------------------------------

  private enqueue(p: Packet): void {
    const link = this.current;
    if (link?.phase === 'ready') this.writePacket(link, p);
    else this.outgoing.push(p);
  }

  /** Numbers a request as it goes out, so that xids rise in send order. */
  private writePacket(link: Link, p: Packet): void {
    const server = link.name;
    // Also while the close that follows an UNIMPLEMENTED answer is on its way: sent now, the op
    // would only fail with ConnectionLoss instead.
    if (this.unknownOps.get(server)?.has(p.opCode) === true || link.unimplemented?.opCode === p.opCode) {
      // Answered here as the server answered it before, without the reconnect it would cost again.
      this.delivery.settle(
        p.onReply({ xid: p.xid, zxid: this.zxidSeen, err: KeeperErrorCode.UNIMPLEMENTED }, new JuteReader(Buffer.alloc(0)), server),
      );
      return;
    }
    // SetWatches carries its own xid (-8); every other request gets the next number.
    if (p.xid >= 0) {
      p.xid = this.xid;
      this.xid = this.xid >= XID_MAX ? 1 : this.xid + 1;
    }
    this.pending.push(p);
    this.write(link, encodeRequestFrame({ xid: p.xid, type: p.opCode }, p.body));
  }

  private sendAuth(link: Link, entry: AuthEntry): void {
    link.authInFlight.push({ entry, waiters: entry.waiting });
    entry.waiting = [];
    this.write(link, encodeRequestFrame({ xid: Xid.AUTH, type: OpCode.auth }, entry.packet));
  }

  /**
   * SetWatches in batches, as the Java client; SetWatches2 for those that carry persistent watches,
   * unless this server is known to refuse it (see planSetWatches): then the persistent watches are
   * dropped, their owners told, and the rest goes with SetWatches.
   */
  private sendSetWatches(link: Link): void {
    const server = link.name;
    const lists = this.watches.lists();
    const toServer = (paths: readonly string[]): string[] => paths.map((p) => this.chroot.toServer(p));
    const plan = planSetWatches(
      {
        data: toServer(lists.data),
        exist: toServer(lists.exist),
        child: toServer(lists.child),
        persistent: toServer(lists.persistent),
        persistentRecursive: toServer(lists.persistentRecursive),
      },
      this.unknownOps.get(server)?.has(OpCode.setWatches2) === true,
    );
    if (plan.dropPersistent) this.dropPersistentWatches(server);
    for (const batch of plan.batches) this.sendSetWatchesBatch(link, batch);
  }

  private sendSetWatchesBatch(link: Link, batch: SetWatchesBatch): void {
    const base = { relativeZxid: this.zxidSeen, dataWatches: batch.data, existWatches: batch.exist, childWatches: batch.child };
    const body =
      batch.opCode === OpCode.setWatches2
        ? encodeSetWatches2Request({
            ...base,
            persistentWatches: batch.persistent,
            persistentRecursiveWatches: batch.persistentRecursive,
          })
        : encodeSetWatchesRequest(base);
    const paths = batch.data.length + batch.exist.length + batch.child.length + batch.persistent.length + batch.persistentRecursive.length;
    log(
      'session 0x%s: %s relative to zxid 0x%s (%d paths)',
      sessionIdToHex(this.id),
      batch.opCode === OpCode.setWatches2 ? 'setWatches2' : 'setWatches',
      this.zxidSeen.toString(16),
      paths,
    );
    this.writePacket(link, {
      opCode: batch.opCode,
      body,
      op: batch.opCode === OpCode.setWatches2 ? 'setWatches2' : 'setWatches',
      path: undefined,
      xid: Xid.SET_WATCHES,
      onReply: (header, _body, server) => {
        switch (setWatchesOutcome(batch.opCode, header.err)) {
          case 'set':
            break;
          case 'refused':
            // A server before 3.6: it closes this connection next (UnimplementedRequestProcessor),
            // and the next connection sends SetWatches alone, as nothing persistent is left. The
            // one-shot watches of this request go now all the same, in case this server keeps the
            // connection: they must not wait for a close that may not come.
            this.dropPersistentWatches(server);
            if (link === this.current && link.phase === 'ready' && batch.data.length + batch.exist.length + batch.child.length > 0)
              this.sendSetWatchesBatch(link, { ...batch, opCode: OpCode.setWatches, persistent: [], persistentRecursive: [] });
            break;
          case 'failed':
            log('setWatches failed: %d', header.err);
            break;
        }
        return () => undefined;
      },
      onFail: () => undefined,
    });
  }

  /**
   * The server (`host:port`) cannot hold persistent watches (older than 3.6): each one leaves the
   * registry, so that no server is sent it again, and its watcher is told `removed`, with the
   * reason, in order with the other events (ZooKeeper's PersistentWatchRemoved).
   */
  private dropPersistentWatches(server: string): void {
    const dropped = this.watches.dropPersistent();
    if (dropped.length === 0) return;
    log(
      'session 0x%s: %s cannot hold persistent watches (SetWatches2 is 3.6+); dropped %d, their watchers told',
      sessionIdToHex(this.id),
      server,
      dropped.length,
    );
    for (const d of dropped) {
      const mode = d.kind === 'persistent' ? 'persistent' : 'persistent-recursive';
      const cause = new UnimplementedError(
        'setWatches2',
        d.path,
        '3.6',
        `the ${mode} watch on ${d.path} was dropped (the session and its one-shot watches go on): add it again with addWatch once connected to a 3.6+ server`,
        server,
      );
      this.delivery.event(() => d.watcher('removed', d.path, cause));
    }
  }

  private write(link: Link, frame: Buffer): void {
    link.lastSendAt = performance.now();
    // Requests made in one synchronous run (a recipe's reads pipelined with Promise.all, a create
    // and its exists-watch) leave in one socket write at the end of it: a write is a system call and
    // a loopback round of the TCP stack, the largest single cost of a start storm when every frame
    // had its own. Order is kept, and nothing waits longer than the current microtask queue.
    link.unsent.push(frame);
    if (link.unsent.length === 1) queueMicrotask(() => this.flush(link));
  }

  private flush(link: Link): void {
    const frames = link.unsent;
    if (frames.length === 0) return;
    link.unsent = [];
    // A socket the server half-closed is about to emit 'close'; writing to it would only add an
    // error. The send time moved all the same (in write), or the ping timer would spin until that 'close'.
    if (link.socket.writable) link.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  // ---- timers -----------------------------------------------------------------------------------

  /**
   * One timer per socket, armed for the earliest deadline: the connect timeout while connecting;
   * the read timeout or the next ping once connected. It is not moved on every frame: when it
   * fires it looks at the clock and re-arms for what is then due, so traffic costs no timer work.
   */
  private armTimer(link: Link): void {
    if (link.timer !== undefined) return;
    const now = performance.now();
    const due =
      link.phase === 'ready'
        ? Math.min(link.lastRecvAt + this.readTimeoutMs, link.lastSendAt + this.pingIntervalMs)
        : link.startedAt + this.connectTimeoutMs;
    link.timer = setTimeout(
      () => {
        link.timer = undefined;
        this.guard(link, () => this.onTimer(link));
      },
      Math.max(1, Math.ceil(due - now)),
    );
  }

  private rearm(link: Link): void {
    if (link.timer !== undefined) clearTimeout(link.timer);
    link.timer = undefined;
    this.armTimer(link);
  }

  private onTimer(link: Link): void {
    if (link !== this.current) return;
    const now = performance.now();
    if (link.phase !== 'ready') {
      const waited = now - link.startedAt;
      if (waited >= this.connectTimeoutMs) {
        this.dropLink(
          link,
          attemptTimedOut(
            link,
            this.connectTimeoutMs,
            `per-host connect timeout: the session timeout / ${this.hosts.size} host${this.hosts.size === 1 ? '' : 's'}`,
          ),
        );
        return;
      }
    } else {
      const silent = now - link.lastRecvAt;
      if (silent >= this.readTimeoutMs) {
        // A server that says nothing for two thirds of the session timeout (not even a ping reply)
        // is stalled or cut off: give it up while the session can still be saved on another one.
        this.dropLink(
          link,
          new Error(
            `nothing from ${link.name} for ${Math.round(silent)} ms (read timeout: 2/3 of the ${this.negotiatedMs} ms session timeout)`,
          ),
        );
        return;
      }
      if (now - link.lastSendAt >= this.pingIntervalMs) {
        link.pingsSent++;
        this.write(link, encodePingFrame());
      }
    }
    this.armTimer(link);
  }

  // ---- failure and the end ----------------------------------------------------------------------

  /** The connection or attempt on `link` is over: fail what depended on it and try the next host. */
  private dropLink(link: Link, cause: Error): void {
    if (link !== this.current) return;
    this.current = undefined;
    if (link.timer !== undefined) clearTimeout(link.timer);
    link.timer = undefined;
    link.socket.destroy();
    const wasReady = link.phase === 'ready';
    const hostName = link.name;
    const unknown = link.closedByServer ? link.unimplemented : undefined;
    if (unknown !== undefined) {
      let ops = this.unknownOps.get(hostName);
      if (ops === undefined) this.unknownOps.set(hostName, (ops = new Set()));
      ops.add(unknown.opCode);
      cause = new Error(
        `${hostName} closed the connection after answering ${unknown.op} with UNIMPLEMENTED, as a server does after an op it does not know (the session is kept; ${unknown.op} is refused here from now on)`,
      );
    } else this.unknownOps.delete(hostName);
    log('session 0x%s: %s to %s lost: %s', sessionIdToHex(this.id), wasReady ? 'connection' : 'attempt', link.name, cause.message);
    this.failAll(link, (op, path) => lossError(op, path, cause));
    if (this.endReason !== undefined || this.closing) return;
    const name = link.name;
    if (wasReady) {
      this.fsm.to('connecting', cause.message);
      this.delivery.event(() => this.notify('disconnected', cause));
    } else {
      const closedAtHandshake = link.phase === 'handshake' && link.closedByServer;
      this.delivery.event(() => this.notify('attemptFailed', name, cause, closedAtHandshake));
    }
    this.scheduleAttempt();
  }

  private attemptFailed(host: HostPort, cause: Error): void {
    if (this.endReason !== undefined || this.closing) return;
    this.failAll(undefined, (op, path) => lossError(op, path, cause));
    const name = formatHostPort(host);
    log('attempt to %s failed: %s', name, cause.message);
    this.delivery.event(() => this.notify('attemptFailed', name, cause, false));
    this.scheduleAttempt();
  }

  /** Fails every request sent or waiting, and every addAuth not yet answered. */
  private failAll(link: Link | undefined, make: (op: string, path: string | undefined) => ZooKeeperError): void {
    const packets = [...this.pending, ...this.outgoing];
    this.pending = [];
    this.outgoing = [];
    for (const p of packets) {
      const err = make(p.op, p.path);
      this.delivery.settle(() => p.onFail(err));
    }
    const waiters: { scheme: string; w: AuthWaiter }[] = [];
    for (const sent of link?.authInFlight.splice(0) ?? []) for (const w of sent.waiters) waiters.push({ scheme: sent.entry.scheme, w });
    for (const entry of this.auths) for (const w of entry.waiting.splice(0)) waiters.push({ scheme: entry.scheme, w });
    for (const { scheme, w } of waiters) {
      const err = make('addAuth', scheme);
      this.delivery.settle(() => w.reject(err));
    }
  }

  private end(reason: ClientEndReason, cause: ZooKeeperError | undefined): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.fsm.to(reason, cause?.message ?? reason);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const link = this.current;
    this.current = undefined;
    if (link !== undefined) {
      if (link.timer !== undefined) clearTimeout(link.timer);
      link.timer = undefined;
    }
    // Every socket, not only the current link's: close() and abandon() resolve when the last one
    // has closed, so one left open by any path would keep them pending for good.
    for (const socket of this.sockets) socket.destroy();
    this.failAll(link, (op, path) => this.endError(op, path));
    this.watches.clear();
    log('session 0x%s ended: %s', sessionIdToHex(this.id), reason);
    this.delivery.event(() => this.notify('ended', reason, cause));
  }

  private refusal(op: string, path: string | undefined): ZooKeeperError | undefined {
    if (this.endReason !== undefined) return this.endError(op, path);
    if (this.closing) return new ClosingError(ZOOKEEPER_RC.CLOSING, op, path, 'the client is closing');
    return undefined;
  }

  /**
   * A request over the server's jute.maxbuffer is not answered: the server drops the connection
   * (NIOServerCnxn's "Len error"), so it would fail as a retriable ConnectionLoss, and a caller that
   * retries would reconnect for ever. Refused here instead, as the bad argument it is.
   */
  private oversize(op: string, path: string | undefined, body: Buffer | undefined): ZooKeeperError | undefined {
    const limit = (this.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES) - FRAME_OVERHEAD_ALLOWANCE;
    // The frame's length counts the request header (xid and type, 8 bytes) and the body.
    const length = 8 + (body?.length ?? 0);
    if (length <= limit) return undefined;
    return zooKeeperError(
      KeeperErrorCode.BADARGUMENTS,
      op,
      path,
      `BADARGUMENTS: the request is ${length} bytes, over the ${limit} the server takes (jute.maxbuffer): it would drop the connection`,
    );
  }

  private endError(op: string, path: string | undefined): ZooKeeperError {
    switch (this.endReason) {
      case 'expired':
        return new SessionExpiredError(ZOOKEEPER_RC.SESSIONEXPIRED, op, path, `session 0x${sessionIdToHex(this.id)} has expired`);
      case 'auth-failed':
        return new AuthFailedError(ZOOKEEPER_RC.AUTHFAILED, op, path, "the server refused the session's credentials");
      default:
        return new ClosingError(ZOOKEEPER_RC.CLOSING, op, path, 'the client was closed');
    }
  }

  private socketsGone(): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.socketsGoneWaiters.push(resolve));
  }
}

/**
 * An attempt that got no session within `ms`, said by how far it got: a server that took the TCP
 * connection and never answered (a hung or overloaded server, a proxy with nothing behind it) is not
 * a host that cannot be reached, and an operator looks for different causes.
 */
function attemptTimedOut(link: Link, ms: number, why: string | undefined): Error {
  const host = link.name;
  const text =
    link.phase === 'handshake' ? `connected to ${host} but no answer within ${ms} ms` : `no connection to ${host} within ${ms} ms`;
  return new Error(why === undefined ? text : `${text} (${why})`);
}

function lossError(op: string, path: string | undefined, cause: Error): ZooKeeperError {
  const err = new ConnectionLossError(ZOOKEEPER_RC.CONNECTIONLOSS, op, path, `connection lost (${cause.message})`);
  err.cause = cause;
  return err;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A socket error that says the other end closed the connection, not that it could not be reached. */
function closedByPeer(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
