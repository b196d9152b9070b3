// Controller candidacy against a real ZooKeeper: one controller at a time, epochs that only go up,
// stale /controller nodes waited out, fencing on /controller_epoch, garbage left alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Mutex } from 'async-mutex';
import {
  BrokerRegistrar,
  Connection,
  ControllerCandidate,
  decodeControllerEpoch,
  encodeControllerZNode,
  type ControllerElection,
  InvalidConfigError,
  type KafkaZkRegistrarError,
} from '../src/index.js';
import { claimHook, type ClaimStep } from '../src/registration/controller-candidate.js';
import { startTcpProxy } from './harness/tcp-proxy.js';
import { useZooKeeper } from './harness/fixture.js';
import { waitForEvent, waitForNode, within } from './harness/wait.js';
import { killSession, openSession } from './harness/sessions.js';

const zk = useZooKeeper();

interface Candidate {
  readonly id: number;
  readonly conn: Connection;
  readonly r: BrokerRegistrar;
}

function candidate(connect: string, id: number, besideOtherBrokers = true): Candidate {
  // Shared connections, so a test can read a session's password and kill it.
  const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000 }));
  const r = zk.track(
    new BrokerRegistrar({
      zookeeper: conn,
      brokerId: id,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }],
      // Several candidates in one cluster: each stands for a program that does a controller's work.
      controller: { performsControllerDuties: true, besideOtherBrokers },
    }),
  );
  return { id, conn, r };
}

function nextElection(
  cs: readonly Candidate[],
  timeoutMs: number,
  what: string,
  filter: (e: ControllerElection) => boolean = () => true,
): Promise<ControllerElection> {
  const waits = cs.map((c) => waitForEvent<[ControllerElection]>(c.r, 'elected', timeoutMs, what, filter).then(([e]) => e));
  return Promise.any(waits).catch(() => {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  });
}

/** Records, at every election event and on a fast timer, how many candidates claim to be controller. */
function sampleControllers(cs: readonly Candidate[]): { stop: () => number[] } {
  const counts: number[] = [];
  const sample = (): void => {
    counts.push(cs.filter((c) => c.r.controller?.isController === true).length);
  };
  for (const c of cs) {
    c.r.on('elected', sample);
    c.r.on('resigned', sample);
  }
  const timer = setInterval(sample, 10);
  return {
    stop: () => {
      clearInterval(timer);
      for (const c of cs) {
        c.r.off('elected', sample);
        c.r.off('resigned', sample);
      }
      return counts;
    },
  };
}

async function controllerInZk(
  connect: string,
): Promise<{ brokerId: number; owner: string; epoch: number; epochVersion: number; sameTransaction: boolean }> {
  const obs = await zk.observer(connect);
  const c = await obs.get('/controller');
  const e = await obs.get('/controller_epoch');
  return {
    brokerId: (JSON.parse(c.data.toString()) as { brokerid: number }).brokerid,
    owner: c.stat.ephemeralOwner,
    epoch: Number(e.data.toString()),
    epochVersion: e.stat.version,
    // Created and bumped by one multi: /controller's creation is /controller_epoch's last change.
    sameTransaction: c.stat.czxid === e.stat.mzxid,
  };
}

