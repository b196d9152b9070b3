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

interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

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

async function registerCycle(conn: Connection, rounds: number): Promise<{ ours: Stats; naive: Stats }> {
  const s = conn.session as Session;
  await s.createParents('/brokers/ids/x');
  const ours: number[] = [];
  const naive: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Interleaved, so both see the same server state and load.
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
  }
  return { ours: stats(ours), naive: stats(naive) };
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
    const r = new BrokerRegistrar({ zookeeper: { connect }, brokerId: 5000 + i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
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
async function recovery(connect: string, rounds: number): Promise<Stats> {
  const times: number[] = [];
  const conn = new Connection({ connect, sessionTimeoutMs: 10_000 });
  const r = new BrokerRegistrar({ zookeeper: conn, brokerId: 900, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
  await r.start();
  const hosts = connect.slice(0, connect.indexOf('/'));
  for (let i = 0; i < rounds; i++) {
    const s = conn.session as Session;
    let expiredAt = 0;
    const expired = new Promise<void>((res) => conn.once('expired', () => ((expiredAt = performance.now()), res())));
    const restored = new Promise<void>((res) => r.once('restored', () => res()));
    await killSession(hosts, s.id, s.password);
    await expired;
    await restored;
    times.push(performance.now() - expiredAt);
  }
  await r.stop();
  await conn.close();
  return stats(times);
}

/**
 * n registrars, each with its own session as real brokers have: all start at once, then all lose their
 * sessions at once (ended server-side with each session's id and password, as Curator's tests do).
 * Against the limit: n raw session-opens + creates at once.
 */
async function storm(connect: string, n: number): Promise<{ n: number; start: number; recover: number; recoverP50: number; rawLimit: number }> {
  const hosts = connect.slice(0, connect.indexOf('/'));
  const base = 10_000 + n * 10;
  const t0 = performance.now();
  const conns = Array.from({ length: n }, () => new Connection({ connect, sessionTimeoutMs: 20_000, connectTimeoutMs: 120_000 }));
  const regs = conns.map((conn, i) => new BrokerRegistrar({ zookeeper: conn, brokerId: base + i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }));
  await Promise.all(regs.map((r) => r.start()));
  const start = performance.now() - t0;
  // Each registrar hears of its expiry when the C client next talks to the server (up to a third of
  // the session timeout after the kill): measured from that notice to its node back.
  const perRegistrar = regs.map(
    (r) =>
      new Promise<number>((res) => {
        let expiredAt = 0;
        r.once('sessionExpired', () => (expiredAt = performance.now()));
        r.once('restored', () => res(performance.now() - expiredAt));
      }),
  );
  const handles = conns.map((c) => c.session as Session);
  for (let i = 0; i < handles.length; i += 100) await Promise.all(handles.slice(i, i + 100).map((h) => killSession(hosts, h.id, h.password)));
  const recoverEach = await Promise.all(perRegistrar);
  const recover = Math.max(...recoverEach);
  const recoverP50 = stats(recoverEach).p50;
  await Promise.all(regs.map((r) => r.stop()));
  await Promise.all(conns.map((c) => c.close()));

  // The limit: what it costs just to open n sessions and create n nodes, all at once.
  const t2 = performance.now();
  const raw = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = await Session.open({ connect, sessionTimeoutMs: 20_000 });
      await s.create(`/brokers/ids/${base + i}`, data(i), 'ephemeral');
      return s;
    }),
  );
  const rawLimit = performance.now() - t2;
  for (const s of raw) s.close();
  return { n, start, recover, recoverP50, rawLimit };
}

/**
 * Idle cost: what n registered, idle registrars send (the server's request counter over a window),
 * against n bare sessions that send nothing but the C client's pings. Plus heap and RSS per registrar.
 */
async function idle(server: ZooKeeperServer, connect: string, n: number, seconds: number): Promise<{ n: number; oursPerMin: number; rawPerMin: number; heapKiB: number; rssKiB: number }> {
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
  const regs = conns.map((conn, i) => new BrokerRegistrar({ zookeeper: conn, brokerId: 20_000 + i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }));
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
async function anchor(kind: AnchorKind, connect: string, scenario: 'register' | 'recovery', rounds: number, id: number): Promise<number[]> {
  const root = join(__dirname, '..', '..');
  const cp = kind === 'kafka' ? `${join(root, '.cache/anchors/classes/kafka')}:${join(kafkaLibs() as string, '*')}` : `${join(root, '.cache/anchors/classes/curator')}:${join(root, '.cache/anchors/libs/*')}`;
  const child = spawn('java', ['-Xmx256m', '-cp', cp, kind === 'kafka' ? 'KafkaAnchor' : 'CuratorAnchor', connect, scenario, String(rounds), String(id)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const hosts = connect.slice(0, connect.indexOf('/'));
  return new Promise<number[]>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (!l.startsWith('{')) return;
      const msg = JSON.parse(l) as { session?: string; password?: string; ms?: number[] };
      if (msg.ms !== undefined) resolve(msg.ms);
      else if (msg.session !== undefined && msg.password !== undefined) {
        killSession(hosts, msg.session, msg.password).then(() => child.stdin.write('killed\n'), reject);
      }
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`${kind} anchor (${scenario}) exited with ${code}: ${err.split('\n').filter((l) => !l.startsWith('log4j')).join('\n')}`))));
  });
}

