// Conformance with every ZooKeeper server line users run: this file runs against one real server,
// the line KZR_ZK_VERSION names (Debian's 3.8 in `npm test`; `npm run compat` runs it once per line,
// 3.4.14 to 3.9.x, CI the oldest and the newest). What differs between lines is asserted per line:
// ConnectResponse's readOnly byte, and the ops a server older than them answers UNIMPLEMENTED and
// then closes the connection over (create2/createContainer/removeWatches 3.5, addWatch and
// getEphemerals 3.6, whoAmI 3.7). Everything the library itself uses must work on every line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Mutex } from 'async-mutex';
import {
  BadVersionError,
  BrokerRegistrar,
  Connection,
  ControllerCandidate,
  type ControllerElection,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  type Registration,
} from '../src/index.js';
import { UnimplementedError, ZkClient, type ZkClientOptions } from '../src/zookeeper/client/index.js';
import { claimHook, type ClaimStep } from '../src/registration/controller-candidate.js';
import { KeeperErrorCode, OpCode } from '../src/zookeeper/protocol/index.js';
import type { WatchEventType } from '../src/zookeeper/session.js';
import { useZooKeeper } from './harness/fixture.js';
import { RawZk } from './harness/raw-zk.js';
import { killSession } from './harness/sessions.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { startShapingProxy } from './harness/shaping-proxy.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';
import { atLeast, defaultZooKeeperVersion } from './harness/zk-versions.js';

const ROOT = '/kzr-compat';
let admin: ZkClient;
let line = '';
// Root-level before() hooks of one file may run concurrently: what needs the server runs in `then`.
const zk = useZooKeeper({
  then: async (server) => {
    line = server.version;
    admin = await open();
    await admin.create(ROOT, null);
    process.stderr.write(`# compat: ZooKeeper ${line} (KZR_ZK_VERSION=${defaultZooKeeperVersion()}) on ${server.connectString}\n`);
  },
});

/** A client the fixture closes after the file. */
async function open(opts: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
  const c = await ZkClient.connect(
    { connect: zk.server.connectString, sessionTimeoutMs: 6000, reconnectJitterMs: 50, retryListPauseMs: 200, ...opts },
    AbortSignal.timeout(15_000),
  );
  zk.track({ close: () => c.close() });
  return c;
}

async function proxy(): Promise<TcpProxy> {
  const p = await startTcpProxy(zk.server.port);
  zk.track({ close: () => p.close() });
  return p;
}

/** A watcher that resolves with its first event. */
function once(what: string, ms = 5000): { fn: (e: WatchEventType, p: string) => void; fired: Promise<[WatchEventType, string]> } {
  let fn!: (e: WatchEventType, p: string) => void;
  const fired = within(new Promise<[WatchEventType, string]>((r) => (fn = (e, p) => r([e, p]))), ms, what);
  fired.catch(() => undefined); // awaited by the test that uses it
  return { fn, fired };
}

