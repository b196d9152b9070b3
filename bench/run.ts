// `npm run bench`: what the owner check costs, and what the watch buys, measured side by side in
// one run against one real ZooKeeper server, reported as ratios. Results go to bench/results.md
// (and bench/results.json). Nothing here asserts a wall-clock limit.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import {
  BrokerRegistrar,
  Connection,
  decodeBrokerZNode,
  encodeBrokerZNode,
  listenersToEndpoints,
  NodeExistsError,
  OwnedEphemeral,
  Session,
} from '../src/index.js';
import { holdBrokerNode } from '../integration/harness/stale-node.js';
import { waitForNode } from '../integration/harness/wait.js';
import { killSession } from '../integration/harness/sessions.js';
import { startZooKeeper, type ZooKeeperServer } from '../integration/harness/zookeeper-server.js';
import { kafkaLibs } from '../integration/harness/kafka-cluster.js';
import { cdfChart } from './chart.js';
import { stats, type Stats } from './stats.js';
import { clientsMarkdown, clientsSection } from './clients.js';
import { leaderStallRun, stallMarkdown, STALL_DEFAULTS, type StallRun } from './leader-stall.js';

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x: number): string => x.toFixed(3);
const ratio = (a: number, b: number): string => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`);

const endpoints = listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
const data = (id: number): Buffer => encodeBrokerZNode({ brokerId: id, endpoints, jmxPort: -1, version: 5 }, Date.now());

/** Naive registration step: create; NodeExists counts as success. */
async function naiveRegister(s: Session, path: string, bytes: Buffer): Promise<void> {
  try {
    await s.create(path, bytes, 'ephemeral');
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

/**
 * Per registration, interleaved so that all see the same server state and load: the recipe, the
 * naive create, and the floor of any registration that also watches its node (create and
 * exists-watch sent back to back).
 */
async function registerCycle(conn: Connection, rounds: number): Promise<{ ours: number[]; naive: number[]; floor: number[] }> {
  const s = conn.session as Session;
  await s.createParents('/brokers/ids/x');
  const ours: number[] = [];
  const naive: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const path = `/brokers/ids/${i}`;
    let t0 = process.hrtime.bigint();
    const e = new OwnedEphemeral({ connection: conn, path, data: () => data(i) });
    await e.start();
    ours.push(ms(t0));
    await e.stop();

    t0 = process.hrtime.bigint();
    await naiveRegister(s, path, data(i));
    naive.push(ms(t0));
    await s.delete(path, -1);

    t0 = process.hrtime.bigint();
    await Promise.all([s.create(path, data(i), 'ephemeral'), s.exists(path, () => undefined)]);
    floor.push(ms(t0));
    await s.delete(path, -1);
  }
  return { ours, naive, floor };
}

/** From the stale owner's node being deleted to our node existing: exists-watch vs polling every 100 ms. */
async function takeover(connect: string, conn: Connection, rounds: number): Promise<{ watch: Stats; poll100: Stats }> {
  const watch: number[] = [];
  const poll: number[] = [];
  const observer = conn.session as Session;
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['watch', 'poll'] as const) {
      const id = 1000 + i * 2 + (mode === 'watch' ? 0 : 1);
      const path = `/brokers/ids/${id}`;
      const stale = await holdBrokerNode(connect, id);
      let owned: Promise<unknown>;
      let stopPoll = false;
      if (mode === 'watch') {
        const e = new OwnedEphemeral({ connection: conn, path, data: () => data(id), conflictTimeoutMs: Number.POSITIVE_INFINITY });
        owned = e.start().then(() => e.stop());
        await new Promise((r) => e.once('waiting', r));
      } else {
        // A registrar that retries create on a timer instead of watching.
        owned = (async () => {
          const s = conn.session as Session;
          for (;;) {
            if (stopPoll) return;
            try {
              await s.create(path, data(id), 'ephemeral');
              await s.delete(path, -1);
              return;
            } catch (err) {
              if (!(err instanceof NodeExistsError)) throw err;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        })();
      }
      await killSession(connect, stale.id, stale.password);
      const t0 = process.hrtime.bigint();
      await waitForNode(observer, path, (st) => st === null || st.ephemeralOwner !== stale.id, 10_000, 'stale node to go');
      await owned;
      (mode === 'watch' ? watch : poll).push(ms(t0));
      stopPoll = true;
      stale.close();
    }
  }
  return { watch: stats(watch), poll100: stats(poll) };
}

/** Heap per BrokerRegistrar vs per bare Connection (what a naive registrar holds), each with its own session. */
async function memory(connect: string, n: number): Promise<{ registrarKiB: number; connectionKiB: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const base1 = heap();
  const regs: BrokerRegistrar[] = [];
  for (let i = 0; i < n; i++) {
    const r = new BrokerRegistrar({
      zookeeper: { connect },
      brokerId: 5000 + i,
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
    });
    await r.start();
    regs.push(r);
  }
  const registrarKiB = (heap() - base1) / n / 1024;
  for (const r of regs) await r.stop();

  const base2 = heap();
  const conns: Connection[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Connection({ connect });
    await c.start();
    conns.push(c);
  }
  const connectionKiB = (heap() - base2) / n / 1024;
  for (const c of conns) await c.close();
  return { registrarKiB, connectionKiB };
}

function codec(iterations: number): { encodeOpsPerSec: number; decodeOpsPerSec: number; jsonParseOpsPerSec: number } {
  const bytes = data(1);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) encodeBrokerZNode({ brokerId: i, endpoints, jmxPort: -1, version: 5 }, i);
  const enc = iterations / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) decodeBrokerZNode(1, bytes);
  const dec = iterations / (ms(t0) / 1000);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) JSON.parse(bytes.toString('utf8'));
  const parse = iterations / (ms(t0) / 1000);
  return { encodeOpsPerSec: enc, decodeOpsPerSec: dec, jsonParseOpsPerSec: parse };
}

/** From our session's expiry (the server ended it) to our node back, one registrar at a time. */
async function recovery(connect: string, rounds: number): Promise<number[]> {
  const times: number[] = [];
  const conn = new Connection({ connect, sessionTimeoutMs: 10_000 });
  const r = new BrokerRegistrar({ zookeeper: conn, brokerId: 900, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
  await r.start();
  const hosts = connect.slice(0, connect.indexOf('/'));
  for (let i = 0; i < rounds; i++) {
    const s = conn.session as Session;
    let expiredAt = 0;
    const expired = new Promise<void>((res) =>
      conn.once('expired', () => {
        expiredAt = performance.now();
        res();
      }),
    );
    const restored = new Promise<void>((res) => r.once('restored', () => res()));
    await killSession(hosts, s.id, s.password);
    await expired;
    await restored;
    times.push(performance.now() - expiredAt);
  }
  await r.stop();
  await conn.close();
  return times;
}

/** Ends every session server-side, in batches of 100 (each with its id and password). */
async function killAll(hosts: string, sessions: readonly { id: string; password: string }[]): Promise<void> {
  for (let i = 0; i < sessions.length; i += 100)
    await Promise.all(sessions.slice(i, i + 100).map((h) => killSession(hosts, h.id, h.password)));
}

/**
 * n registrars, each with its own session as real brokers have: all start at once, then all lose their
 * sessions at once (ended server-side with each session's id and password, as Curator's tests do).
 * Against the limit: n raw session-opens + creates at once.
 */
async function storm(
  connect: string,
  n: number,
): Promise<{ n: number; start: number; recover: number; recoverP50: number; allBack: number; rawLimit: number }> {
  const hosts = connect.slice(0, connect.indexOf('/'));
  const base = 10_000 + n * 10;
  const t0 = performance.now();
  const conns = Array.from({ length: n }, () => new Connection({ connect, sessionTimeoutMs: 10_000, connectTimeoutMs: 120_000 }));
  const regs = conns.map(
    (conn, i) =>
      new BrokerRegistrar({ zookeeper: conn, brokerId: base + i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  await Promise.all(regs.map((r) => r.start()));
  const start = performance.now() - t0;
  // Each registrar hears of its expiry when its client reconnects (the kill cuts its connection; the
  // reconnect comes after a random pause of up to a tenth of the session timeout): measured from that
  // notice to its node back.
  const perRegistrar = regs.map(
    (r) =>
      new Promise<number>((res) => {
        let expiredAt = 0;
        r.once('sessionExpired', () => (expiredAt = performance.now()));
        r.once('restored', () => res(performance.now() - expiredAt));
      }),
  );
  const killStartedAt = Date.now();
  await killAll(
    hosts,
    conns.map((c) => c.session as Session),
  );
  const recoverEach = await Promise.all(perRegistrar);
  const allBack = Date.now() - killStartedAt;
  const recover = Math.max(...recoverEach);
  const recoverP50 = stats(recoverEach).p50;
  await Promise.all(regs.map((r) => r.stop()));
  await Promise.all(conns.map((c) => c.close()));

  // The limit: what it costs just to open n sessions and create n nodes, all at once.
  const t2 = performance.now();
  const raw = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = await Session.open({ connect, sessionTimeoutMs: 10_000 });
      await s.create(`/brokers/ids/${base + i}`, data(i), 'ephemeral');
      return s;
    }),
  );
  const rawLimit = performance.now() - t2;
  for (const s of raw) s.close();
  return { n, start, recover, recoverP50, allBack, rawLimit };
}

/**
 * Idle cost: what n registered, idle registrars send (the server's request counter over a window),
 * against n bare sessions that send nothing but the client's pings. Plus heap and RSS per registrar.
 */
async function idle(
  server: ZooKeeperServer,
  connect: string,
  n: number,
  seconds: number,
): Promise<{ n: number; oursPerMin: number; rawPerMin: number; heapKiB: number; rssKiB: number }> {
  const received = async (): Promise<number> => Number(/zk_packets_received\s+(\d+)/.exec(await server.fourLetterWord('mntr'))?.[1]);
  const window = async (): Promise<number> => {
    const before = await received();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    // The mntr request of each reading counts too: one per reading.
    return ((await received()) - before - 1) / n / (seconds / 60);
  };
  global.gc?.();
  const mem0 = process.memoryUsage();
  const conns = Array.from({ length: n }, () => new Connection({ connect, sessionTimeoutMs: 10_000, connectTimeoutMs: 120_000 }));
  const regs = conns.map(
    (conn, i) =>
      new BrokerRegistrar({ zookeeper: conn, brokerId: 20_000 + i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  await Promise.all(regs.map((r) => r.start()));
  global.gc?.();
  const mem1 = process.memoryUsage();
  const oursPerMin = await window();
  await Promise.all(regs.map((r) => r.stop()));
  await Promise.all(conns.map((c) => c.close()));
  const raw = await Promise.all(Array.from({ length: n }, () => Session.open({ connect, sessionTimeoutMs: 10_000 })));
  const rawPerMin = await window();
  for (const s of raw) s.close();
  return { n, oursPerMin, rawPerMin, heapKiB: (mem1.heapUsed - mem0.heapUsed) / 1024 / n, rssKiB: (mem1.rss - mem0.rss) / 1024 / n };
}

type AnchorKind = 'kafka' | 'curator';

/** Kafka's KafkaZkClient.registerBroker or Curator's PersistentNode, in a JVM of its own (bench/anchors). */
interface AnchorResult {
  readonly ms: number[];
  /** Storms: when (epoch ms) the bench began ending the sessions, and when the anchor had all its nodes back. */
  readonly killStartedAt: number;
  readonly lastBackAt: number;
}

async function anchor(
  kind: AnchorKind,
  connect: string,
  scenario: 'register' | 'recovery' | 'storm',
  rounds: number,
  id: number,
): Promise<AnchorResult> {
  const root = join(__dirname, '..', '..');
  const cp =
    kind === 'kafka'
      ? `${join(root, '.cache/anchors/classes/kafka')}:${join(kafkaLibs() as string, '*')}`
      : `${join(root, '.cache/anchors/classes/curator')}:${join(root, '.cache/anchors/libs/*')}`;
  const child = spawn(
    'java',
    ['-Xmx256m', '-cp', cp, kind === 'kafka' ? 'KafkaAnchor' : 'CuratorAnchor', connect, scenario, String(rounds), String(id)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const hosts = connect.slice(0, connect.indexOf('/'));
  let killStartedAt = 0;
  return new Promise<AnchorResult>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (!l.startsWith('{')) return;
      type Handle = { session: string; password: string };
      const msg = JSON.parse(l) as Partial<Handle> & { sessions?: Handle[]; ms?: number[]; lastBackAt?: number };
      if (msg.ms !== undefined) resolve({ ms: msg.ms, killStartedAt, lastBackAt: msg.lastBackAt ?? 0 });
      else if (msg.session !== undefined && msg.password !== undefined) {
        killSession(hosts, msg.session, msg.password).then(() => child.stdin.write('killed\n'), reject);
      } else if (msg.sessions !== undefined) {
        killStartedAt = Date.now();
        killAll(
          hosts,
          msg.sessions.map((h) => ({ id: h.session, password: h.password })),
        ).then(() => child.stdin.write('killed\n'), reject);
      }
    });
    child.once('exit', (code) =>
      code === 0
        ? undefined
        : reject(
            new Error(
              `${kind} anchor (${scenario}) exited with ${code}: ${err
                .split('\n')
                .filter((l) => !l.startsWith('log4j'))
                .join('\n')}`,
            ),
          ),
    );
  });
}

/** The registration, recovery, storm, idle, takeover, memory and codec sections (`core`). */
async function core(server: ZooKeeperServer): Promise<{ results: Record<string, unknown>; lines: string[]; svg: string }> {
  {
    const connect = `${server.connectString}/bench`;
    const conn = new Connection({ connect, sessionTimeoutMs: 10_000 });
    await conn.start();
    await conn.ensureChroot();
    const regSamples = await registerCycle(conn, 300);
    const reg = { ours: stats(regSamples.ours), naive: stats(regSamples.naive), floor: stats(regSamples.floor) };
    const take = await takeover(connect, conn, 10);
    const mem = await memory(connect, 30);
    const recSamples = await recovery(connect, 10);
    const rec = stats(recSamples);
    const idles = [await idle(server, connect, 1, 30), await idle(server, connect, 1000, 30)];
    // The peers, same server, same scenarios: Kafka 3.9's registration code and Curator's recipe.
    const anchorsReady =
      spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'fetch-anchors.sh')], { stdio: 'inherit' }).status === 0 &&
      kafkaLibs() !== undefined;
    const peerSamples = anchorsReady
      ? {
          kafkaRegister: (await anchor('kafka', connect, 'register', 300, 5000)).ms,
          curatorRegister: (await anchor('curator', connect, 'register', 300, 6000)).ms,
          kafkaRecovery: (await anchor('kafka', connect, 'recovery', 10, 7000)).ms,
          curatorRecovery: (await anchor('curator', connect, 'recovery', 10, 7001)).ms,
        }
      : undefined;
    const anchors =
      peerSamples === undefined
        ? undefined
        : {
            kafkaRegister: stats(peerSamples.kafkaRegister),
            curatorRegister: stats(peerSamples.curatorRegister),
            kafkaRecovery: stats(peerSamples.kafkaRecovery),
            curatorRecovery: stats(peerSamples.curatorRecovery),
          };
    const storms: Awaited<ReturnType<typeof storm>>[] = [];
    for (const n of [1, 100, 1000]) storms.push(await storm(connect, n));
    // The peers' storms: n clients in one JVM, one thread and one session each, all at once.
    const peerStorm = async (
      kind: AnchorKind,
      n: number,
      firstId: number,
    ): Promise<{ start: number; restoreP50: number; restoreMax: number; allBack: number }> => {
      const r = await anchor(kind, connect, 'storm', n, firstId);
      const [start, ...restores] = r.ms;
      return {
        start: start as number,
        restoreP50: stats(restores).p50,
        restoreMax: Math.max(...restores),
        allBack: r.lastBackAt - r.killStartedAt,
      };
    };
    const peerStorms = [];
    if (anchorsReady)
      for (const n of [100, 1000])
        peerStorms.push({
          n,
          kafka: await peerStorm('kafka', n, 40_000 + n * 10),
          curator: await peerStorm('curator', n, 60_000 + n * 10),
        });
    await conn.close();
    const cod = codec(50_000);

    const results = { register: reg, takeover: take, memory: mem, recovery: rec, storms, peerStorms, idle: idles, anchors, codec: cod };
    const lines = [
      '## Registration (ms per registration on an open session; ours, naive and floor interleaved on one session)',
      '',
      '| | p50 | p90 | p99 | mean |',
      '| --- | --- | --- | --- | --- |',
      `| OwnedEphemeral: create and exists-watch back to back (one round trip), the owner read from the watch's stat | ${fmt(reg.ours.p50)} | ${fmt(reg.ours.p90)} | ${fmt(reg.ours.p99)} | ${fmt(reg.ours.mean)} |`,
      `| floor: raw create + exists-watch back to back (the fewest requests that register and watch) | ${fmt(reg.floor.p50)} | ${fmt(reg.floor.p90)} | ${fmt(reg.floor.p99)} | ${fmt(reg.floor.mean)} |`,
      `| naive: raw create only (no watch, no owner check) | ${fmt(reg.naive.p50)} | ${fmt(reg.naive.p90)} | ${fmt(reg.naive.p99)} | ${fmt(reg.naive.mean)} |`,
      `| ratio ours / floor | ${ratio(reg.ours.p50, reg.floor.p50)} | ${ratio(reg.ours.p90, reg.floor.p90)} | ${ratio(reg.ours.p99, reg.floor.p99)} | ${ratio(reg.ours.mean, reg.floor.mean)} |`,
      `| ratio ours / naive | ${ratio(reg.ours.p50, reg.naive.p50)} | ${ratio(reg.ours.p90, reg.naive.p90)} | ${ratio(reg.ours.p99, reg.naive.p99)} | ${ratio(reg.ours.mean, reg.naive.mean)} |`,
      `| ratio floor / naive (what the watch alone costs) | ${ratio(reg.floor.p50, reg.naive.p50)} | ${ratio(reg.floor.p90, reg.naive.p90)} | ${ratio(reg.floor.p99, reg.naive.p99)} | ${ratio(reg.floor.mean, reg.naive.mean)} |`,
      ...(anchors === undefined
        ? ['| Kafka / Curator | not measured: the anchors need Java and Maven (scripts/fetch-anchors.sh) | | | |']
        : [
            `| Kafka 3.9 KafkaZkClient.registerBroker (JVM) | ${fmt(anchors.kafkaRegister.p50)} | ${fmt(anchors.kafkaRegister.p90)} | ${fmt(anchors.kafkaRegister.p99)} | ${fmt(anchors.kafkaRegister.mean)} |`,
            `| Curator 5.9 PersistentNode, EPHEMERAL (JVM) | ${fmt(anchors.curatorRegister.p50)} | ${fmt(anchors.curatorRegister.p90)} | ${fmt(anchors.curatorRegister.p99)} | ${fmt(anchors.curatorRegister.mean)} |`,
            `| ratio ours / Kafka, ours / Curator (p50) | ${ratio(reg.ours.p50, anchors.kafkaRegister.p50)}, ${ratio(reg.ours.p50, anchors.curatorRegister.p50)} | | | |`,
          ]),
      '',
      "The create and the exists-watch go out back to back (one session answers in order): one round trip. The watch's stat is the owner check: after our create succeeded, owner = our session at version 0 means the node is the one we just wrote, so nothing more is read; only NodeExists and the rare rows of the decision table read the data. Any registration that notices its node vanish needs the watch (without create2, whose transaction ZooKeeper 3.4 cannot read, or a persistent watch: docs/design/session-layer.md), so the floor, not the bare create, is the limit; the rest is the recipe's JS (mutex, claim, events).",
      '',
      "## Recovery after the session's expiry (ms from the client's notice of the expiry to its node back)",
      '',
      '| | p50 | p90 | p99 | mean |',
      '| --- | --- | --- | --- | --- |',
      `| this library | ${fmt(rec.p50)} | ${fmt(rec.p90)} | ${fmt(rec.p99)} | ${fmt(rec.mean)} |`,
      ...(anchors === undefined
        ? []
        : [
            `| Kafka 3.9 KafkaZkClient (re-registers from afterInitializingSession, as KafkaServer does) | ${fmt(anchors.kafkaRecovery.p50)} | ${fmt(anchors.kafkaRecovery.p90)} | ${fmt(anchors.kafkaRecovery.p99)} | ${fmt(anchors.kafkaRecovery.mean)} |`,
            `| Curator 5.9 PersistentNode (from LOST to the node created) | ${fmt(anchors.curatorRecovery.p50)} | ${fmt(anchors.curatorRecovery.p90)} | ${fmt(anchors.curatorRecovery.p99)} | ${fmt(anchors.curatorRecovery.mean)} |`,
            `| ratio ours / Kafka, ours / Curator (p50) | ${ratio(rec.p50, anchors.kafkaRecovery.p50)}, ${ratio(rec.p50, anchors.curatorRecovery.p50)} | | | |`,
          ]),
      '',
      "Every session is ended server-side with its id and password (attach, close: the server deletes its ephemerals), and each client notices when it next talks to the server. A node of our own previous session that is still there is replaced at once (delete, version-checked, and create), never waited for. On a node held by *another* live session, Kafka's registerBroker fails (NodeExists) and Curator's PersistentNode writes its data into that session's node; this library waits (see takeover below).",
      '',
      'Distributions: [latency.svg](latency.svg) (cumulative, log time axis).',
      '',
      '## Storms: n registrars, each with its own session (ms for all of them)',
      '',
      '| n | all registered from start | restored after its expiry notice, p50 / max | raw limit: n session-opens + creates at once | start / limit | restore (max) / limit |',
      '| --- | --- | --- | --- | --- | --- |',
      ...storms.map(
        (st) =>
          `| ${st.n} | ${fmt(st.start)} | ${fmt(st.recoverP50)} / ${fmt(st.recover)} | ${fmt(st.rawLimit)} | ${ratio(st.start, st.rawLimit)} | ${ratio(st.recover, st.rawLimit)} |`,
      ),
      '',
      ...(peerStorms.length === 0
        ? []
        : [
            "The same storms with the peers (n clients in one JVM, a thread and a session each; 10 s session timeout for all three). The sessions are ended the same way for all of them; 'all back' is from the first kill to the last node back (ms, one clock). The server cuts each client's connection when the kill attaches to its session, and each client learns of the expiry when it reconnects: the Java client after a random sleep of up to 1 s, ours after a random sleep of up to a tenth of the session timeout (at most 1 s).",
            '',
            '| n | start: ours / Kafka / Curator | all back after the first kill: ours / Kafka / Curator | each restore from its notice, p50 / max: ours; Kafka; Curator | start ratio ours / Kafka, ours / Curator | all-back ratio ours / Kafka, ours / Curator |',
            '| --- | --- | --- | --- | --- | --- |',
            ...peerStorms.map((p) => {
              const o = storms.find((st) => st.n === p.n);
              if (o === undefined) return '';
              return `| ${p.n} | ${fmt(o.start)} / ${fmt(p.kafka.start)} / ${fmt(p.curator.start)} | ${o.allBack} / ${p.kafka.allBack} / ${p.curator.allBack} | ${fmt(o.recoverP50)} / ${fmt(o.recover)}; ${fmt(p.kafka.restoreP50)} / ${fmt(p.kafka.restoreMax)}; ${fmt(p.curator.restoreP50)} / ${fmt(p.curator.restoreMax)} | ${ratio(o.start, p.kafka.start)}, ${ratio(o.start, p.curator.start)} | ${ratio(o.allBack, p.kafka.allBack)}, ${ratio(o.allBack, p.curator.allBack)} |`;
            }),
          ]),
      '',
      "A registrar's start is a session, one round trip of pre-flight reads (the chroot's stat, the cluster id, /brokers/ids, the /migration exists-watch: one socket write), a second for the listeners of up to 8 registered brokers when there are any (read together), and the registration's round trip (the create and its exists-watch: one write); the limit is a session and a create. With a thousand sessions at once the server queues every request behind the others' session and create transactions, so each extra round trip costs about as much as the create itself: that is the start ratio. A restore skips the pre-flight (it ran at start); the sessions are ended server-side in batches of 100 (with each one's id and password), and each registrar hears of it when its client reconnects (below); a re-open that fails backs off, jittered between 100 ms and 5 s, so that a thousand brokers do not retry in the same millisecond.",
      '',
      "## Idle cost: requests per minute per registered, idle registrar (the server's mntr zk_packets_received over 30 s), session timeout 10 s",
      '',
      '| n | registrar | bare session (pings only) | ratio | JS heap per registrar (KiB) | RSS per registrar (KiB) |',
      '| --- | --- | --- | --- | --- | --- |',
      ...idles.map(
        (i) =>
          `| ${i.n} | ${i.oursPerMin.toFixed(1)} | ${i.rawPerMin.toFixed(1)} | ${ratio(i.oursPerMin, i.rawPerMin)} | ${i.heapKiB.toFixed(1)} | ${i.rssKiB.toFixed(1)} |`,
      ),
      '',
      "An idle registrar sends nothing but its session's pings (every third of the timeout): its watches cost nothing on the wire until something changes.",
      '',
      "## Taking over after the stale owner's node is deleted (ms from deletion to our node)",
      '',
      '| | p50 | p90 | max-ish (p99) | mean |',
      '| --- | --- | --- | --- | --- |',
      `| exists-watch (this library) | ${fmt(take.watch.p50)} | ${fmt(take.watch.p90)} | ${fmt(take.watch.p99)} | ${fmt(take.watch.mean)} |`,
      `| retry create every 100 ms | ${fmt(take.poll100.p50)} | ${fmt(take.poll100.p90)} | ${fmt(take.poll100.p99)} | ${fmt(take.poll100.mean)} |`,
      `| ratio watch / poll | ${ratio(take.watch.p50, take.poll100.p50)} | ${ratio(take.watch.p90, take.poll100.p90)} | ${ratio(take.watch.p99, take.poll100.p99)} | ${ratio(take.watch.mean, take.poll100.mean)} |`,
      '',
      '## Memory (JS heap per instance, each with its own ZooKeeper session)',
      '',
      '| | KiB |',
      '| --- | --- |',
      `| BrokerRegistrar (registered) | ${mem.registrarKiB.toFixed(1)} |`,
      `| bare Connection (what a naive registrar holds) | ${mem.connectionKiB.toFixed(1)} |`,
      `| ratio | ${ratio(mem.registrarKiB, mem.connectionKiB)} |`,
      '',
      'Socket buffers (one connection per session) are outside the JS heap and the same for both.',
      '',
      '## Broker znode codec (ops/s)',
      '',
      '| encode | decode (Kafka rules) | bare JSON.parse | decode / JSON.parse |',
      '| --- | --- | --- | --- |',
      `| ${Math.round(cod.encodeOpsPerSec)} | ${Math.round(cod.decodeOpsPerSec)} | ${Math.round(cod.jsonParseOpsPerSec)} | ${ratio(cod.decodeOpsPerSec, cod.jsonParseOpsPerSec)} |`,
      '',
    ];
    const svg = cdfChart([
      {
        title: 'Registration on an open session',
        series: [
          { label: 'this library', samples: regSamples.ours },
          { label: 'floor: create + exists-watch', samples: regSamples.floor },
          { label: 'naive create', samples: regSamples.naive },
          ...(peerSamples === undefined
            ? []
            : [
                { label: 'Kafka registerBroker', samples: peerSamples.kafkaRegister },
                { label: 'Curator PersistentNode', samples: peerSamples.curatorRegister },
              ]),
        ],
      },
      {
        title: 'Recovery: expiry noticed -> node back',
        series: [
          { label: 'this library', samples: recSamples },
          ...(peerSamples === undefined
            ? []
            : [
                { label: 'Kafka registerBroker', samples: peerSamples.kafkaRecovery },
                { label: 'Curator PersistentNode', samples: peerSamples.curatorRecovery },
              ]),
        ],
      },
    ]);
    return { results, lines, svg };
  }
}

