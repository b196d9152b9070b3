// Temporary brokers not yet disposed, so that stopping the ZooKeeper or the cluster they live in
// ends them too. A test that fails between registerTemporaryBroker() and dispose() would otherwise
// leave a registrar retrying a stopped ZooKeeper forever, and its runner (node --test, jest)
// waiting on it for good.

interface LiveBroker {
  /** Member addresses of its ZooKeeper connect string (`127.0.0.1:2181`), no chroot. */
  readonly hosts: ReadonlySet<string>;
  /** Its chroot ('' for none). */
  readonly chroot: string;
  /** Ends it without waiting for the cluster to unlist it (the cluster is going away). */
  readonly end: () => Promise<void>;
}

const live = new Set<LiveBroker>();

/**
 * Splits `host:port[,host:port...][/chroot]` into its member addresses and its chroot. Every name of
 * this machine's loopback (`localhost`, `127.x.y.z`, `::1`, bracketed or not) is one host, so that a
 * broker registered through `localhost:P` is found by the ZooKeeper on `127.0.0.1:P`.
 */
export function splitConnect(connect: string): { hosts: Set<string>; chroot: string } {
  const slash = connect.indexOf('/');
  const hosts = slash < 0 ? connect : connect.slice(0, slash);
  const chroot = slash < 0 ? '' : connect.slice(slash).replace(/\/+$/, '');
  return {
    hosts: new Set(
      hosts
        .split(',')
        .map((h) => canonicalHostPort(h.trim()))
        .filter((h) => h !== ''),
    ),
    chroot,
  };
}

function canonicalHostPort(hostPort: string): string {
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return hostPort.toLowerCase();
  const host = hostPort
    .slice(0, colon)
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || /^::ffff:127\./.test(host);
  return `${loopback ? 'loopback' : host}:${hostPort.slice(colon + 1)}`;
}

/** Records a temporary broker; the returned function forgets it again (on its dispose). */
export function trackTemporaryBroker(connect: string, end: () => Promise<void>): () => void {
  const entry: LiveBroker = { ...splitConnect(connect), end };
  live.add(entry);
  return () => live.delete(entry);
}

/**
 * Ends every tracked temporary broker on one of `connect`'s members; with `sameChroot`, only those in
 * `connect`'s chroot (a cluster's, when the ZooKeeper outlives the cluster). Errors are ignored:
 * whatever an end could not reach goes with its ZooKeeper session.
 */
export async function endTemporaryBrokersOn(connect: string, sameChroot: boolean): Promise<void> {
  const target = splitConnect(connect);
  const ending = [...live].filter((b) => [...b.hosts].some((h) => target.hosts.has(h)) && (!sameChroot || b.chroot === target.chroot));
  for (const b of ending) live.delete(b);
  await Promise.all(ending.map((b) => b.end().catch(() => undefined)));
}
