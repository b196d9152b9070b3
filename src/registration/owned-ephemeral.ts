// The owner-checked ephemeral: keeps one ephemeral znode owned by the *current* session of a
// Connection, across disconnects, session expiry and interference by other clients.
//
// Why this is not just "create, and treat NodeExists as success": ZooKeeper expires a session and
// deletes its ephemerals in separate steps. A client on a fresh session can get NodeExists for a
// node that still belongs to its dead session and is about to be deleted. So NodeExists is only
// success when the node's ephemeralOwner is our session id; anything else is waited out.
import { EventEmitter } from 'node:events';
import { Mutex } from 'async-mutex';
import {
  BadVersionError,
  isRetryable,
  isSessionGone,
  KafkaZkRegistrarError,
  NodeExistsError,
  NoNodeError,
  RegistrationConflictError,
  StoppedError,
} from '../errors.js';
import { logger } from '../log.js';
import type { Connection } from '../zookeeper/connection.js';
import type { Session, Stat } from '../zookeeper/session.js';

const log = logger('ephemeral');

export type ConflictPolicy = 'wait' | 'fail';

export interface OwnedEphemeralOptions {
  readonly connection: Connection;
  readonly path: string;
  /** Bytes for a fresh registration; called once per acquisition (so timestamps are fresh). */
  readonly data: () => Buffer;
  /** How long a node owned by another session may block us before a conflict is reported. */
  readonly conflictTimeoutMs?: number | undefined;
  /** After a conflict is reported: keep waiting for the node to go away, or give up. */
  readonly onConflict?: ConflictPolicy | undefined;
  /** Runs of this recipe are serialized on this mutex; share one to serialize several recipes. */
  readonly mutex?: Mutex | undefined;
}

export type OwnedEphemeralState = 'idle' | 'acquiring' | 'waiting' | 'owned' | 'lost' | 'failed' | 'stopped';
export type LossReason = 'deleted' | 'owner-changed' | 'data-changed' | 'session-expired';

export interface Ownership {
  readonly path: string;
  readonly sessionId: string;
  /** zxid of the node's creation: Kafka uses it as the broker epoch. */
  readonly czxid: number;
  readonly version: number;
  readonly data: Buffer;
}

export interface OwnedEphemeralEvents {
  owned: [ownership: Ownership];
  lost: [info: { reason: LossReason; sessionId: string }];
  waiting: [info: { ownerSessionId: string; sessionId: string }];
  conflict: [error: RegistrationConflictError];
  failed: [error: KafkaZkRegistrarError];
}

export class OwnedEphemeral extends EventEmitter<OwnedEphemeralEvents> {
  readonly path: string;
  private readonly connection: Connection;
  private readonly dataFn: () => Buffer;
  private readonly conflictTimeoutMs: number | undefined;
  private readonly onConflict: ConflictPolicy;
  private readonly mutex: Mutex;
  private readonly stopper = new AbortController();
  private st: OwnedEphemeralState = 'idle';
  private own: Ownership | undefined;
  private blockingOwner: string | undefined;
  private runs = 0;
  private watchedBy: Session | undefined;
  private readonly unsubscribe: () => void;

  constructor(opts: OwnedEphemeralOptions) {
    super();
    this.path = opts.path;
    this.connection = opts.connection;
    this.dataFn = opts.data;
    this.conflictTimeoutMs = opts.conflictTimeoutMs;
    this.onConflict = opts.onConflict ?? 'wait';
    this.mutex = opts.mutex ?? new Mutex();

    const onSession = (): void => this.schedule('new session');
    const onConnected = (): void => this.schedule('reconnected');
    const onExpired = ({ sessionId }: { sessionId: string }): void => {
      if (this.st === 'owned') this.markLost('session-expired', sessionId);
    };
    this.connection.on('session', onSession);
    this.connection.on('connected', onConnected);
    this.connection.on('expired', onExpired);
    this.unsubscribe = () => {
      this.connection.off('session', onSession);
      this.connection.off('connected', onConnected);
      this.connection.off('expired', onExpired);
    };
  }

  get state(): OwnedEphemeralState {
    return this.st;
  }

  /** The current ownership, if our current session owns the node. */
  get ownership(): Ownership | undefined {
    return this.st === 'owned' ? this.own : undefined;
  }

  /** Session id of the other owner we are waiting out, if any. */
  get blockedBy(): string | undefined {
    return this.st === 'waiting' ? this.blockingOwner : undefined;
  }

