// A loopback TCP proxy the test controls, to cut one client off from ZooKeeper without touching
// the server or anyone else: `pass` forwards, `hold` stops forwarding in both directions (bytes wait
// in the kernel's buffers and arrive, in order, on `pass`), `blackhole` drops them, `reset` closes
// every connection through it at once.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'hold' | 'blackhole';

export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy: give it to the client instead of the server's address. */
  readonly address: string;
  readonly mode: ProxyMode;
  set(mode: ProxyMode): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<[Socket, Socket]>();
  const apply = ([a, b]: [Socket, Socket]): void => {
    if (mode === 'hold') {
      a.pause();
      b.pause();
    } else {
      a.resume();
      b.resume();
    }
  };
  // No Nagle on either side: our client disables it on its own socket, and a proxy that coalesced
  // small writes would add delayed-ACK stalls (~40 ms) that the direct path does not have.
  const server: Server = createServer({ noDelay: true }, (client) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (d) => {
        if (mode !== 'blackhole') to.write(d);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
    apply(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    set: (m) => {
      mode = m;
      for (const p of pairs) apply(p);
    },
    reset: () => {
      for (const [c, u] of pairs) {
        c.resetAndDestroy();
        u.resetAndDestroy();
      }
      pairs.clear();
    },
    close: async () => {
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
