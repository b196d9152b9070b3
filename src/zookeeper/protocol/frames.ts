// ZooKeeper's framing: every packet, both ways, is a 4-byte big-endian length and that many bytes
// (ClientCnxnSocket.readLength on the client, NIOServerCnxn.readLength on the server). TCP hands
// us chunks cut anywhere, so the decoder carries a partial length or a partial frame from one chunk
// to the next.
import { JUTE_MAX_BUFFER } from './jute.js';
import { ZooKeeperProtocolError } from './protocol-error.js';

/**
 * The Java client refuses a frame longer than its packetLen, which is jute.maxbuffer
 * (ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT = 0xfffff since 3.6, ZOOKEEPER-3593; 4 MB
 * before), with no allowance for the reply header and Stat around the data. A znode written with
 * close to jute.maxbuffer bytes of data (the server checks only the request's length) therefore
 * comes back in a getData reply up to 68 bytes (less the path's length) over 0xfffff, which the
 * Java client cannot read; integration/zk-wire.test.ts reads such a reply from a real 3.8 server.
 * We allow what jute itself allows on top of jute.maxbuffer for "extra fields"
 * (BinaryInputArchive's extraMaxBuffer, hard-coded to 1024 before it became configurable and never
 * below 1024 since): such a reply is read, and anything beyond is still refused.
 */
export const FRAME_OVERHEAD_ALLOWANCE = 1024;
export const DEFAULT_MAX_FRAME_BYTES = JUTE_MAX_BUFFER + FRAME_OVERHEAD_ALLOWANCE;

/** Prefixes `payload` with its length: one frame, ready for the socket. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

export interface FrameDecoderOptions {
  readonly maxFrameBytes?: number;
}

/**
 * Splits a byte stream into frames. A frame that arrives whole inside one chunk is returned as a
 * view of that chunk (no copy); a frame cut across chunks is copied once into a buffer of its exact
 * size, allocated when its length is known. So the work is linear in the bytes received however the
 * stream is cut: no re-concatenation of what is pending. Chunks must not be changed after `push`.
 *
 * A length that is negative or over `maxFrameBytes` means the stream cannot be trusted from there
 * on: the decoder fails with ZooKeeperProtocolError and keeps failing (the connection must be
 * closed), rather than guess where the next frame starts.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** The length prefix being assembled when it is cut across chunks. */
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFill = 0;
  /** The frame being assembled when it is cut across chunks, and how much of it has arrived. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  private error: ZooKeeperProtocolError | undefined;

  constructor(opts: FrameDecoderOptions = {}) {
    const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff)
      throw new ZooKeeperProtocolError('maxFrameBytes', `${max} is not a frame length (0 .. 2^31-1)`);
    this.maxFrameBytes = max;
  }

  /** The error that stopped this decoder, if any. */
  get failed(): ZooKeeperProtocolError | undefined {
    return this.error;
  }

  /** Bytes held of a frame (or length) not yet complete. */
  get pendingBytes(): number {
    return this.lengthFill + this.partialFill;
  }

  /**
   * Feeds one chunk; returns the frames it completed (payloads, without their length prefix), in
   * order. Throws on a bad length; frames completed earlier in that same chunk are dropped with it,
   * since the connection is closed and every request on it fails anyway.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.error !== undefined) throw this.error;
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.partial !== undefined) {
        const n = Math.min(this.partial.length - this.partialFill, chunk.length - at);
        chunk.copy(this.partial, this.partialFill, at, at + n);
        this.partialFill += n;
        at += n;
        if (this.partialFill === this.partial.length) {
          frames.push(this.partial);
          this.partial = undefined;
          this.partialFill = 0;
        }
        continue;
      }
      let length: number;
      if (this.lengthFill === 0 && chunk.length - at >= 4) {
        length = chunk.readInt32BE(at);
        at += 4;
      } else {
        const n = Math.min(4 - this.lengthFill, chunk.length - at);
        chunk.copy(this.lengthBytes, this.lengthFill, at, at + n);
        this.lengthFill += n;
        at += n;
        if (this.lengthFill < 4) break;
        this.lengthFill = 0;
        length = this.lengthBytes.readInt32BE(0);
      }
      this.check(length);
      if (chunk.length - at >= length) {
        frames.push(chunk.subarray(at, at + length));
        at += length;
      } else {
        this.partial = Buffer.allocUnsafe(length);
        this.partialFill = 0;
      }
    }
    return frames;
  }

  private check(length: number): void {
    if (length < 0) this.fail(`length ${length} is negative`);
    if (length > this.maxFrameBytes) this.fail(`length ${length} is over the limit of ${this.maxFrameBytes} bytes`);
  }

  private fail(detail: string): never {
    this.error = new ZooKeeperProtocolError('frame length', detail);
    this.partial = undefined;
    this.partialFill = 0;
    this.lengthFill = 0;
    throw this.error;
  }
}
