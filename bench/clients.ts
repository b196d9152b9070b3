// "Our client vs the `zookeeper` native binding" (issue 24): both clients, each in a process of its
// own (bench/client-probe.ts), on the same servers in one run: raw create p50, heap and RSS per
// session, pings per idle session, and start storms through a chroot on a 3-member ensemble beside
// our registrars' and the raw limit. The binding is installed on demand into .cache (never a
// dependency); when that fails its rows say why instead of failing the bench.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { BrokerRegistrar, Connection, Session, encodeBrokerZNode, listenersToEndpoints } from '../src/index.js';
import { startEnsemble, type ZooKeeperServer } from '../integration/harness/zookeeper-server.js';
import { stats, type Stats } from './stats.js';

export type Which = 'ours' | 'binding';
const WHICH: readonly Which[] = ['ours', 'binding'];

const fmt = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(3));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;

/** Installs the binding if needed (scripts/fetch-zookeeper-binding.sh): undefined when ready, else why not. */
export function bindingUnavailable(): string | undefined {
  const r = spawnSync('bash', [join(__dirname, '..', '..', 'scripts', 'fetch-zookeeper-binding.sh')], { encoding: 'utf8' });
  process.stderr.write(r.stdout ?? '');
  if (r.status === 0) return undefined;
  const why = `${r.stderr ?? ''}${r.error?.message ?? ''}`
    .trim()
    .split('\n')
    .filter((l) => l !== '');
  process.stderr.write(`${why.join('\n')}\n`);
  return why[0] ?? `fetch-zookeeper-binding.sh exited with ${r.status}`;
}

interface Probe {
  /** The JSON lines the probe printed, as they come. */
  readonly lines: AsyncIterator<Record<string, unknown>>;
  tell(line: string): void;
  /** Resolves when the probe exits: its code or signal, and the tail of its stderr. */
  readonly exited: Promise<string | undefined>;
}

