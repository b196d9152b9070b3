// Whether the cluster is on its way to KRaft (KIP-866), kept current with a watch on /migration.
//
// A ZooKeeper-only registration (what this library writes) matters to a migration in two ways: the
// KRaft controller does not start migrating until every broker id under /brokers/ids has also
// registered with the KRaft quorum, so ours holds the whole migration back; and once the migration
// is done, the cluster's metadata comes from KRaft, which never lists a ZooKeeper-only broker.
import { NoNodeError, ZNodeFormatError, type KafkaZkRegistrarError } from '../errors.js';
import { logger } from '../log.js';
import { SafeEmitter } from '../util/safe-emitter.js';
import { decodeMigrationZNode, MIGRATION_PATH, type MigrationPhase, type MigrationState } from '../znodes/migration-znode.js';
import type { Connection } from '../zookeeper/connection.js';
import type { Session } from '../zookeeper/session.js';

const log = logger('migration');

/** /migration as last read: absent (no migration), decoded, or present but undecodable. */
export type MigrationView =
  | { readonly phase: 'none' }
  | { readonly phase: MigrationPhase; readonly state: MigrationState }
  | { readonly phase: 'unreadable'; readonly error: ZNodeFormatError };

/** Reads /migration once. Any other error (connection loss, ...) is thrown. */
export async function readMigration(s: Session, watcher?: () => void): Promise<MigrationView> {
  try {
    const { data } = await s.get(MIGRATION_PATH, watcher === undefined ? undefined : () => watcher());
    const state = decodeMigrationZNode(data);
    return { phase: state.phase, state };
  } catch (err) {
    if (err instanceof ZNodeFormatError) return { phase: 'unreadable', error: err };
    if (!(err instanceof NoNodeError)) throw err;
  }
  // Not there: watch for its creation instead (a get-watch is not set on a missing node).
  if (watcher !== undefined && (await s.exists(MIGRATION_PATH, () => watcher())) !== null) return readMigration(s, watcher);
  return { phase: 'none' };
}

export interface MigrationWatchEvents {
  changed: [view: MigrationView];
}

/** Keeps `view` current: re-reads /migration on every change and on every new session. */
export class MigrationWatch extends SafeEmitter<MigrationWatchEvents> {
  private current: MigrationView = { phase: 'none' };
  private stopped = false;
  private readonly detach: () => void;

  constructor(private readonly connection: Connection) {
    super();
    const onSession = (): void => this.refresh();
    connection.on('session', onSession);
    this.detach = () => connection.off('session', onSession);
  }

  get view(): MigrationView {
    return this.current;
  }

  /** Records a view read elsewhere (the pre-flight) and arms the watch. */
  start(initial?: MigrationView): void {
    if (initial !== undefined) this.set(initial);
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.detach();
    // Our watch on /migration may never fire, and the client keeps what a watch refers to until it
    // does (or the session ends): let go of whoever listens to us.
    this.removeAllListeners();
  }

  private refresh(): void {
    if (this.stopped) return;
    const s = this.connection.session;
    if (s === undefined) return;
    readMigration(s, () => this.refresh()).then(
      (v) => this.set(v),
      // The next session (or reconnect) re-reads it; nothing here is worth failing a registration over.
      (err: KafkaZkRegistrarError) => log('reading %s failed: %s', MIGRATION_PATH, err.message),
    );
  }

  private set(v: MigrationView): void {
    if (this.stopped) return;
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
