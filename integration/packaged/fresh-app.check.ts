// The packed tarball in a fresh app, under each runner our users have: `npm pack`, a new project in
// a temp dir that installs the tarball with jest and vitest from the npm registry, and one test file
// per runner (node:test, jest, vitest) that starts a Kafka cluster with the kit, on a ZooKeeper this
// file starts and shares with them (so that what they leave registered can be seen after they exit).
// Each runner runs a passing file (exit 0) and a deliberately failing one (non-zero), the failure
// striking between registerTemporaryBroker() and dispose(); after each run: the runner exited by
// itself within the bound, no process runs whose command line names the app's dir (JVMs, runner
// workers), the run's TMPDIR is empty, and no broker registration is left in ZooKeeper.
// Needs the network (the npm registry) and built dist/: `npm run test:packaged`, in .ci/run.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startZooKeeper, type TestZooKeeper } from '../../src/testing/index.js';
import { kafkaSkipReason } from '../harness/kafka-cluster.js';
import { eventually } from '../harness/wait.js';
import { repoRoot } from '../harness/zk-versions.js';

const root = repoRoot();
const cacheDir = join(root, '.cache');
const skip = kafkaSkipReason();
/** A runner that has not exited this long after it started is killed and the test fails. */
const RUN_BOUND_MS = 120_000;

let app = '';
let zk: TestZooKeeper | undefined;

type Runner = 'node-test' | 'jest' | 'vitest';

/** The test file of `runner`, passing or failing before dispose(). Plain JS for node:test and jest (no transform), TS for vitest. */
function testFile(runner: Runner, failing: boolean): { name: string; text: string } {
  const check = {
    'node-test': `assert.equal(tmp.brokerId, 43, 'deliberately failing, before dispose()');`,
    jest: 'expect(tmp.brokerId).toBe(43); // deliberately failing, before dispose()',
    vitest: 'expect(tmp.brokerId).toBe(43); // deliberately failing, before dispose()',
  }[runner];
  const head = {
    'node-test': [
      "import { strict as assert } from 'node:assert';",
      "import { after as afterAll, before as beforeAll, test } from 'node:test';",
      "import { registerTemporaryBroker, startKafkaCluster } from 'kafka-zk-registrar/testing';",
    ],
    jest: [
      "const { afterAll, beforeAll, expect, test } = require('@jest/globals');",
      "const { registerTemporaryBroker, startKafkaCluster } = require('kafka-zk-registrar/testing');",
    ],
    vitest: [
      "import { afterAll, beforeAll, expect, test } from 'vitest';",
      "import { registerTemporaryBroker, startKafkaCluster, type TestKafkaCluster } from 'kafka-zk-registrar/testing';",
    ],
  }[runner];
  const body = [
    ...head,
    runner === 'vitest' ? 'let cluster: TestKafkaCluster;' : 'let cluster;',
    '// A Kafka cluster of this file, on the ZooKeeper the checking test shares (KZR_TEST_ZK).',
    'beforeAll(async () => { cluster = await startKafkaCluster({ zookeeper: process.env.KZR_TEST_ZK }); }, 60_000);',
    'afterAll(() => cluster?.stop(), 60_000);',
    "test('a temporary broker joins the cluster; a broker restarts', async () => {",
    '  const tmp = await registerTemporaryBroker({ zookeeper: { connect: cluster.zkConnect }, brokerId: 42, kafka: { brokers: cluster.bootstrap } });',
    ...(failing ? [`  ${check}`] : []),
    '  await tmp.dispose();',
    '  await cluster.restartBroker(1);',
    '}, 60_000);',
    '',
  ];
  const suffix = { 'node-test': '.test.mjs', jest: '.test.js', vitest: '.test.ts' }[runner];
  return { name: `${failing ? 'failing' : 'passing'}${suffix}`, text: body.join('\n') };
}

function command(runner: Runner, file: string): [string, string[]] {
  const bin = (n: string): string => join(app, 'node_modules', '.bin', n);
  if (runner === 'node-test') return [process.execPath, ['--test', file]];
  if (runner === 'jest') return [bin('jest'), ['--ci', '--cacheDirectory', join(app, '.jest-cache'), file]];
  return [bin('vitest'), ['run', file]];
}

/** This process's environment without node:test's own marker (a nested `node --test` would otherwise run nothing). */
function runnerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** How each runner's summary says that one test passed. */
const ONE_PASSED: Record<Runner, RegExp> = {
  'node-test': /^# pass 1$/m,
  jest: /Tests:\s+1 passed, 1 total/,
  vitest: /Tests\s+1 passed \(1\)/,
};

