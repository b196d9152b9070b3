import { formatHostPort, parseConnectString as parseServers } from './client/host-provider.js';

/** A connect string (`host:port[,host:port...][/chroot]`) split into its hosts and chroot. */
export interface ParsedConnectString {
  /**
   * `host:port,host:port` without the chroot, every port written out (2181 where the connect
   * string names none), as a chroot-free session (ensureChroot) is opened with.
   */
  readonly hosts: string;
  /** Chroot path (no trailing slash) or undefined. */
  readonly chroot: string | undefined;
}

/**
 * Validates a ZooKeeper connect string (`h1:2181,h2:2181/kafka`) and reads it as ZooKeeper's
 * ConnectStringParser does, so that Kafka's `zookeeper.connect` works here as it is: a host without
 * a port gets 2181, blanks and empty entries between the commas are dropped, IPv6 addresses come in
 * brackets (`[::1]:2181`). What ZooKeeper would refuse or guess at (a bad port, an unbracketed IPv6
 * address, a chroot PathUtils refuses) throws InvalidConfigError naming `field`: a client would
 * retry forever against a bad address, so typos fail up front. The one reading of the client itself
 * (client/host-provider.ts), in the string form the registrar keys its work by.
 */
export function parseConnectString(value: unknown, field = 'zookeeper.connect'): ParsedConnectString {
  const { hosts, chroot } = parseServers(value, field);
  return { hosts: hosts.map(formatHostPort).join(','), chroot };
}
