// The ZooKeeper protocol layer (src/zookeeper/protocol) without a server: jute primitives, byte
// vectors computed by hand from zookeeper.jute, round trips of every record and message, the frame
// decoder under arbitrary chunking, and a seeded fuzz of every response decoder. The same codecs
// are checked against a real server in integration/zk-wire.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CheckWatchesRequest,
  ClientInfo,
  ConnectRequest,
  ConnectResponse,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  decodeAddWatchResponse,
  decodeConnectResponse,
  decodeCreate2Response,
  decodeCreateResponse,
  decodeExistsResponse,
  decodeGetACLResponse,
  decodeGetChildren2Response,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeJuteString,
  decodeMultiResponse,
  decodeReply,
  decodeSetACLResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  decodeWatcherEvent,
  decodeWhoAmIResponse,
  DEFAULT_MAX_FRAME_BYTES,
  DeleteRequest,
  encodeCloseSessionFrame,
  encodeConnectFrame,
  encodeConnectRequest,
  encodePingFrame,
  encodeRecord,
  encodeRequestFrame,
  encodeWhoAmIFrame,
  ErrorResponse,
  ExistsRequest,
  ExistsResponse,
  frame,
  FrameDecoder,
  GetACLRequest,
  GetACLResponse,
  GetChildren2Request,
  GetChildren2Response,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  GetEphemeralsRequest,
  GetEphemeralsResponse,
  Id,
  JUTE_MAX_BUFFER,
  JuteReader,
  JuteWriter,
  MultiHeader,
  MultiRequest,
  MultiResponse,
  OpCode,
  OPEN_ACL_UNSAFE,
  RemoveWatchesRequest,
  ReplyHeader,
  RequestHeader,
  sessionIdFromHex,
  sessionIdToHex,
  SetACLRequest,
  SetACLResponse,
  SetDataRequest,
  SetDataResponse,
  SetWatches,
  SetWatches2,
  SyncRequest,
  SyncResponse,
  toAcl,
  toStat,
  WatcherEvent,
  WhoAmIResponse,
  WireAcl,
  WireStat,
  Xid,
  ZooKeeperProtocolError,
  zxidToNumber,
  type JuteRecord,
} from '../src/zookeeper/protocol/index.js';
import { xidAfter } from '../src/zookeeper/client/client-connection.js';

// ---- helpers ----------------------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

function roundTrip<T>(record: JuteRecord<T>, value: T): void {
  const bytes = encodeRecord(record, value);
  const r = new JuteReader(bytes);
  assert.deepEqual(record.read(r), value, `${record.name} round trip`);
  r.expectEnd(record.name);
}

function protocolError(field: RegExp | string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ZooKeeperProtocolError, `expected ZooKeeperProtocolError, got ${String(err)}`);
    assert.equal(err.code, 'ZK_PROTOCOL');
    if (typeof field === 'string') assert.equal(err.field, field);
    else assert.match(err.field, field);
    return true;
  };
}

const STAT: WireStat = {
  czxid: 0x100000002n,
  mzxid: 0x100000003n,
  ctime: 1_700_000_000_000n,
  mtime: 1_700_000_000_001n,
  version: 1,
  cversion: 2,
  aversion: 3,
  ephemeralOwner: -0x7f00000000000001n,
  dataLength: 5,
  numChildren: 0,
  pzxid: 0x100000002n,
};
const DIGEST_ACL: WireAcl = { perms: 1 | 2, id: { scheme: 'digest', id: 'kafka:x0pxC5OC0rkMHTkfnDdumXEP0Ps=' } };

// ---- jute primitives --------------------------------------------------------------------------

