// Loopback helpers of the testing kit: a free port, whether a port accepts, and ZooKeeper's four-letter words over a plain socket.
import { createServer, connect as tcpConnect } from 'node:net';

/** Ports this process has handed out: none is handed out twice. */
const handedOut = new Set<number>();

/**
 * A port that was free on 127.0.0.1 a moment ago (the kernel's choice for port 0), and never one this
 * process has handed out before: a port is free again once closed, so two calls in a row could get
 * the same one (seen in CI: a broker given one port for two listeners, which Kafka refuses).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Sends a four-letter word (`srvr`, `ruok`, `dump`, `cons`, ...) to the ZooKeeper server on
 * 127.0.0.1:`port` and resolves with its whole answer; rejects if it does not end within `timeoutMs`.
 */
export function fourLetterWord(port: number, cmd: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`four-letter word '${cmd}' to 127.0.0.1:${port} got no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(cmd));
    sock.on('data', (d) => (out += d.toString('utf8')));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:port (the connection is closed at once). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
