// Whether the cluster is on its way to KRaft (KIP-866), kept current with a watch on /migration.
//
// A ZooKeeper-only registration (what this library writes) matters to a migration in two ways: the
// KRaft controller does not start migrating until every broker id under /brokers/ids has also
// registered with the KRaft quorum, so ours holds the whole migration back; and once the migration
// is done, the cluster's metadata comes from KRaft, which never lists a ZooKeeper-only broker.
import { NoNodeError, ZNodeFormatError, type KafkaZkRegistrarError } from '../errors.js';
import { logger } from '../log.js';
import { SafeEmitter } from '../util/safe-emitter.js';
import { StopSignal } from '../util/stop-signal.js';
import { onSameSession } from '../recipes/same-session.js';
import { decodeMigrationZNode, MIGRATION_PATH, type MigrationPhase, type MigrationState } from '../znodes/migration-znode.js';
import type { Connection } from '../zookeeper/connection.js';
import type { Session } from '../zookeeper/session.js';

const log = logger('migration');

/** /migration as last read: absent (no migration), decoded, or present but undecodable. */
export type MigrationView =
  | { readonly phase: 'none' }
  | { readonly phase: MigrationPhase; readonly state: MigrationState }
  | { readonly phase: 'unreadable'; readonly error: ZNodeFormatError };

/**
 * Reads /migration once; with `watcher`, also arms a watch that fires on its creation, change or
 * deletion. Any other error (connection loss, ...) is thrown.
 */
export async function readMigration(s: Session, watcher?: () => void): Promise<MigrationView> {
  // With a watch, the exists-watch comes first: it is armed whether or not the node is there (a
  // get-watch is not set on a missing node), and in the usual case, no migration, it is the only
  // request. The get that follows when it is there needs no watch of its own.
  if (watcher !== undefined && (await s.exists(MIGRATION_PATH, () => watcher())) === null) return { phase: 'none' };
  try {
    const state = decodeMigrationZNode((await s.get(MIGRATION_PATH)).data);
    return { phase: state.phase, state };
  } catch (err) {
    if (err instanceof ZNodeFormatError) return { phase: 'unreadable', error: err };
    // Deleted between the exists and the get: the watch fires for that, and the view is re-read.
    if (err instanceof NoNodeError) return { phase: 'none' };
    throw err;
  }
}

export interface MigrationWatchEvents {
  changed: [view: MigrationView];
}

/**
 * Keeps `view` current: re-reads /migration on every change and on every new session. It starts
 * from the pre-flight's read, which armed its watch (`watcher`), so that /migration costs one
 * request at start.
 */
export class MigrationWatch extends SafeEmitter<MigrationWatchEvents> {
  private current: MigrationView = { phase: 'none' };
  private started = false;
  private readonly stopper = new StopSignal('the /migration watch');
  private readonly detach: () => void;
  /** Pass to readMigration: a change to /migration re-reads it (once started). */
  readonly watcher = (): void => this.refresh();

  constructor(private readonly connection: Connection) {
    super();
    const onSession = (): void => this.refresh();
    connection.on('session', onSession);
    this.detach = () => connection.off('session', onSession);
  }

  get view(): MigrationView {
    return this.current;
  }

  /**
   * Starts from a view read (with `watcher`) on session `readOn`; re-reads at once if the session
   * has changed since, since a watch lives only as long as its session.
   */
  start(initial: MigrationView, readOn: Session): void {
    this.started = true;
    this.set(initial);
    if (this.connection.session !== readOn) this.refresh();
  }

  stop(): void {
    this.stopper.abort();
    this.detach();
    // Our watch on /migration may never fire, and the client keeps what a watch refers to until it
    // does (or the session ends): let go of whoever listens to us.
    this.removeAllListeners();
  }

  private refresh(): void {
    if (this.stopper.aborted || !this.started) return;
    const s = this.connection.session;
    if (s === undefined) return;
    // Read again after a connection loss on the same session: a read whose reply was lost left no
    // watch, and nothing else would arm one for the rest of the session.
    onSameSession(this.connection, s, () => readMigration(s, this.watcher), this.stopper).then(
      (v) => this.set(v),
      // Stopped, or the session is gone (the next one re-reads it); nothing here is worth failing a registration over.
      (err: KafkaZkRegistrarError) => log('reading %s failed: %s', MIGRATION_PATH, err.message),
    );
  }

  private set(v: MigrationView): void {
    if (this.stopper.aborted) return;
    const before = this.current;
    this.current = v;
    if (fingerprint(before) !== fingerprint(v)) {
      log('%s: %s', MIGRATION_PATH, v.phase);
      this.notify('changed', v);
    }
  }
}

function fingerprint(v: MigrationView): string {
  if ('state' in v) return `${v.phase}:${JSON.stringify(v.state)}`;
  if ('error' in v) return `${v.phase}:${v.error.data}`;
  return v.phase;
}
