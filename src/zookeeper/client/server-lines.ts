// Which servers serve create2 (ZooKeeper 3.5+), learnt without ever costing a connection.
//
// A server that does not know an op answers it UNIMPLEMENTED and closes the connection (see
// client-connection.ts), so a client must not try create2 on a server it knows nothing of: on a 3.4
// member that one try is a reconnect. The line shows in the tree instead: every 3.5+ server has
// /zookeeper/config (its DataTree makes it, for dynamic reconfiguration, whether reconfig is enabled
// or not), a 3.4 server has only /zookeeper/quota (checked on 3.4.14, 3.5.10, 3.6.4, 3.8 and 3.9.4).
// An exists of that path is a local read that any client may send (exists checks no ACL), so it
// rides in a write the caller sends anyway, and the answer is kept per server (`host:port`) for the
// whole process, like a DNS cache: a fleet of registrars started at once sends one probe per server,
// not one each. What is kept can go stale only if a server is replaced in place: by an older line,
// create2 is answered UNIMPLEMENTED once, which corrects the entry; by a newer one, the plain create
// (correct on every line) goes on being used.

/** The path only 3.5+ servers have, in the server's namespace (never under a chroot). */
export const CONFIG_NODE = '/zookeeper/config';

/** Per server (`host:port`): serves create2 or not. */
export class ServerLines {
  private readonly create2 = new Map<string, boolean>();
  private readonly probing = new Set<string>();

  /** True or false once known for this server; undefined until then. */
  servesCreate2(server: string): boolean | undefined {
    return this.create2.get(server);
  }

  /**
   * Starts one probe of `server` unless its answer is known or a probe is on its way: `probe` sends
   * the exists of CONFIG_NODE on a connection to that server and resolves whether the node exists.
   * A probe that fails (a lost connection) leaves the server unknown, to be probed again later.
   */
  learn(server: string, probe: () => Promise<boolean>): void {
    if (this.create2.has(server) || this.probing.has(server)) return;
    this.probing.add(server);
    probe().then(
      (has) => {
        this.probing.delete(server);
        if (!this.create2.has(server)) this.create2.set(server, has);
      },
      () => this.probing.delete(server),
    );
  }

  /** What a create2 itself showed: answered (true) or UNIMPLEMENTED (false). */
  record(server: string, serves: boolean): void {
    if (this.create2.get(server) !== serves) this.create2.set(server, serves);
  }
}

/** What this process has learnt of the servers it talks to (every client's default). */
export const serverLines = new ServerLines();
