// Time to a usable cluster with the testing kit, warm cache: from calling startKafkaCluster (or
// startZooKeeper) until it resolves (every broker registered and serving Metadata that lists the
// whole cluster; every ZooKeeper member serving), and the time stop() takes. Run:
//   npm run build:all && flock /tmp/kzr-heavy.lock node build/bench/testing-kit.js [runs] [--out bench/testing-kit.md]
// Uses the kit's default cache (KZR_CACHE_DIR, $XDG_CACHE_HOME/kafka-zk-registrar, ~/.cache/kafka-zk-registrar).
// `--out FILE` replaces the file's first section (up to its first `## ` heading) and keeps the rest.
//
// With `--cold [--maven-cold]`: one run of ZooKeeper + 1 broker from a cold kit cache instead (a
// fresh KZR_CACHE_DIR, so the Kafka jars are fetched from Maven Central first, as `fetch-kafka`
// does); with --maven-cold also a fresh Maven local repository (nothing downloaded before, as on a
// machine that never ran Maven). Prints the fetch and start times; writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchKafka, startKafkaCluster, startZooKeeper } from '../src/testing/index.js';

interface Row {
  readonly what: string;
  readonly up: number[];
  readonly down: number[];
}

async function time<T extends { stop(): Promise<void> }>(start: () => Promise<T>): Promise<[number, number]> {
  const t0 = performance.now();
  const it = await start();
  const t1 = performance.now();
  await it.stop();
  return [t1 - t0, performance.now() - t1];
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  if (args.includes('--cold')) return cold(args.includes('--maven-cold'));
  const cases: [string, () => Promise<{ stop(): Promise<void> }>][] = [
    ['ZooKeeper, standalone', () => startZooKeeper()],
    ['ZooKeeper, 3-member ensemble', () => startZooKeeper({ members: 3 })],
    ['ZooKeeper + 1 broker', () => startKafkaCluster({ brokers: 1 })],
    ['ZooKeeper + 3 brokers', () => startKafkaCluster({ brokers: 3 })],
  ];
  const rows: Row[] = [];
  for (const [what, start] of cases) {
    const row: Row = { what, up: [], down: [] };
    for (let i = 0; i < runs; i++) {
      const [up, down] = await time(start);
      row.up.push(up);
      row.down.push(down);
      process.stdout.write(`${what}: run ${i + 1}: up ${s(up)} s, stop ${s(down)} s\n`);
    }
    rows.push(row);
  }
  const md = [
    '# Testing kit: time to a usable cluster',
    '',
    `Measured by \`node build/bench/testing-kit.js ${runs}\` (bench/testing-kit.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (shared), Node ${process.version},`,
    "warm cache (jars fetched before; the JVM's own class-data sharing as installed), one case after another, each run a fresh",
    'set of JVMs. "Up" is from the call until it resolves: every ZooKeeper member serves; every broker is registered',
    'and serves Metadata listing the whole cluster. "Stop" is stop(): SIGTERM to ZooKeeper, SIGKILL to brokers, temp dirs removed.',
    '',
    '| what | up, s (each run) | up, s (median) | stop, s (median) |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.up.map(s).join(', ')} | ${s(median(r.up))} | ${s(median(r.down))} |`),
    '',
  ].join('\n');
  if (out !== undefined) {
    const old = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const rest = old.search(/^## /m);
    writeFileSync(out, rest < 0 ? md : `${md}\n${old.slice(rest)}`);
  }
  process.stdout.write(md);
}

/** One cold start: fetch the Kafka jars into a fresh cache (and Maven repository), then ZooKeeper + 1 broker. */
async function cold(mavenCold: boolean): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'kzr-bench-cold-'));
  const cacheDir = join(scratch, 'cache');
  const saved = process.env.MAVEN_OPTS;
  // mvn passes MAVEN_OPTS to Maven's JVM: a local repository of its own, empty.
  if (mavenCold) process.env.MAVEN_OPTS = `${saved ?? ''} -Dmaven.repo.local=${join(scratch, 'm2')}`.trim();
  try {
    const t0 = performance.now();
    await fetchKafka(undefined, { cacheDir });
    const t1 = performance.now();
    const c = await startKafkaCluster({ brokers: 1, cacheDir });
    const t2 = performance.now();
    await c.stop();
    process.stdout.write(
      `cold kit cache${mavenCold ? ' and cold Maven repository' : ' (Maven repository as it is)'}: fetch ${s(t1 - t0)} s + up ${s(t2 - t1)} s = ${s(t2 - t0)} s to a usable cluster\n`,
    );
  } finally {
    if (saved === undefined) delete process.env.MAVEN_OPTS;
    else process.env.MAVEN_OPTS = saved;
    rmSync(scratch, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] ?? NaN;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
