// A forwarder to a server for two faults the testing kit's proxy (tcp-proxy.ts) does not make:
// `reset-on-close` passes the server's close on as a reset (the client reads ECONNRESET, as when a
// server closes with our bytes unread), and `hold-after-first-reply` passes the server's first
// chunk (the ConnectResponse) and holds everything after it until release(): a round trip right
// after the handshake (credentials, say) that takes as long as the test wants.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export type Shape = 'reset-on-close' | 'hold-after-first-reply';

export interface ShapingProxy {
  /** `127.0.0.1:<port>`, for the client's connect string. */
  readonly address: string;
  /** Resolves when the first chunk is held (`hold-after-first-reply`): the server has answered past the handshake. */
  readonly held: Promise<void>;
  /** Passes on what was held, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startShapingProxy(targetPort: number, shape: Shape): Promise<ShapingProxy> {
  const sockets = new Set<Socket>();
  const held: { to: Socket; chunk: Buffer }[] = [];
  let holding = shape === 'hold-after-first-reply';
  let firstHeld = (): void => undefined;
  const heldOnce = new Promise<void>((resolve) => (firstHeld = resolve));
  const server = createServer((client) => {
    const up = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => sockets.delete(s));
    }
    let replies = 0;
    client.on('data', (d) => up.write(d)).on('close', () => up.destroy());
    up.on('data', (d) => {
      if (holding && replies++ > 0) {
        held.push({ to: client, chunk: d });
        firstHeld();
      } else client.write(d);
    });
    up.on('close', () => (shape === 'reset-on-close' ? client.resetAndDestroy() : client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: heldOnce,
    release: () => {
      holding = false;
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