function startProbe(which: Which, args: readonly string[]): Probe {
  const child = spawn(process.execPath, ['--expose-gc', join(__dirname, 'client-probe.js'), which, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<string | undefined>((res) =>
    child.once('exit', (code, signal) =>
      res(code === 0 ? undefined : `exited with ${signal ?? code}: ${err.trim().split('\n').slice(-3).join(' / ')}`),
    ),
  );
  const rl = createInterface({ input: child.stdout });
  const it = (async function* () {
    for await (const l of rl) if (l.startsWith('{')) yield JSON.parse(l) as Record<string, unknown>;
  })();
  return { lines: it, tell: (l) => child.stdin.write(`${l}\n`), exited };
}

/** Runs a probe to its end: its one result line, or why it failed. */
async function probeOnce(which: Which, args: readonly string[]): Promise<Record<string, unknown> | string> {
  const p = startProbe(which, args);
  const first = await p.lines.next();
  const failed = await p.exited;
  if (first.done === true) return failed ?? 'printed nothing';
  return first.value;
}

type Row<T> = { readonly [K in Which]: T | string };

export interface ClientsResult {
  readonly binding: string | undefined;
  readonly create: Row<Stats>;
  readonly memory: readonly { readonly n: number; readonly perSession: Row<{ heapKiB: number; rssKiB: number; pingsPerMin: number }> }[];
  readonly baselinePerMin: number;
  readonly storms: readonly StormRow[];
}

interface StormRow {
  readonly n: number;
  /** Through a missing chroot (a first start). */
  readonly registrars: number | string;
  /** Through an existing chroot and /brokers/ids (a restart). */
  readonly restart: number | string;
  /** A registrar's requests, in its batches, without the library. */
  readonly requestFloor: number | string;
  readonly rawInProcess: number | string;
  readonly raw: Row<number>;
  /** This process's CPU (user + system) per start, in ms: the restart's, and the raw limit's. */
  readonly cpuPerStart: { readonly restart: number; readonly raw: number };
}

/** This process's CPU time (user + system, ms) since `from` (process.cpuUsage()). */
const cpuMsSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

const endpoints = listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
const data = (id: number): Buffer => encodeBrokerZNode({ brokerId: id, endpoints, jmxPort: -1, version: 5 }, Date.now());

/** n BrokerRegistrars, each with its own Connection, started at once: ms until all are registered, or what failed. */
async function registrarStorm(connect: string, n: number): Promise<number | string> {
  const t0 = performance.now();
  const conns = Array.from({ length: n }, () => new Connection({ connect, sessionTimeoutMs: 10_000, connectTimeoutMs: 120_000 }));
  const regs = conns.map(
    (conn, i) =>
      new BrokerRegistrar({ zookeeper: conn, brokerId: i + 1, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] }),
  );
  const settled = await Promise.allSettled(regs.map((r) => r.start()));
  const failed = settled.filter((s) => s.status === 'rejected').length;
  const ms =
    failed === 0
      ? performance.now() - t0
      : `${failed} of ${n} failed: ${String(((settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason as Error).message)}`;
  await Promise.all(regs.map((r) => r.stop().catch(() => undefined)));
  await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  return ms;
}

export async function clientsSection(
  server: ZooKeeperServer,
  opts: { readonly rounds: number; readonly holds: readonly number[]; readonly storms: readonly number[]; readonly windowSec: number },
  progress: (m: string) => void,
): Promise<ClientsResult> {
  const binding = bindingUnavailable();
  const skip = (which: Which): string | undefined => (which === 'binding' ? binding : undefined);
  const connect = `${server.connectString}/clients`;
  const admin = await Session.open({ connect: server.connectString, sessionTimeoutMs: 10_000 });
  for (const which of WHICH) await admin.createParents(`/clients/create-${which}/x`);
  await admin.close();

  // Raw create p50 on an open session.
  const create = {} as Record<Which, Stats | string>;
  for (const which of WHICH) {
    const why = skip(which);
    if (why !== undefined) create[which] = why;
    else {
      const r = await probeOnce(which, ['create', connect, String(opts.rounds), `/create-${which}`]);
      create[which] = typeof r === 'string' ? r : stats(r.ms as number[]);
    }
    progress(`clients: raw create, ${which} done`);
  }

  // Heap and RSS per session, and pings per idle session from the server's packet counter (less what
  // the server receives meanwhile with no probe at all: the four-letter words, any other session).
  const received = async (): Promise<number> => Number(/zk_packets_received\s+(\d+)/.exec(await server.fourLetterWord('mntr'))?.[1]);
  const window = async (): Promise<number> => {
    const before = await received();
    await new Promise((r) => setTimeout(r, opts.windowSec * 1000));
    return ((await received()) - before) / (opts.windowSec / 60);
  };
  const baselinePerMin = await window();
  const memory: ClientsResult['memory'][number][] = [];
  for (const n of opts.holds) {
    const perSession = {} as Record<Which, { heapKiB: number; rssKiB: number; pingsPerMin: number } | string>;
    for (const which of WHICH) {
      const why = skip(which);
      if (why !== undefined) {
        perSession[which] = why;
        continue;
      }
      const p = startProbe(which, ['hold', connect, String(n)]);
      const first = await Promise.race([p.lines.next(), p.exited.then((e) => e ?? 'exited')]);
      if (typeof first === 'string' || first.done === true) {
        perSession[which] = typeof first === 'string' ? first : ((await p.exited) ?? 'printed nothing');
        continue;
      }
      const m = first.value as { heapKiB: number; rssKiB: number };
      const perMin = await window();
      p.tell('stop');
      await p.exited;
      perSession[which] = { heapKiB: m.heapKiB, rssKiB: m.rssKiB, pingsPerMin: (perMin - baselinePerMin) / n };
      progress(`clients: ${n} idle sessions, ${which} done`);
    }
    memory.push({ n, perSession });
  }

  // Start storms through a chroot on a 3-member ensemble: our registrars (through a missing chroot,
  // as a fleet's first start), and n raw session-opens + ephemeral creates by each client.
  const storms: StormRow[] = [];
  const zk = await startEnsemble(3);
  // Between measurements: the server is still processing the previous one's closeSessions.
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 2000));
  try {
    {
      // Warm-up, not measured: the fresh JVMs' JIT would otherwise be charged to whichever runs first.
      const warm = await Session.open({ connect: zk.connectString, sessionTimeoutMs: 10_000 });
      await warm.createParents('/warm/x');
      await warm.close();
      const ss = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const s = await Session.open({ connect: `${zk.connectString}/warm`, sessionTimeoutMs: 10_000 });
          await s.create(`/${i}`, data(i), 'ephemeral');
          return s;
        }),
      );
      await Promise.all(ss.map((s) => s.close()));
      await settle();
    }
    for (const n of opts.storms) {
      const chroot = `/kzr-storm-${n}`;
      const full = `${zk.connectString}${chroot}`;
      // A fleet's first start: the chroot is created on the way (once, shared by all).
      const registrars = await registrarStorm(full, n);
      await settle();
      // A fleet's restart: the chroot and /brokers/ids are there (left by the first start).
      let cpu = process.cpuUsage();
      const restart = await registrarStorm(full, n);
      const restartCpu = cpuMsSince(cpu);
      await settle();
      const admin2 = await Session.open({ connect: full, sessionTimeoutMs: 10_000 });
      for (const p of ['raw', 'floor', ...WHICH]) await admin2.createParents(`/${p}/x`);
      await admin2.close();
      // The requests a registrar's start sends, without the library around them: a session, the
      // pre-flight's four reads in one batch, then the create and its exists-watch in one batch.
      let requestFloor: number | string;
      {
        const noNode = (): null => null;
        const t0 = performance.now();
        const settled = await Promise.allSettled(
          Array.from({ length: n }, async (_, i) => {
            const s = await Session.open({ connect: full, sessionTimeoutMs: 10_000 });
            await Promise.all([
              s.exists('/'),
              s.get('/cluster/id').catch(noNode),
              s.getChildren('/floor'),
              s.exists('/migration', () => undefined),
            ]);
            await Promise.all([s.create(`/floor/${i}`, data(i), 'ephemeral'), s.exists(`/floor/${i}`, () => undefined)]);
            return s;
          }),
        );
        const failed = settled.filter((s) => s.status === 'rejected').length;
        requestFloor = failed === 0 ? performance.now() - t0 : `${failed} of ${n} failed`;
        await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
        await settle();
      }
      let rawInProcess: number | string;
      let rawCpu = 0;
      {
        cpu = process.cpuUsage();
        const t0 = performance.now();
        const settled = await Promise.allSettled(
          Array.from({ length: n }, async (_, i) => {
            const s = await Session.open({ connect: full, sessionTimeoutMs: 10_000 });
            await s.create(`/raw/${i}`, data(i), 'ephemeral');
            return s;
          }),
        );
        const failed = settled.filter((s) => s.status === 'rejected').length;
        rawInProcess = failed === 0 ? performance.now() - t0 : `${failed} of ${n} failed`;
        await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
        rawCpu = cpuMsSince(cpu);
        await settle();
      }
      const raw = {} as Record<Which, number | string>;
      for (const which of WHICH) {
        const why = skip(which);
        if (why !== undefined) {
          raw[which] = why;
          continue;
        }
        const r = await probeOnce(which, ['storm', full, String(n), `/${which}`]);
        raw[which] =
          typeof r === 'string'
            ? r
            : (r.failed as number) === 0
              ? (r.ms as number)
              : `${r.failed as number} of ${n} failed: ${r.firstError as string}`;
        await settle();
      }
      storms.push({ n, registrars, restart, requestFloor, rawInProcess, raw, cpuPerStart: { restart: restartCpu / n, raw: rawCpu / n } });
      progress(`clients: storm of ${n} done`);
    }
  } finally {
    await zk.stop();
  }
  return { binding, create, memory, baselinePerMin, storms };
}