/**
 * Sections, all by default; `KZR_BENCH_SECTIONS=clients,stall` (any of core, clients, stall) runs
 * some alone: their figures are printed and written to bench/results.partial.tmp.md, and
 * results.md is left as it is (it is only ever written whole).
 */
const SECTIONS = ['core', 'clients', 'stall'] as const;

async function main(): Promise<void> {
  const asked = (process.env.KZR_BENCH_SECTIONS ?? SECTIONS.join(','))
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const a of asked)
    if (!(SECTIONS as readonly string[]).includes(a))
      throw new Error(`KZR_BENCH_SECTIONS: unknown section '${a}' (${SECTIONS.join(', ')})`);
  const sections = new Set(asked);
  const whole = SECTIONS.every((x) => sections.has(x));
  const progress = (m: string): void => void process.stderr.write(`bench: ${m}\n`);
  const date = new Date().toISOString();
  const server = await startZooKeeper();
  const lines: string[] = [];
  const results: Record<string, unknown> = {
    date,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    zookeeper: server.connectString,
  };
  let svg: string | undefined;
  try {
    if (sections.has('core')) {
      const c = await core(server);
      Object.assign(results, c.results);
      lines.push(...c.lines);
      svg = c.svg;
    }
    if (sections.has('clients')) {
      const r = await clientsSection(server, { rounds: 300, holds: [1, 1000], storms: [100, 1000], windowSec: 30 }, progress);
      results.clients = r;
      lines.push(...clientsMarkdown(r));
    }
  } finally {
    await server.stop();
  }
  if (sections.has('stall')) {
    const runs: StallRun[] = [];
    for (let run = 1; run <= 3; run++) runs.push(await leaderStallRun(run, STALL_DEFAULTS, progress));
    results.leaderStall = runs;
    lines.push(...stallMarkdown(runs, STALL_DEFAULTS));
  }
  const md = [
    '# Benchmarks',
    '',
    `Run ${date} on ${String(results.cores)} x ${String(results.cpu)}, Node ${process.version}, local ZooKeeper 3.8 servers (loopback). Regenerate with \`npm run bench\`.`,
    '',
    ...lines,
  ].join('\n');
  const dir = join(__dirname, '..', '..', 'bench');
  if (whole) {
    writeFileSync(join(dir, 'results.md'), md);
    if (svg !== undefined) writeFileSync(join(dir, 'latency.svg'), svg);
    writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } else {
    writeFileSync(join(dir, 'results.partial.tmp.md'), md);
    writeFileSync(join(dir, 'results.partial.tmp.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
