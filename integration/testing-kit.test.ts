// The testing kit (`kafka-zk-registrar/testing`) against real servers: ZooKeeper standalone and
// ensemble, a Kafka cluster, each fault switch, what stop() and a killed test process leave behind,
// and the typed errors for a bad option, missing jars and missing Java. Jars from the repository's
// .cache/ (scripts/fetch-kafka.sh), in the kit's cache layout.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { Session } from '../src/index.js';
import { probeMetadata } from '../src/kafka-protocol/metadata-probe.js';
import {
  diesWithParent,
  fetchKafka,
  InvalidConfigError,
  startKafkaCluster,
  startZooKeeper,
  type TestZooKeeper,
} from '../src/testing/index.js';
import { kafkaSkipReason } from './harness/kafka-cluster.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';
import { repoRoot } from './harness/zk-versions.js';
import { accepts, freePort } from '../src/testing/net.js';

const cacheDir = join(repoRoot(), '.cache');
const skip = kafkaSkipReason();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function openSession(connect: string, sessionTimeoutMs = 10_000): Promise<Session> {
  return within(Session.open({ connect, sessionTimeoutMs }), 15_000, `a session with ${connect}`);
}

test('standalone: serves, expireSession ends a session and its ephemerals, stop leaves no JVM and no dir', { skip }, async () => {
  const zk = await startZooKeeper({ cacheDir });
  const pid = zk.members[0]?.pid;
  try {
    assert.equal(zk.members.length, 1);
    assert.match(zk.connectString, /^127\.0\.0\.1:\d+$/);
    assert.match(zk.version, /^3\.8\./, 'the ZooKeeper that comes with Kafka 3.9.2 is 3.8.x');
    assert.equal(await zk.leader(), 0, 'a standalone server is its own leader');
    const owner = await openSession(zk.connectString);
    const observer = await openSession(zk.connectString);
    try {
      await owner.create('/kit-eph', Buffer.from('x'), 'ephemeral');
      assert.equal((await zk.ephemeralOwners())?.get('/kit-eph'), owner.id);
      // ZooKeeper answers a wrong password as it answers an expired session: the kit must not take
      // that for success while the session lives on.
      await assert.rejects(
        zk.expireSession(owner.id, '0'.repeat(32)),
        (e: unknown) => e instanceof InvalidConfigError && e.field === 'password',
      );
      assert.equal((await zk.ephemeralOwners())?.get('/kit-eph'), owner.id, 'the session and its node are still there');
      // Waits that end leave nothing behind on the session: one watcher for the path, not one per wait
      // (before: 50 closures kept until the node changed).
      type Registry = { oneShot: { data: Map<string, Set<unknown>> } };
      const registry = (observer as unknown as { client: { connection: { watches: Registry } } }).client.connection.watches;
      for (let i = 0; i < 50; i++) await waitForNode(observer, '/kit-eph', (st) => st !== null, 1000, 'the node, there already');
      assert.equal(registry.oneShot.data.get('/kit-eph')?.size, 1, 'one exists-watcher after 50 waits on an unchanged node');
      const ended = waitForEvent<[string]>(owner, 'ended', 15_000, 'the expired session to end');
      // Two waits on one path at once: its one watcher wakes both.
      const gone = ['first', 'second'].map((who) =>
        waitForNode(observer, '/kit-eph', (st) => st === null, 10_000, `the ${who} wait: the ephemeral of the expired session to go`),
      );
      await zk.expireSession(owner.id, owner.password);
      await Promise.all(gone);
      // A wait on a session that ends says so at once, not after its timeout (the session's watches go
      // without firing). Before: "timed out after 20000 ms".
      const closing = await openSession(zk.connectString);
      const waiting = waitForNode(closing, '/kit-never', (st) => st !== null, 20_000, 'a node nobody makes').then(
        () => undefined,
        (e: unknown) => e,
      );
      await closing.close();
      const why = await within(waiting, 5000, 'the wait on a closed session to end');
      assert.equal((why as { code?: string } | undefined)?.code, 'ZCLOSING', String(why));
      assert.deepEqual(await ended, ['expired']);
    } finally {
      await owner.close().catch(() => undefined);
      await observer.close();
    }
  } finally {
    await zk.stop();
  }
  assert.ok(pid !== undefined && !alive(pid), `the JVM (pid ${pid}) is gone after stop()`);
  assert.equal(await accepts(zk.members[0]!.port), false, 'nothing listens on its port after stop()');
  await zk.stop(); // idempotent
  await assert.rejects(zk.proxy(), /stopped/, 'a proxy after stop() would be left listening');
  await assert.rejects(zk.stallLeader(2 ** 31), (e: unknown) => e instanceof InvalidConfigError && e.field === 'ms');
});