  /** Resolves at the first ownership; rejects if the recipe fails or is stopped first. */
  start(): Promise<Ownership> {
    const first = new Promise<Ownership>((resolve, reject) => {
      const cleanup = (): void => {
        this.off('owned', onOwned);
        this.off('failed', onFailed);
        this.stopper.signal.removeEventListener('abort', onStop);
      };
      const onOwned = (o: Ownership): void => {
        cleanup();
        resolve(o);
      };
      const onFailed = (e: KafkaZkRegistrarError): void => {
        cleanup();
        reject(e);
      };
      const onStop = (): void => {
        cleanup();
        reject(new StoppedError(`registration of ${this.path}`));
      };
      this.on('owned', onOwned);
      this.on('failed', onFailed);
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
    });
    this.schedule('start');
    return first;
  }

  /**
   * Stops maintaining the node and deletes it if, and only if, our session owns it (checked by
   * ephemeralOwner, then deleted with the version we read).
   */
  async stop(): Promise<void> {
    if (this.st === 'stopped') return;
    this.stopper.abort();
    this.unsubscribe();
    await this.mutex.runExclusive(async () => {
      const s = this.connection.session;
      if (s !== undefined && s.isConnected) {
        try {
          const { stat } = await s.get(this.path);
          if (stat.ephemeralOwner === s.id) await s.delete(this.path, stat.version);
        } catch (err) {
          log('stop: %s not deleted: %s', this.path, (err as Error).message);
        }
      }
      this.st = 'stopped';
      this.own = undefined;
    });
  }

  /** Queues one run of the routine; runs never overlap (mutex). */
  schedule(why: string): void {
    if (this.stopper.signal.aborted || this.st === 'failed' || this.st === 'idle' && why !== 'start') return;
    void this.mutex
      .runExclusive(() => this.run(why))
      .catch((err: unknown) => log('run (%s) of %s ended: %s', why, this.path, (err as Error).message));
  }

  private async run(why: string): Promise<void> {
    if (this.stopper.signal.aborted || this.st === 'failed') return;
    const session = this.connection.session;
    if (session === undefined || session.ended !== undefined) return; // the next 'session' event re-runs us
    const n = ++this.runs;
    log('run #%d for %s (%s) on session 0x%s', n, this.path, why, session.id);
    try {
      if (this.st === 'owned' && this.own?.sessionId !== session.id) this.markLost('session-expired', this.own?.sessionId ?? '0');
      if (this.st === 'owned' && (await this.stillOurs(session))) return;
      const o = await this.acquire(session);
      this.own = o;
      this.st = 'owned';
      this.blockingOwner = undefined;
      log('%s owned by session 0x%s (czxid %d)', this.path, o.sessionId, o.czxid);
      this.emit('owned', o);
      await this.watch(session);
    } catch (err) {
      if (err instanceof StoppedError || isSessionGone(err)) return; // stop() or the new session's run takes over
      const e = err instanceof KafkaZkRegistrarError ? err : new StoppedError(`registration of ${this.path}: ${String(err)}`);
      this.st = 'failed';
      log('%s: giving up: %s', this.path, e.message);
      this.emit('failed', e);
    }
  }