describe('jute', () => {
  test('primitives are big-endian; null buffer, string and vector are length -1', () => {
    const w = new JuteWriter(1);
    w.int(-2)
      .long(-1n)
      .bool(true)
      .bool(false)
      .buffer(null)
      .buffer(Buffer.from([9]))
      .ustring(null)
      .ustring('é')
      .vector(null, () => undefined)
      .vector(['a'], (x, s) => x.ustring(s));
    assert.deepEqual(
      w.toBuffer(),
      hex('fffffffe | ffffffffffffffff | 01 | 00 | ffffffff | 00000001 09 | ffffffff | 00000002 c3a9 | ffffffff | 00000001 00000001 61'),
    );
    const r = new JuteReader(w.toBuffer());
    assert.equal(r.int('a'), -2);
    assert.equal(r.long('b'), -1n);
    assert.equal(r.bool('c'), true);
    assert.equal(r.bool('d'), false);
    assert.equal(r.buffer('e'), null);
    assert.deepEqual(r.buffer('f'), Buffer.from([9]));
    assert.equal(r.ustring('g'), null);
    assert.equal(r.ustring('h'), 'é');
    assert.equal(
      r.vector('i', (x) => x.string('i[]')),
      null,
    );
    assert.deepEqual(
      r.vector('j', (x) => x.string('j[]')),
      ['a'],
    );
    r.expectEnd('all');
  });

  test('longs keep all 64 bits', () => {
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 0x0123456789abcdefn, 2n ** 53n + 1n]) {
      const r = new JuteReader(new JuteWriter().long(v).toBuffer());
      assert.equal(r.long('v'), v);
    }
  });

  test('every malformed length is a ZooKeeperProtocolError naming the field', () => {
    assert.throws(() => new JuteReader(hex('000000')).int('ReplyHeader.xid'), protocolError('ReplyHeader.xid'));
    assert.throws(() => new JuteReader(hex('00000001')).long('ReplyHeader.zxid'), protocolError('ReplyHeader.zxid'));
    assert.throws(() => new JuteReader(hex('')).bool('b'), protocolError('b'));
    assert.throws(() => new JuteReader(hex('02')).bool('MultiHeader.done'), protocolError('MultiHeader.done'));
    assert.throws(() => new JuteReader(hex('fffffffe')).buffer('GetDataResponse.data'), protocolError('GetDataResponse.data'));
    assert.throws(() => new JuteReader(hex('80000000')).ustring('p'), protocolError('p'));
    assert.throws(() => new JuteReader(hex('00000005 61626364')).ustring('p'), protocolError('p'));
    assert.throws(
      () => new JuteReader(hex('00100000')).buffer('big'),
      (err) => protocolError('big')(err) && /over the limit of 1048575/.test((err as Error).message),
    );
    assert.throws(() => new JuteReader(hex('00000002 61'), { maxLength: 1 }).buffer('small'), protocolError('small'));
    assert.throws(() => new JuteReader(hex('fffffffd')).vector('v', (x) => x.int('v[]')), protocolError('v'));
    assert.throws(() => new JuteReader(hex('00000002 00000000')).vector('v', (x) => x.int('v[]')), protocolError('v'));
    assert.throws(() => new JuteReader(hex('7fffffff')).vector('v', (x) => x.int('v[]')), protocolError('v'));
    assert.throws(() => new JuteReader(hex('ffffffff')).string('Id.scheme'), protocolError('Id.scheme'));
    assert.throws(() => new JuteReader(hex('ffffffff')).list('l', (x) => x.int('l[]')), protocolError('l'));
    assert.throws(() => new JuteReader(hex('00')).expectEnd('rec'), protocolError('rec'));
    const err = (() => {
      try {
        new JuteReader(hex('fffffff0')).buffer('Stat.x');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.match(err?.message ?? '', /Stat\.x.*-16/);
  });

  test('the writer refuses values that do not fit their jute type', () => {
    assert.throws(() => new JuteWriter().int(2 ** 31, 'RequestHeader.xid'), protocolError('RequestHeader.xid'));
    assert.throws(() => new JuteWriter().int(1.5), protocolError('int'));
    assert.throws(() => new JuteWriter().long(2n ** 63n, 'Stat.czxid'), protocolError('Stat.czxid'));
  });

  test('strings: UTF-8 out; CESU-8 surrogate pairs from the Java writer re-paired on the way in', () => {
    assert.equal(decodeJuteString(hex('eda0bdedb098')), '\u{1F418}');
    assert.equal(decodeJuteString(hex('61 eda0bdedb098 62 f09f9098')), 'a\u{1F418}b\u{1F418}');
    // A lone surrogate has no character: it reads as U+FFFD, like any invalid UTF-8, and nothing throws.
    assert.match(decodeJuteString(hex('eda0bd 61')), /^\uFFFD+a$/);
    assert.equal(decodeJuteString(hex('ed')), '\uFFFD');
    const r = new JuteReader(new JuteWriter().ustring('kzr-\u{1F418}').toBuffer());
    assert.equal(r.string('s'), 'kzr-\u{1F418}');
  });
});

// ---- known byte vectors -------------------------------------------------------------------------

describe('known byte vectors (computed by hand from zookeeper.jute)', () => {
  test('ConnectRequest', () => {
    const passwd = Buffer.from([...Array(16).keys()]);
    const bytes = encodeConnectFrame(
      encodeConnectRequest({ timeOut: 30_000, lastZxidSeen: 0x0102030405060708n, sessionId: 0x0123456789abcdefn, passwd, readOnly: true }),
    );
    // length 45 = 4 + 8 + 4 + 8 + (4 + 16) + 1
    const expected = hex(`
      0000002d
      00000000 | 0102030405060708 | 00007530 | 0123456789abcdef
      00000010 | 000102030405060708090a0b0c0d0e0f
      01`);
    assert.deepEqual(bytes, expected);
    // The form of a client that predates readOnly: the same, less the last byte.
    const old = encodeConnectFrame(
      encodeConnectRequest({
        timeOut: 30_000,
        lastZxidSeen: 0x0102030405060708n,
        sessionId: 0x0123456789abcdefn,
        passwd,
        withReadOnly: false,
      }),
    );
    assert.deepEqual(old, Buffer.concat([hex('0000002c'), expected.subarray(4, expected.length - 1)]));
  });

  test('ConnectResponse with and without the trailing readOnly byte', () => {
    const head = hex('00000000 | 00002710 | 0100000a1b2c3d4e | 00000010 | ffeeddccbbaa99887766554433221100');
    const withRo = decodeConnectResponse(new JuteReader(Buffer.concat([head, hex('00')])));
    assert.deepEqual(withRo, {
      protocolVersion: 0,
      timeOut: 10_000,
      sessionId: 0x0100000a1b2c3d4en,
      passwd: hex('ffeeddccbbaa99887766554433221100'),
      readOnly: false,
      hasReadOnly: true,
    });
    const without = decodeConnectResponse(new JuteReader(head));
    assert.deepEqual(without, { ...withRo, hasReadOnly: false });
    assert.equal(decodeConnectResponse(new JuteReader(Buffer.concat([head, hex('01')]))).readOnly, true);
    assert.throws(() => decodeConnectResponse(new JuteReader(Buffer.concat([head, hex('07')]))), protocolError('ConnectResponse.readOnly'));
  });

  test('Stat, and its library form', () => {
    const bytes = hex(`
      0000000100000002 | 0000000100000003 | 0000018bcfe56800 | 0000018bcfe56801
      00000001 | 00000002 | 00000003
      80ffffffffffffff | 00000005 | 00000000
      0000000100000002`);
    assert.equal(bytes.length, 68);
    assert.deepEqual(encodeRecord(WireStat, STAT), bytes);
    const r = new JuteReader(bytes);
    assert.deepEqual(WireStat.read(r), STAT);
    r.expectEnd('Stat');
    assert.deepEqual(toStat(STAT), {
      czxid: 4294967298,
      mzxid: 4294967299,
      version: 1,
      aclVersion: 3,
      dataLength: 5,
      numChildren: 0,
      ephemeralOwner: '80ffffffffffffff',
      ctime: new Date(1_700_000_000_000),
      mtime: new Date(1_700_000_000_001),
    });
    assert.equal(toStat({ ...STAT, ephemeralOwner: 0n }).ephemeralOwner, '0');
  });

  test('request frames: header then body, one length in front', () => {
    assert.deepEqual(encodePingFrame(), hex('00000008 fffffffe 0000000b'));
    assert.deepEqual(encodeCloseSessionFrame(7), hex('00000008 00000007 fffffff5'));
    assert.deepEqual(encodeWhoAmIFrame(3), hex('00000008 00000003 0000006b'));
    assert.deepEqual(
      encodeRequestFrame({ xid: 1, type: OpCode.exists }, encodeRecord(ExistsRequest, { path: '/a', watch: true })),
      hex('0000000f 00000001 00000003 | 00000002 2f61 | 01'),
    );
    assert.deepEqual(frame(hex('abcd')), hex('00000002 abcd'));
  });

  test('a reply: header, then the body only on success', () => {
    const { header, body } = decodeReply(hex('00000005 0000000100000009 ffffff9b'));
    assert.deepEqual(header, { xid: 5, zxid: 0x100000009n, err: -101 });
    assert.equal(body.remaining, 0);
    const ev = decodeReply(hex('ffffffff ffffffffffffffff 00000000 | 00000003 00000003 00000002 2f61'));
    assert.equal(ev.header.xid, Xid.NOTIFICATION);
    assert.deepEqual(decodeWatcherEvent(ev.body), { type: 3, state: 3, path: '/a' });
  });
});

// ---- conversions -------------------------------------------------------------------------------

describe("conversions to the library's shapes", () => {
  test('session ids: unsigned lowercase hex both ways', () => {
    assert.equal(sessionIdToHex(0n), '0');
    assert.equal(sessionIdToHex(0x100000a1b2c0000n), '100000a1b2c0000');
    assert.equal(sessionIdToHex(-1n), 'ffffffffffffffff');
    assert.equal(sessionIdFromHex('ffffffffffffffff'), -1n);
    assert.equal(sessionIdFromHex('0x100000A1B2C0000'), 0x100000a1b2c0000n);
    assert.throws(() => sessionIdFromHex('xyz'), protocolError('sessionId'));
  });

  test('zxids become numbers only while exact', () => {
    assert.equal(zxidToNumber(2n ** 53n - 1n), 2 ** 53 - 1);
    assert.throws(() => zxidToNumber(2n ** 53n + 1n, 'Stat.czxid'), protocolError('Stat.czxid'));
    assert.throws(() => toStat({ ...STAT, mzxid: 0x7fffffff00000001n }), protocolError('Stat.mzxid'));
  });

  test('ACLs', () => {
    assert.deepEqual(toAcl(DIGEST_ACL), { perms: 3, scheme: 'digest', id: 'kafka:x0pxC5OC0rkMHTkfnDdumXEP0Ps=' });
  });
});

// ---- round trips ---------------------------------------------------------------------------------

const MULTI_OPS: MultiRequest = {
  ops: [
    { op: 'check', path: '/a', version: 3 },
    { op: 'create', path: '/a/b', data: Buffer.from('x'), acl: OPEN_ACL_UNSAFE, flags: 1 },
    { op: 'create2', path: '/a/c', data: null, acl: [DIGEST_ACL], flags: 0 },
    { op: 'createContainer', path: '/a/d', data: Buffer.alloc(0), acl: OPEN_ACL_UNSAFE, flags: 4 },
    { op: 'createTTL', path: '/a/e', data: null, acl: OPEN_ACL_UNSAFE, flags: 5, ttl: 60_000n },
    { op: 'delete', path: '/a/f', version: -1 },
    { op: 'setData', path: '/a', data: Buffer.from('y'), version: 2 },
    { op: 'getChildren', path: '/a' },
    { op: 'getData', path: '/a' },
  ],
};
const MULTI_RESULTS: MultiResponse = {
  results: [
    { op: 'check' },
    { op: 'create', path: '/a/b' },
    { op: 'create2', path: '/a/c', stat: STAT },
    { op: 'delete' },
    { op: 'setData', stat: STAT },
    { op: 'getChildren', children: ['x', 'y'] },
    { op: 'getData', data: null, stat: STAT },
    { op: 'error', err: -2 },
  ],
};

/** One sample of every record of zookeeper.jute's client protocol that this layer codes. */
interface Sample {
  readonly name: string;
  run(): void;
}

/** Typed by its record, so that a sample that does not fit its record's shape does not compile. */
function sample<T>(record: JuteRecord<T>, value: T): Sample {
  const variant =
    record === ConnectRequest || record === ConnectResponse ? ` (${JSON.stringify(Object.entries(value as object).at(-1))})` : '';
  return { name: `${record.name}${variant}`, run: () => roundTrip(record, value) };
}

const SAMPLES: readonly Sample[] = [
  sample(WireStat, STAT),
  sample(Id, { scheme: 'world', id: 'anyone' }),
  sample(WireAcl, DIGEST_ACL),
  sample(ClientInfo, { authScheme: 'digest', user: 'kzr-\u{1F418}' }),
  sample(RequestHeader, { xid: 2 ** 31 - 1, type: OpCode.whoAmI }),
  sample(ReplyHeader, { xid: -1, zxid: -1n, err: -121 }),
  sample(WatcherEvent, { type: 4, state: 3, path: '/brokers/ids' }),
  sample(ErrorResponse, { err: 0 }),
  sample(ConnectRequest, {
    protocolVersion: 0,
    lastZxidSeen: 12n,
    timeOut: 6000,
    sessionId: -5n,
    passwd: Buffer.alloc(16, 1),
    readOnly: true,
    withReadOnly: true,
  }),
  sample(ConnectRequest, {
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 6000,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: false,
    withReadOnly: false,
  }),
  sample(ConnectResponse, {
    protocolVersion: 0,
    timeOut: 6000,
    sessionId: 0x100000000000001n,
    passwd: Buffer.alloc(16, 2),
    readOnly: true,
    hasReadOnly: true,
  }),
  sample(ConnectResponse, { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false, hasReadOnly: false }),
  sample(CreateRequest, { path: '/brokers/ids/1', data: Buffer.from('{}'), acl: [...OPEN_ACL_UNSAFE, DIGEST_ACL], flags: 1 }),
  sample(CreateRequest, { path: '/x', data: null, acl: [], flags: 0 }),
  sample(CreateTTLRequest, { path: '/ttl', data: Buffer.from('t'), acl: OPEN_ACL_UNSAFE, flags: 6, ttl: 2n ** 40n }),
  sample(CreateResponse, { path: '/seq-0000000001' }),
  sample(Create2Response, { path: '/c', stat: STAT }),
  sample(DeleteRequest, { path: '/d', version: -1 }),
  sample(ExistsRequest, { path: '/e', watch: true }),
  sample(ExistsResponse, { stat: STAT }),
  sample(GetDataRequest, { path: '/g', watch: false }),
  sample(GetDataResponse, { data: Buffer.from([0, 255]), stat: STAT }),
  sample(GetDataResponse, { data: null, stat: STAT }),
  sample(SetDataRequest, { path: '/s', data: Buffer.alloc(300, 7), version: 4 }),
  sample(SetDataResponse, { stat: STAT }),
  sample(GetACLRequest, { path: '/acl' }),
  sample(GetACLResponse, { acl: [DIGEST_ACL, ...OPEN_ACL_UNSAFE], stat: STAT }),
  sample(SetACLRequest, { path: '/acl', acl: [DIGEST_ACL], version: 0 }),
  sample(SetACLResponse, { stat: STAT }),
  sample(GetChildrenRequest, { path: '/', watch: true }),
  sample(GetChildrenResponse, { children: ['zookeeper', 'brokers', ''] }),
  sample(GetChildren2Request, { path: '/', watch: false }),
  sample(GetChildren2Response, { children: [], stat: STAT }),
  sample(SyncRequest, { path: '/' }),
  sample(SyncResponse, { path: '/' }),
  sample(MultiHeader, { type: -1, done: true, err: -1 }),
  sample(CheckVersionRequest, { path: '/v', version: 9 }),
  sample(MultiRequest, MULTI_OPS),
  sample(MultiRequest, { ops: [] }),
  sample(MultiResponse, MULTI_RESULTS),
  sample(SetWatches, { relativeZxid: 77n, dataWatches: ['/a'], existWatches: [], childWatches: ['/b', '/c'] }),
  sample(SetWatches2, {
    relativeZxid: 77n,
    dataWatches: [],
    existWatches: ['/x'],
    childWatches: [],
    persistentWatches: ['/p'],
    persistentRecursiveWatches: ['/r', '/'],
  }),
  sample(AuthPacket, { type: 0, scheme: 'digest', auth: Buffer.from('user:pw') }),
  sample(AddWatchRequest, { path: '/w', mode: 1 }),
  sample(CheckWatchesRequest, { path: '/w', type: 3 }),
  sample(RemoveWatchesRequest, { path: '/w', type: 5 }),
  sample(GetEphemeralsRequest, { prefixPath: '/brokers' }),
  sample(GetEphemeralsResponse, { ephemerals: ['/brokers/ids/1', '/controller'] }),
  sample(WhoAmIResponse, {
    clientInfo: [
      { authScheme: 'ip', user: '127.0.0.1' },
      { authScheme: 'digest', user: 'kafka' },
    ],
  }),
];

describe('round trips', () => {
  for (const s of SAMPLES) test(s.name, () => s.run());

  test('multi: a request of each op kind reads back; the terminator ends it', () => {
    const bytes = encodeRecord(MultiRequest, MULTI_OPS);
    assert.deepEqual(bytes.subarray(bytes.length - 9), hex('ffffffff 01 ffffffff'));
    assert.deepEqual(new JuteReader(bytes).int('first op type'), OpCode.check);
    assert.throws(() => MultiResponse.read(new JuteReader(bytes.subarray(0, bytes.length - 9))), protocolError(/./));
  });

  test('the named decoders read what the records write', () => {
    const r = <T>(rec: JuteRecord<T>, v: T): JuteReader => new JuteReader(encodeRecord(rec, v));
    assert.deepEqual(decodeCreateResponse(r(CreateResponse, { path: '/p' })), { path: '/p' });
    assert.deepEqual(decodeCreate2Response(r(Create2Response, { path: '/p', stat: STAT })).stat, STAT);
    assert.deepEqual(decodeExistsResponse(r(ExistsResponse, { stat: STAT })).stat, STAT);
    assert.deepEqual(decodeSetDataResponse(r(SetDataResponse, { stat: STAT })).stat, STAT);
    assert.deepEqual(decodeSetACLResponse(r(SetACLResponse, { stat: STAT })).stat, STAT);
    assert.deepEqual(decodeSyncResponse(r(SyncResponse, { path: '/p' })), { path: '/p' });
    assert.deepEqual(decodeAddWatchResponse(r(ErrorResponse, { err: 0 })), { err: 0 });
    assert.deepEqual(decodeMultiResponse(r(MultiResponse, MULTI_RESULTS)), MULTI_RESULTS);
  });
});

// ---- frames -------------------------------------------------------------------------------------

function cutRandomly(stream: Buffer, rand: () => number, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    // Mostly small cuts (through lengths and headers), sometimes big ones (several frames at once).
    const n = 1 + Math.floor(rand() < 0.7 ? rand() * 16 : rand() * maxChunk);
    chunks.push(Buffer.from(stream.subarray(at, at + n)));
    at += n;
  }
  return chunks;
}