test('stop() called twice at once: both resolve only once the JVM is gone and its process handle released', { skip }, async () => {
  const processes = (): number => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;
  const before = processes();
  const zk = await startZooKeeper({ cacheDir });
  const pid = zk.members[0]?.pid as number;
  const first = zk.stop();
  await zk.stop();
  assert.equal(alive(pid), false, 'the second stop() resolved with the JVM still running');
  await first;
  // Before: still listed for a loop turn after stop() resolved (it waited for 'exit' only), which a
  // test checking for leftover handles right after stop() would take for a leak.
  assert.equal(processes(), before, `handles after stop(): ${process.getActiveResourcesInfo().join(', ')}`);
});

test('ensemble: stallLeader stops the leader answering for the stall only; killMember/restartMember', { skip }, async () => {
  // syncLimit 30 ticks (6 s): the 2.5 s stall below does not cost the leader its followers.
  const zk: TestZooKeeper = await startZooKeeper({ cacheDir, members: 3, syncLimit: 30 });
  try {
    assert.equal(zk.members.length, 3);
    assert.equal(zk.connectString.split(',').length, 3);
    const leader = await zk.leader();
    assert.ok(leader >= 0, 'an ensemble has a leader once started');
    const m = zk.members[leader]!;
    let during: Promise<string> | undefined;
    // While stalled (SIGSTOP) the leader's JVM accepts (the kernel does) but answers nothing.
    const stall = zk.stallLeader(2500, (index) => {
      assert.equal(index, leader);
      during = m.fourLetterWord('ruok');
      during.catch(() => undefined);
    });
    assert.equal(await stall, leader);
    assert.ok(during !== undefined, 'onStalled was called');
    await assert.rejects(during, /no answer in 2000 ms/);
    assert.equal(await m.fourLetterWord('ruok'), 'imok', 'answers again once resumed');

    const victim = (leader + 1) % 3;
    const pid = zk.members[victim]!.pid;
    await zk.killMember(victim);
    assert.equal(zk.members[victim]!.pid, undefined);
    assert.ok(pid !== undefined && !alive(pid));
    assert.equal(await accepts(zk.members[victim]!.port), false);
    // Twice at once: both resolve once the member serves; a running member is not "restarted".
    await Promise.all([zk.restartMember(victim), zk.restartMember(victim)]);
    assert.match(await zk.members[victim]!.fourLetterWord('srvr'), /Mode: (leader|follower)/);
    await assert.rejects(zk.restartMember(victim), /is running/);
    await assert.rejects(
      zk.killMember(3),
      (e: { code?: string; field?: string; value?: unknown }) => e.code === 'INVALID_CONFIG' && e.field === 'index' && e.value === 3,
    );
    await assert.rejects(zk.stallLeader(0), (e: { code?: string; field?: string }) => e.code === 'INVALID_CONFIG' && e.field === 'ms');
  } finally {
    await zk.stop();
  }
  for (const m of zk.members) assert.equal(m.pid, undefined, `member ${m.id} is stopped`);
});

test('proxy.blackhole(ms): a request sent through it is answered only after the cut ends', { skip }, async () => {
  await using zk = await startZooKeeper({ cacheDir });
  const proxy = await zk.proxy();
  const s = await openSession(proxy.address);
  try {
    await s.exists('/');
    const started = Date.now();
    const hole = proxy.blackhole(1000);
    assert.equal(proxy.mode, 'hold');
    const answered = s.exists('/').then(() => Date.now());
    await hole;
    assert.equal(proxy.mode, 'pass');
    // Nothing gets through during the cut: the answer comes after it, on the same connection.
    const at = await within(answered, 15_000, 'the request after the blackhole');
    assert.ok(at - started >= 1000, `answered ${at - started} ms after the blackhole began (1000 ms long)`);
  } finally {
    await s.close();
  }
});