  /** Verifies an ownership we believe in. Returns false (after reporting the loss) if it is gone. */
  private async stillOurs(session: Session): Promise<boolean> {
    const own = this.own as Ownership;
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
      await this.watch(session);
      return true;
    }
    // Our node, but someone rewrote it (or it was deleted and re-created by us earlier in a run
    // that failed half way): put our data back, version-checked.
    this.markLost('data-changed', session.id);
    return false;
  }

  private markLost(reason: LossReason, sessionId: string): void {
    if (this.st !== 'owned') return;
    this.st = 'lost';
    log('%s lost (%s)', this.path, reason);
    this.emit('lost', { reason, sessionId });
  }

  private async acquire(session: Session): Promise<Ownership> {
    if (this.st !== 'lost') this.st = 'acquiring';
    const data = this.own !== undefined && this.own.sessionId === session.id ? this.own.data : this.dataFn();
    let blockedSince: number | undefined;
    let reported = false;
    for (;;) {
      this.throwIfStopped(session);
      try {
        await this.retrying(session, () => session.create(this.path, data, 'ephemeral'));
      } catch (err) {
        if (err instanceof NoNodeError) {
          await this.retrying(session, () => session.createParents(this.path));
          continue;
        }
        if (!(err instanceof NodeExistsError)) throw err;
        // NodeExists is a claim to check, not a success: see the header comment.
      }
      let got: { data: Buffer; stat: Stat };
      try {
        got = await this.retrying(session, () => session.get(this.path));
      } catch (err) {
        if (err instanceof NoNodeError) continue; // deleted between our create and read: try again
        throw err;
      }
      const owner = got.stat.ephemeralOwner;
      if (owner === session.id) {
        if (got.data.equals(data)) return this.ownership_(session, got.stat, data);
        try {
          const stat = await this.retrying(session, () => session.set(this.path, data, got.stat.version));
          return this.ownership_(session, stat, data);
        } catch (err) {
          if (err instanceof BadVersionError || err instanceof NoNodeError) continue;
          throw err;
        }
      }

      // Owned by another session (or a persistent node someone put in our place).
      blockedSince ??= Date.now();
      if (this.blockingOwner !== owner || this.st !== 'waiting') {
        this.blockingOwner = owner;
        this.st = 'waiting';
        log('%s is owned by session 0x%s, not ours (0x%s): waiting for it to go', this.path, owner, session.id);
        this.emit('waiting', { ownerSessionId: owner, sessionId: session.id });
      }
      const bound = this.conflictTimeoutMs ?? 2 * session.timeoutMs;
      const remaining = reported ? undefined : Math.max(0, blockedSince + bound - Date.now());
      const gone = await this.waitForDeletion(session, remaining);
      if (!gone && !reported) {
        reported = true;
        const conflict = new RegistrationConflictError(this.path, owner, session.id, Date.now() - blockedSince);
        log('%s', conflict.message);
        this.emit('conflict', conflict);
        if (this.onConflict === 'fail') throw conflict;
      }
    }
  }

  private ownership_(session: Session, stat: Stat, data: Buffer): Ownership {
    return { path: this.path, sessionId: session.id, czxid: stat.czxid, version: stat.version, data };
  }

  /**
   * Arms an exists-watch on the node and resolves true once it is deleted, false after
   * `timeoutMs` (undefined: no bound). The watch, not polling, is what makes us re-create the
   * node the moment the stale owner's node goes.
   */
  private waitForDeletion(session: Session, timeoutMs: number | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        session.off('ended', onEnded);
        this.stopper.signal.removeEventListener('abort', onStop);
        fn();
      };
      const onEnded = (): void => finish(() => reject(new StoppedError(`session 0x${session.id}`)));
      const onStop = (): void => finish(() => reject(new StoppedError(`registration of ${this.path}`)));
      session.once('ended', onEnded);
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
      this.retrying(session, () =>
        // deleted: re-create now; changed/created: still not ours, but look again
        session.exists(this.path, () => finish(() => resolve(true))),
      ).then(
        (stat) => {
          if (stat === null) finish(() => resolve(true));
        },
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  /**
   * Keeps one exists-watch on our node per session; any change to the node re-runs the routine.
   * (The C client keeps watches across reconnects of the same session, so one is enough.)
   */
  private async watch(session: Session): Promise<void> {
    if (this.watchedBy === session) return;
    this.watchedBy = session;
    const stat = await this.retrying(session, () =>
      session.exists(this.path, (ev) => {
        if (this.watchedBy === session) this.watchedBy = undefined;
        if (session.ended === undefined) this.schedule(`watch: ${ev}`);
      }),
    );
    if (stat === null || stat.ephemeralOwner !== session.id) this.schedule('watch: gone');
  }

  /** Retries an operation on the *same* session across connection loss; never across sessions. */
  private async retrying<T>(session: Session, op: () => Promise<T>): Promise<T> {
    for (;;) {
      this.throwIfStopped(session);
      try {
        return await op();
      } catch (err) {
        if (!isRetryable(err)) throw err;
        log('%s: %s; retrying on session 0x%s once reconnected', this.path, (err as Error).message, session.id);
        const s = await this.connection.waitForConnected(this.stopper.signal);
        if (s !== session) throw new StoppedError(`session 0x${session.id}`);
      }
    }
  }

  private throwIfStopped(session: Session): void {
    if (this.stopper.signal.aborted) throw new StoppedError(`registration of ${this.path}`);
    if (session.ended !== undefined) throw new StoppedError(`session 0x${session.id}`);
  }
}
