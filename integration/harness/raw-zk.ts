// Test scaffolding, not a client: one plain TCP socket to a ZooKeeper server, driven with the
// protocol layer's codecs and nothing else. It sends a request and waits (bounded) for the frame
// that answers it, keeping the watch events that arrive in between, so that a test can assert the
// exact bytes' meaning. No reconnects, no pings of its own, no queueing beyond one test's needs.
import { connect as tcpConnect, type Socket } from 'node:net';
import {
  ConnectResponse,
  decodeReply,
  encodeConnectFrame,
  encodeConnectRequest,
  encodeRequestFrame,
  FrameDecoder,
  JuteReader,
  WatcherEvent,
  Xid,
  type ConnectOptions,
  type ReplyHeader,
} from '../../src/zookeeper/protocol/index.js';

export interface Reply {
  readonly header: ReplyHeader;
  /** Positioned at the reply's body. */
  readonly body: JuteReader;
  /** The whole frame (without its length), for assertions on the bytes themselves. */
  readonly payload: Buffer;
}

export interface Notification {
  readonly header: ReplyHeader;
  readonly event: WatcherEvent;
}

const DEFAULT_WAIT_MS = 5000;

export class RawZk {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Buffer[] = [];
  private readonly events: Notification[] = [];
  private wake: (() => void) | undefined;
  private closedFlag = false;
  private failure: Error | undefined;
  private nextXid = 1;

  private constructor(
    private readonly sock: Socket,
    /** What the test calls this connection in failure messages. */
    readonly name: string,
  ) {
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.decoder.push(chunk)) this.frames.push(f);
      } catch (err) {
        this.failure = err as Error;
        sock.destroy();
      }
      this.poke();
    });
    sock.on('error', (err) => {
      this.failure ??= err;
      this.poke();
    });
    sock.on('close', () => {
      this.closedFlag = true;
      this.poke();
    });
  }

  static open(port: number, name: string, timeoutMs = DEFAULT_WAIT_MS): Promise<RawZk> {
    return new Promise((resolve, reject) => {
      const sock = tcpConnect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`${name}: no TCP connection to 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${name}: ${err.message}`));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.setNoDelay(true);
        resolve(new RawZk(sock, name));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  /** Sends a ConnectRequest and reads the ConnectResponse frame. */
  async handshake(opts: ConnectOptions, timeoutMs = DEFAULT_WAIT_MS): Promise<ConnectResponse> {
    this.send(encodeConnectFrame(encodeConnectRequest(opts)));
    const payload = await this.nextFrame(timeoutMs, `the ConnectResponse (${timeoutMs} ms)`);
    return ConnectResponse.read(new JuteReader(payload));
  }

  /** A fresh xid for a frame built by the caller (ping, closeSession and whoAmI encoders take one). */
  xid(): number {
    return this.nextXid++;
  }

  /** Sends one request (a fresh xid unless given) and resolves with the reply that carries its xid. */
  request(type: number, body: Buffer | undefined, what: string, opts: { xid?: number; timeoutMs?: number } = {}): Promise<Reply> {
    const xid = opts.xid ?? this.xid();
    return this.requestFrame(encodeRequestFrame({ xid, type }, body), xid, what, opts.timeoutMs);
  }

  /** Sends a whole request frame and resolves with the reply frame that carries `xid`, keeping watch events met on the way. */
  async requestFrame(bytes: Buffer, xid: number, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Reply> {
    this.send(bytes);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const payload = await this.nextFrame(deadline - Date.now(), `the reply to ${what} (xid ${xid}, ${timeoutMs} ms)`);
      const reply = decodeReply(payload);
      if (reply.header.xid === Xid.NOTIFICATION) {
        this.events.push({ header: reply.header, event: WatcherEvent.read(reply.body) });
        continue;
      }
      if (reply.header.xid !== xid)
        throw new Error(`${this.name}: waiting for the reply to ${what} (xid ${xid}), got a frame with xid ${reply.header.xid}`);
      return { ...reply, payload };
    }
  }

  /** The next watch event (xid -1), from those that arrived between replies or from the socket. */
  async nextEvent(what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Notification> {
    const queued = this.events.shift();
    if (queued !== undefined) return queued;
    const payload = await this.nextFrame(timeoutMs, `${what} (${timeoutMs} ms)`);
    const reply = decodeReply(payload);
    if (reply.header.xid !== Xid.NOTIFICATION)
      throw new Error(`${this.name}: waiting for ${what}, got a frame with xid ${reply.header.xid}`);
    return { header: reply.header, event: WatcherEvent.read(reply.body) };
  }

  /** Events that arrived and were not taken yet. */
  pendingEvents(): number {
    return this.events.length + this.frames.length;
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag) {
      if (this.frames.length > 0) this.frames.shift();
      else await this.sleepUntilPoked(deadline, `${what} (${timeoutMs} ms)`);
    }
  }

  destroy(): void {
    this.sock.destroy();
  }

  private async nextFrame(timeoutMs: number, what: string): Promise<Buffer> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.failure !== undefined) throw new Error(`${this.name}: waiting for ${what}: ${this.failure.message}`);
      if (this.closedFlag) throw new Error(`${this.name}: the server closed the connection while we waited for ${what}`);
      await this.sleepUntilPoked(deadline, what);
    }
  }

  private sleepUntilPoked(deadline: number, what: string): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new Error(`${this.name}: timed out waiting for ${what}`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Error(`${this.name}: timed out waiting for ${what}`));
      }, left);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private poke(): void {
    this.wake?.();
  }
}
