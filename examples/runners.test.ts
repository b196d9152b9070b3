// Runs the jest and vitest examples with the real runners (devDependencies), as `npm test` runs
// examples/node-test itself: jest on the tsc output in build/examples/jest, vitest on the
// TypeScript source in examples/vitest. Each must pass and exit by itself within the bound.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

function run(cmd: string, args: string[]): { status: number | null; out: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 150_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.error, undefined, `${cmd} ${args.join(' ')} did not end in 150 s:\n${out.slice(-3000)}`);
  return { status: r.status, out, ms: Date.now() - started };
}

test('examples/jest: jest passes both tests and exits', () => {
  const r = run(bin('jest'), ['--rootDir', join(root, 'build', 'examples', 'jest'), '--ci']);
  assert.equal(r.status, 0, r.out.slice(-3000));
  assert.match(r.out, /Tests:\s+2 passed, 2 total/, r.out.slice(-3000));
});

test('examples/vitest: vitest passes both tests and exits', () => {
  const r = run(bin('vitest'), ['run', '--root', join(root, 'examples', 'vitest')]);
  assert.equal(r.status, 0, r.out.slice(-3000));
  assert.match(r.out, /Tests\s+2 passed \(2\)/, r.out.slice(-3000));
});