async function main(): Promise<void> {
  const server = await startZooKeeper();
  try {
    const connect = `${server.connectString}/bench`;
    const conn = new Connection({ connect, sessionTimeoutMs: 10_000 });
    await conn.start();
    const reg = await registerCycle(conn, 200);
    const take = await takeover(connect, conn, 10);
    const mem = await memory(connect, 30);
    const rec = await recovery(connect, 10);
    const idles = [await idle(server, connect, 1, 30), await idle(server, connect, 1000, 30)];
    // The peers, same server, same scenarios: Kafka 3.9's registration code and Curator's recipe.
    const anchorsReady = spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'fetch-anchors.sh')], { stdio: 'inherit' }).status === 0 && kafkaLibs() !== undefined;
    const anchors = anchorsReady
      ? {
          kafkaRegister: stats(await anchor('kafka', connect, 'register', 200, 5000)),
          curatorRegister: stats(await anchor('curator', connect, 'register', 200, 6000)),
        }
      : undefined;
    const storms = [];
    for (const n of [1, 100, 1000]) storms.push(await storm(connect, n));
    await conn.close();
    const cod = codec(50_000);

    const results = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, zookeeper: server.connectString, register: reg, takeover: take, memory: mem, recovery: rec, storms, idle: idles, anchors, codec: cod };
    const md = [
      '# Benchmarks',
      '',
      `Run ${results.date} on ${results.cores} x ${results.cpu}, Node ${results.node}, one local ZooKeeper 3.8 (loopback). Regenerate with \`npm run bench\`.`,
      '',
      '## Registration: owner-checked vs naive (ms per registration, same session, interleaved)',
      '',
      '| | p50 | p90 | p99 | mean |',
      '| --- | --- | --- | --- | --- |',
      `| OwnedEphemeral (create, read of the owner and exists-watch in one round trip) | ${fmt(reg.ours.p50)} | ${fmt(reg.ours.p90)} | ${fmt(reg.ours.p99)} | ${fmt(reg.ours.mean)} |`,
      `| naive (create only) | ${fmt(reg.naive.p50)} | ${fmt(reg.naive.p90)} | ${fmt(reg.naive.p99)} | ${fmt(reg.naive.mean)} |`,
      `| ratio ours / naive | ${ratio(reg.ours.p50, reg.naive.p50)} | ${ratio(reg.ours.p90, reg.naive.p90)} | ${ratio(reg.ours.p99, reg.naive.p99)} | ${ratio(reg.ours.mean, reg.naive.mean)} |`,
      ...(anchors === undefined
        ? ['| Kafka / Curator | not measured: the anchors need Java and Maven (scripts/fetch-anchors.sh) | | | |']
        : [
            `| Kafka 3.9 KafkaZkClient.registerBroker (JVM) | ${fmt(anchors.kafkaRegister.p50)} | ${fmt(anchors.kafkaRegister.p90)} | ${fmt(anchors.kafkaRegister.p99)} | ${fmt(anchors.kafkaRegister.mean)} |`,
            `| Curator 5.9 PersistentNode, EPHEMERAL (JVM) | ${fmt(anchors.curatorRegister.p50)} | ${fmt(anchors.curatorRegister.p90)} | ${fmt(anchors.curatorRegister.p99)} | ${fmt(anchors.curatorRegister.mean)} |`,
            `| ratio ours / Kafka, ours / Curator (p50) | ${ratio(reg.ours.p50, anchors.kafkaRegister.p50)}, ${ratio(reg.ours.p50, anchors.curatorRegister.p50)} | | | |`,
          ]),
      '',
      'The create, the read of the owner and the exists-watch go out back to back (one session answers in order): one round trip, as the naive create. What remains is the JS work of the recipe (mutex, claim, events); a registration happens at start and after each session expiry, not per message.',
      '',
      '## Recovery after our own session\'s expiry (ms from the expiry to our node back)',
      '',
      '| | p50 | p90 | p99 | mean |',
      '| --- | --- | --- | --- | --- |',
      `| this library | ${fmt(rec.p50)} | ${fmt(rec.p90)} | ${fmt(rec.p99)} | ${fmt(rec.mean)} |`,
      ...(anchors === undefined ? [] : ['| Kafka, Curator | not measured: ending a Java client\'s session from here (attach with its id and password, close) did not end it (the client re-established the same session); the JVM programs accept a `recovery` scenario for when that is solved | | | |']),
      '',
      'A node of our own previous session is replaced at once (delete, version-checked, and create), not waited for. Each measured from the client\'s own notice of the expiry (the sessions are ended server-side with their id and password). On a node held by *another* live session, Kafka\'s registerBroker fails (NodeExists) and Curator\'s PersistentNode writes its data into that session\'s node; this library waits (see takeover below).',
      '',
      '## Storms: n registrars, each with its own session (ms for all of them)',
      '',
      '| n | all registered from start | restored after its expiry notice, p50 / max | raw limit: n session-opens + creates at once | start / limit | restore (max) / limit |',
      '| --- | --- | --- | --- | --- | --- |',
      ...storms.map((st) => `| ${st.n} | ${fmt(st.start)} | ${fmt(st.recoverP50)} / ${fmt(st.recover)} | ${fmt(st.rawLimit)} | ${ratio(st.start, st.rawLimit)} | ${ratio(st.recover, st.rawLimit)} |`),
      '',
      'A registrar\'s start reads the cluster id, up to 8 registered brokers (listener pre-flight) and /migration before it registers; the sessions are ended server-side in batches of 100 (with each one\'s id and password), and each registrar hears of it at its next exchange with the server; the restore includes its re-open backoff (jittered, 100 ms to 5 s, so that a thousand brokers do not reconnect in the same millisecond).',
      '',
      '## Idle cost: requests per minute per registered, idle registrar (the server\'s mntr zk_packets_received over 30 s), session timeout 10 s',
      '',
      '| n | registrar | bare session (pings only) | ratio | JS heap per registrar (KiB) | RSS per registrar (KiB) |',
      '| --- | --- | --- | --- | --- | --- |',
      ...idles.map((i) => `| ${i.n} | ${i.oursPerMin.toFixed(1)} | ${i.rawPerMin.toFixed(1)} | ${ratio(i.oursPerMin, i.rawPerMin)} | ${i.heapKiB.toFixed(1)} | ${i.rssKiB.toFixed(1)} |`),
      '',
      'An idle registrar sends nothing but its session\'s pings (every third of the timeout): its watches cost nothing on the wire until something changes.',
      '',
      '## Taking over after the stale owner\'s node is deleted (ms from deletion to our node)',
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
      'Native memory of the C client (one zhandle per session) is not in the JS heap and is the same for both.',
      '',
      '## Broker znode codec (ops/s)',
      '',
      '| encode | decode (Kafka rules) | bare JSON.parse | decode / JSON.parse |',
      '| --- | --- | --- | --- |',
      `| ${Math.round(cod.encodeOpsPerSec)} | ${Math.round(cod.decodeOpsPerSec)} | ${Math.round(cod.jsonParseOpsPerSec)} | ${ratio(cod.decodeOpsPerSec, cod.jsonParseOpsPerSec)} |`,
      '',
    ].join('\n');
    const dir = join(__dirname, '..', '..', 'bench');
    writeFileSync(join(dir, 'results.md'), md);
    writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(md);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