describe('election', () => {
  test('three candidates: exactly one controller at every sampled moment, epoch 1, Kafka format', async () => {
    const connect = zk.chroot();
    const cs = [1, 2, 3].map((id) => candidate(connect, id));
    const sampler = sampleControllers(cs);
    const elected = nextElection(cs, 15_000, 'a controller to be elected');
    await within(Promise.all(cs.map((c) => c.r.start())), 15_000, 'all brokers to register');
    const e = await elected;
    await sleep(500); // keep sampling for a while after the election settles
    const counts = sampler.stop();
    assert.ok(counts.length > 10, 'sampled enough');
    assert.ok(
      counts.every((n) => n <= 1),
      `two controllers at once: ${JSON.stringify(counts)}`,
    );
    assert.equal(counts[counts.length - 1], 1);
    assert.equal(e.epoch, 1, 'first controller gets epoch 1');

    const zkView = await controllerInZk(connect);
    assert.equal(zkView.brokerId, e.brokerId);
    assert.equal(zkView.owner, e.sessionId);
    assert.equal(zkView.epoch, 1);
    assert.equal(zkView.epochVersion, e.epochZkVersion);
    assert.ok(zkView.sameTransaction, '/controller created and /controller_epoch bumped in one multi (one zxid), as Kafka does');
    const obs = await zk.observer(connect);
    const json = JSON.parse((await obs.get('/controller')).data.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['brokerid', 'kraftControllerEpoch', 'timestamp', 'version']);
    assert.equal(json.version, 2);
    assert.equal(json.kraftControllerEpoch, -1);
    assert.equal(typeof json.timestamp, 'string');

    for (const c of cs) {
      const v = c.r.status().controller;
      assert.equal(v?.isController, c.id === e.brokerId);
      if (c.id === e.brokerId) assert.equal(v?.epoch, 1);
    }
  });

  test('killing the controller session: it resigns first, another candidate is elected, epoch goes up', async () => {
    const connect = zk.chroot();
    const cs = [1, 2, 3].map((id) => candidate(connect, id));
    const first = nextElection(cs, 15_000, 'the first election');
    await within(Promise.all(cs.map((c) => c.r.start())), 15_000, 'all brokers to register');
    const e1 = await first;
    const old = cs.find((c) => c.id === e1.brokerId) as Candidate;
    const s = old.conn.session;
    assert.ok(s !== undefined);
    const order: string[] = [];
    for (const ev of ['resigned', 'sessionExpired', 'restored', 'elected'] as const) old.r.on(ev, () => order.push(ev));
    const resigned = waitForEvent<[{ reason: string; epoch: number }]>(old.r, 'resigned', 15_000, 'the old controller to resign');
    const second = nextElection(cs, 15_000, 'a new controller on another session', (e) => e.sessionId !== e1.sessionId);
    const restored = waitForEvent(old.r, 'restored', 15_000, 'the old controller to re-register its broker');

    await killSession(connect, s.id, s.password);
    const [info] = await resigned;
    assert.equal(info.epoch, 1);
    const e2 = await second;
    assert.ok(e2.epoch > e1.epoch, `epoch must increase: ${e1.epoch} -> ${e2.epoch}`);
    assert.equal(e2.epoch, 2);
    await restored;
    assert.equal(order[0], 'resigned', `resigned must come first: ${order.join(',')}`);
    const zkView = await controllerInZk(connect);
    assert.equal(zkView.owner, e2.sessionId);
    assert.equal(zkView.epoch, 2);
  });

  test('stop() of the controller deletes /controller and another candidate takes over', async () => {
    const connect = zk.chroot();
    const cs = [1, 2].map((id) => candidate(connect, id));
    const first = nextElection(cs, 15_000, 'the first election');
    await within(Promise.all(cs.map((c) => c.r.start())), 15_000, 'all brokers to register');
    const e1 = await first;
    const old = cs.find((c) => c.id === e1.brokerId) as Candidate;
    const other = cs.find((c) => c.id !== e1.brokerId) as Candidate;
    const resigned = waitForEvent<[{ reason: string }]>(old.r, 'resigned', 5000, 'resigned on stop');
    const takeover = waitForEvent<[ControllerElection]>(other.r, 'elected', 15_000, 'the other candidate to take over');
    await old.r.stop();
    assert.equal((await resigned)[0].reason, 'stopped');
    const [e2] = await takeover;
    assert.equal(e2.epoch, 2);
    assert.equal((await controllerInZk(connect)).brokerId, other.id);
  });
});