test('kafka: a 1-broker cluster on its own ZooKeeper; restartBroker (controlled, killed, after a stall); dispose stops both', {
  skip,
}, async () => {
  const c = await startKafkaCluster({ cacheDir });
  const pids = [c.zookeeper?.members[0]?.pid, c.brokers[0]?.pid];
  try {
    assert.equal(c.brokers.length, 1);
    assert.ok(c.zookeeper !== undefined, 'the kit started a ZooKeeper for the cluster');
    assert.ok(c.zkConnect.startsWith(`${c.zookeeper.connectString}/`), 'the cluster lives in a chroot');
    const before = await probeMetadata(c.bootstrap[0]!);
    assert.deepEqual(
      before.brokers.map((b) => b.nodeId),
      [1],
    );
    const oldPid = c.brokers[0]!.pid;
    await c.restartBroker(1);
    assert.notEqual(c.brokers[0]!.pid, oldPid, 'a new JVM');
    assert.deepEqual(
      (await probeMetadata(c.bootstrap[0]!)).brokers.map((b) => b.nodeId),
      [1],
    );
    // A crash: the killed JVM's node lingers until its session expires, and Kafka refuses to start
    // on it. Before: ServerStartError (NodeExists) every time; now the kit waits it out. Two at
    // once share one restart (before: two JVMs on one data dir, one of them left running, untracked).
    const crashedPid = c.brokers[0]!.pid;
    await Promise.all([c.restartBroker(1, { kill: true }), c.restartBroker(1, { kill: true })]);
    assert.notEqual(c.brokers[0]!.pid, crashedPid, 'a new JVM after the crash');
    assert.equal(c.brokers[0]!.running, true);
    // A crash during a ZooKeeper stall longer than the kit's own session (the server caps it at 4 s
    // with tickTime 200). Before: a raw ConnectionLossError, or, after the stall, SessionExpiredError
    // on the kit's expired session for every later start.
    const stalled = c.zookeeper.stallLeader(8000);
    await c.restartBroker(1, { kill: true });
    await stalled;
    await c.restartBroker(1);
    assert.deepEqual(
      (await probeMetadata(c.bootstrap[0]!)).brokers.map((b) => b.nodeId),
      [1],
    );
    assert.throws(
      () => c.broker(7),
      (e: { code?: string; field?: string }) => e.code === 'INVALID_CONFIG' && e.field === 'brokerId',
    );
  } finally {
    await c[Symbol.asyncDispose]();
  }
  for (const pid of pids) assert.ok(pid !== undefined && !alive(pid), `pid ${pid} is gone after dispose`);
});

test('a SIGKILLed test process leaves no JVM running (ZooKeeper and a Kafka broker)', {
  skip: skip || (!diesWithParent() && 'no setpriv here: JVMs do not die with a SIGKILLed parent'),
}, async () => {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'kit-child.js'), cacheDir, 'kafka'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const first = await within(
      new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`kit-child exited with ${code} before starting`)));
      }),
      120_000,
      'the child to start ZooKeeper and a broker',
    );
    const { pids, ports } = JSON.parse(first) as { pids: number[]; ports: number[] };
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.ok(alive(pid), `pid ${pid} runs before the kill`);
    child.kill('SIGKILL'); // no exit hook runs: only the kernel's parent-death signal can stop the JVMs
    await eventually(
      async () => pids.every((pid) => !alive(pid)),
      15_000,
      'the JVMs of the killed process to die',
      () => JSON.stringify(pids.filter(alive)),
    );
    for (const port of ports) assert.equal(await accepts(port), false, `nothing listens on ${port}`);
  } finally {
    child.kill('SIGKILL');
  }
});

/** Starts fixtures/kit-child.js (a ZooKeeper) with TMPDIR `tmp`; resolves once it printed its JVMs' pids. */
async function startKitChild(tmp: string): Promise<{ child: ChildProcess; jvms: number[]; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'kit-child.js'), cacheDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: tmp },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const first = await within(
    new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      void exited.then((code) => reject(new Error(`kit-child exited with ${code} before starting`)));
    }),
    60_000,
    'a kit-child to start ZooKeeper',
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, jvms: (JSON.parse(first) as { pids: number[] }).pids, exited };
}

