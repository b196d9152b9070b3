// The shapes ZooKeeper data takes in this library: Stat, ACL entries, watch events and create
// modes. Shared by the wire layer, the client and the session layer; this module imports nothing.

/** The parts of a ZooKeeper Stat this library exposes. zxids are JS numbers (exact below 2^53). */
/** The version of a conditional write or delete that matches any version (ZooKeeper's -1). */
export const ANY_VERSION = -1;

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

/** One ACL entry: `perms` (a sum of PERM bits) for `id` in `scheme` (world:anyone, auth, digest:user:hash, ip:...). */
export interface Acl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/** ZooKeeper's permission bits (ZooDefs.Perms). */
export const PERM = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;
