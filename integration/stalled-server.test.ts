// The original report's reproduction, scaled down: the ZooKeeper server is SIGSTOPped (a leader
// stuck in fsync) for longer than the session timeout. While it is frozen our client only knows that
// it lost its connection: it keeps the session (only the server may say it expired) and reports what
// it owns as unverified, not as lost. Once the server is back it says the session expired; then a
// new session is opened and the registration made again, waiting out the old node if it is still there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar, Connection, type Registration } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { startTcpProxy } from './harness/tcp-proxy.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession } from './harness/sessions.js';

const zk = useZooKeeper();

test('a stall longer than the session timeout: unverified during it, expired by the server after it, then re-registration on a new session', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  // Through a proxy, so that the server, once resumed, has expired our session before our reattach
  // reaches it: a reattach that arrives first revives the session (ZooKeeper's expirer and its I/O
  // threads race on resume), and which wins is not this test's question.
  const proxy = zk.track(await startTcpProxy(zk.server.port));
  const chroot = connect.slice(connect.indexOf('/'));
  const r = zk.track(
    new BrokerRegistrar({
      zookeeper: { connect: `${proxy.address}${chroot}`, sessionTimeoutMs: 2000, reconnectBackoffMs: { min: 50, max: 500 } },
      brokerId: 1,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
    }),
  );
  const first = await within(r.start(), 10_000, 'start()');
  const events: string[] = [];
  r.on('sessionExpired', () => events.push('sessionExpired'));
  const expired = waitForEvent<[{ cause: string; sessionId: string }]>(
    r,
    'sessionExpired',
    20_000,
    'the server to declare the session expired once it is back',
  );
  const restored = waitForEvent<[Registration]>(r, 'restored', 40_000, 'the registrar to re-register after the stall');

  zk.server.pause();
  const pausedAt = Date.now();
  try {
    // The client notices the silence after 2/3 of the session timeout: unverified from then on.
    await eventually(
      async () => r.health().reason === 'unverified',
      5000,
      'the registration to be reported unverified during the stall',
      () => JSON.stringify(r.health()),
    );
    assert.equal(r.status().state, 'owned', 'not declared lost: the session may still live');
    assert.equal(r.status().verified, false);
    assert.equal(r.health().ready, false, 'not ready while unverified');
    assert.equal(r.status().sessionId, first.sessionId, 'the same session is kept while only the connection is lost');
    // Keep the stall going to twice the session timeout, like the 8 s stalls in the report.
    await sleep(Math.max(0, pausedAt + 4000 - Date.now()));
    assert.deepEqual(events, [], 'no expiry is declared on our side: the server is the one to say it');
  } finally {
    proxy.set('hold');
    zk.server.resume();
  }
  // The server, back, expires the session on its own clock (its node goes with it); only then is our
  // client let through to hear it.
  const direct = await zk.observer(connect);
  await waitForNode(direct, '/brokers/ids/1', (st) => st?.ephemeralOwner !== first.sessionId, 10_000, 'the server to expire the session');
  proxy.set('pass');
  const [info] = await expired;
  assert.equal(info.cause, 'server', 'the server, back, says the session expired');
  assert.equal(info.sessionId, first.sessionId);
  const [second] = await restored;
  assert.notEqual(second.sessionId, first.sessionId);
  assert.ok(second.brokerEpoch > first.brokerEpoch);
  const obs = await zk.observer(connect);
  const stat = await waitForNode(obs, '/brokers/ids/1', (s) => s?.ephemeralOwner === second.sessionId, 10_000, 'the node to be ours');
  assert.equal(stat?.czxid, second.brokerEpoch);
  assert.equal(r.status().state, 'owned');
  assert.equal(events.length, 1, 'one expiry');
});

test('a stall shorter than the session timeout: same session, same registration, no spurious events', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
  const r = zk.track(
    new BrokerRegistrar({ zookeeper: conn, brokerId: 2, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  const first = await within(r.start(), 10_000, 'start()');
  const events: string[] = [];
  for (const e of ['lost', 'restored', 'sessionExpired', 'waiting'] as const) r.on(e, () => events.push(e));
  const disconnected = waitForEvent(conn, 'disconnected', 15_000, 'the client to notice the stall');
  zk.server.pause();
  try {
    await disconnected; // the client gives up on the socket after 2/3 of the session timeout
  } finally {
    zk.server.resume();
  }
  await waitForEvent(conn, 'connected', 15_000, 'the same session to reconnect');
  const obs = await zk.observer(connect);
  const stat = await obs.exists('/brokers/ids/2');
  assert.equal(stat?.ephemeralOwner, first.sessionId, 'still the same session');
  assert.equal(stat?.czxid, first.brokerEpoch, 'still the same node');
  assert.equal(r.status().state, 'owned');
  assert.equal(r.status().registrations, 1);
  assert.deepEqual(events, []);
});

test('connection loss while waiting out a stale owner: the same session keeps waiting, then owns the path', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  await zk.observer(connect);
  const stale = zk.track(await holdBrokerNode(connect, 3)); // 10 s session: survives the stall below
  const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
  const r = zk.track(
    new BrokerRegistrar({ zookeeper: conn, brokerId: 3, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  const waiting = waitForEvent(r, 'waiting', 10_000, 'the registrar to see the stale owner');
  const started = r.start();
  await waiting;
  const before = r.status().sessionId;

  const disconnected = waitForEvent(conn, 'disconnected', 15_000, 'the client to notice the stall');
  const reconnected = waitForEvent(conn, 'connected', 20_000, 'the same session to reconnect');
  zk.server.pause();
  try {
    await disconnected;
  } finally {
    zk.server.resume();
  }
  await reconnected;
  assert.equal(r.status().sessionId, before, 'no new session');
  assert.equal(r.status().state, 'waiting', 'still waiting, not claiming');

  await killSession(connect, stale.id, stale.password);
  const reg = await within(started, 10_000, 'ownership once the stale node goes');
  assert.equal(reg.sessionId, before);
  const obs = await zk.observer(connect);
  assert.equal((await obs.exists('/brokers/ids/3'))?.ephemeralOwner, before);
});

test('ZooKeeper restarted within the session timeout: the same session, the same registration, no events (as Kafka keeps its own)', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot restart');
    return;
  }
  const connect = zk.chroot();
  const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 15_000 }));
  const r = zk.track(
    new BrokerRegistrar({ zookeeper: conn, brokerId: 4, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  const first = await within(r.start(), 10_000, 'start()');
  const events: string[] = [];
  for (const e of ['lost', 'restored', 'sessionExpired', 'waiting'] as const) r.on(e, () => events.push(e));
  const disconnected = waitForEvent(conn, 'disconnected', 15_000, 'the client to notice the server gone');
  const reconnected = waitForEvent(conn, 'connected', 30_000, 'the same session to reconnect to the restarted server');
  const down = Date.now();
  await zk.server.kill();
  await disconnected;
  await zk.server.restart();
  await reconnected;
  t.diagnostic(`server killed and restarted: the session was back after ${Date.now() - down} ms`);
  assert.equal(conn.session?.id, first.sessionId, 'the same session');
  const obs = await zk.observer(connect);
  const stat = await obs.exists('/brokers/ids/4');
  assert.equal(stat?.ephemeralOwner, first.sessionId, 'the node is still owned by our session');
  assert.equal(stat?.czxid, first.brokerEpoch, 'the very node we registered: same broker epoch');
  await eventually(async () => r.status().verified, 5000, 'ownership verified again after the reconnect');
  assert.equal(r.status().state, 'owned');
  assert.equal(r.status().registrations, 1);
  assert.deepEqual(events, []);
});
