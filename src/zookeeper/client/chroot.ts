// A chroot makes a client see a subtree as its whole namespace: every path it sends gets the chroot
// in front, and every path the server sends back (a created node's name, a watch event's path, a
// sync's answer) loses it again. ZooKeeper.java does the same with prependChroot/stripChroot.

export class Chroot {
  /** `prefix` is the chroot without a trailing slash, e.g. "/kafka"; undefined or "/" means none. */
  readonly prefix: string;

  constructor(prefix: string | undefined) {
    this.prefix = prefix === undefined || prefix === '/' ? '' : prefix;
  }

  /** The path the server knows: "/" becomes the chroot itself. */
  toServer(clientPath: string): string {
    if (this.prefix === '') return clientPath;
    return clientPath === '/' ? this.prefix : this.prefix + clientPath;
  }

  /**
   * The path the client knows. A server path outside the chroot cannot come from a request of
   * ours; it is returned unchanged (as ZooKeeper.java's stripChroot does) rather than mangled.
   */
  toClient(serverPath: string): string {
    if (this.prefix === '') return serverPath;
    if (serverPath === this.prefix) return '/';
    if (serverPath.startsWith(`${this.prefix}/`)) return serverPath.slice(this.prefix.length);
    return serverPath;
  }

  /** Whether a server path lies inside the chroot (getEphemerals' prefix match can reach beyond it). */
  contains(serverPath: string): boolean {
    return this.prefix === '' || serverPath === this.prefix || serverPath.startsWith(`${this.prefix}/`);
  }
}

const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)+$|^\/$/;

/**
 * ZooKeeper's path rules (PathUtils.validatePath), checked before anything is sent so that a typo
 * fails at once and by name rather than as the server's BADARGUMENTS. Returns why the path is
 * refused, or undefined. `sequential`: a sequential create may end in "/" (the server appends the
 * counter to the parent's path).
 */
export function invalidPathReason(path: unknown, sequential = false): string | undefined {
  // Nearly every path is plain ASCII words (/brokers/ids/5): one regex test settles those, since no
  // rule below can refuse them ("." alone is not in the class, so no relative segment either).
  if (typeof path === 'string' && PLAIN_PATH.test(path)) return undefined;
  if (typeof path !== 'string' || path === '') return 'is not a non-empty string';
  if (!path.startsWith('/')) return 'must start with "/"';
  const checked = sequential && path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (checked.length > 1 && checked.endsWith('/')) return 'must not end with "/"';
  if (checked.includes('//')) return 'has an empty segment';
  for (const seg of checked.split('/').slice(1)) if (seg === '.' || seg === '..') return 'has a relative segment';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters ZooKeeper's PathUtils refuses are what this matches.
  if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(checked)) return 'has a character ZooKeeper refuses';
  return undefined;
}

/**
 * Why a recipe must not keep a node at `path` under `chroot`: it is in ZooKeeper's own subtree,
 * `/zookeeper` (quotas, the ensemble's config; ZooDefs.ZOOKEEPER_NODE_SUBTREE), whatever the
 * chroot. Undefined when it is not.
 */
export function reservedPathReason(chroot: string | undefined, path: string): string | undefined {
  const full = chroot === undefined ? path : path === '/' ? chroot : `${chroot}${path}`;
  if (full !== '/zookeeper' && !full.startsWith('/zookeeper/')) return undefined;
  return `is in ZooKeeper's own /zookeeper subtree${full === path ? '' : ` (as ${full}, with the chroot)`}: it is no place for a node a recipe keeps`;
}
