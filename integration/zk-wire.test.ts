// Conformance of the protocol layer (src/zookeeper/protocol) with a real ZooKeeper server: plain
// node:net sockets, our codecs only, and exact values asserted for every reply. One server for the
// file; the tests run in order and build on each other's nodes under /kzr-wire.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startZooKeeper, type ZooKeeperServer } from './harness/zookeeper-server.js';
import { RawZk } from './harness/raw-zk.js';
import { eventually } from './harness/wait.js';
import {
  AddWatchMode,
  CreateMode,
  decodeAddWatchResponse,
  decodeCreate2Response,
  decodeCreateResponse,
  decodeExistsResponse,
  decodeGetACLResponse,
  decodeGetChildren2Response,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeMultiResponse,
  decodeSetACLResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  decodeWhoAmIResponse,
  encodeAddWatchRequest,
  encodeAuthPacket,
  encodeCheckWatchesRequest,
  encodeCloseSessionFrame,
  encodeCreateRequest,
  encodeDeleteRequest,
  encodeExistsRequest,
  encodeGetACLRequest,
  encodeGetChildren2Request,
  encodeGetDataRequest,
  encodeGetEphemeralsRequest,
  encodeMultiRequest,
  encodePingFrame,
  encodeRemoveWatchesRequest,
  encodeSetACLRequest,
  encodeSetDataRequest,
  encodeSetWatches2Request,
  encodeSetWatchesRequest,
  encodeSyncRequest,
  encodeWhoAmIFrame,
  EventType,
  KeeperErrorCode,
  KeeperState,
  NO_PASSWORD,
  OpCode,
  OPEN_ACL_UNSAFE,
  Perms,
  sessionIdToHex,
  STAT_BYTES,
  toStat,
  WatcherType,
  Xid,
  type ConnectResponse,
  type WireStat,
} from '../src/zookeeper/protocol/index.js';

const TIMEOUT_MS = 10_000;
const ROOT = '/kzr-wire';

let server: ZooKeeperServer;
const opened: RawZk[] = [];

async function open(name: string): Promise<RawZk> {
  const c = await RawZk.open(server.port, name);
  opened.push(c);
  return c;
}

/** A new session on a new socket. */
async function session(name: string): Promise<{ zk: RawZk; rsp: ConnectResponse }> {
  const zk = await open(name);
  const rsp = await zk.handshake({ timeOut: TIMEOUT_MS });
  assert.notEqual(rsp.sessionId, 0n, `${name}: the server gave no session`);
  return { zk, rsp };
}

function ok(header: { err: number }, what: string): void {
  assert.equal(header.err, KeeperErrorCode.OK, `${what}: err ${header.err}`);
}

before(async () => {
  server = await startZooKeeper();
  // 'ruok' answers imok while the server is still loading (it closes client connections until it
  // serves). A Connection retries through that; a raw socket does not, so wait until 'srvr' shows
  // a serving mode.
  let srvr = '';
  await eventually(
    async () => /Mode: (standalone|leader|follower)/.test((srvr = await server.fourLetterWord('srvr'))),
    15_000,
    'the ZooKeeper server to serve',
    () => srvr,
  );
});

after(async () => {
  for (const c of opened) c.destroy();
  await server?.stop();
});