describe('FrameDecoder', () => {
  test('yields the same frames however the stream is cut (seeded random chunkings)', () => {
    const seed = 0x5eed;
    const rand = prng(seed);
    for (let round = 0; round < 200; round++) {
      const payloads: Buffer[] = [];
      for (let i = 0; i < 1 + Math.floor(rand() * 40); i++) {
        const size = rand() < 0.1 ? 0 : rand() < 0.9 ? Math.floor(rand() * 64) : Math.floor(rand() * 20_000);
        payloads.push(Buffer.from(Array.from({ length: size }, () => Math.floor(rand() * 256))));
      }
      const stream = Buffer.concat(payloads.map((p) => frame(p)));
      const decoder = new FrameDecoder();
      const got: Buffer[] = [];
      for (const chunk of cutRandomly(stream, rand, 50_000)) got.push(...decoder.push(chunk));
      assert.deepEqual(got, payloads, `seed ${seed} round ${round}`);
      assert.equal(decoder.pendingBytes, 0);
    }
  });

  test('a frame whole in its chunk is a view of it; a split one is copied once', () => {
    const d = new FrameDecoder();
    const chunk = Buffer.concat([frame(hex('0102')), frame(hex('03'))]);
    const [a, b] = d.push(chunk);
    assert.equal(a?.buffer, chunk.buffer);
    assert.deepEqual(b, hex('03'));
    assert.deepEqual(d.push(hex('000000')), []);
    assert.deepEqual(d.push(hex('03 0a')), []);
    assert.equal(d.pendingBytes, 1);
    assert.deepEqual(d.push(hex('0b0c 00000000')), [hex('0a0b0c'), Buffer.alloc(0)]);
  });

  test('a large frame fed one byte at a time completes in linear time', () => {
    const payload = Buffer.alloc(256 * 1024, 0xab);
    const stream = frame(payload);
    const d = new FrameDecoder();
    const started = process.hrtime.bigint();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(got.length, 1);
    assert.ok(got[0]?.equals(payload));
    assert.ok(ms < 5000, `${ms} ms for ${stream.length} one-byte chunks`);
  });

  test('a negative length or one over the limit fails, and the decoder stays failed', () => {
    const neg = new FrameDecoder();
    assert.deepEqual(neg.push(hex('ffff')), []);
    assert.throws(() => neg.push(hex('fffe')), protocolError('frame length'));
    assert.ok(neg.failed instanceof ZooKeeperProtocolError);
    assert.throws(
      () => neg.push(frame(hex('00'))),
      (err) => err === neg.failed,
    );

    const big = new FrameDecoder();
    assert.equal(big.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
    assert.equal(DEFAULT_MAX_FRAME_BYTES, JUTE_MAX_BUFFER + 1024);
    assert.deepEqual(big.push(Buffer.concat([hex('001003ff'), Buffer.alloc(4)])), [], '1049599 bytes: allowed, pending');
    assert.throws(
      () => new FrameDecoder().push(hex('00100400')),
      (err) => protocolError('frame length')(err) && /1049600/.test((err as Error).message),
    );
    const small = new FrameDecoder({ maxFrameBytes: 3 });
    assert.deepEqual(small.push(frame(hex('010203'))), [hex('010203')]);
    assert.throws(() => small.push(frame(hex('01020304'))), protocolError('frame length'));
    assert.throws(() => new FrameDecoder({ maxFrameBytes: -1 }), protocolError('maxFrameBytes'));
  });
});

// ---- fuzz ---------------------------------------------------------------------------------------

const FUZZ_CASES = Number(process.env.KZR_FUZZ_CASES ?? 2000);
const FUZZ_SEED = Number(process.env.KZR_FUZZ_SEED ?? 20_260_301);

/** Every decoder of what a server sends, each with a valid input to mutate. */
const RESPONSE_DECODERS: readonly { name: string; decode: (r: JuteReader) => unknown; valid: Buffer }[] = [
  {
    name: 'ConnectResponse',
    decode: decodeConnectResponse,
    valid: encodeRecord(ConnectResponse, {
      protocolVersion: 0,
      timeOut: 1,
      sessionId: 2n,
      passwd: Buffer.alloc(16),
      readOnly: false,
      hasReadOnly: true,
    }),
  },
  { name: 'ReplyHeader', decode: (r) => ReplyHeader.read(r), valid: encodeRecord(ReplyHeader, { xid: 1, zxid: 2n, err: 0 }) },
  { name: 'WatcherEvent', decode: decodeWatcherEvent, valid: encodeRecord(WatcherEvent, { type: 1, state: 3, path: '/a/b' }) },
  { name: 'CreateResponse', decode: decodeCreateResponse, valid: encodeRecord(CreateResponse, { path: '/a' }) },
  {
    name: 'Create2Response',
    decode: (r) => toStat(decodeCreate2Response(r).stat),
    valid: encodeRecord(Create2Response, { path: '/a', stat: STAT }),
  },
  { name: 'ExistsResponse', decode: (r) => toStat(decodeExistsResponse(r).stat), valid: encodeRecord(ExistsResponse, { stat: STAT }) },
  {
    name: 'GetDataResponse',
    decode: decodeGetDataResponse,
    valid: encodeRecord(GetDataResponse, { data: Buffer.from('data'), stat: STAT }),
  },
  { name: 'SetDataResponse', decode: decodeSetDataResponse, valid: encodeRecord(SetDataResponse, { stat: STAT }) },
  {
    name: 'GetACLResponse',
    decode: (r) => decodeGetACLResponse(r).acl.map(toAcl),
    valid: encodeRecord(GetACLResponse, { acl: [DIGEST_ACL, ...OPEN_ACL_UNSAFE], stat: STAT }),
  },
  { name: 'SetACLResponse', decode: decodeSetACLResponse, valid: encodeRecord(SetACLResponse, { stat: STAT }) },
  {
    name: 'GetChildrenResponse',
    decode: decodeGetChildrenResponse,
    valid: encodeRecord(GetChildrenResponse, { children: ['a', 'bb', 'ccc'] }),
  },
  {
    name: 'GetChildren2Response',
    decode: decodeGetChildren2Response,
    valid: encodeRecord(GetChildren2Response, { children: ['a', 'bb'], stat: STAT }),
  },
  { name: 'SyncResponse', decode: decodeSyncResponse, valid: encodeRecord(SyncResponse, { path: '/' }) },
  { name: 'MultiResponse', decode: decodeMultiResponse, valid: encodeRecord(MultiResponse, MULTI_RESULTS) },
  { name: 'AddWatchResponse', decode: decodeAddWatchResponse, valid: encodeRecord(ErrorResponse, { err: 0 }) },
  {
    name: 'GetEphemeralsResponse',
    decode: decodeGetEphemeralsResponse,
    valid: encodeRecord(GetEphemeralsResponse, { ephemerals: ['/e1', '/e2'] }),
  },
  {
    name: 'WhoAmIResponse',
    decode: decodeWhoAmIResponse,
    valid: encodeRecord(WhoAmIResponse, { clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }] }),
  },
  {
    name: 'reply frame',
    // A whole reply as a client would take it: the header, then the body its xid calls for.
    decode: (r) => {
      const h = ReplyHeader.read(r);
      return h.xid === Xid.NOTIFICATION ? decodeWatcherEvent(r) : decodeGetDataResponse(r);
    },
    valid: Buffer.concat([
      encodeRecord(ReplyHeader, { xid: 4, zxid: 9n, err: 0 }),
      encodeRecord(GetDataResponse, { data: Buffer.from('x'), stat: STAT }),
    ]),
  },
];

