// The numbers of ZooKeeper's wire protocol, each with the Java constant it mirrors. All of them are
// fixed by compatibility: a server of any version since 3.4 reads and writes these same values.

/** Request types (org.apache.zookeeper.ZooDefs.OpCode). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  /** 3.5+: create that returns the new node's Stat. */
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  /** 3.6+: a multi of reads only (getChildren, getData). */
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  /** 3.6+: setWatches with persistent and persistent-recursive watches. */
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  /** In a multi's results: the op failed; an ErrorResponse follows. */
  error: -1,
} as const;
export type OpCodeName = keyof typeof OpCode;

/**
 * xids with a meaning of their own (ClientCnxn's NOTIFICATION_XID, PING_XID, AUTHPACKET_XID,
 * SET_WATCHES_XID). A client numbers its own requests from 1 up and never uses these; the server
 * answers a ping, auth or setWatches with the same special xid, and sends watch events with -1.
 */
export const Xid = {
  NOTIFICATION: -1,
  PING: -2,
  AUTH: -4,
  SET_WATCHES: -8,
} as const;

/** The `flags` of a create request (org.apache.zookeeper.CreateMode). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  /** 3.5.3+, sent with OpCode.createContainer. */
  CONTAINER: 4,
  /** 3.5.3+, sent with OpCode.createTTL; the server must run with extendedTypesEnabled. */
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;

/** The `mode` of an AddWatchRequest (org.apache.zookeeper.ZooDefs.AddWatchModes / AddWatchMode). */
export const AddWatchMode = {
  PERSISTENT: 0,
  PERSISTENT_RECURSIVE: 1,
} as const;

/** The `type` of a CheckWatches/RemoveWatches request (org.apache.zookeeper.Watcher.WatcherType). */
export const WatcherType = {
  CHILDREN: 1,
  DATA: 2,
  ANY: 3,
  PERSISTENT: 4,
  PERSISTENT_RECURSIVE: 5,
} as const;

/** WatcherEvent.type (org.apache.zookeeper.Watcher.Event.EventType). */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;

/** WatcherEvent.state (org.apache.zookeeper.Watcher.Event.KeeperState). The server sends SyncConnected on every event. */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;

/** ReplyHeader.err and a multi's ErrorResponse.err (org.apache.zookeeper.KeeperException.Code). */
export const KeeperErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

/** Permission bits of an ACL (org.apache.zookeeper.ZooDefs.Perms); the same values as session.ts's PERM. */
export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;