describe('stale and foreign /controller nodes', () => {
  test('a /controller of a dead-but-not-expired session (our own broker id) is not claimed until deleted', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    const stale = zk.track(await openSession(connect, 10_000));
    await stale.create('/controller', encodeControllerZNode(1, Date.now()), 'ephemeral');
    const cs = [1, 2].map((id) => candidate(connect, id));
    let electedAt: number | undefined;
    for (const c of cs) c.r.on('elected', () => (electedAt ??= Date.now()));
    await within(Promise.all(cs.map((c) => c.r.start())), 15_000, 'all brokers to register');
    await sleep(1500); // the stale node lingers, as it does while a stalled leader catches up
    assert.equal(electedAt, undefined, 'nobody may claim a /controller owned by another session');
    assert.equal((await obs.exists('/controller'))?.ephemeralOwner, stale.id);
    assert.equal(cs[0]?.r.status().controller?.controllerId, 1, 'status shows the controller id ZooKeeper has');

    const elected = nextElection(cs, 10_000, 'an election after the stale node is deleted');
    const killedAt = Date.now();
    await killSession(connect, stale.id, stale.password);
    const e = await elected;
    assert.ok(electedAt !== undefined && electedAt >= killedAt);
    assert.equal(e.epoch, 1);
    const stat = await waitForNode(obs, '/controller', (st) => st !== null, 5000, '/controller to exist');
    assert.equal(stat?.ephemeralOwner, e.sessionId);
  });

  test('garbage in /controller from another tool: invalidZNode event, no crash, nothing deleted', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.create('/controller', Buffer.from('this is {not json'), 'persistent');
    const c = candidate(connect, 1);
    const invalid = waitForEvent<[{ code: string; path: string }]>(c.r, 'invalidZNode', 10_000, 'an invalidZNode event');
    await within(c.r.start(), 10_000, 'the broker to register');
    const [err] = await invalid;
    assert.equal(err.code, 'ZNODE_FORMAT');
    assert.equal(err.path, '/controller');
    assert.equal((await obs.get('/controller')).data.toString(), 'this is {not json', 'the foreign node is untouched');
    assert.equal(c.r.controller?.isController, false);
    assert.equal(c.r.status().controller?.controllerId, undefined);
    assert.equal(c.r.status().state, 'owned', 'the broker registration is unaffected');

    const elected = waitForEvent<[ControllerElection]>(c.r, 'elected', 10_000, 'an election once the garbage is removed');
    await obs.delete('/controller', -1);
    const [e] = await elected;
    assert.equal(e.brokerId, 1);
  });

  test('garbage in /controller_epoch: invalidZNode, candidacy given up, /controller not held, epoch untouched', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.create('/controller_epoch', Buffer.from('seven'), 'persistent');
    const c = candidate(connect, 1);
    const invalid = waitForEvent<[{ path: string }]>(c.r, 'invalidZNode', 10_000, 'an invalidZNode event');
    await within(c.r.start(), 10_000, 'the broker to register');
    assert.equal((await invalid)[0].path, '/controller_epoch');
    await waitForNode(obs, '/controller', (s) => s === null, 5000, '/controller to be released');
    assert.equal((await obs.get('/controller_epoch')).data.toString(), 'seven');
    assert.equal(c.r.controller?.isController, false);
  });
});

describe('fencing', () => {
  test('an epoch bumped behind the controller: the fenced write is rejected, it resigns, then re-elected above', async () => {
    const connect = zk.chroot();
    const c = candidate(connect, 1);
    const elected = waitForEvent<[ControllerElection]>(c.r, 'elected', 10_000, 'the election');
    await within(c.r.start(), 10_000, 'the broker to register');
    const [e1] = await elected;
    const ctl = c.r.controller;
    assert.ok(ctl !== undefined);
    const obs = await zk.observer(connect);
    await obs.createParents('/admin/x');
    const created = await ctl.fencedWrite('/admin/state', Buffer.from('v1'), { create: true });
    assert.equal(created.version, 0);
    const updated = await ctl.fencedWrite('/admin/state', Buffer.from('v2'), { version: 0 });
    assert.equal(updated.version, 1);

    // Someone else moves the epoch (another controller, or a tool).
    await obs.set('/controller_epoch', Buffer.from('5'), -1);
    const resigned = waitForEvent<[{ reason: string; epoch: number }]>(c.r, 'resigned', 10_000, 'the controller to resign');
    const reElected = waitForEvent<[ControllerElection]>(c.r, 'elected', 10_000, 're-election above the bumped epoch');
    await assert.rejects(ctl.fencedWrite('/admin/state', Buffer.from('v3'), { version: 1 }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'CONTROLLER_MOVED');
      return true;
    });
    assert.notEqual(
      (await obs.get('/admin/state')).data.toString(),
      'v3',
      'the guarded write was not applied (check and write are one multi)',
    );
    const [r] = await resigned;
    assert.equal(r.reason, 'epoch-changed');
    assert.equal(r.epoch, e1.epoch);
    assert.equal((await obs.get('/admin/state')).data.toString(), 'v2', 'the fenced write did not happen');
    const [e2] = await reElected;
    assert.equal(e2.epoch, 6, 'the new epoch is above the bumped one');
    await assert.rejects(ctl.fencedWrite('/admin/state', Buffer.from('v3'), { version: 99 }), { code: 'ZBADVERSION' });
  });

  test('a fenced write by a broker that is not the controller is refused', async () => {
    const connect = zk.chroot();
    const cs = [1, 2].map((id) => candidate(connect, id));
    const first = nextElection(cs, 15_000, 'the election');
    await within(Promise.all(cs.map((c) => c.r.start())), 15_000, 'all brokers to register');
    const e = await first;
    const loser = cs.find((c) => c.id !== e.brokerId) as Candidate;
    await assert.rejects(loser.r.controller?.fencedWrite('/x', Buffer.from('x'), { create: true }) ?? Promise.resolve(), {
      code: 'NOT_CONTROLLER',
    });
    const obs = await zk.observer(connect);
    assert.equal(await obs.exists('/x'), null);
  });
});