/** Lengths that probe every bound: null, other negatives, zero, just past the end, past the limit. */
const EVIL_INTS = [-1, -2, -(2 ** 31), 0, 1, 4, 16, 68, 0xfffff, 0x100000, 2 ** 31 - 1];

function mutate(valid: Buffer, rand: () => number): Buffer {
  const kind = rand();
  if (kind < 0.15) return Buffer.from(Array.from({ length: Math.floor(rand() * 96) }, () => Math.floor(rand() * 256)));
  if (kind < 0.3) return valid.subarray(0, Math.floor(rand() * valid.length));
  const b = Buffer.from(valid);
  const edits = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < edits && b.length > 0; i++) {
    const at = Math.floor(rand() * b.length);
    const k = rand();
    if (k < 0.5 && at + 4 <= b.length) b.writeInt32BE(EVIL_INTS[Math.floor(rand() * EVIL_INTS.length)]!, at);
    else if (k < 0.8) b[at] = Math.floor(rand() * 256);
    else b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
  }
  return rand() < 0.2 ? Buffer.concat([b, Buffer.from([Math.floor(rand() * 256)])]) : b;
}

function describeFailure(seed: number, index: number, input: Buffer, err: unknown): string {
  return `fuzz seed ${seed} case ${index} (replay: KZR_FUZZ_SEED=${seed}): ${input.length} bytes ${input.subarray(0, 200).toString('hex')} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
}

describe(`fuzz (${FUZZ_CASES} cases, seed ${FUZZ_SEED}): only ZooKeeperProtocolError, never another exception, never a hang`, () => {
  test('every response decoder', () => {
    const rand = prng(FUZZ_SEED);
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      for (const d of RESPONSE_DECODERS) {
        const input = mutate(d.valid, rand);
        const started = Date.now();
        try {
          d.decode(new JuteReader(input));
          decoded++;
        } catch (err) {
          if (!(err instanceof ZooKeeperProtocolError)) assert.fail(`${d.name}: ${describeFailure(FUZZ_SEED, i, input, err)}`);
          refused++;
        }
        if (Date.now() - started > 1000) assert.fail(`${d.name} took over a second: ${describeFailure(FUZZ_SEED, i, input, 'nothing')}`);
      }
    }
    // Both outcomes must be exercised, or the mutations are too tame (or too wild) to test anything.
    assert.ok(decoded > FUZZ_CASES && refused > FUZZ_CASES, `decoded ${decoded}, refused ${refused}`);
  });

  test('FrameDecoder on mutated streams, cut anywhere', () => {
    const rand = prng(FUZZ_SEED ^ 0x9e3779b9);
    const valid = Buffer.concat(RESPONSE_DECODERS.map((d) => frame(d.valid)));
    let failed = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const input = mutate(valid, rand);
      const decoder = new FrameDecoder({ maxFrameBytes: rand() < 0.5 ? DEFAULT_MAX_FRAME_BYTES : 64 });
      let frames = 0;
      try {
        for (const chunk of cutRandomly(input, rand, 512)) frames += decoder.push(chunk).length;
        assert.ok(frames <= input.length / 4 + 1);
      } catch (err) {
        if (!(err instanceof ZooKeeperProtocolError)) assert.fail(`FrameDecoder: ${describeFailure(FUZZ_SEED, i, input, err)}`);
        failed++;
        // Stays failed: the same error again, whatever comes next.
        assert.throws(
          () => decoder.push(frame(Buffer.alloc(1))),
          (again) => again === err,
        );
      }
    }
    assert.ok(failed > 0, 'no mutated stream was refused');
  });
});

describe('xid order', () => {
  test('an xid handed out after another is later, across the wrap from 2^31-1 to 1', () => {
    const MAX = 0x7fffffff;
    assert.equal(xidAfter(2, 1), true);
    assert.equal(xidAfter(1, 2), false);
    assert.equal(xidAfter(5, 5), false);
    // Before: compared with `>`, so an answer to xid 1 after an UNIMPLEMENTED for xid 2^31-1 never
    // cleared it, and a later connection loss was taken for the close that follows UNIMPLEMENTED.
    assert.equal(xidAfter(1, MAX), true);
    assert.equal(xidAfter(3, MAX - 2), true);
    assert.equal(xidAfter(MAX, 1), false);
    assert.equal(xidAfter(-8, 1), false, 'a SetWatches reply (xid -8) is not a later request');
  });
});
