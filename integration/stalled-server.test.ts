// The original report's reproduction, scaled down: the ZooKeeper server is SIGSTOPped (a leader
// stuck in fsync) for longer than the session timeout. The client cannot even hear that its
// session expired, so the watchdog must give up on it, open a new session once the server is
// back, and re-register, waiting out the old node if it is still there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar, Connection, type Registration } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { holdBrokerNode } from './harness/stale-node.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession } from './harness/sessions.js';

const zk = useZooKeeper();

test('a stall longer than the session timeout: watchdog expiry, then re-registration on a new session', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  const r = zk.track(
    new BrokerRegistrar({
      zookeeper: { connect, sessionTimeoutMs: 2000, reconnectBackoffMs: { min: 50, max: 500 } },
      brokerId: 1,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
    }),
  );
  const first = await within(r.start(), 10_000, 'start()');
  const expired = waitForEvent<[{ cause: string; sessionId: string }]>(r, 'sessionExpired', 15_000, 'the watchdog to declare the session dead');
  const restored = waitForEvent<[Registration]>(r, 'restored', 40_000, 'the registrar to re-register after the stall');

  zk.server.pause();
  let resumed = false;
  try {
    const [info] = await expired;
    assert.equal(info.cause, 'watchdog', 'the server is frozen, so only the watchdog can tell');
    assert.equal(info.sessionId, first.sessionId);
    assert.notEqual(r.status().state, 'owned', 'no longer claims the registration');
    await sleep(2000); // keep the stall going past the watchdog, like the 8 s stalls in the report
  } finally {
    zk.server.resume();
    resumed = true;
  }
  assert.ok(resumed);
  const [second] = await restored;
  assert.notEqual(second.sessionId, first.sessionId);
  assert.ok(second.brokerEpoch > first.brokerEpoch);
  const obs = await zk.observer(connect);
  const stat = await waitForNode(obs, '/brokers/ids/1', (s) => s?.ephemeralOwner === second.sessionId, 10_000, 'the node to be ours');
  assert.equal(stat?.czxid, second.brokerEpoch);
  assert.equal(r.status().state, 'owned');
});

test('a stall shorter than the session timeout: same session, same registration, no spurious events', async (t) => {
  if (zk.server.pid === undefined) {
    t.skip('ZK_CONNECT points at an external server, which this test cannot pause');
    return;
  }
  const connect = zk.chroot();
  const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
  const r = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 2, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }));
  const first = await within(r.start(), 10_000, 'start()');
  const events: string[] = [];
  for (const e of ['lost', 'restored', 'sessionExpired', 'waiting'] as const) r.on(e, () => events.push(e));
  const disconnected = waitForEvent(conn, 'disconnected', 15_000, 'the client to notice the stall');
  zk.server.pause();
  try {
    await disconnected; // the C client gives up on the socket after 2/3 of the session timeout
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
  const r = zk.track(new BrokerRegistrar({ zookeeper: conn, brokerId: 3, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }));
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
