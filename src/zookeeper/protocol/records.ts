// The records that several messages share (zookeeper.jute, modules org.apache.zookeeper.data and
// org.apache.zookeeper.proto), the request framing every message goes through, and the conversions
// from wire values (exact, bigint) to the shapes the rest of the library uses (session.ts).
import type { Acl, Stat } from '../types.js';
import { frame } from './frames.js';
import { JuteReader, JuteWriter, type JuteReaderOptions, type JuteRecord } from './jute.js';
import { ZooKeeperProtocolError } from './protocol-error.js';

/**
 * ```
 * class Stat {
 *   long czxid; long mzxid; long ctime; long mtime;
 *   int version; int cversion; int aversion;
 *   long ephemeralOwner; int dataLength; int numChildren; long pzxid;
 * }
 * ```
 * 68 bytes. Every long stays a bigint here: a zxid is epoch << 32 | counter and a session id starts
 * with the server id in its top byte, so neither is bounded by 2^53.
 */
export interface WireStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  /** Milliseconds since the epoch. */
  readonly ctime: bigint;
  readonly mtime: bigint;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** 0 for a persistent node. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly pzxid: bigint;
}

export const STAT_BYTES = 68;

export const WireStat: JuteRecord<WireStat> = {
  name: 'Stat',
  write(w, s) {
    w.long(s.czxid, 'Stat.czxid').long(s.mzxid, 'Stat.mzxid').long(s.ctime, 'Stat.ctime').long(s.mtime, 'Stat.mtime');
    w.int(s.version, 'Stat.version').int(s.cversion, 'Stat.cversion').int(s.aversion, 'Stat.aversion');
    w.long(s.ephemeralOwner, 'Stat.ephemeralOwner').int(s.dataLength, 'Stat.dataLength').int(s.numChildren, 'Stat.numChildren');
    w.long(s.pzxid, 'Stat.pzxid');
  },
  read(r) {
    return {
      czxid: r.long('Stat.czxid'),
      mzxid: r.long('Stat.mzxid'),
      ctime: r.long('Stat.ctime'),
      mtime: r.long('Stat.mtime'),
      version: r.int('Stat.version'),
      cversion: r.int('Stat.cversion'),
      aversion: r.int('Stat.aversion'),
      ephemeralOwner: r.long('Stat.ephemeralOwner'),
      dataLength: r.int('Stat.dataLength'),
      numChildren: r.int('Stat.numChildren'),
      pzxid: r.long('Stat.pzxid'),
    };
  },
};

/**
 * A session id as this library writes it everywhere (Session.id, Stat.ephemeralOwner): lowercase
 * hex without 0x, of the id's 64 bits read as unsigned — what the C client prints with %llx, so a
 * session of a server with id >= 128 (negative as a Java long) has the same text both ways. 0 is "0".
 */
export function sessionIdToHex(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

/** The inverse of sessionIdToHex (`0x` optional, either case), as the signed long the wire carries. */
export function sessionIdFromHex(hex: string): bigint {
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(hex))
    throw new ZooKeeperProtocolError('sessionId', `${JSON.stringify(hex)} is not a 64-bit hex session id`);
  return BigInt.asIntN(64, BigInt(`0x${hex.replace(/^0x/, '')}`));
}

/**
 * A zxid as a JS number, which session.ts's Stat uses. Exact up to 2^53: a zxid reaches that only
 * after 2^21 leader epochs, which no ensemble lives to see; should one arrive anyway, a rounded zxid
 * would compare wrong (the owner check compares czxids), so it is refused rather than rounded.
 */
export function zxidToNumber(zxid: bigint, field = 'zxid'): number {
  if (zxid > BigInt(Number.MAX_SAFE_INTEGER) || zxid < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ZooKeeperProtocolError(field, `zxid 0x${BigInt.asUintN(64, zxid).toString(16)} is beyond 2^53 and has no exact JS number`);
  }
  return Number(zxid);
}

/** The library's Stat (session.ts) from the wire's; throws ZooKeeperProtocolError for a zxid past 2^53 (see zxidToNumber). */
export function toStat(s: WireStat): Stat {
  return {
    czxid: zxidToNumber(s.czxid, 'Stat.czxid'),
    mzxid: zxidToNumber(s.mzxid, 'Stat.mzxid'),
    version: s.version,
    aclVersion: s.aversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    ephemeralOwner: sessionIdToHex(s.ephemeralOwner),
    ctime: new Date(Number(s.ctime)),
    mtime: new Date(Number(s.mtime)),
  };
}

/** class Id { ustring scheme; ustring id; } */
export interface Id {
  readonly scheme: string;
  readonly id: string;
}

export const Id: JuteRecord<Id> = {
  name: 'Id',
  write(w, v) {
    w.ustring(v.scheme).ustring(v.id);
  },
  read(r) {
    return { scheme: r.string('Id.scheme'), id: r.string('Id.id') };
  },
};

/** class ACL { int perms; Id id; } */
export interface WireAcl {
  readonly perms: number;
  readonly id: Id;
}

export const WireAcl: JuteRecord<WireAcl> = {
  name: 'ACL',
  write(w, v) {
    w.int(v.perms, 'ACL.perms');
    Id.write(w, v.id);
  },
  read(r) {
    return { perms: r.int('ACL.perms'), id: Id.read(r) };
  },
};

