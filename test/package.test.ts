// The published entry points: require() and import both give the same API, types are shipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