describe('the claim after winning /controller', () => {
  async function claimer(
    hook: (step: ClaimStep) => Promise<void>,
  ): Promise<{ c: ControllerCandidate; conn: Connection; connect: string; reset: () => void }> {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const proxy = zk.track(await startTcpProxy(zk.server.port));
    const conn = zk.track(new Connection({ connect: `${proxy.address}${chroot}`, sessionTimeoutMs: 6000 }));
    await within(conn.start(), 15_000, "the candidate's session");
    await conn.ensureChroot();
    const c = zk.track(
      new ControllerCandidate({
        connection: conn,
        brokerId: 21,
        performsControllerDuties: true,
        mutex: new Mutex(),
        runWhen: () => true,
        [claimHook]: hook,
      }),
    );
    return { c, conn, connect, reset: () => proxy.reset() };
  }

  test('a connection cut as the election multi goes out: retried on the same session, elected once, epoch bumped once with /controller', async () => {
    let cuts = 0;
    let reset = (): void => undefined;
    const { c, conn, connect } = await claimer(async (step) => {
      if (step === 'epoch-read' && cuts++ === 0) reset();
    }).then((x) => {
      reset = x.reset;
      return x;
    });
    const elections: ControllerElection[] = [];
    c.on('elected', (e) => elections.push(e));
    const elected = waitForEvent<[ControllerElection]>(c, 'elected', 20_000, 'the election to complete after the cut');
    const failed = waitForEvent(c, 'failed', 20_000, 'a failure');
    failed.catch(() => undefined);
    c.start();
    const [e] = await elected;
    assert.ok(cuts >= 1, 'the connection was cut at exactly that step');
    assert.equal(e.sessionId, conn.session?.id, 'on the session that won /controller');
    const view = await controllerInZk(connect);
    assert.equal(view.owner, e.sessionId);
    assert.equal(view.epoch, 1, 'bumped exactly once (created as 0), whether the first multi applied or not');
    assert.equal(e.epoch, 1);
    assert.equal(e.epochZkVersion, view.epochVersion);
    assert.ok(view.sameTransaction, 'created and bumped by one multi');
    assert.equal(elections.length, 1);
    assert.equal(c.isController, true);
  });

  test('an epoch moved between our read and the election multi: nothing applied, read again, elected above it', async () => {
    let reads = 0;
    let bumpBehind = async (): Promise<void> => undefined;
    const { c, connect } = await claimer(async (step) => {
      if (step === 'epoch-read' && reads++ === 0) await bumpBehind();
    });
    const obs = await zk.observer(connect);
    bumpBehind = async () => {
      // Another controller's term came and went between our read and our multi.
      await obs.set('/controller_epoch', Buffer.from('5'), -1);
    };
    const elected = waitForEvent<[ControllerElection]>(c, 'elected', 20_000, 'the election after the lost compare-and-set');
    c.start();
    const [e] = await elected;
    assert.equal(reads, 2, 'the epoch was read again after the multi lost its compare-and-set');
    assert.equal(e.epoch, 6, 'elected above the epoch that moved');
    const view = await controllerInZk(connect);
    assert.equal(view.epoch, 6);
    assert.equal(view.epochVersion, e.epochZkVersion);
    assert.ok(view.sameTransaction, 'created and bumped by one multi');
  });

  test('a failure after winning /controller ends the candidacy with a typed error and releases /controller', async () => {
    const { c, connect } = await claimer(async (step) => {
      if (step === 'won') throw new Error('injected failure after winning /controller');
    });
    const obs = await zk.observer(connect);
    const failed = waitForEvent<[KafkaZkRegistrarError]>(c, 'failed', 20_000, 'the candidacy to fail');
    c.start();
    const [err] = await failed;
    assert.equal(err.code, 'CONTROLLER_CLAIM_FAILED');
    assert.match(err.message, /injected failure/);
    await waitForNode(obs, '/controller', (st) => st === null, 10_000, '/controller to be released');
    assert.equal(
      decodeControllerEpoch((await obs.get('/controller_epoch')).data),
      1,
      'the epoch was bumped with the create, as Kafka does: a later controller is elected above it',
    );
    assert.equal(c.isController, false);
  });

  test('candidacy is checked before every contention: refused once another broker has registered', async () => {
    const connect = zk.chroot();
    const a = candidate(connect, 31, false);
    const elected = waitForEvent(a.r, 'elected', 20_000, 'the lone candidate to be elected');
    await within(a.r.start(), 20_000, 'the candidate to register');
    await elected;
    // Another broker registers; then our session ends: the next contention is refused.
    const other = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect, sessionTimeoutMs: 4000 },
        brokerId: 32,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9032 }],
      }),
    );
    await within(other.start(), 20_000, 'broker 32 to register');
    const refused = waitForEvent<[KafkaZkRegistrarError]>(a.r, 'failed', 30_000, 'the candidacy to be refused after the expiry');
    const restored = waitForEvent(a.r, 'restored', 30_000, 'broker 31 to be registered again');
    const s = a.conn.session;
    assert.ok(s !== undefined);
    await killSession(connect, s.id, s.password);
    const [err] = await refused;
    assert.equal(err.code, 'CONTROLLER_CANDIDACY_REFUSED');
    await restored;
    const obs = await zk.observer(connect);
    assert.equal(await obs.exists('/controller'), null, 'the refused candidate did not take /controller');
    assert.equal(a.r.status().lastError?.code, 'CONTROLLER_CANDIDACY_REFUSED');
    assert.equal(a.r.status().state, 'owned', 'the broker registration itself goes on');
  });
});