/** The smallest an ACL can be on the wire: perms and two empty strings. */
export const ACL_MIN_BYTES = 12;

export function writeAcls(w: JuteWriter, acl: readonly WireAcl[]): void {
  w.vector(acl, (x, a) => WireAcl.write(x, a));
}

export function readAcls(r: JuteReader, field: string): WireAcl[] {
  return r.list(field, (x) => WireAcl.read(x), ACL_MIN_BYTES);
}

export function toAcl(a: WireAcl): Acl {
  return { perms: a.perms, scheme: a.id.scheme, id: a.id.id };
}

export function fromAcl(a: Acl): WireAcl {
  return { perms: a.perms, id: { scheme: a.scheme, id: a.id } };
}

/** world:anyone with every permission (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL_UNSAFE: readonly WireAcl[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** class ClientInfo { ustring authScheme; ustring user; } (3.7+, whoAmI) */
export interface ClientInfo {
  readonly authScheme: string;
  readonly user: string;
}

export const ClientInfo: JuteRecord<ClientInfo> = {
  name: 'ClientInfo',
  write(w, v) {
    w.ustring(v.authScheme).ustring(v.user);
  },
  read(r) {
    return { authScheme: r.string('ClientInfo.authScheme'), user: r.string('ClientInfo.user') };
  },
};

/** class RequestHeader { int xid; int type; } — type is an OpCode. */
export interface RequestHeader {
  readonly xid: number;
  readonly type: number;
}

export const RequestHeader: JuteRecord<RequestHeader> = {
  name: 'RequestHeader',
  write(w, v) {
    w.int(v.xid, 'RequestHeader.xid').int(v.type, 'RequestHeader.type');
  },
  read(r) {
    return { xid: r.int('RequestHeader.xid'), type: r.int('RequestHeader.type') };
  },
};

/**
 * class ReplyHeader { int xid; long zxid; int err; }
 * A reply whose err is not 0 has no body: the response record follows only on success (and a
 * multi's reply carries its per-op errors in the body with err 0).
 */
export interface ReplyHeader {
  readonly xid: number;
  /** The server's last zxid when it answered: what a client remembers as lastZxidSeen. */
  readonly zxid: bigint;
  /** A KeeperErrorCode. */
  readonly err: number;
}

export const ReplyHeader: JuteRecord<ReplyHeader> = {
  name: 'ReplyHeader',
  write(w, v) {
    w.int(v.xid, 'ReplyHeader.xid').long(v.zxid, 'ReplyHeader.zxid').int(v.err, 'ReplyHeader.err');
  },
  read(r) {
    return { xid: r.int('ReplyHeader.xid'), zxid: r.long('ReplyHeader.zxid'), err: r.int('ReplyHeader.err') };
  },
};

/**
 * class WatcherEvent { int type; int state; ustring path; }
 * The body of a frame with xid -1 (Xid.NOTIFICATION); type is an EventType, state a KeeperState.
 */
export interface WatcherEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
}

export const WatcherEvent: JuteRecord<WatcherEvent> = {
  name: 'WatcherEvent',
  write(w, v) {
    w.int(v.type, 'WatcherEvent.type').int(v.state, 'WatcherEvent.state').ustring(v.path);
  },
  read(r) {
    return { type: r.int('WatcherEvent.type'), state: r.int('WatcherEvent.state'), path: r.string('WatcherEvent.path') };
  },
};

export function decodeWatcherEvent(r: JuteReader): WatcherEvent {
  return WatcherEvent.read(r);
}

/** class ErrorResponse { int err; } — addWatch's reply body, and a failed op's result in a multi. */
export interface ErrorResponse {
  readonly err: number;
}

export const ErrorResponse: JuteRecord<ErrorResponse> = {
  name: 'ErrorResponse',
  write(w, v) {
    w.int(v.err, 'ErrorResponse.err');
  },
  read(r) {
    return { err: r.int('ErrorResponse.err') };
  },
};

/**
 * One request frame: length, RequestHeader, then the message's body (from an encodeXRequest). The
 * one place a header is put in front of a body.
 */
export function encodeRequestFrame(header: RequestHeader, body: Uint8Array = EMPTY_BODY): Buffer {
  const w = new JuteWriter(8 + body.length + 4);
  RequestHeader.write(w, header);
  const head = w.toBuffer();
  const out = Buffer.allocUnsafe(4 + head.length + body.length);
  out.writeInt32BE(head.length + body.length, 0);
  out.set(head, 4);
  out.set(body, 4 + head.length);
  return out;
}

/** A ConnectRequest goes out without a RequestHeader: the server reads it by its position. */
export function encodeConnectFrame(body: Uint8Array): Buffer {
  return frame(body);
}

const EMPTY_BODY = new Uint8Array(0);

/** Reads the ReplyHeader of a reply frame; the returned reader is positioned at the body. */
export function decodeReply(payload: Buffer, opts?: JuteReaderOptions): { header: ReplyHeader; body: JuteReader } {
  const body = new JuteReader(payload, opts);
  return { header: ReplyHeader.read(body), body };
}
