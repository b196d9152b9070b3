// The testing kit on each ZooKeeper-mode Kafka line: for every version, fetch its jars (once, into
// the kit's cache; a version already there is not fetched again), start ZooKeeper + 1 broker with
// startKafkaCluster({ version }), register a temporary broker in it, dispose it, stop the cluster.
// Prints one line per version and a markdown table. Not in CI (the jars of each line are large):
//   npm run compat:kafka [-- 2.4.1 3.6.2 ...]
// Uses the kit's default cache (KZR_CACHE_DIR, $XDG_CACHE_HOME/kafka-zk-registrar, ~/.cache/kafka-zk-registrar).
// Exits 1 when a line failed (a version the kit refuses, INVALID_CONFIG, is reported as refused).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir, fetchKafka, kafkaLibs, registerTemporaryBroker, startKafkaCluster } from '../src/testing/index.js';
import { javaMajorVersion } from '../src/testing/jvm.js';

const LINES = ['2.4.1', '2.8.2', '3.3.2', '3.6.2', '3.9.2'];

interface Result {
  readonly version: string;
  readonly fetchedS: number | undefined;
  readonly outcome: string;
  readonly upS: number | undefined;
  readonly tempS: number | undefined;
  readonly zk: string;
  readonly ok: boolean;
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

async function one(version: string): Promise<Result> {
  const cacheDir = defaultCacheDir();
  let fetchedS: number | undefined;
  try {
    if (!existsSync(join(cacheDir, `kafka-${version}`, 'libs', '.complete'))) {
      const t = performance.now();
      await fetchKafka(version, { cacheDir, log: (l) => process.stderr.write(`  ${l}\n`) });
      fetchedS = (performance.now() - t) / 1000;
    }
    kafkaLibs(version, cacheDir);
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { version, fetchedS, outcome: `fetch: ${e.code ?? 'Error'}: ${e.message}`, upS: undefined, tempS: undefined, zk: '', ok: false };
  }
  const t0 = performance.now();
  let cluster: Awaited<ReturnType<typeof startKafkaCluster>>;
  try {
    cluster = await startKafkaCluster({ version, cacheDir, startTimeoutMs: 60_000 });
  } catch (err) {
    const e = err as { code?: string; message: string };
    // A version of no ZooKeeper-mode line is refused before anything starts.
    const refused = e.code === 'INVALID_CONFIG';
    return {
      version,
      fetchedS,
      outcome: `${refused ? 'refused' : 'FAILED'}: ${e.code ?? 'Error'}: ${e.message.split('\n')[0]}`,
      upS: undefined,
      tempS: undefined,
      zk: '',
      ok: refused,
    };
  }
  const upS = (performance.now() - t0) / 1000;
  try {
    const t1 = performance.now();
    const tmp = await registerTemporaryBroker({
      zookeeper: { connect: cluster.zkConnect },
      brokerId: 42,
      kafka: { brokers: cluster.bootstrap },
    });
    await tmp.dispose();
    const tempS = (performance.now() - t1) / 1000;
    return { version, fetchedS, outcome: 'works', upS, tempS, zk: cluster.zookeeper?.version.split('-')[0] ?? '', ok: true };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return {
      version,
      fetchedS,
      outcome: `FAILED (temporary broker): ${e.code ?? 'Error'}: ${e.message}`,
      upS,
      tempS: undefined,
      zk: '',
      ok: false,
    };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : LINES;
  const results: Result[] = [];
  for (const v of versions) {
    process.stdout.write(`=== Kafka ${v} ===\n`);
    const r = await one(v);
    results.push(r);
    process.stdout.write(
      `${v}: ${r.outcome}${r.upS === undefined ? '' : `, up ${s(r.upS * 1000)} s`}${r.tempS === undefined ? '' : `, temporary broker up+down ${s(r.tempS * 1000)} s`}${r.fetchedS === undefined ? '' : `, fetched in ${r.fetchedS.toFixed(1)} s`}\n`,
    );
  }
  const md = [
    `Java ${(await javaMajorVersion()) ?? '?'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}:`,
    '',
    '| Kafka | result | ZooKeeper (bundled) | ZooKeeper + 1 broker up, s | temporary broker registered + disposed, s |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.version} | ${r.outcome.replace(/\|/g, '\\|')} | ${r.zk} | ${r.upS === undefined ? '' : r.upS.toFixed(2)} | ${r.tempS === undefined ? '' : r.tempS.toFixed(2)} |`,
    ),
    '',
  ].join('\n');
  process.stdout.write(`\n${md}`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
