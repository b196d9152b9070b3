// The published entry points: require() and import both give the same API, types are shipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');

test('dist is built with type declarations', () => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'run npm run build');
  assert.ok(existsSync(join(root, 'dist', 'index.d.ts')));
});

test('require() and import() expose the same named exports', () => {
  const script = `
    const cjs = require('kafka-zk-registrar');
    import('kafka-zk-registrar').then((esm) => {
      const names = ['BrokerRegistrar', 'Connection', 'OwnedEphemeral', 'RegistrationConflictError', 'encodeBrokerZNode'];
      for (const n of names) {
        if (typeof cjs[n] !== 'function') throw new Error('require: missing ' + n);
        if (esm[n] !== cjs[n]) throw new Error('import: missing or different ' + n);
      }
      console.log('ok');
    });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(out.trim(), 'ok');
});

test('the packed tarball: a LICENSE, and every source map points at a source it ships', () => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as [{ files: { path: string }[] }];
  const files = new Set(packed.files.map((f) => f.path));
  assert.ok(files.has('LICENSE'), 'LICENSE is shipped (package.json says Apache-2.0)');
  const maps = [...files].filter((f) => f.startsWith('dist/') && f.endsWith('.map'));
  assert.ok(maps.length > 10, `source maps are shipped: ${maps.length}`);
  const missing: string[] = [];
  for (const m of maps) {
    const map = JSON.parse(readFileSync(join(root, m), 'utf8')) as { sources: string[] };
    for (const s of map.sources) {
      const target = posix.normalize(posix.join(posix.dirname(m), s));
      if (!files.has(target)) missing.push(`${m} -> ${target}`);
    }
  }
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} source map entries point at files the tarball lacks`);
});
