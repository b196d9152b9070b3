// A loopback TCP proxy the test controls, to cut one client off from ZooKeeper without touching
// the server or anyone else: `pass` forwards, `hold` stops forwarding in both directions (bytes wait
// in the kernel's buffers and arrive, in order, on `pass`), `blackhole` drops them, `reset` closes
// every connection through it at once. `blackhole(ms)` is the fault switch for a network cut: it
// holds (not drops) for `ms`, as TCP over a partition does: nothing arrives meanwhile, and what was
// sent arrives afterwards, in order, unless an end gave up on the connection first. Dropping bytes
// from a stream (the `blackhole` mode) is no network fault: it corrupts the stream, and a request
// whose bytes vanished is never answered while pings flow again.
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { InvalidConfigError } from '../errors.js';
import { MAX_TIMER_MS } from '../util/timing.js';

export type ProxyMode = 'pass' | 'hold' | 'blackhole';

export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy: give it to the client instead of the server's address. */
  readonly address: string;
  readonly mode: ProxyMode;
  set(mode: ProxyMode): void;
  /**
   * Cuts every connection through the proxy off for `ms` milliseconds, as a network partition that
   * TCP rides out: mode `hold` (nothing is forwarded in either direction; bytes wait in the kernel's
   * buffers and arrive, in order, afterwards; connections stay open unless an end closes them), then
   * `pass`; resolves once it forwards again. Rejects with InvalidConfigError (field `ms`) unless `ms`
   * is a positive finite number. close() ends it early.
   */
  blackhole(ms: number): Promise<void>;
  reset(): void;
  /** Closes every connection and the listening socket; clears a pending blackhole(). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let blackholeTimer: { timer: NodeJS.Timeout; done: () => void } | undefined;
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
  const set = (m: ProxyMode): void => {
    mode = m;
    for (const p of pairs) apply(p);
  };
  const endBlackhole = (): void => {
    if (blackholeTimer === undefined) return;
    clearTimeout(blackholeTimer.timer);
    const { done } = blackholeTimer;
    blackholeTimer = undefined;
    done();
  };
  const close = async (): Promise<void> => {
    endBlackhole();
    for (const [c, u] of pairs) {
      c.destroy();
      u.destroy();
    }
    pairs.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    address: `127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    set,
    blackhole: (ms) => {
      if (typeof ms !== 'number' || !(ms > 0) || ms > MAX_TIMER_MS)
        return Promise.reject(
          new InvalidConfigError(
            'ms',
            ms,
            `expected a positive number of milliseconds, at most ${MAX_TIMER_MS} (a longer timer Node fires at once)`,
          ),
        );
      endBlackhole();
      set('hold');
      return new Promise<void>((resolve) => {
        const done = (): void => {
          set('pass');
          resolve();
        };
        blackholeTimer = { timer: setTimeout(endBlackhole, ms), done };
      });
    },
    reset: () => {
      for (const [c, u] of pairs) {
        c.resetAndDestroy();
        u.resetAndDestroy();
      }
      pairs.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
