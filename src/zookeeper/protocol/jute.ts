// Jute, ZooKeeper's record serialization (org.apache.jute.BinaryOutputArchive / BinaryInputArchive):
// big-endian ints and longs, one byte per boolean, and length-prefixed buffers, strings and vectors
// where a length of -1 means null. Nothing is self-describing, so a reader that is one byte off reads
// garbage from then on: every read here is bounds-checked and fails with ZooKeeperProtocolError,
// never with Buffer's RangeError, so that the caller can tell "the server spoke nonsense, close the
// connection" from a bug of ours.
import { ZooKeeperProtocolError } from './protocol-error.js';

/**
 * jute.maxbuffer's default (BinaryInputArchive.maxBuffer, 0xfffff): the longest buffer, string or
 * vector a Java server or client accepts without raising the property.
 */
export const JUTE_MAX_BUFFER = 0xfffff;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class JuteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  int(value: number, field = 'int'): this {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
      throw new ZooKeeperProtocolError(field, `${value} is not a 32-bit signed integer`);
    this.reserve(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
    return this;
  }

  long(value: bigint, field = 'long'): this {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
      throw new ZooKeeperProtocolError(field, `${String(value)} is not a 64-bit signed integer`);
    this.reserve(8);
    this.buf.writeBigInt64BE(value, this.pos);
    this.pos += 8;
    return this;
  }

  bool(value: boolean): this {
    this.reserve(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** `null` is written as length -1, which the Java side reads back as null (not as an empty array). */
  buffer(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /**
   * UTF-8, as the server reads it (`new String(bytes, UTF_8)`). A lone surrogate in `value` cannot be
   * encoded and becomes U+FFFD, as Buffer does everywhere.
   */
  ustring(value: string | null): this {
    if (value === null) return this.int(-1);
    const n = Buffer.byteLength(value, 'utf8');
    this.int(n);
    this.reserve(n);
    this.pos += this.buf.write(value, this.pos, n, 'utf8');
    return this;
  }

  vector<T>(items: readonly T[] | null, writeItem: (w: JuteWriter, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** A copy-free view of what was written; the writer must not be used afterwards. */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Doubling keeps a record of many small fields linear in its size.
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

export interface JuteReaderOptions {
  /**
   * The longest buffer, string or vector accepted, as BinaryInputArchive's checkLength does
   * (default jute.maxbuffer). The frame limit already bounds every length; this catches a corrupt
   * length early, before it is compared with what is left of a large frame.
   */
  readonly maxLength?: number;
}

export class JuteReader {
  private pos: number;
  private readonly end: number;
  private readonly maxLength: number;

  constructor(
    private readonly buf: Buffer,
    opts: JuteReaderOptions = {},
  ) {
    this.pos = 0;
    this.end = buf.length;
    this.maxLength = opts.maxLength ?? JUTE_MAX_BUFFER;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  int(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Java's readBoolean takes any non-zero byte as true; the server only ever writes 0 or 1, so any
   * other byte means this reader is out of step with the stream, and is refused.
   */
  bool(field: string): boolean {
    this.need(1, field);
    const b = this.buf[this.pos]!;
    if (b > 1) throw new ZooKeeperProtocolError(field, `boolean byte 0x${b.toString(16).padStart(2, '0')} is neither 0 nor 1`);
    this.pos += 1;
    return b === 1;
  }

  /**
   * A copy, so that a decoded value never pins the (much larger) socket chunk it arrived in, and a
   * caller may keep or change it freely.
   */
  buffer(field: string): Buffer | null {
    const n = this.length(field);
    if (n === -1) return null;
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  ustring(field: string): string | null {
    const n = this.length(field);
    if (n === -1) return null;
    const s = decodeJuteString(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** A ustring that the grammar allows to be null but ZooKeeper never sends as null (paths, ACL ids). */
  string(field: string): string {
    const s = this.ustring(field);
    if (s === null) throw new ZooKeeperProtocolError(field, 'null (length -1) where a string is required');
    return s;
  }

  /** A buffer that must be present (a session password). */
  bytes(field: string): Buffer {
    const b = this.buffer(field);
    if (b === null) throw new ZooKeeperProtocolError(field, 'null (length -1) where a buffer is required');
    return b;
  }

  /**
   * `minItemBytes`: the fewest bytes one item can take (4 for a ustring, the vector element types
   * ZooKeeper uses are all at least that), so that a count the remaining bytes cannot hold is
   * refused before the loop, not after a million empty iterations.
   */
  vector<T>(field: string, readItem: (r: JuteReader, index: number) => T, minItemBytes = 4): T[] | null {
    const count = this.int(`${field} count`);
    if (count === -1) return null;
    if (count < 0) throw new ZooKeeperProtocolError(field, `vector count ${count} is negative (only -1, null, is allowed)`);
    if (count > this.maxLength) throw new ZooKeeperProtocolError(field, `vector count ${count} is over the limit of ${this.maxLength}`);
    if (count * Math.max(1, minItemBytes) > this.remaining) {
      throw new ZooKeeperProtocolError(field, `vector count ${count} cannot fit in the ${this.remaining} bytes left`);
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readItem(this, i));
    return out;
  }

  /** A vector that must be present. */
  list<T>(field: string, readItem: (r: JuteReader, index: number) => T, minItemBytes = 4): T[] {
    const v = this.vector(field, readItem, minItemBytes);
    if (v === null) throw new ZooKeeperProtocolError(field, 'null vector (count -1) where a vector is required');
    return v;
  }

  /** Fails unless every byte was read: for records whose end is known (tests, fixed-size replies). */
  expectEnd(field: string): void {
    if (this.remaining !== 0) throw new ZooKeeperProtocolError(field, `${this.remaining} unread bytes after the record`);
  }

  private length(field: string): number {
    const n = this.int(`${field} length`);
    if (n === -1) return -1;
    if (n < 0) throw new ZooKeeperProtocolError(field, `length ${n} is negative (only -1, null, is allowed)`);
    if (n > this.maxLength) throw new ZooKeeperProtocolError(field, `length ${n} is over the limit of ${this.maxLength}`);
    if (n > this.remaining) throw new ZooKeeperProtocolError(field, `length ${n} is more than the ${this.remaining} bytes left`);
    return n;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) throw new ZooKeeperProtocolError(field, `needs ${n} bytes at offset ${this.pos}, only ${this.remaining} left`);
  }
}

/**
 * The Java side writes strings with its own encoder (BinaryOutputArchive.stringToByteBuffer), one
 * UTF-16 code unit at a time: a character outside the BMP goes out as two 3-byte surrogate
 * sequences (CESU-8), not as 4-byte UTF-8. Node's UTF-8 decoder turns those into U+FFFD, so they
 * are re-paired here. Paths cannot hold such characters (PathUtils refuses surrogates), but digest
 * user names, ACL ids and whoAmI's answer can.
 */
export function decodeJuteString(bytes: Buffer): string {
  if (!hasEncodedSurrogate(bytes)) return bytes.toString('utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  let i = 0;
  while (i < bytes.length) {
    const hi = surrogateAt(bytes, i);
    const lo = hi >= 0xd800 && hi <= 0xdbff ? surrogateAt(bytes, i + 3) : -1;
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      const cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
      out[o++] = 0xf0 | (cp >> 18);
      out[o++] = 0x80 | ((cp >> 12) & 0x3f);
      out[o++] = 0x80 | ((cp >> 6) & 0x3f);
      out[o++] = 0x80 | (cp & 0x3f);
      i += 6;
    } else {
      out[o++] = bytes[i++]!;
    }
  }
  return out.toString('utf8', 0, o);
}

function hasEncodedSurrogate(bytes: Buffer): boolean {
  for (let i = bytes.indexOf(0xed); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xed, i + 1)) {
    const b1 = bytes[i + 1]!;
    if (b1 >= 0xa0 && b1 <= 0xbf) return true;
  }
  return false;
}

/** The UTF-16 surrogate that the 3 bytes at `i` encode, or -1. */
function surrogateAt(bytes: Buffer, i: number): number {
  if (i + 2 >= bytes.length || bytes[i] !== 0xed) return -1;
  const b1 = bytes[i + 1]!;
  const b2 = bytes[i + 2]!;
  if (b1 < 0xa0 || b1 > 0xbf || (b2 & 0xc0) !== 0x80) return -1;
  return 0xd000 | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
}

/** One jute record: how to write it and how to read it back. The name is the one in zookeeper.jute. */
export interface JuteRecord<T> {
  readonly name: string;
  write(w: JuteWriter, value: T): void;
  read(r: JuteReader): T;
}

export function encodeRecord<T>(record: JuteRecord<T>, value: T): Buffer {
  const w = new JuteWriter();
  record.write(w, value);
  return w.toBuffer();
}
