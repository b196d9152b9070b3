// /migration (persistent): the ZooKeeper -> KRaft migration's leadership state (KIP-866), written
// by the KRaft controller when it starts with zookeeper.metadata.migration.enable=true:
//   {"version":0,"kraft_controller_id":N,"kraft_controller_epoch":N,"kraft_metadata_offset":N,"kraft_metadata_epoch":N}
// All -1 when first created. Kafka's rule (ZkMigrationLeadershipState.initialZkMigrationComplete):
// the initial copy of ZooKeeper's metadata into KRaft is done once kraft_metadata_offset > 0. Before
// that the KRaft controller waits for *every* broker id under /brokers/ids to register with the
// KRaft quorum too; after it, metadata comes from KRaft and ZooKeeper is only written to (dual write).
import { INT32_MAX, parseZNodeObject } from './znode-json.js';

/**
 * `/migration` (persistent; Kafka's MigrationZNode), written by a KRaft controller with
 * `zookeeper.metadata.migration.enable=true`.
 */
export const MIGRATION_PATH = '/migration';

/** Where a migration stands, as far as ZooKeeper shows it. */
export type MigrationPhase =
  /** A KRaft controller with migration enabled exists; it waits for every ZooKeeper broker to register with KRaft. */
  | 'waiting-for-brokers'
  /** The initial migration is done: KRaft controls the cluster and writes ZooKeeper for rollback (dual write). */
  | 'migrated';

/**
 * /migration decoded (Kafka's ZkMigrationLeadershipState); each field is -1 until the KRaft controller sets
 * it.
 */
export interface MigrationState {
  /** Only version 0 exists. */
  readonly version: 0;
  /** `kraft_controller_id`: the active KRaft controller's node id. */
  readonly kraftControllerId: number;
  /** `kraft_controller_epoch`. */
  readonly kraftControllerEpoch: number;
  /** `kraft_metadata_offset`: greater than 0 once the initial migration is done. */
  readonly kraftMetadataOffset: number;
  /** `kraft_metadata_epoch`. */
  readonly kraftMetadataEpoch: number;
  /**
   * `migrated` when `kraftMetadataOffset` is greater than 0 (Kafka's initialZkMigrationComplete), else
   * `waiting-for-brokers`.
   */
  readonly phase: MigrationPhase;
}

function int(o: Readonly<Record<string, unknown>>, key: string, fail: (why: string) => never, max = INT32_MAX): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > max) return fail(`${key} is missing or not an integer`);
  return v;
}

/** /migration as Kafka's MigrationZNode.decode reads it (only version 0 exists). Throws ZNodeFormatError. */
export function decodeMigrationZNode(data: Buffer): MigrationState {
  const { o, fail } = parseZNodeObject(MIGRATION_PATH, data);
  if (o.version !== 0) return fail(`unknown version ${JSON.stringify(o.version)} (Kafka reads only 0)`);
  const kraftMetadataOffset = int(o, 'kraft_metadata_offset', fail, Number.MAX_SAFE_INTEGER);
  return {
    version: 0,
    kraftControllerId: int(o, 'kraft_controller_id', fail),
    kraftControllerEpoch: int(o, 'kraft_controller_epoch', fail),
    kraftMetadataOffset,
    kraftMetadataEpoch: int(o, 'kraft_metadata_epoch', fail),
    phase: kraftMetadataOffset > 0 ? 'migrated' : 'waiting-for-brokers',
  };
}

/** Kafka's encoding (for tests and tools that stage a migration). */
export function encodeMigrationZNode(s: Omit<MigrationState, 'version' | 'phase'>): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 0,
      kraft_controller_id: s.kraftControllerId,
      kraft_controller_epoch: s.kraftControllerEpoch,
      kraft_metadata_offset: s.kraftMetadataOffset,
      kraft_metadata_epoch: s.kraftMetadataEpoch,
    }),
    'utf8',
  );
}
