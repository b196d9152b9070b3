// The shapes ZooKeeper data takes in this library: Stat, ACL entries, watch events and create
// modes. Shared by the wire layer, the client and the session layer; this module imports nothing.

/** The version of a conditional write or delete that matches any version (ZooKeeper's -1). */
export const ANY_VERSION = -1;

/** The parts of a ZooKeeper Stat this library exposes. zxids are JS numbers (exact below 2^53). */
export interface Stat {
  /** The zxid of the node's creation (Kafka's broker epoch, for a broker znode). */
  readonly czxid: number;
  /** The zxid of the node's last data change. */
  readonly mzxid: number;
  /** The data version: 0 after create, +1 per setData; what conditional writes check. */
  readonly version: number;
  /** The ACL's version (ZooKeeper's aversion): what setAcl is conditional on. */
  readonly aclVersion: number;
  /** Bytes of data. */
  readonly dataLength: number;
  /** Number of children. */
  readonly numChildren: number;
  /** Session id (lowercase hex, no 0x) of the owner of an ephemeral node; "0" for persistent nodes. */
  readonly ephemeralOwner: string;
  /** When the node was created (server's clock). */
  readonly ctime: Date;
  /** When its data last changed (server's clock). */
  readonly mtime: Date;
}

/** What a watch saw: the node was created, deleted, its data changed, or its children changed. */
export type WatchEventType = 'created' | 'deleted' | 'changed' | 'child';
/** A one-shot watch callback: the event and the node's path (without the chroot). */
export type Watcher = (event: WatchEventType, path: string) => void;
/** A node that lives until deleted, or one deleted with the session that created it. */
export type CreateMode = 'persistent' | 'ephemeral';

/** One ACL entry: `perms` (a sum of PERM bits) for `id` in `scheme` (world:anyone, auth, digest:user:hash, ip:...). */
export interface Acl {
  /** The permission bits, a sum of PERM values (READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16). */
  readonly perms: number;
  /** `world`, `auth`, `digest`, `ip`, `x509`, ... */
  readonly scheme: string;
  /** The identity within the scheme: `anyone`, `user:base64(sha1(user:password))`, an address, ... */
  readonly id: string;
}

/** ZooKeeper's permission bits (ZooDefs.Perms). */
export const PERM = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/**
 * Why `acl` is not a list of ACL entries (a non-empty scheme, an id, perms a sum of PERM bits), or
 * undefined. What the server would do with the rest (an unknown scheme, an id it cannot parse) is its
 * word: INVALIDACL.
 */
export function invalidAclReason(acl: unknown): string | undefined {
  if (!Array.isArray(acl)) return `expected an array of { scheme, id, perms }, got ${acl === null ? 'null' : typeof acl}`;
  if (acl.length === 0) return 'an empty ACL (a node nobody may touch)';
  for (const [i, e] of acl.entries()) {
    const x = e as Partial<Record<keyof Acl, unknown>> | null;
    if (typeof x !== 'object' || x === null) return `entry ${i} is not an object`;
    if (typeof x.scheme !== 'string' || x.scheme === '') return `entry ${i}: scheme ${JSON.stringify(x.scheme)} is not a non-empty string`;
    if (typeof x.id !== 'string') return `entry ${i}: id ${JSON.stringify(x.id)} is not a string`;
    if (typeof x.perms !== 'number' || !Number.isInteger(x.perms) || x.perms < 0 || x.perms > PERM.ALL)
      return `entry ${i}: perms ${JSON.stringify(x.perms)} is not an integer in 0..${PERM.ALL}`;
  }
  return undefined;
}