const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
const cell = (x: unknown, f: (v: number) => string = fmt): string => (typeof x === 'number' ? f(x) : `not measured (${String(x)})`);

export function clientsMarkdown(r: ClientsResult): string[] {
  const c = r.create;
  const co = typeof c.ours === 'string' ? undefined : c.ours;
  const cb = typeof c.binding === 'string' ? undefined : c.binding;
  return [
    '## Our client vs the `zookeeper` native binding (7.3.0)',
    '',
    `Each client in a Node process of its own (bench/client-probe.ts), one after the other on the same servers in this run; the binding installed on demand into .cache/zookeeper-binding (scripts/fetch-zookeeper-binding.sh, never a dependency) and called as this library called it until it had its own client.${r.binding === undefined ? '' : ` **Binding not measured: ${r.binding}.**`}`,
    '',
    `### Raw create (ms, an ephemeral create on an open session, its delete not timed; ${co?.n ?? cb?.n ?? 0} each)`,
    '',
    '| | p50 | p90 | p99 |',
    '| --- | --- | --- | --- |',
    `| our client | ${co === undefined ? cell(c.ours) : `${fmt(co.p50)} | ${fmt(co.p90)} | ${fmt(co.p99)}`} |`,
    `| binding | ${cb === undefined ? cell(c.binding) : `${fmt(cb.p50)} | ${fmt(cb.p90)} | ${fmt(cb.p99)}`} |`,
    `| ratio ours / binding | ${ratio(co?.p50, cb?.p50)} | ${ratio(co?.p90, cb?.p90)} | ${ratio(co?.p99, cb?.p99)} |`,
    '',
    '### Idle sessions: memory and pings (session timeout 10 s)',
    '',
    '| sessions | JS heap per session, KiB: ours / binding | RSS per session, KiB: ours / binding | pings/min per session: ours / binding (one per third of the timeout = 18) | ratio ours / binding: heap, RSS, pings |',
    '| --- | --- | --- | --- | --- |',
    ...r.memory.map((m) => {
      const o = typeof m.perSession.ours === 'string' ? undefined : m.perSession.ours;
      const b = typeof m.perSession.binding === 'string' ? undefined : m.perSession.binding;
      const one = (x: typeof o, k: 'heapKiB' | 'rssKiB' | 'pingsPerMin', raw: unknown): string =>
        x === undefined ? cell(raw) : x[k].toFixed(1);
      return `| ${m.n} | ${one(o, 'heapKiB', m.perSession.ours)} / ${one(b, 'heapKiB', m.perSession.binding)} | ${one(o, 'rssKiB', m.perSession.ours)} / ${one(b, 'rssKiB', m.perSession.binding)} | ${one(o, 'pingsPerMin', m.perSession.ours)} / ${one(b, 'pingsPerMin', m.perSession.binding)} | ${ratio(o?.heapKiB, b?.heapKiB)}, ${ratio(o?.rssKiB, b?.rssKiB)}, ${ratio(o?.pingsPerMin, b?.pingsPerMin)} |`;
    }),
    '',
    `The 1-session row is the first session's cost, the client's own lazy set-up included, and within the noise of a forced GC (a negative heap figure is that noise); the 1,000-session row is the per-session cost. Memory: the probe's \`process.memoryUsage()\` after a forced GC, before and after opening the sessions (100 at a time), divided by their number; the binding's C client keeps its buffers outside the JS heap, so its RSS column is the one to compare. Pings: the server's \`mntr\` zk_packets_received over ${r.memory.length === 0 ? 0 : 30} s while the probe holds its idle sessions, less the same window with no probe (${r.baselinePerMin.toFixed(1)}/min: four-letter words and the bench's own sessions), per session.`,
    '',
    '### Start storms through a chroot on a 3-member ensemble (ms until all n have their node)',
    '',
    "| n | ours: n BrokerRegistrars, first start (missing chroot) | ours: restart (chroot and /brokers/ids there) | request floor: a registrar's requests in its batches, no library | raw limit: n Session.open + create (in the bench process) | raw, our client (own process) | raw, binding (own process) | registrars / raw limit, first start; restart (target <= 1.5x) | restart / request floor; request floor / raw limit | raw binding / raw ours | CPU of this process per start, ms: restart / raw limit (stop and close included) |",
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.storms.map(
      (s) =>
        `| ${s.n} | ${cell(s.registrars)} | ${cell(s.restart)} | ${cell(s.requestFloor)} | ${cell(s.rawInProcess)} | ${cell(s.raw.ours)} | ${cell(s.raw.binding)} | ${ratio(num(s.registrars), num(s.rawInProcess))}; ${ratio(num(s.restart), num(s.rawInProcess))} | ${ratio(num(s.restart), num(s.requestFloor))}; ${ratio(num(s.requestFloor), num(s.rawInProcess))} | ${ratio(num(s.raw.binding), num(s.raw.ours))} | ${s.cpuPerStart.restart.toFixed(2)} / ${s.cpuPerStart.raw.toFixed(2)} (${ratio(s.cpuPerStart.restart, s.cpuPerStart.raw)}) |`,
    ),
    '',
    "Each raw session opens on the ensemble's connect string with a chroot that exists, and creates one ephemeral node under it. The registrars, each with its own Connection, pre-flight reads and owner-checked registration, start first on a chroot nobody has created yet (a fleet's first start: created once, shared by all, as are the missing parents of /brokers/ids), then again on what that start left (a fleet's restart). Per registrar that is a session, one write carrying the pre-flight's reads (the cluster id, /brokers/ids, the /migration exists-watch, the chroot's stat), and one carrying the create and its exists-watch: 7 requests and 3 socket writes where the raw limit has 2 and 2, and the pre-flight's round trip before the create. A restart's later registrars also read one registered broker's listeners (more only when it has a listener the registrar lacks). The request floor sends exactly the session, the four reads, and the create with its exists-watch, in those batches, with nothing of the library around them: what the start would cost if the library's own work were free. The ratio to the raw limit is the price of checking before writing; the rest is ours. The last column is why a storm in one process is the bench's hardest case: the bench process is busy for nearly all of a restart (its CPU per start, times n, is most of the wall time), so every request, socket write and decoded reply of every registrar is paid in series on one core, where a fleet of brokers, each in its own process, pays its own.",
    '',
  ];
}