/** Pids of processes (not this one) whose command line contains `needle`, with their command lines. */
function processesNaming(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline.slice(0, 200)}`);
  }
  return found;
}

/** Broker registrations under every chroot of the shared ZooKeeper (`/<chroot>/brokers/ids/<id>`). */
async function registrations(): Promise<string[]> {
  const owners = await zk!.ephemeralOwners();
  if (owners === undefined) return ['(no leader answered dump)'];
  return [...owners.keys()].filter((p) => /\/brokers\/ids\/\d+$/.test(p));
}

async function runOnce(runner: Runner, failing: boolean): Promise<{ code: number | null; out: string; ms: number; tmp: string }> {
  const dir = join(app, runner);
  mkdirSync(dir, { recursive: true });
  const f = testFile(runner, failing);
  writeFileSync(join(dir, f.name), f.text);
  const tmp = join(app, 'tmp', `${runner}-${failing ? 'failing' : 'passing'}`);
  mkdirSync(tmp, { recursive: true });
  const [cmd, args] = command(runner, join(runner, f.name));
  const started = Date.now();
  const child = spawn(cmd, args, {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...runnerEnv(),
      TMPDIR: tmp,
      KZR_CACHE_DIR: cacheDir,
      KZR_TEST_ZK: zk!.connectString,
      CI: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${runner} (${f.name}) did not exit within ${RUN_BOUND_MS} ms:\n${out.slice(-3000)}`));
    }, RUN_BOUND_MS);
    child.once('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  return { code, out, ms: Date.now() - started, tmp };
}

/** What must hold after every run, passing or failing: nothing running, no temp dir, no registration. */
async function assertNothingLeft(runner: Runner, tmp: string): Promise<void> {
  // A JVM the runner's exit hook or the kernel (parent-death signal) killed may take a moment to go.
  await eventually(
    async () => processesNaming(app).length === 0,
    10_000,
    `no process naming ${app} after ${runner} exited`,
    () => processesNaming(app).join('\n'),
  );
  assert.deepEqual(readdirSync(tmp), [], `${runner} left temp dirs in ${tmp}`);
  // Kafka brokers are SIGKILLed by stop(): their nodes go when their 6 s sessions expire; a
  // temporary broker's node must go at once (deleted by its registrar), or with its session.
  await eventually(
    async () => (await registrations()).length === 0,
    15_000,
    `no broker registration left after ${runner}`,
    () => JSON.stringify(zk?.connectString),
  );
}

before(async () => {
  if (skip !== false) return;
  assert.ok(existsSync(join(root, 'dist', 'testing', 'index.js')), 'dist/ is built (npm run build)');
  app = mkdtempSync(join(tmpdir(), 'kzr-fresh-app-'));
  const started = Date.now();
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], { cwd: root, encoding: 'utf8' }),
  ) as [{ filename: string }];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'fresh-app', private: true, version: '1.0.0' }, null, 2)}\n`);
  // The runners at the versions our own examples use; --prefer-offline: the npm cache makes repeats fast.
  const runners = ['jest', '@jest/globals', 'vitest'].map((n) => `${n}@${pkg.devDependencies[n]}`);
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(app, packed[0].filename), ...runners],
    { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 },
  );
  console.log(`# packed and installed in ${Date.now() - started} ms`);
  zk = await startZooKeeper({ cacheDir });
});

after(async () => {
  await zk?.stop();
  if (app !== '') rmSync(app, { recursive: true, force: true });
});

for (const runner of ['node-test', 'jest', 'vitest'] as const) {
  test(`${runner}: a passing test exits 0; a failing one exits non-zero, leaving nothing running or registered`, { skip }, async () => {
    const pass = await runOnce(runner, false);
    console.log(`# ${runner} passing: exit ${pass.code} in ${pass.ms} ms`);
    assert.equal(pass.code, 0, `${runner} passing:\n${pass.out.slice(-3000)}`);
    assert.match(pass.out, ONE_PASSED[runner], `${runner} ran the test:\n${pass.out.slice(-3000)}`);
    await assertNothingLeft(runner, pass.tmp);

    const fail = await runOnce(runner, true);
    console.log(`# ${runner} failing: exit ${fail.code} in ${fail.ms} ms`);
    assert.notEqual(fail.code, 0, `${runner} failing must exit non-zero:\n${fail.out.slice(-3000)}`);
    assert.match(fail.out, /deliberately failing|43/, `${runner} reports the failed assertion:\n${fail.out.slice(-3000)}`);
    await assertNothingLeft(runner, fail.tmp);
  });
}