test("a SIGKILLed test process's temp dirs are removed by the next kit start; a live process's and others are kept", {
  skip,
}, async () => {
  // Before: a process killed by a signal runs no exit hook, and its kzr-zk-* dir stayed for good.
  const tmp = mkdtempSync(join(tmpdir(), 'kzr-kit-sweep-'));
  const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  const dirsOf = (pid: number | undefined): string[] => readdirSync(tmp).filter((n) => n.startsWith(`kzr-zk-${pid}-`));
  try {
    const live = await startKitChild(tmp);
    children.push(live);
    const killed = await startKitChild(tmp);
    children.push(killed);
    assert.equal(dirsOf(live.child.pid).length, 1, `the live child's dir is named with its pid: ${readdirSync(tmp)}`);
    assert.equal(dirsOf(killed.child.pid).length, 1, `the killed child's dir is named with its pid: ${readdirSync(tmp)}`);
    // Not the kit's (as far as a sweep can tell), or not removable as such: kept.
    const kept = ['kzr-zk-Ab12Cd', 'kzr-kafka-notours', 'other-999999999-1-Ab12Cd'];
    for (const n of kept) mkdirSync(join(tmp, n));
    writeFileSync(join(tmp, 'kzr-zk-999999999-1-Ab12Cd'), 'a file, not a dir');
    kept.push('kzr-zk-999999999-1-Ab12Cd');
    // A dir whose pid is alive (ours) but with another start time: an earlier process that had this pid.
    const reused = `kzr-kafka-${process.pid}-1-Ab12Cd`;
    mkdirSync(join(tmp, reused));
    killed.child.kill('SIGKILL'); // no exit hook runs
    await within(killed.exited, 10_000, 'the killed child to exit');
    await eventually(async () => killed.jvms.every((p) => !alive(p)), 15_000, "the killed child's JVM to die");
    assert.equal(dirsOf(killed.child.pid).length, 1, 'nothing has swept yet');
    const next = await startKitChild(tmp);
    children.push(next);
    assert.deepEqual(dirsOf(killed.child.pid), [], "the next kit start removed the killed process's dir");
    assert.equal(dirsOf(live.child.pid).length, 1, "a live process's dir is kept");
    assert.equal(dirsOf(next.child.pid).length, 1, 'the new process has its own');
    for (const n of kept) assert.ok(existsSync(join(tmp, n)), `${n} is kept`);
    if (existsSync(`/proc/${process.pid}/stat`))
      assert.ok(!existsSync(join(tmp, reused)), 'a live pid with another start time is a reused pid: its dir is removed');
  } finally {
    for (const c of children) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => within(c.exited, 10_000, 'a kit-child to exit')));
    rmSync(tmp, { recursive: true, force: true });
  }
});

/**
 * Runs fixtures/kit-child.js in `mode` with its own TMPDIR; resolves with the pids it printed, how
 * long it took to exit after printing them, its exit code and what it left in its TMPDIR.
 */
