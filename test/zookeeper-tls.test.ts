// `tls` options (ZooKeeper's secure client port) are checked before anything connects: each mistake is
// an InvalidConfigError naming the field and the value, key material never echoed; the CLI's
// --zookeeper-tls-* flags name the flag and the file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCommand } from '../src/cli/args.js';
import { auditRegistrations, BrokerRegistrar, Connection, InvalidConfigError, Session, type ZooKeeperTls } from '../src/index.js';
import { haveOpenssl, issueCert, makeCa, type Pem } from '../integration/harness/pki.js';

const listeners = [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }];

function refused(fn: () => unknown, field: string, value: unknown, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidConfigError, `expected InvalidConfigError, got ${String(err)}`);
    assert.equal(err.field, field, err.message);
    assert.deepEqual(err.value, value, err.message);
    if (reason !== undefined) assert.match(err.reason, reason);
    return true;
  });
}

describe('tls options', { skip: haveOpenssl() ? false : 'openssl is needed to make certificates' }, () => {
  let dir: string;
  let ca: Pem;
  let client: Pem;
  let other: Pem;
  const connection = (tls: unknown): Connection => new Connection({ connect: '127.0.0.1:2281', tls: tls as ZooKeeperTls });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kzr-tls-unit-'));
    ca = await makeCa(dir, 'ca');
    client = await issueCert(ca, dir, 'client', 'kzr-client');
    other = await issueCert(ca, dir, 'other', 'someone-else');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('good options construct without touching the network, on every public config', () => {
    for (const tls of [
      {},
      { ca: ca.cert },
      { ca: [ca.cert, ca.cert.toString()] },
      { ca: ca.cert, cert: client.cert, key: client.key, servername: 'zk-1.example.com' },
    ]) {
      assert.equal(connection(tls).state, 'idle');
      assert.equal(new BrokerRegistrar({ zookeeper: { connect: '127.0.0.1:2281', tls }, brokerId: 1, listeners }).status().state, 'idle');
    }
  });

  test('a certificate without its key, or a key without its certificate', () => {
    refused(() => connection({ cert: client.cert }), 'zookeeper.tls.key', undefined, /needed with zookeeper\.tls\.cert/);
    refused(() => connection({ key: client.key }), 'zookeeper.tls.cert', undefined, /needed with zookeeper\.tls\.key/);
    refused(() => connection({ passphrase: 'x' }), 'zookeeper.tls.passphrase', '<redacted>', /only with zookeeper\.tls\.key/);
  });

  test("a key that is not the certificate's is refused, and never echoed", () => {
    assert.throws(
      () => connection({ cert: client.cert, key: other.key }),
      (e: unknown) =>
        e instanceof InvalidConfigError &&
        e.field === 'zookeeper.tls.key' &&
        /not the private key of zookeeper\.tls\.cert \(CN=kzr-client\)/.test(e.message) &&
        !e.message.includes('PRIVATE KEY'),
    );
  });

  test('a file name where its contents belong is said so; non-PEM is refused', () => {
    refused(() => connection({ ca: '/etc/zookeeper/ca.pem' }), 'zookeeper.tls.ca', '/etc/zookeeper/ca.pem', /looks like a file name/);
    refused(() => connection({ ca: [ca.cert, 'ca2.pem'] }), 'zookeeper.tls.ca[1]', 'ca2.pem', /looks like a file name/);
    refused(() => connection({ cert: 'client.pem', key: client.key }), 'zookeeper.tls.cert', 'client.pem', /looks like a file name/);
    refused(() => connection({ cert: client.cert, key: 'client.key' }), 'zookeeper.tls.key', '<redacted>', /looks like a file name/);
    refused(
      () => connection({ ca: '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n' }),
      'zookeeper.tls.ca',
      '(66 characters)',
      /does not parse/,
    );
    refused(() => connection({ ca: [] }), 'zookeeper.tls.ca', '[]');
    refused(() => connection({ ca: 42 }), 'zookeeper.tls.ca', 42, /PEM text/);
  });

  test('an encrypted key needs its passphrase, and the right one', () => {
    const encrypted = join(dir, 'encrypted.key');
    execFileSync('openssl', ['pkey', '-in', client.keyFile, '-aes256', '-passout', 'pass:s3cret', '-out', encrypted]);
    const key = readFileSync(encrypted);
    refused(() => connection({ cert: client.cert, key }), 'zookeeper.tls.passphrase', undefined, /zookeeper\.tls\.key is encrypted/);
    refused(
      () => connection({ cert: client.cert, key, passphrase: 'wrong' }),
      'zookeeper.tls.passphrase',
      '<redacted>',
      /does not decrypt/,
    );
    assert.equal(connection({ cert: client.cert, key, passphrase: 's3cret' }).state, 'idle');
  });

  test('servername: a DNS name, not an IP address', () => {
    refused(() => connection({ servername: '127.0.0.1' }), 'zookeeper.tls.servername', '127.0.0.1', /RFC 6066/);
    refused(() => connection({ servername: '::1' }), 'zookeeper.tls.servername', '::1', /RFC 6066/);
    refused(() => connection({ servername: 'zk 1' }), 'zookeeper.tls.servername', 'zk 1', /DNS host name/);
  });

  test('not an object, an unknown option, or verification turned off', () => {
    refused(() => connection(true), 'zookeeper.tls', true);
    refused(
      () => connection({ caFile: 'x' }),
      'zookeeper.tls.caFile',
      '<redacted>',
      /unknown option; expected one of ca, cert, key, passphrase, servername/,
    );
    refused(() => connection({ rejectUnauthorized: false }), 'zookeeper.tls.rejectUnauthorized', false, /cannot be turned off/);
    refused(
      () => new BrokerRegistrar({ zookeeper: { connect: '127.0.0.1:2281', tls: { cert: client.cert } }, brokerId: 1, listeners }),
      'zookeeper.tls.key',
      undefined,
    );
  });

  test('Session.open and auditRegistrations name their own field, before connecting', async () => {
    await assert.rejects(
      Session.open({ connect: '127.0.0.1:1', sessionTimeoutMs: 4000, tls: { key: client.key } }),
      (e: unknown) => e instanceof InvalidConfigError && e.field === 'tls.cert',
    );
    await assert.rejects(
      auditRegistrations('127.0.0.1:1', { tls: { ca: 'ca.pem' } }),
      (e: unknown) => e instanceof InvalidConfigError && e.field === 'tls.ca',
    );
  });

  test('CLI: --zookeeper-tls-* flags become the tls option, for register and audit', () => {
    const reg = parseCommand([
      'register',
      '--zookeeper',
      'zk:2281/kafka',
      '--broker-id',
      '1',
      '--listeners',
      'PLAINTEXT://h:9092',
      '--zookeeper-tls-ca-file',
      ca.certFile,
      '--zookeeper-tls-cert-file',
      client.certFile,
      '--zookeeper-tls-key-file',
      client.keyFile,
      '--zookeeper-tls-servername',
      'zk.example.com',
    ]);
    assert.ok(reg.kind === 'register' && !(reg.config.zookeeper instanceof Connection));
    assert.deepEqual(reg.config.zookeeper.tls, { ca: ca.cert, cert: client.cert, key: client.key, servername: 'zk.example.com' });
    new BrokerRegistrar(reg.config); // the library takes what the CLI made
    const audit = parseCommand(['audit', '--zookeeper', 'zk:2281', '--zookeeper-tls']);
    assert.ok(audit.kind === 'audit');
    assert.deepEqual(audit.tls, {}, '--zookeeper-tls alone: TLS with the default CAs');
    const plain = parseCommand(['audit', '--zookeeper', 'zk:2281']);
    assert.ok(plain.kind === 'audit' && plain.tls === undefined);
  });

  test('CLI: a file that cannot be read, or holds no PEM, is a usage error naming the flag and the path', () => {
    const base = ['audit', '--zookeeper', 'zk:2281'];
    const missing = join(dir, 'missing.pem');
    refused(
      () => parseCommand([...base, '--zookeeper-tls-ca-file', missing]),
      '--zookeeper-tls-ca-file',
      missing,
      /cannot read it: ENOENT/,
    );
    refused(() => parseCommand([...base, '--zookeeper-tls-ca-file', dir]), '--zookeeper-tls-ca-file', dir, /cannot read it: EISDIR/);
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'hello\n');
    refused(() => parseCommand([...base, '--zookeeper-tls-ca-file', empty]), '--zookeeper-tls-ca-file', empty, /PEM certificate/);
    refused(
      () => parseCommand([...base, '--zookeeper-tls-cert-file', client.certFile]),
      '--zookeeper-tls-key-file',
      undefined,
      /needed with --zookeeper-tls-cert-file/,
    );
    refused(
      () => parseCommand([...base, '--zookeeper-tls-cert-file', client.certFile, '--zookeeper-tls-key-file', other.keyFile]),
      '--zookeeper-tls-key-file',
      other.keyFile,
      /not the private key of --zookeeper-tls-cert-file/,
    );
    const encrypted = join(dir, 'encrypted-cli.key');
    execFileSync('openssl', ['pkey', '-in', client.keyFile, '-aes256', '-passout', 'pass:s3cret', '-out', encrypted]);
    refused(
      () => parseCommand([...base, '--zookeeper-tls-cert-file', client.certFile, '--zookeeper-tls-key-file', encrypted]),
      '--zookeeper-tls-key-file',
      encrypted,
      /the key is encrypted; give an unencrypted key/,
    );
    refused(() => parseCommand([...base, '--zookeeper-tls-servername', '10.0.0.1']), '--zookeeper-tls-servername', '10.0.0.1', /RFC 6066/);
  });
});
