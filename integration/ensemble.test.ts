// A real 3-member ZooKeeper ensemble: failover of the server we are connected to, and the
// original report's scenario — the leader stalled (SIGSTOP) for longer than the session timeout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar, Connection, type Session } from '../src/index.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';
import { startEnsemble, type ZooKeeperEnsemble } from './harness/zookeeper-server.js';

let ensemble: ZooKeeperEnsemble | undefined;
const cleanup: (() => Promise<void>)[] = [];
const external = process.env.ZK_CONNECT !== undefined && process.env.ZK_CONNECT !== '';
const skip = external ? 'ZK_CONNECT is set: this suite needs its own ensemble to stop and pause members' : false;

before(async () => {
  if (!external) ensemble = await startEnsemble(3);
});
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await ensemble?.stop();
});

function members(): ZooKeeperEnsemble {
  if (ensemble === undefined) throw new Error('no ensemble');
  return ensemble;
}

async function observer(connect: string): Promise<Session> {
  const c = new Connection({ connect, sessionTimeoutMs: 20_000 });
  cleanup.push(() => c.close());
  return within(c.start(), 20_000, 'an observer session');
}

function registrar(
  connect: string,
  brokerId: number,
  sessionTimeoutMs: number,
): { r: BrokerRegistrar; conn: Connection; events: string[]; causes: string[] } {
  const conn = new Connection({ connect, sessionTimeoutMs });
  const r = new BrokerRegistrar({ zookeeper: conn, brokerId, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
  cleanup.push(async () => {
    await r.stop();
    await conn.close();
  });
  const events: string[] = [];
  for (const e of ['lost', 'restored', 'sessionExpired', 'waiting', 'conflict'] as const) r.on(e, () => events.push(e));
  const causes: string[] = [];
  r.on('sessionExpired', (x) => causes.push(x.cause));
  return { r, conn, events, causes };
}

test('the leader stalls for longer than the session timeout: the registration ends owned by our current session', { skip }, async () => {
  const e = members();
  const leaderIdx = await e.leader();
  assert.ok(leaderIdx >= 0, 'a leader exists');
  const connect = `${e.connectString}/stall`;
  const { r, causes } = registrar(connect, 2, 3000);
  const first = await within(r.start(), 20_000, 'start()');
  const leader = e.servers[leaderIdx];
  assert.ok(leader !== undefined);
  leader.pause();
  try {
    await sleep(6000); // the stall itself: two session timeouts, like the report's 8 s stalls
  } finally {
    leader.resume();
  }
  if (r.status().state !== 'owned') await waitForEvent(r, 'restored', 40_000, 're-registration after the stall');
  const sessionId = r.status().sessionId;
  assert.ok(sessionId !== undefined);
  const obs = await observer(connect);
  const stat = await waitForNode(
    obs,
    '/brokers/ids/2',
    (s) => s?.ephemeralOwner === sessionId,
    20_000,
    'our node, owned by our current session',
  );
  assert.equal(stat?.czxid, r.status().brokerEpoch);
  assert.equal(r.status().state, 'owned');
  // Our session ends only by the ensemble's verdict (the new leader may also keep it: then the node is
  // the very one we registered), never because our client stopped hearing from the stalled leader.
  assert.ok(
    causes.every((c) => c === 'server' || c === 'refused'),
    `expiry causes: ${JSON.stringify(causes)}`,
  );
  if (causes.length === 0) assert.equal(r.status().brokerEpoch, first.brokerEpoch, 'no expiry: the same registration');
});

// Runs last: it stops a member for good (two of three keep the quorum).
test('the server we are connected to goes away: same session, same registration, no spurious events', { skip }, async () => {
  const e = members();
  const connect = `${e.connectString}/failover`;
  const { r, conn, events } = registrar(connect, 1, 6000);
  const reg = await within(r.start(), 20_000, 'start()');
  const idx = await e.serving(reg.sessionId);
  assert.ok(idx >= 0, 'found the member serving our session');
  const reconnected = waitForEvent(conn, 'connected', 20_000, 'the session to reconnect to another member');
  await e.servers[idx]?.stop();
  await reconnected;
  assert.equal(conn.session?.id, reg.sessionId, 'the same session survived the failover');
  const other = e.servers
    .filter((_, i) => i !== idx)
    .map((s) => s.connectString)
    .join(',');
  const obs = await observer(`${other}/failover`);
  const stat = await obs.exists('/brokers/ids/1');
  assert.equal(stat?.ephemeralOwner, reg.sessionId);
  assert.equal(stat?.czxid, reg.brokerEpoch);
  assert.equal(r.status().state, 'owned');
  assert.deepEqual(events, []);
});