describe('a ControllerCandidate made directly, without a registrar', () => {
  test('options Kafka could not accept are refused by field; beside a registered broker it never takes /controller, even once that is free', async () => {
    const connect = zk.chroot();
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    const base = { connection: conn, brokerId: 51, performsControllerDuties: true as const, mutex: new Mutex(), runWhen: () => true };
    for (const [field, bad] of [
      ['brokerId', { brokerId: Number.NaN }],
      ['brokerId', { brokerId: -7 }],
      ['brokerId', { brokerId: 2 ** 31 }],
      ['brokerId', { brokerId: '5' }],
      ['performsControllerDuties', { performsControllerDuties: undefined }],
      ['besideOtherBrokers', { besideOtherBrokers: 'yes' }],
      ['mutex', { mutex: {} }],
      ['precondition', { precondition: 'always' }],
    ] as const) {
      assert.throws(
        () => new ControllerCandidate({ ...base, ...bad } as unknown as ConstructorParameters<typeof ControllerCandidate>[0]),
        (e: unknown) => e instanceof InvalidConfigError && e.field === field,
        `${JSON.stringify(bad)} refused as ${field}`,
      );
    }
    const broker = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect, sessionTimeoutMs: 4000 },
        brokerId: 52,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9052 }],
      }),
    );
    await within(broker.start(), 20_000, 'broker 52 to register');
    const obs = await zk.observer(connect);
    // A real controller held /controller; an operator deletes it to force an election.
    await obs.create('/controller', encodeControllerZNode(52, Date.now()), 'ephemeral');
    await within(conn.start(), 15_000, "the candidate's session");
    const c = zk.track(new ControllerCandidate(base));
    const refused = waitForEvent<[KafkaZkRegistrarError]>(c, 'failed', 20_000, 'the candidacy to be refused');
    c.start();
    await obs.delete('/controller', -1);
    const [err] = await refused;
    assert.equal(err.code, 'CONTROLLER_CANDIDACY_REFUSED');
    assert.equal(await obs.exists('/controller'), null, 'the candidate did not take /controller');
    // Its own id, registered by a real broker (another session), is that broker's, not a reason to contend.
    const conn2 = zk.track(new Connection({ connect, sessionTimeoutMs: 6000 }));
    await within(conn2.start(), 15_000, "the second candidate's session");
    const sameId = zk.track(new ControllerCandidate({ ...base, connection: conn2, brokerId: 52, mutex: new Mutex() }));
    const refusedToo = waitForEvent<[KafkaZkRegistrarError]>(
      sameId,
      'failed',
      20_000,
      "the candidacy with a real broker's id to be refused",
    );
    sameId.start();
    assert.equal((await refusedToo)[0].code, 'CONTROLLER_CANDIDACY_REFUSED');
    assert.equal(await obs.exists('/controller'), null, "nor did the one with broker 52's id");
  });
});