describe(`conformance with the server line under test (KZR_ZK_VERSION=${defaultZooKeeperVersion()})`, () => {
  test('ConnectResponse with and without the readOnly byte; a reattach on a new socket is the same session', async () => {
    for (const withReadOnly of [true, false]) {
      const raw = await RawZk.open(zk.server.port, `raw readOnly=${withReadOnly}`);
      try {
        const rsp = await raw.handshake({ timeOut: 4000, withReadOnly });
        assert.equal(rsp.protocolVersion, 0);
        assert.equal(rsp.timeOut, 4000);
        assert.equal(rsp.passwd.length, 16);
        assert.equal(rsp.sessionId >> 56n, 1n, 'a standalone server puts its id 1 in the top byte');
        // Every line from 3.4 on answers in the client's dialect: readOnly (false) to a client
        // that sent it, nothing to one that did not (3.9.0-3.9.2 always sent it, ZOOKEEPER-4492).
        assert.equal(rsp.hasReadOnly, withReadOnly, `${line}: readOnly byte in the response`);
        assert.equal(rsp.readOnly, false);
        const again = await RawZk.open(zk.server.port, 'raw reattach');
        try {
          const back = await again.handshake({ timeOut: 4000, withReadOnly, sessionId: rsp.sessionId, passwd: rsp.passwd });
          assert.equal(back.sessionId, rsp.sessionId);
          const reply = await again.request(OpCode.closeSession, undefined, 'closeSession');
          assert.equal(reply.header.err, KeeperErrorCode.OK);
        } finally {
          again.destroy();
        }
      } finally {
        raw.destroy();
      }
    }
  });

  test('every op the library uses: create (each mode), exists/get/getChildren with watches, version-checked set/delete, sync, ACLs, digest auth, multi', async () => {
    const base = `${ROOT}/ops`;
    assert.equal(await admin.create(base, Buffer.from('base')), base);
    const c = await open();
    assert.equal(await c.create(`${base}/eph`, Buffer.from('e'), 'ephemeral'), `${base}/eph`);
    assert.equal(await c.create(`${base}/seq-`, null, 'persistent-sequential'), `${base}/seq-0000000001`);
    assert.equal(await c.create(`${base}/eseq-`, null, 'ephemeral-sequential'), `${base}/eseq-0000000002`);
    await assert.rejects(c.create(base, null), NodeExistsError);
    await assert.rejects(c.create(`${base}/no/parent`, null), NoNodeError);

    const eph = await admin.exists(`${base}/eph`);
    assert.equal(eph?.ephemeralOwner, c.id);
    assert.equal(await admin.exists(`${base}/missing`), null);

    // Watches: exists on a missing node (created), get (changed), getChildren (child), exists on a present node (deleted).
    const created = once('exists watch on a missing node');
    assert.equal(await c.exists(`${base}/later`, created.fn), null);
    const changed = once('get watch');
    const got = await c.get(base, changed.fn);
    assert.deepEqual(got.data, Buffer.from('base'));
    const child = once('getChildren watch');
    assert.deepEqual((await c.getChildren(base, child.fn)).sort(), ['eph', 'eseq-0000000002', 'seq-0000000001']);
    const two = await c.getChildren2(base);
    assert.equal(two.stat.numChildren, 3);
    await admin.create(`${base}/later`, null);
    assert.deepEqual(await created.fired, ['created', `${base}/later`]);
    assert.deepEqual(await child.fired, ['child', base]);
    const deleted = once('exists watch on a present node');
    assert.notEqual(await c.exists(`${base}/later`, deleted.fn), null);

    // Version-checked writes.
    await assert.rejects(admin.set(base, Buffer.from('x'), got.stat.version + 5), BadVersionError);
    const st = await admin.set(base, Buffer.from('v1'), got.stat.version);
    assert.equal(st.version, got.stat.version + 1);
    assert.deepEqual(await changed.fired, ['changed', base]);
    await assert.rejects(admin.delete(`${base}/later`, 3), BadVersionError);
    await admin.delete(`${base}/later`, 0);
    assert.deepEqual(await deleted.fired, ['deleted', `${base}/later`]);
    await c.sync(base);

    // Digest auth and ACLs: only the credentials' owner may read; setAcl is version-checked.
    const bob = await open();
    await bob.addAuth('digest', 'bob:secret');
    await bob.create(`${base}/bobs`, Buffer.from('b'), { acl: [{ perms: 31, scheme: 'auth', id: '' }] });
    const acl = await bob.getAcl(`${base}/bobs`);
    assert.equal(acl.acl.length, 1);
    assert.equal(acl.acl[0]?.scheme, 'digest');
    assert.match(acl.acl[0]?.id ?? '', /^bob:/);
    await assert.rejects(admin.get(`${base}/bobs`), NoAuthError);
    await assert.rejects(admin.getAcl(`${base}/bobs`), NoAuthError, 'getACL needs READ or ADMIN since 3.4.11/3.5.4 (ZOOKEEPER-1392)');
    assert.deepEqual((await bob.get(`${base}/bobs`)).data, Buffer.from('b'));
    await assert.rejects(bob.setAcl(`${base}/bobs`, 7, [{ perms: 31, scheme: 'world', id: 'anyone' }]), BadVersionError);
    await bob.setAcl(`${base}/bobs`, acl.stat.aclVersion, [{ perms: 31, scheme: 'world', id: 'anyone' }]);
    assert.deepEqual((await admin.get(`${base}/bobs`)).data, Buffer.from('b'));

    // multi: all at one zxid, or none with per-op errors.
    const okm = await admin.multi([
      { op: 'check', path: base, version: st.version },
      { op: 'create', path: `${base}/m1`, data: Buffer.from('1') },
      { op: 'setData', path: `${base}/m1`, data: Buffer.from('2'), version: 0 },
    ]);
    assert.equal(okm.ok, true);
    assert.deepEqual(
      okm.results.map((r) => r.op),
      ['check', 'create', 'setData'],
    );
    const bad = await admin.multi([
      { op: 'create', path: `${base}/m2`, data: null },
      { op: 'check', path: base, version: st.version + 9 },
    ]);
    assert.equal(bad.ok, false);
    assert.deepEqual(
      bad.results.map((r) => (r.op === 'error' ? r.code : r.op)),
      [0, KeeperErrorCode.BADVERSION],
    );
    assert.equal(await admin.exists(`${base}/m2`), null, 'nothing of a failed multi applied');

    // close(): the session's ephemerals go at once, and it cannot be reattached.
    const gone = once("the closed session's ephemeral to go");
    await admin.exists(`${base}/eph`, gone.fn);
    const { id, password } = c;
    await c.close();
    assert.deepEqual(await gone.fired, ['deleted', `${base}/eph`]);
    await assert.rejects(
      ZkClient.connect(
        { connect: zk.server.connectString, sessionTimeoutMs: 6000, sessionId: id, sessionPassword: password },
        AbortSignal.timeout(10_000),
      ),
      SessionExpiredError,
    );
  });

  test('ops newer than the server: a typed UnimplementedError naming the op and the server, the session unharmed, no reconnect after the first', async () => {
    const base = `${ROOT}/newer`;
    await admin.create(base, null);
    const c = await open();
    await c.create(`${base}/eph`, null, 'ephemeral');
    const id = c.id;
    let disconnects = 0;
    c.on('disconnected', () => disconnects++);
    const newer: { op: string; since: [number, number]; call: (k?: ZkClient) => Promise<unknown> }[] = [
      { op: 'create2', since: [3, 5], call: (k = c) => k.create2(`${base}/c2`, null) },
      { op: 'createContainer', since: [3, 5], call: (k = c) => k.create(`${base}/container`, null, 'container') },
      {
        op: 'removeWatches',
        since: [3, 5],
        call: (k = c) =>
          k.removeWatches(base, 'any').catch((e: unknown) => (e instanceof UnimplementedError ? Promise.reject(e) : undefined)),
      },
      { op: 'addWatch', since: [3, 6], call: (k = c) => k.addWatch(base, () => undefined) },
      { op: 'getEphemerals', since: [3, 6], call: (k = c) => k.getEphemerals(base) },
      { op: 'whoAmI', since: [3, 7], call: (k = c) => k.whoAmI() },
    ];
    const lacking: string[] = [];
    for (const n of newer) {
      if (atLeast(line, ...n.since)) {
        await within(n.call(), 5000, `${n.op} on ${line}`);
        continue;
      }
      lacking.push(n.op);
      const before = disconnects;
      // Every line answers an op it does not know UNIMPLEMENTED and then closes the connection:
      // the client reports the op and the server, keeps the session, and refuses the op itself after that.
      const reconnected = waitForEvent(c, 'connected', 8000, `the reconnect the server forces after ${n.op}`);
      for (const attempt of ['first', 'second']) {
        await assert.rejects(within(n.call(), 5000, `${n.op} (${attempt}) on ${line}`), (e: unknown) => {
          assert.ok(e instanceof UnimplementedError, `${n.op}: ${String(e)}`);
          assert.equal(e.zkCode, -6);
          assert.equal(e.operation, n.op);
          assert.equal(e.server, zk.server.connectString);
          assert.equal(e.since, `${n.since[0]}.${n.since[1]}${n.op === 'createContainer' ? '.3' : ''}`);
          assert.match(e.message, new RegExp(`${zk.server.connectString} does not implement ${n.op}`));
          return true;
        });
      }
      await reconnected;
      // Requests sent between the UNIMPLEMENTED answer and the server's close fail with ConnectionLoss
      // (the server drops them); after the reconnect the op costs no further one.
      await assert.rejects(n.call(), UnimplementedError);
      assert.equal(disconnects, before + 1, `${n.op}: ${disconnects - before} reconnects, expected the one the server forces`);
      // The same session, its ephemeral kept, and the client serves requests again.
      assert.equal((await within(c.exists(`${base}/eph`), 5000, `a request after ${n.op}`))?.ephemeralOwner, id);
    }
    // The server's close after the UNIMPLEMENTED may reach us as a reset rather than a FIN: still
    // the server's close, so the op is refused here from then on, with no reconnect each time.
    const first = newer.find((n) => !atLeast(line, ...n.since));
    if (first !== undefined) {
      const px = await startShapingProxy(zk.server.port, 'reset-on-close');
      zk.track(px);
      const r = await open({ connect: px.address });
      let resets = 0;
      r.on('disconnected', () => resets++);
      const reconnected = waitForEvent(r, 'connected', 8000, `the reconnect after ${first.op} through the resetting proxy`);
      const call = (): Promise<unknown> => first.call(r);
      await assert.rejects(within(call(), 5000, `${first.op} through the resetting proxy`), UnimplementedError);
      await reconnected;
      await assert.rejects(within(call(), 5000, `${first.op} again`), UnimplementedError);
      // Had it been sent again, the server would drop this request with the connection it closes.
      assert.notEqual(await within(r.exists(base), 5000, `a request after ${first.op} again`), null);
      assert.equal(resets, 1, `${first.op} through the resetting proxy: ${resets} reconnects, expected the one the server forces`);
    }
    assert.equal(c.id, id);
    assert.equal(c.state, 'connected');
    process.stderr.write(`# compat ${line}: ops answered UnimplementedError: ${lacking.join(', ') || 'none'}\n`);
    // An op the server does not know, pipelined behind others: the others still get their replies
    // or ConnectionLoss, the op its UnimplementedError (the reply overtakes the others').
    if (!atLeast(line, 3, 7)) {
      const d = await open();
      const earlier = [d.create(`${base}/p`, null), d.sync('/')].map((p) =>
        p.then(
          () => 'ok',
          (e: unknown) => (e instanceof Error ? e.constructor.name : String(e)),
        ),
      );
      const whoAmI = d.whoAmI().then(
        () => 'resolved',
        (e: unknown) => (e instanceof UnimplementedError ? 'unimplemented' : String(e)),
      );
      assert.equal(await within(whoAmI, 5000, 'the pipelined whoAmI'), 'unimplemented');
      for (const r of await within(Promise.all(earlier), 5000, 'the requests sent before it'))
        assert.ok(r === 'ok' || r === 'ConnectionLossError', r);
    }
  });

  test('a reset connection comes back to the same session, watches set again; a silent server is noticed by the read timeout; idle pings keep the session', async () => {
    const base = `${ROOT}/reconnect`;
    await admin.create(base, Buffer.from('0'));
    const px = await proxy();
    const c = await open({ connect: px.address, sessionTimeoutMs: 1500 });
    await c.create(`${base}/eph`, null, 'ephemeral');
    const changed = once('the watch set again after the reconnect', 8000);
    await c.get(base, changed.fn);
    const id = c.id;

    // Reset: the same session on the next connection; a change made meanwhile fires the watch.
    const lost = waitForEvent(c, 'disconnected', 5000, 'the reset to be noticed');
    px.set('blackhole');
    px.reset();
    await lost;
    await admin.set(base, Buffer.from('1'));
    const back = waitForEvent(c, 'connected', 8000, 'the reconnect');
    px.set('pass');
    await back;
    assert.equal(c.id, id);
    assert.deepEqual(await changed.fired, ['changed', base]);
    assert.equal((await c.exists(`${base}/eph`))?.ephemeralOwner, id);

    // Idle for twice the session timeout: only pings go, and the session stays.
    const idleDisconnect = waitForEvent(c, 'disconnected', 3000, 'a disconnect while idle').then(
      () => 'disconnected',
      () => 'stayed',
    );
    assert.equal(await idleDisconnect, 'stayed');
    assert.equal(c.id, id);

    // A server that says nothing (held): given up within 2/3 of the timeout, the session kept.
    const t0 = Date.now();
    const silent = waitForEvent(c, 'disconnected', 3000, 'the read timeout');
    px.set('hold');
    await silent;
    const noticed = Date.now() - t0;
    // From the last frame, not from the hold: a ping reply up to 500 ms before it starts the clock.
    assert.ok(noticed <= 1000 + 1000, `noticed after ${noticed} ms (read timeout 1000 ms after the last frame)`);
    const again = waitForEvent(c, 'connected', 8000, 'the reconnect after the hold');
    px.set('pass');
    px.reset();
    await again;
    assert.equal(c.id, id);
  });

  test('expiry: a client cut off past its session timeout learns from the server that the session expired; its ephemerals are gone', async () => {
    const base = `${ROOT}/expiry`;
    await admin.create(base, null);
    const px = await proxy();
    const c = await open({ connect: px.address, sessionTimeoutMs: 1000 });
    await c.create(`${base}/eph`, null, 'ephemeral');
    const gone = once("the expired session's ephemeral to go", 8000);
    await admin.exists(`${base}/eph`, gone.fn);
    px.set('blackhole');
    assert.deepEqual(await gone.fired, ['deleted', `${base}/eph`]);
    const ended = waitForEvent<[string]>(c, 'ended', 10_000, 'the client to hear of the expiry');
    px.set('pass');
    px.reset();
    assert.equal((await ended)[0], 'expired');
    await assert.rejects(c.get(base), SessionExpiredError);
  });

  test('BrokerRegistrar: registers, waits out a stale owner, survives a session expiry, deregisters', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    // The broker's previous session still holds its node (the server has not expired it yet):
    // waited out, never adopted.
    const stale = await holdBrokerNode(connect, 1);
    zk.track(stale);
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    const r = zk.track(
      new BrokerRegistrar({ zookeeper: conn, brokerId: 1, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
    );
    const waiting = waitForEvent(r, 'waiting', 10_000, 'the registrar to wait out the stale owner');
    const started = within(r.start(), 20_000, 'start()');
    await waiting;
    await killSession(connect, stale.id, stale.password);
    const first = await started;
    const st1 = await obs.exists('/brokers/ids/1');
    assert.equal(st1?.ephemeralOwner, first.sessionId);
    assert.equal(st1?.czxid, first.brokerEpoch);

    // Its own session ended on the server: re-registered on a new session with a new epoch.
    const restored = waitForEvent<[Registration]>(r, 'restored', 20_000, 're-registration after the expiry');
    const ours = conn.session;
    assert.ok(ours !== undefined, "the registrar's session");
    assert.equal(ours.id, first.sessionId);
    await killSession(connect, ours.id, ours.password);
    const [second] = await restored;
    assert.notEqual(second.sessionId, first.sessionId);
    assert.notEqual(second.brokerEpoch, first.brokerEpoch);
    assert.equal((await obs.exists('/brokers/ids/1'))?.ephemeralOwner, second.sessionId);

    await r.stop();
    await waitForNode(obs, '/brokers/ids/1', (st) => st === null, 5000, 'the registration to be deleted by stop()');
  });

  test('ControllerCandidate: the election is one multi (ephemeral create + epoch compare-and-set), a lost compare-and-set applies nothing', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
    await within(conn.start(), 15_000, "the candidate's session");
    await conn.ensureChroot();
    let reads = 0;
    const hook = async (step: ClaimStep): Promise<void> => {
      // The first multi goes out conditional on a zkVersion that has moved: the whole multi fails.
      if (step === 'epoch-read' && reads++ === 0) await obs.set('/controller_epoch', Buffer.from('5'), -1);
    };
    const c = zk.track(
      new ControllerCandidate({
        connection: conn,
        brokerId: 7,
        performsControllerDuties: true,
        mutex: new Mutex(),
        runWhen: () => true,
        [claimHook]: hook,
      }),
    );
    const elected = waitForEvent<[ControllerElection]>(c, 'elected', 15_000, 'the election');
    await c.start();
    const [e] = await elected;
    assert.equal(reads, 2);
    assert.equal(e.epoch, 6);
    const ctl = await obs.get('/controller');
    const epoch = await obs.get('/controller_epoch');
    assert.equal(ctl.stat.ephemeralOwner, conn.session?.id);
    assert.equal(epoch.data.toString(), '6');
    assert.equal(epoch.stat.version, e.epochZkVersion);
    assert.equal(ctl.stat.czxid, epoch.stat.mzxid, `${line}: created and bumped at one zxid`);
  });
});
