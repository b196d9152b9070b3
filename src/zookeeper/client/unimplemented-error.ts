// errors.ts has no class for ZooKeeper's UNIMPLEMENTED (-6), and is not ours to change in this
// step; so it lives here, as a ZooKeeperError (code 'ZOOKEEPER', zkCode -6) that callers can tell
// apart with instanceof. To be folded into errors.ts (with its own code).
import { ZooKeeperError } from '../../errors.js';

/**
 * The server does not know the operation: it is older than the operation (create2 needs 3.5,
 * addWatch and getEphemerals 3.6, whoAmI 3.7), or the feature is off there (TTL nodes need the
 * server's extendedTypesEnabled). Nothing was changed; the session is fine.
 */
export class UnimplementedError extends ZooKeeperError {
  /** The release that introduced the operation, when that explains the refusal. */
  readonly since: string | undefined;
  /** The server (`host:port`) that refused it, when a server did. */
  readonly server: string | undefined;
  constructor(operation: string, path: string | undefined, since: string | undefined, hint?: string, server?: string) {
    super(-6, operation, path, `the server${server === undefined ? '' : ` ${server}`} does not implement ${operation}${since === undefined ? '' : ` (ZooKeeper ${since}+)`}${hint === undefined ? '' : `; ${hint}`} (UNIMPLEMENTED)`);
    this.since = since;
    this.server = server;
  }
}
