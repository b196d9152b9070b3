// A forwarder to a ZooKeeper server for faults the testing kit's proxy (tcp-proxy.ts) does not make,
// each at an exact point of the protocol:
// - `reset-on-close`: the server's close reaches the client as a reset (ECONNRESET, as when a server
//   closes with our bytes unread), not a FIN;
// - `hold-after-first-reply`: the server's first chunk (the ConnectResponse) passes, everything after
//   it is held until release(): a round trip right after the handshake that lasts as the test wants;
// - loseReplyTo(opCode): the next request of that type reaches the server (which applies it), its
//   reply and everything after never reach the client, whose connection is then reset: a reply lost
//   to a connection loss. With `refuseReconnects`, new connections are refused until admit().
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export type Shape = 'pass' | 'reset-on-close' | 'hold-after-first-reply';

export interface ShapingProxy {
  /** `127.0.0.1:<port>`, for the client's connect string. */
  readonly address: string;
  /** Resolves when the first chunk is held (`hold-after-first-reply`): the server has answered past the handshake. */
  readonly held: Promise<void>;
  /** Passes on what was held, and stops holding. */
  release(): void;
  /**
   * Loses the reply to the next request of type `opCode` (ZooKeeper's OpCode: create 1, exists 3,
   * setData 5, ...): resolves once that connection is cut, `delayMs` after the request went to the
   * server (time for the server to apply it).
   */
  loseReplyTo(opCode: number, opts?: { readonly delayMs?: number; readonly refuseReconnects?: boolean }): Promise<void>;
  /** Refuses new connections (a reset at once) until admit(); with `cutAll`, resets the open ones too. */
  refuse(cutAll?: boolean): void;
  admit(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly up: Socket;
  losing: boolean;
}

export async function startShapingProxy(targetPort: number, shape: Shape = 'pass'): Promise<ShapingProxy> {
  const pairs = new Set<Pair>();
  const held: { to: Socket; chunk: Buffer }[] = [];
  let holding = shape === 'hold-after-first-reply';
  let firstHeld = (): void => undefined;
  const heldOnce = new Promise<void>((resolve) => (firstHeld = resolve));
  let refusing = false;
  let lose: { opCode: number; delayMs: number; refuseReconnects: boolean; done: () => void } | undefined;
  const cut = (p: Pair): void => {
    pairs.delete(p);
    p.client.resetAndDestroy();
    p.up.destroy();
  };
  const server = createServer({ noDelay: true }, (client) => {
    client.on('error', () => undefined);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const up = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    up.on('error', () => undefined);
    const pair: Pair = { client, up, losing: false };
    pairs.add(pair);
    // The client's frames, read only to find the request to lose: the first is the ConnectRequest.
    let pending: Buffer = Buffer.alloc(0);
    let frames = 0;
    client.on('data', (d: Buffer) => {
      up.write(d);
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        if (frames++ === 0 || lose === undefined || frame.length < 8 || frame.readInt32BE(4) !== lose.opCode) continue;
        const l = lose;
        lose = undefined;
        pair.losing = true;
        if (l.refuseReconnects) refusing = true;
        setTimeout(() => {
          cut(pair);
          l.done();
        }, l.delayMs);
      }
    });
    let replies = 0;
    up.on('data', (d: Buffer) => {
      if (pair.losing) return;
      if (holding && replies++ > 0) {
        held.push({ to: client, chunk: d });
        firstHeld();
      } else client.write(d);
    });
    client.on('close', () => {
      pairs.delete(pair);
      up.destroy();
    });
    up.on('close', () => {
      pairs.delete(pair);
      if (shape === 'reset-on-close') client.resetAndDestroy();
      else client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: heldOnce,
    release: () => {
      holding = false;
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    loseReplyTo: (opCode, opts = {}) =>
      new Promise<void>((resolve) => {
        lose = { opCode, delayMs: opts.delayMs ?? 150, refuseReconnects: opts.refuseReconnects ?? false, done: resolve };
      }),
    refuse: (cutAll = false) => {
      refusing = true;
      if (cutAll) for (const p of [...pairs]) cut(p);
    },
    admit: () => {
      refusing = false;
    },
    close: () => {
      for (const p of pairs) {
        p.client.destroy();
        p.up.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