async function runKitChild(
  mode: string,
  ...args: string[]
): Promise<{ pids: number[]; exitMs: number; code: number | null; left: string[]; first: Record<string, unknown> }> {
  const tmp = mkdtempSync(join(tmpdir(), 'kzr-kit-child-'));
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'kit-child.js'), cacheDir, mode, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: tmp },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const first = await within(
      new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        void exited.then((code) => reject(new Error(`kit-child ${mode} exited with ${code} before printing its pids`)));
      }),
      120_000,
      `kit-child ${mode} to start a cluster`,
    );
    const printed = Date.now();
    const code = await within(exited, 20_000, `kit-child ${mode} to exit by itself (it has nothing left to do)`);
    const line = JSON.parse(first) as { pids: number[] };
    return { pids: line.pids, exitMs: Date.now() - printed, code, left: readdirSync(tmp), first: line };
  } finally {
    child.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("a temporary broker a failing test never disposed is ended by its cluster's stop(): the process exits by itself", {
  skip,
}, async () => {
  // Before: the registrar kept retrying the stopped ZooKeeper, and the process (a node --test or
  // jest run) never exited.
  const r = await runKitChild('undisposed');
  assert.equal(r.code, 0);
  assert.ok(r.exitMs < 5000, `exited ${r.exitMs} ms after the cluster stopped`);
  for (const pid of r.pids) assert.ok(!alive(pid), `pid ${pid} is gone`);
  assert.deepEqual(r.left, [], 'no temp dir left');
});

test('a cluster on a ZooKeeper that is not there: ConnectTimeoutError within startTimeoutMs, and the process exits by itself', {
  skip,
}, async () => {
  // Before: the observer session's open was raced against a timer, lost, and went on reconnecting
  // for good: the process never exited.
  const r = await runKitChild('no-zookeeper', `127.0.0.1:${await freePort()}`);
  assert.equal(r.first.code, 'CONNECT_TIMEOUT');
  assert.equal(r.code, 0);
  assert.ok(r.exitMs < 5000, `exited ${r.exitMs} ms after the start was refused`);
});

test('a broker that dies while starting: ServerStartError at once, and the process exits by itself, not after startTimeoutMs', {
  skip,
}, async () => {
  // Before: the registration wait and the Metadata probe that lost to the broker's exit ran on
  // until startTimeoutMs (60 s here), holding the process.
  const r = await runKitChild('broker-dies');
  assert.equal(r.first.code, 'SERVER_START_FAILED');
  assert.equal(r.code, 0);
  assert.ok(r.exitMs < 5000, `exited ${r.exitMs} ms after the start was refused`);
});

test("a cluster never stopped: a normal exit kills its JVMs and deletes its temp dirs, Kafka's included", { skip }, async () => {
  // Before: the ZooKeeper's dir went, the brokers' kzr-kafka-* dir stayed.
  const r = await runKitChild('unstopped');
  assert.equal(r.code, 0);
  await eventually(
    async () => r.pids.every((pid) => !alive(pid)),
    10_000,
    'the JVMs of the exited process to die',
    () => JSON.stringify(r.pids.filter(alive)),
  );
  assert.deepEqual(r.left, [], 'no temp dir left');
});

test('typed errors: a bad option, missing jars, missing Java; nothing is started', async () => {
  await assert.rejects(
    startKafkaCluster({ version: '4.0.0', cacheDir }),
    (e: { code?: string; field?: string; value?: unknown }) => e.code === 'INVALID_CONFIG' && e.field === 'version' && e.value === '4.0.0',
  );
  // Not a ZooKeeper-mode line: never released (2.9, 3.10) or KRaft only (4.x), or before 2.4.
  for (const version of ['3.10.0', '2.9.0', '2.3.1', '4.1.0'])
    await assert.rejects(
      startKafkaCluster({ version, cacheDir }),
      (e: { code?: string; field?: string; value?: unknown; message: string }) =>
        e.code === 'INVALID_CONFIG' && e.value === version && /2\.4 to 3\.9/.test(e.message),
      version,
    );
  await assert.rejects(
    startKafkaCluster({ brokers: 0, cacheDir }),
    (e: { code?: string; field?: string }) => e.code === 'INVALID_CONFIG' && e.field === 'brokers',
  );
  await assert.rejects(
    startZooKeeper({ members: 2 as 3, cacheDir }),
    (e: { code?: string; field?: string }) => e.code === 'INVALID_CONFIG' && e.field === 'members',
  );
  const empty = mkdtempSync(join(tmpdir(), 'kzr-kit-empty-'));
  try {
    await assert.rejects(startZooKeeper({ cacheDir: empty }), (e: { code?: string; command?: string; message: string }) => {
      assert.equal(e.code, 'JARS_MISSING');
      // The command fills the cache that was looked in, not the default one.
      assert.equal(e.command, `npx kafka-zk-registrar fetch-kafka --version 3.9.2 --cache-dir=${empty}`);
      assert.match(e.message, /fetch-kafka --version 3\.9\.2 --cache-dir=/);
      return true;
    });
    await assert.rejects(
      startZooKeeper({ cacheDir: empty, version: '3.9.4' }),
      (e: { code?: string; command?: string }) =>
        e.code === 'JARS_MISSING' && e.command === `npx kafka-zk-registrar fetch-zookeeper --version 3.9.4 --cache-dir=${empty}`,
    );
    assert.deepEqual(require('node:fs').readdirSync(empty), [], 'nothing was written into the cache');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  if (skip === false) {
    const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
    process.env.PATH = '/nonexistent';
    process.env.JAVA_HOME = '/nonexistent';
    try {
      await assert.rejects(
        startZooKeeper({ cacheDir }),
        (e: { code?: string; java?: string }) => e.code === 'JAVA_MISSING' && e.java === 'java',
      );
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved.JAVA_HOME;
    }
  }
});

test('a release that does not exist: FETCH_FAILED (not-released) naming it, and nothing left in the cache', { skip }, async () => {
  // Before: the message was Maven's last lines ("[ERROR] For more information ..."), without the
  // missing artifact, and an empty kafka-3.9.9 dir stayed in the cache.
  const empty = mkdtempSync(join(tmpdir(), 'kzr-kit-fetch-'));
  try {
    await assert.rejects(
      fetchKafka('3.9.9', { cacheDir: empty }),
      (e: { code?: string; reason?: string; version?: string; message: string }) => {
        assert.equal(e.code, 'FETCH_FAILED');
        assert.equal(e.reason, 'not-released');
        assert.equal(e.version, '3.9.9');
        assert.match(e.message, /Maven Central has no org\.apache\.kafka:kafka_2\.13:jar:3\.9\.9: Kafka 3\.9\.9 was never released/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(empty), [], 'nothing left in the cache');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('a broker that exits while starting: SERVER_START_FAILED naming the Kafka version, the Java version and its log', {
  skip,
}, async () => {
  // Before: "Kafka broker 1 (...) exited (1) while starting": neither version, the first thing to
  // check when a line other than the default fails.
  await assert.rejects(
    startKafkaCluster({ cacheDir, brokerProperties: () => ({ 'num.io.threads': 'not-a-number' }) }),
    (e: { code?: string; server?: string; detail?: string; logTail?: string }) => {
      assert.equal(e.code, 'SERVER_START_FAILED');
      assert.match(e.server ?? '', /^Kafka 3\.9\.2 broker 1 \(127\.0\.0\.1:\d+\)$/);
      assert.match(e.detail ?? '', /exited \(\d+\) while starting, on Java \d+ \(/);
      assert.match(e.logTail ?? '', /num\.io\.threads/);
      return true;
    },
  );
});

test('fetch CLI: a complete cache is left as it is (exit 0); a bad version is a usage error (exit 2)', { skip }, () => {
  // Through the main CLI, as a user runs it: progress on stderr, one JSON line on stdout.
  const cli = join(__dirname, '..', 'src', 'cli', 'main.js');
  const ok = spawnSync(process.execPath, [cli, 'fetch-kafka', '--version', '3.9.2', '--cache-dir', cacheDir], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /kafka 3\.9\.2: already in .*kafka-3\.9\.2\/libs/);
  const done = JSON.parse(ok.stdout.trim()) as { event: string; what: string; version: string; dir: string };
  assert.deepEqual([done.event, done.what, done.version], ['fetched', 'kafka', '3.9.2']);
  assert.match(done.dir, /kafka-3\.9\.2\/libs/);
  const bad = spawnSync(process.execPath, [cli, 'fetch-kafka', '--version', '4.1.0', '--cache-dir', cacheDir], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --version: "4\.1\.0" \(expected a ZooKeeper-mode Kafka line, 2\.4 to 3\.9\)/);
  assert.ok(!existsSync(join(cacheDir, 'kafka-4.1.0')));
  // A relative --cache-dir is the working directory's, and said so in full. Before: Maven took it
  // as its POM's (inside node_modules), and the cache it reported was left empty.
  const rel = spawnSync(process.execPath, [cli, 'fetch-kafka', '--cache-dir', basename(cacheDir)], {
    encoding: 'utf8',
    cwd: dirname(cacheDir),
  });
  assert.equal(rel.status, 0, rel.stderr);
  assert.equal((JSON.parse(rel.stdout.trim()) as { dir: string }).dir, join(cacheDir, 'kafka-3.9.2', 'libs'));
  const empty = spawnSync(process.execPath, [cli, 'fetch-kafka', '--cache-dir', ''], { encoding: 'utf8' });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /invalid --cache-dir: "" \(expected a directory path\)/);
  const none = spawnSync(process.execPath, [cli, 'fetch-zookeeper'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /needs --version/);
});