describe('zookeeper wire protocol against a real server', () => {
  let a: RawZk;
  let aRsp: ConnectResponse;
  let b: RawZk;
  /** The latest Stat of /kzr-wire/node, as the last write to it returned it. */
  let created: WireStat;

  test('ConnectRequest -> ConnectResponse: a new session', async () => {
    ({ zk: a, rsp: aRsp } = await session('a'));
    assert.equal(aRsp.protocolVersion, 0);
    assert.equal(aRsp.timeOut, TIMEOUT_MS);
    assert.equal(aRsp.passwd.length, 16);
    assert.notDeepEqual(aRsp.passwd, NO_PASSWORD);
    // 3.5 - 3.8 servers always append readOnly (false: this one is a full server).
    assert.equal(aRsp.hasReadOnly, true);
    assert.equal(aRsp.readOnly, false);
    // A session id holds its server's id in the top byte: 1 for a standalone server.
    assert.equal(aRsp.sessionId >> 56n, 1n);
    ({ zk: b } = await session('b'));
  });

  test('ConnectRequest without the readOnly byte (a 3.3-era client) is answered too', async () => {
    const old = await open('old-client');
    const rsp = await old.handshake({ timeOut: 4000, withReadOnly: false });
    assert.notEqual(rsp.sessionId, 0n);
    assert.equal(rsp.timeOut, 4000);
    assert.equal(rsp.passwd.length, 16);
    // The server answers in the client's dialect: no readOnly byte back to a client that sent none.
    assert.equal(rsp.hasReadOnly, false);
    assert.equal(rsp.readOnly, false);
    const reply = await old.request(OpCode.closeSession, undefined, 'closeSession');
    ok(reply.header, 'closeSession');
  });

  test('create: persistent, then ephemeral and sequential children', async () => {
    let reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: ROOT, data: Buffer.from('root'), acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT }),
      'create',
    );
    ok(reply.header, 'create');
    assert.ok(reply.header.zxid > 0n);
    assert.deepEqual(decodeCreateResponse(reply.body), { path: ROOT });
    assert.equal(reply.body.remaining, 0);

    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/eph`, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.EPHEMERAL }),
      'create ephemeral',
    );
    ok(reply.header, 'create ephemeral');
    assert.deepEqual(decodeCreateResponse(reply.body), { path: `${ROOT}/eph` });

    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/seq-`, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT_SEQUENTIAL }),
      'create sequential',
    );
    ok(reply.header, 'create sequential');
    // The parent's cversion so far (1: one child created) in ten digits.
    assert.deepEqual(decodeCreateResponse(reply.body), { path: `${ROOT}/seq-0000000001` });

    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: ROOT, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT }),
      'create existing',
    );
    assert.equal(reply.header.err, KeeperErrorCode.NODEEXISTS);
    assert.equal(reply.body.remaining, 0, 'an error reply has no body');
    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/no/parent`, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT }),
      'create without parent',
    );
    assert.equal(reply.header.err, KeeperErrorCode.NONODE);
    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/eph/child`, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT }),
      'create under an ephemeral',
    );
    assert.equal(reply.header.err, KeeperErrorCode.NOCHILDRENFOREPHEMERALS);
  });

  test("create2 returns the new node's Stat", async () => {
    const data = Buffer.from('hello');
    const reply = await a.request(
      OpCode.create2,
      encodeCreateRequest({ path: `${ROOT}/node`, data, acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT }),
      'create2',
    );
    ok(reply.header, 'create2');
    const rsp = decodeCreate2Response(reply.body);
    assert.equal(reply.body.remaining, 0);
    assert.equal(rsp.path, `${ROOT}/node`);
    created = rsp.stat;
    assert.equal(created.czxid, reply.header.zxid, "a create's zxid is the reply's");
    assert.equal(created.mzxid, created.czxid);
    assert.equal(created.pzxid, created.czxid);
    assert.equal(created.ctime, created.mtime);
    assert.ok(Math.abs(Number(created.ctime) - Date.now()) < 60_000, `ctime ${created.ctime} is now`);
    assert.deepEqual(
      [created.version, created.cversion, created.aversion, created.dataLength, created.numChildren, created.ephemeralOwner],
      [0, 0, 0, 5, 0, 0n],
    );

    const eph = await a.request(
      OpCode.create2,
      encodeCreateRequest({ path: `${ROOT}/eph2`, data: null, acl: OPEN_ACL_UNSAFE, flags: CreateMode.EPHEMERAL }),
      'create2 ephemeral',
    );
    ok(eph.header, 'create2 ephemeral');
    const ephStat = decodeCreate2Response(eph.body).stat;
    assert.equal(ephStat.ephemeralOwner, aRsp.sessionId);
    assert.equal(ephStat.dataLength, 0);
    assert.equal(toStat(ephStat).ephemeralOwner, sessionIdToHex(aRsp.sessionId));
    assert.equal(toStat(created).ephemeralOwner, '0');
  });

  test('exists: NONODE in the reply header for a missing node, the Stat for a present one', async () => {
    let reply = await a.request(OpCode.exists, encodeExistsRequest(`${ROOT}/missing`), 'exists missing');
    assert.equal(reply.header.err, KeeperErrorCode.NONODE);
    assert.equal(reply.body.remaining, 0);
    reply = await a.request(OpCode.exists, encodeExistsRequest(`${ROOT}/node`), 'exists');
    ok(reply.header, 'exists');
    assert.deepEqual(decodeExistsResponse(reply.body).stat, created);
  });

  test('getData', async () => {
    const reply = await a.request(OpCode.getData, encodeGetDataRequest(`${ROOT}/node`), 'getData');
    ok(reply.header, 'getData');
    const rsp = decodeGetDataResponse(reply.body);
    assert.equal(reply.body.remaining, 0);
    assert.deepEqual(rsp.data, Buffer.from('hello'));
    assert.deepEqual(rsp.stat, created);
    const stat = toStat(rsp.stat);
    assert.equal(stat.czxid, Number(created.czxid));
    assert.equal(stat.ctime.getTime(), Number(created.ctime));
    // A node created with null data reads back as null (length -1), not as an empty buffer.
    const eph = await a.request(OpCode.getData, encodeGetDataRequest(`${ROOT}/eph`), 'getData of null data');
    ok(eph.header, 'getData of null data');
    assert.equal(decodeGetDataResponse(eph.body).data, null);
  });

  test('setData: BADVERSION for a wrong version, the new Stat for the right one', async () => {
    let reply = await a.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/node`, Buffer.from('x'), 7), 'setData wrong version');
    assert.equal(reply.header.err, KeeperErrorCode.BADVERSION);
    assert.equal(reply.body.remaining, 0);
    reply = await a.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/node`, Buffer.from('world!'), 0), 'setData');
    ok(reply.header, 'setData');
    const { stat } = decodeSetDataResponse(reply.body);
    assert.equal(stat.version, 1);
    assert.equal(stat.mzxid, reply.header.zxid);
    assert.equal(stat.czxid, created.czxid);
    assert.equal(stat.dataLength, 6);
    created = stat;
  });

  test("getChildren2: names and the parent's Stat", async () => {
    const reply = await a.request(OpCode.getChildren2, encodeGetChildren2Request(ROOT), 'getChildren2');
    ok(reply.header, 'getChildren2');
    const rsp = decodeGetChildren2Response(reply.body);
    assert.equal(reply.body.remaining, 0);
    assert.deepEqual([...rsp.children].sort(), ['eph', 'eph2', 'node', 'seq-0000000001']);
    assert.equal(rsp.stat.numChildren, 4);
    assert.equal(rsp.stat.cversion, 4);
    assert.equal(rsp.stat.dataLength, 4);
  });

  test('getACL / setACL: conditional on the ACL version', async () => {
    let reply = await a.request(OpCode.getACL, encodeGetACLRequest(`${ROOT}/node`), 'getACL');
    ok(reply.header, 'getACL');
    let rsp = decodeGetACLResponse(reply.body);
    assert.deepEqual(rsp.acl, OPEN_ACL_UNSAFE);
    assert.equal(rsp.stat.aversion, 0);

    const readWrite = [{ perms: Perms.READ | Perms.WRITE | Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } }];
    reply = await a.request(OpCode.setACL, encodeSetACLRequest(`${ROOT}/node`, readWrite, 3), 'setACL wrong version');
    assert.equal(reply.header.err, KeeperErrorCode.BADVERSION);
    reply = await a.request(OpCode.setACL, encodeSetACLRequest(`${ROOT}/node`, readWrite, 0), 'setACL');
    ok(reply.header, 'setACL');
    const set = decodeSetACLResponse(reply.body);
    assert.equal(set.stat.aversion, 1);
    assert.equal(set.stat.version, created.version, 'setACL leaves the data version alone');

    reply = await a.request(OpCode.getACL, encodeGetACLRequest(`${ROOT}/node`), 'getACL after setACL');
    rsp = decodeGetACLResponse(reply.body);
    assert.deepEqual(rsp.acl, readWrite);
    assert.deepEqual(rsp.stat, set.stat);
    // The ACL now lacks CREATE and DELETE: the server enforces what we encoded, checking the
    // parent's ACL before it looks for the child.
    reply = await a.request(OpCode.delete, encodeDeleteRequest(`${ROOT}/node/none`), 'delete below');
    assert.equal(reply.header.err, KeeperErrorCode.NOAUTH);
    reply = await a.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/node/c`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }),
      'create below',
    );
    assert.equal(reply.header.err, KeeperErrorCode.NOAUTH);
  });

  test('sync', async () => {
    const reply = await a.request(OpCode.sync, encodeSyncRequest(ROOT), 'sync');
    ok(reply.header, 'sync');
    assert.deepEqual(decodeSyncResponse(reply.body), { path: ROOT });
  });

  test('multi: check + create succeeds; a failing check fails every op, with per-op error results', async () => {
    const rootStat = decodeExistsResponse((await a.request(OpCode.exists, encodeExistsRequest(ROOT), 'exists root')).body).stat;
    let reply = await a.request(
      OpCode.multi,
      encodeMultiRequest([
        { op: 'check', path: ROOT, version: rootStat.version },
        { op: 'create', path: `${ROOT}/m1`, data: Buffer.from('m'), acl: OPEN_ACL_UNSAFE, flags: 0 },
        { op: 'create2', path: `${ROOT}/m2`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 },
        { op: 'setData', path: `${ROOT}/m1`, data: Buffer.from('mm'), version: 0 },
        { op: 'delete', path: `${ROOT}/m2`, version: 0 },
      ]),
      'multi',
    );
    ok(reply.header, 'multi');
    const good = decodeMultiResponse(reply.body);
    assert.equal(reply.body.remaining, 0);
    // A create2 inside a multi is answered as a plain create: the path, no Stat (3.8).
    assert.deepEqual(
      good.results.map((r) => r.op),
      ['check', 'create', 'create', 'setData', 'delete'],
    );
    const [, c1, c2, sd] = good.results;
    assert.deepEqual(c1, { op: 'create', path: `${ROOT}/m1` });
    assert.deepEqual(c2, { op: 'create', path: `${ROOT}/m2` });
    assert.ok(sd?.op === 'setData');
    assert.equal(sd.stat.version, 1);
    assert.equal(sd.stat.czxid, reply.header.zxid, "every op of a multi has the multi's zxid");
    assert.equal(sd.stat.mzxid, reply.header.zxid);

    reply = await a.request(
      OpCode.multi,
      encodeMultiRequest([
        { op: 'create', path: `${ROOT}/m3`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 },
        { op: 'check', path: ROOT, version: 99 },
        { op: 'create', path: `${ROOT}/m4`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 },
      ]),
      'failing multi',
    );
    ok(reply.header, 'a failed multi still has err 0 in its header');
    assert.deepEqual(decodeMultiResponse(reply.body).results, [
      { op: 'error', err: KeeperErrorCode.OK },
      { op: 'error', err: KeeperErrorCode.BADVERSION },
      { op: 'error', err: KeeperErrorCode.RUNTIMEINCONSISTENCY },
    ]);
    reply = await a.request(OpCode.exists, encodeExistsRequest(`${ROOT}/m3`), 'exists after a failed multi');
    assert.equal(reply.header.err, KeeperErrorCode.NONODE, 'the failed multi created nothing');

    reply = await a.request(
      OpCode.multiRead,
      encodeMultiRequest([
        { op: 'getData', path: `${ROOT}/m1` },
        { op: 'getChildren', path: `${ROOT}/missing` },
      ]),
      'multiRead',
    );
    ok(reply.header, 'multiRead');
    const reads = decodeMultiResponse(reply.body).results;
    assert.equal(reads[0]?.op === 'getData' && reads[0].data?.toString(), 'mm');
    assert.deepEqual(reads[1], { op: 'error', err: KeeperErrorCode.NONODE });
  });

  test('ping: a header-only reply with xid -2', async () => {
    const reply = await a.requestFrame(encodePingFrame(), Xid.PING, 'ping');
    assert.equal(reply.header.xid, Xid.PING);
    ok(reply.header, 'ping');
    assert.equal(reply.body.remaining, 0);
    const second = await a.request(OpCode.exists, encodeExistsRequest(ROOT), 'exists after ping');
    ok(second.header, 'exists after ping');
  });

  test('exists with watch, setData from another connection -> a WatcherEvent frame (xid -1)', async () => {
    let reply = await a.request(OpCode.exists, encodeExistsRequest(`${ROOT}/m1`, true), 'exists with watch');
    ok(reply.header, 'exists with watch');
    reply = await a.request(OpCode.exists, encodeExistsRequest(`${ROOT}/later`, true), 'exists with watch on a missing node');
    assert.equal(reply.header.err, KeeperErrorCode.NONODE);

    const write = await b.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/m1`, Buffer.from('changed')), 'setData from b');
    ok(write.header, 'setData from b');
    const changed = await a.nextEvent('NodeDataChanged on a');
    assert.equal(changed.header.xid, Xid.NOTIFICATION);
    assert.equal(changed.header.err, 0);
    assert.equal(changed.header.zxid, -1n, "a 3.8 server sends notifications with zxid -1, not the change's zxid");
    assert.deepEqual(changed.event, { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: `${ROOT}/m1` });

    const make = await b.request(
      OpCode.create,
      encodeCreateRequest({ path: `${ROOT}/later`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }),
      'create from b',
    );
    ok(make.header, 'create from b');
    const born = await a.nextEvent('NodeCreated on a');
    assert.deepEqual(born.event, { type: EventType.NodeCreated, state: KeeperState.SyncConnected, path: `${ROOT}/later` });
  });

  test('addWatch persistent: fires on every change and stays; checkWatches / removeWatches', async () => {
    let reply = await a.request(OpCode.addWatch, encodeAddWatchRequest(`${ROOT}/later`, AddWatchMode.PERSISTENT), 'addWatch');
    ok(reply.header, 'addWatch');
    assert.deepEqual(decodeAddWatchResponse(reply.body), { err: 0 });

    for (const text of ['one', 'two']) {
      ok(
        (await b.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/later`, Buffer.from(text)), `setData ${text}`)).header,
        `setData ${text}`,
      );
      const e = await a.nextEvent(`persistent watch event for ${text}`);
      assert.deepEqual(e.event, { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: `${ROOT}/later` });
    }

    reply = await a.request(OpCode.checkWatches, encodeCheckWatchesRequest(`${ROOT}/later`, WatcherType.ANY), 'checkWatches');
    ok(reply.header, 'checkWatches');
    reply = await a.request(OpCode.removeWatches, encodeRemoveWatchesRequest(`${ROOT}/later`, WatcherType.ANY), 'removeWatches');
    ok(reply.header, 'removeWatches');
    assert.equal(reply.body.remaining, 0);
    reply = await a.request(OpCode.checkWatches, encodeCheckWatchesRequest(`${ROOT}/later`, WatcherType.ANY), 'checkWatches after remove');
    assert.equal(reply.header.err, KeeperErrorCode.NOWATCHER);
    ok(
      (await b.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/later`, Buffer.from('three')), 'setData three')).header,
      'setData three',
    );
    // A request after the write: its reply comes after any event the write would have caused.
    ok((await a.request(OpCode.sync, encodeSyncRequest(ROOT), 'sync after remove')).header, 'sync');
    assert.equal(a.pendingEvents(), 0, 'no event after the watch was removed');
  });

  test('setWatches / setWatches2: a change after relativeZxid fires at once, the rest are set', async () => {
    const before = decodeExistsResponse((await b.request(OpCode.exists, encodeExistsRequest(`${ROOT}/m1`), 'exists m1')).body).stat;
    ok((await b.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/m1`, Buffer.from('again')), 'setData m1')).header, 'setData m1');

    let reply = await a.request(
      OpCode.setWatches,
      encodeSetWatchesRequest({
        relativeZxid: before.mzxid,
        dataWatches: [`${ROOT}/m1`],
        existWatches: [`${ROOT}/w-later`],
        childWatches: [],
      }),
      'setWatches',
      { xid: Xid.SET_WATCHES },
    );
    ok(reply.header, 'setWatches');
    assert.equal(reply.header.xid, Xid.SET_WATCHES);
    const missed = await a.nextEvent('the missed NodeDataChanged');
    assert.deepEqual(missed.event, { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: `${ROOT}/m1` });
    ok(
      (
        await b.request(
          OpCode.create,
          encodeCreateRequest({ path: `${ROOT}/w-later`, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }),
          'create w-later',
        )
      ).header,
      'create w-later',
    );
    assert.deepEqual((await a.nextEvent('NodeCreated from the exist watch')).event, {
      type: EventType.NodeCreated,
      state: KeeperState.SyncConnected,
      path: `${ROOT}/w-later`,
    });

    reply = await a.request(
      OpCode.setWatches2,
      encodeSetWatches2Request({
        relativeZxid: reply.header.zxid,
        dataWatches: [],
        existWatches: [],
        childWatches: [],
        persistentWatches: [],
        persistentRecursiveWatches: [ROOT],
      }),
      'setWatches2',
      { xid: Xid.SET_WATCHES },
    );
    ok(reply.header, 'setWatches2');
    ok(
      (await b.request(OpCode.setData, encodeSetDataRequest(`${ROOT}/w-later`, Buffer.from('r')), 'setData w-later')).header,
      'setData w-later',
    );
    assert.deepEqual((await a.nextEvent('event from the recursive watch')).event, {
      type: EventType.NodeDataChanged,
      state: KeeperState.SyncConnected,
      path: `${ROOT}/w-later`,
    });
    ok(
      (await a.request(OpCode.removeWatches, encodeRemoveWatchesRequest(ROOT, WatcherType.ANY), 'remove recursive watch')).header,
      'remove recursive watch',
    );
  });

  test("getEphemerals: this session's ephemeral paths", async () => {
    const reply = await a.request(OpCode.getEphemerals, encodeGetEphemeralsRequest(ROOT), 'getEphemerals');
    ok(reply.header, 'getEphemerals');
    assert.deepEqual([...decodeGetEphemeralsResponse(reply.body).ephemerals].sort(), [`${ROOT}/eph`, `${ROOT}/eph2`]);
    const none = await b.request(OpCode.getEphemerals, encodeGetEphemeralsRequest('/'), 'getEphemerals of b');
    assert.deepEqual(decodeGetEphemeralsResponse(none.body).ephemerals, []);
  });

  test('auth (digest) and whoAmI, with a user name outside the BMP', async () => {
    let reply = await b.request(OpCode.whoAmI, undefined, 'whoAmI');
    ok(reply.header, 'whoAmI');
    assert.deepEqual(decodeWhoAmIResponse(reply.body).clientInfo, [{ authScheme: 'ip', user: '127.0.0.1' }]);

    // The server writes this name back CESU-8 encoded (two 3-byte surrogates), not as UTF-8.
    const user = 'kzr-\u{1F418}';
    reply = await b.request(OpCode.auth, encodeAuthPacket('digest', Buffer.from(`${user}:secret`, 'utf8')), 'auth', { xid: Xid.AUTH });
    assert.equal(reply.header.xid, Xid.AUTH);
    ok(reply.header, 'auth');
    const xid = b.xid();
    reply = await b.requestFrame(encodeWhoAmIFrame(xid), xid, 'whoAmI after auth');
    ok(reply.header, 'whoAmI after auth');
    const infos = decodeWhoAmIResponse(reply.body).clientInfo;
    // U+1F418 as two CESU-8 surrogates (ED A0 BD, ED B0 98): Java's jute writer, not UTF-8 (F0 9F 90 98).
    assert.ok(reply.payload.includes(Buffer.from('eda0bdedb098', 'hex')), `whoAmI reply ${reply.payload.toString('hex')}`);
    assert.ok(!reply.payload.includes(Buffer.from(user, 'utf8')));
    assert.deepEqual(
      [...infos].sort((x, y) => x.authScheme.localeCompare(y.authScheme)),
      [
        { authScheme: 'digest', user },
        { authScheme: 'ip', user: '127.0.0.1' },
      ],
    );
  });

  test('reattach: the session id and password on a new socket give the same session; the old socket is closed', async () => {
    const again = await open('a-again');
    const rsp = await again.handshake({ timeOut: TIMEOUT_MS, sessionId: aRsp.sessionId, passwd: aRsp.passwd, lastZxidSeen: created.mzxid });
    assert.equal(rsp.sessionId, aRsp.sessionId);
    assert.deepEqual(rsp.passwd, aRsp.passwd);
    assert.equal(rsp.timeOut, TIMEOUT_MS);
    await a.waitClosed("the server to close the session's old connection");
    const reply = await again.request(OpCode.getEphemerals, encodeGetEphemeralsRequest(ROOT), 'getEphemerals after reattach');
    assert.deepEqual([...decodeGetEphemeralsResponse(reply.body).ephemerals].sort(), [`${ROOT}/eph`, `${ROOT}/eph2`]);

    const wrong = await open('wrong-password');
    const refused = await wrong.handshake({ timeOut: TIMEOUT_MS, sessionId: aRsp.sessionId, passwd: Buffer.alloc(16, 7) });
    assert.deepEqual([refused.sessionId, refused.timeOut, refused.passwd], [0n, 0, NO_PASSWORD]);
    await wrong.waitClosed('the server to close a refused reattach');
    // A reattach with a wrong password cuts the session's live connection too (the session lives on).
    await again.waitClosed("the server to close the session's connection after a wrong-password attach");
    a = await open('a-third');
    const third = await a.handshake({ timeOut: TIMEOUT_MS, sessionId: aRsp.sessionId, passwd: aRsp.passwd });
    assert.equal(third.sessionId, aRsp.sessionId);
  });

  test('closeSession: the reply, then the server closes; the ephemerals are gone and the session cannot be reattached', async () => {
    const xid = a.xid();
    const reply = await a.requestFrame(encodeCloseSessionFrame(xid), xid, 'closeSession');
    ok(reply.header, 'closeSession');
    assert.equal(reply.body.remaining, 0);
    await a.waitClosed('the server to close the connection after closeSession');
    const gone = await b.request(OpCode.exists, encodeExistsRequest(`${ROOT}/eph`), "exists of a closed session's ephemeral");
    assert.equal(gone.header.err, KeeperErrorCode.NONODE);
    assert.ok(gone.header.zxid >= reply.header.zxid);

    const late = await open('after-close');
    const rsp = await late.handshake({ timeOut: TIMEOUT_MS, sessionId: aRsp.sessionId, passwd: aRsp.passwd });
    assert.equal(rsp.sessionId, 0n, 'a closed session is expired');
    await late.waitClosed('the server to close the expired reattach');
  });

  test('a getData reply for a znode of jute.maxbuffer bytes is over 0xfffff and still decodes', async () => {
    const path = '/b';
    ok(
      (await b.request(OpCode.create, encodeCreateRequest({ path, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }), 'create big')).header,
      'create big',
    );
    // The server refuses (closes on) a request frame over jute.maxbuffer: setData's is header 8,
    // path 4+2, data 4+n, version 4, so n fills it exactly.
    const n = 0xfffff - (8 + 4 + path.length + 4 + 4);
    const data = Buffer.alloc(n, 0x5a);
    ok((await b.request(OpCode.setData, encodeSetDataRequest(path, data), 'setData big')).header, 'setData big');
    const reply = await b.request(OpCode.getData, encodeGetDataRequest(path), 'getData big');
    ok(reply.header, 'getData big');
    const frameLength = 16 + 4 + n + STAT_BYTES;
    assert.ok(frameLength > 0xfffff, `the reply frame is ${frameLength} bytes`);
    const rsp = decodeGetDataResponse(reply.body);
    assert.equal(rsp.data?.length, n);
    assert.equal(rsp.stat.dataLength, n);
  });
});
