import { InvalidConfigError } from '../errors.js';

/** A connect string (`host:port[,host:port...][/chroot]`) split into its hosts and chroot. */
export interface ParsedConnectString {
  /** `host:port,host:port` without the chroot, as a chroot-free session (ensureChroot) is opened with. */
  readonly hosts: string;
  /** Chroot path (no trailing slash) or undefined. */
  readonly chroot: string | undefined;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * Validates a ZooKeeper connect string (`h1:2181,h2:2181/kafka`). A client would retry
 * forever against a bad address, so we reject typos up front.
 */
export function parseConnectString(value: unknown, field = 'zookeeper.connect'): ParsedConnectString {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidConfigError(field, value, 'expected "host:port[,host:port...][/chroot]"');
  }
  const slash = value.indexOf('/');
  const hostPart = slash === -1 ? value : value.slice(0, slash);
  const chrootPart = slash === -1 ? undefined : value.slice(slash);
  // Blanks around the commas are read as ZooKeeper's own clients read them (`a:2181, b:2181`); an
  // empty entry (`a:2181,,b:2181`) is a typo, refused below like any other malformed host.
  const hosts = hostPart.split(',').map((h) => h.trim());
  for (const hp of hosts) {
    const m = HOST_PORT.exec(hp);
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || !(port >= 1 && port <= 65535)) {
      throw new InvalidConfigError(field, value, `"${hp}" is not host:port with a port in 1..65535`);
    }
  }
  let chroot: string | undefined;
  if (chrootPart !== undefined && chrootPart !== '/') {
    validateZnodePath(chrootPart, field, value);
    chroot = chrootPart;
  }
  return { hosts: hosts.join(','), chroot };
}

/** ZooKeeper's own path rules (PathUtils.validatePath), minus sequential suffixes. */
export function validateZnodePath(path: string, field: string, value: unknown = path): void {
  const bad = (why: string): never => {
    throw new InvalidConfigError(field, value, `path ${JSON.stringify(path)} ${why}`);
  };
  if (!path.startsWith('/')) bad('must start with "/"');
  if (path.length > 1 && path.endsWith('/')) bad('must not end with "/"');
  if (path.includes('//')) bad('has an empty segment');
  for (const seg of path.split('/').slice(1)) {
    if (seg === '.' || seg === '..') bad('has a relative segment');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters ZooKeeper's PathUtils refuses are what this matches.
  if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(path)) bad('has a character ZooKeeper rejects');
}
