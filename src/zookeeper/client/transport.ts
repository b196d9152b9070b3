// Opens the byte stream to one server: node:net, or node:tls when the client is configured for
// TLS (a server's secureClientPort). Sockets from either are close-on-exec, so a child process
// spawned later never holds a ZooKeeper connection open behind our back.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { ZooKeeperTls } from '../tls.js';

/** The public TLS options (zookeeper/tls.ts), and the one switch only our own tests may turn. */
export interface ClientTlsOptions extends ZooKeeperTls {
  /** Default true: a server whose certificate does not verify is refused (the public options refuse this key). */
  readonly rejectUnauthorized?: boolean;
}

export interface OpenedTransport {
  readonly socket: Socket;
  /** The event after which bytes may be written: 'connect' (TCP) or 'secureConnect' (TLS handshake done). */
  readonly readyEvent: 'connect' | 'secureConnect';
}

/** `address` is already resolved; `hostName` is what the connect string said (for TLS SNI and verification). */
export function openTransport(address: string, port: number, hostName: string, tls: ClientTlsOptions | undefined): OpenedTransport {
  if (tls === undefined) {
    const socket = netConnect({ host: address, port, noDelay: true });
    return { socket, readyEvent: 'connect' };
  }
  const servername = tls.servername ?? (isIP(hostName) === 0 ? hostName : undefined);
  const socket = tlsConnect({
    host: address,
    port,
    ...(servername === undefined ? {} : { servername }),
    ...(tls.ca === undefined ? {} : { ca: tls.ca as string | Buffer | (string | Buffer)[] }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    // The certificate is checked against the name the connect string gave (or its IP address), not
    // against the address the name resolved to.
    checkServerIdentity: (_resolved, cert) => checkServerIdentity(servername ?? hostName, cert),
  });
  socket.setNoDelay(true);
  return { socket, readyEvent: 'secureConnect' };
}
