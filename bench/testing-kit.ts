// Time to a usable cluster with the testing kit, warm cache: from calling startKafkaCluster (or
// startZooKeeper) until it resolves (every broker registered and serving Metadata that lists the
// whole cluster; every ZooKeeper member serving), and the time stop() takes. Run:
//   npm run build:all && flock /tmp/kzr-heavy.lock node build/bench/testing-kit.js [runs] [--out bench/testing-kit.md]
// Uses the kit's default cache (KZR_CACHE_DIR, $XDG_CACHE_HOME/kafka-zk-registrar, ~/.cache/kafka-zk-registrar).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { startKafkaCluster, startZooKeeper } from '../src/testing/index.js';

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
  if (out !== undefined) writeFileSync(out, md);
  process.stdout.write(md);
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] ?? NaN;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
