// TLS to ZooKeeper's secure client port, as users configure it (`zookeeper.tls`, the CLI's
// --zookeeper-tls-* flags), against a real ZooKeeper serving TLS (Netty, PEM stores, ssl.clientAuth
// 'want': a client certificate is verified when given) with a CA this file makes. What is written
// over TLS is read back by a plain observer on the server's plaintext port.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  auditRegistrations,
  AuditFailedError,
  BrokerRegistrar,
  Connection,
  ConnectTimeoutError,
  decodeBrokerZNode,
  KafkaZkRegistrarError,
  NoAuthError,
  PERM,
  type ZooKeeperTls,
} from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';
import { runCli, startCli } from './harness/cli-run.js';
import { haveOpenssl, issueCert, makeCa, type Pem } from './harness/pki.js';
import { waitForEvent, within } from './harness/wait.js';
import type { ZooKeeperTlsPort } from './harness/zookeeper-server.js';

const zk = useZooKeeper({ tls: { clientAuth: 'want' } });
const LISTENERS = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
let n = 0;

/** The server's TLS port, or a skip (ZK_CONNECT points at a server of someone else's). */
function secure(t: TestContext): ZooKeeperTlsPort | undefined {
  const tls = zk.server.tls;
  if (tls === undefined) t.skip('the ZooKeeper server was not started by the harness (ZK_CONNECT): no TLS port');
  return tls;
}

/** A fresh chroot, as a TLS connect string and a plaintext one for the observer. */
function chroot(tls: ZooKeeperTlsPort): { secure: string; plain: string } {
  const path = `/kzr-tls-${process.pid}-${++n}`;
  return { secure: `${tls.connectString}${path}`, plain: `${zk.server.connectString}${path}` };
}

/** Sockets open in this process (a TLS socket is a TCP handle underneath). */
function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

describe('TLS to ZooKeeper (secureClientPort)', { skip: haveOpenssl() ? false : 'openssl is needed to make certificates' }, () => {
  let dir: string;
  let otherCa: Pem;
  let stranger: Pem;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kzr-tls-it-'));
    // A CA that did not sign the server's certificate, and a client certificate it signed.
    otherCa = await makeCa(dir, 'other-ca');
    stranger = await issueCert(otherCa, dir, 'stranger', 'kzr-stranger');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a BrokerRegistrar registers over TLS; a plain observer reads the node back; stop() deregisters and closes the socket', async (t) => {
    const tls = secure(t);
    if (tls === undefined) return;
    const at = chroot(tls);
    const obs = await zk.observer(at.plain);
    const before = sockets();
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: at.secure, sessionTimeoutMs: 4000, tls: { ca: tls.ca.cert } },
        brokerId: 1,
        listeners: LISTENERS,
      }),
    );
    const reg = await within(r.start(), 20_000, 'start() over TLS');
    assert.equal(sockets(), before + 1, 'one socket: the session (on the TLS port, where nothing else is served)');
    const { data, stat } = await obs.get('/brokers/ids/1');
    assert.equal(stat.ephemeralOwner, reg.sessionId, 'our TLS session owns the node');
    assert.equal(stat.czxid, reg.brokerEpoch);
    assert.deepEqual(
      decodeBrokerZNode(1, data).endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
      ['PLAINTEXT://127.0.0.1:9092'],
    );
    await within(r.stop(), 10_000, 'stop()');
    assert.equal(await obs.exists('/brokers/ids/1'), null, 'deregistered over TLS');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sockets(), before, 'stop() left no socket');
  });

  test('mutual TLS: the server authenticates our client certificate (an x509 ACL lets only us write)', async (t) => {
    const tls = secure(t);
    if (tls === undefined) return;
    const path = `/kzr-tls-x509-${process.pid}`;
    const mine = zk.track(
      new Connection({
        connect: tls.connectString,
        sessionTimeoutMs: 4000,
        tls: { ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key },
      }),
    );
    const s = await within(mine.start(), 15_000, 'a session with a client certificate');
    await s.create(path, Buffer.from('a'), 'persistent', [
      { scheme: 'x509', id: 'CN=kzr-client', perms: PERM.ALL },
      { scheme: 'world', id: 'anyone', perms: PERM.READ },
    ]);
    const obs = await zk.observer(zk.server.connectString);
    await assert.rejects(obs.set(path, Buffer.from('b'), -1), NoAuthError, 'without the certificate: no write');
    // TLS without a client certificate is let in ('want'), but has no x509 identity either.
    const anonymous = zk.track(new Connection({ connect: tls.connectString, sessionTimeoutMs: 4000, tls: { ca: tls.ca.cert } }));
    await assert.rejects(
      (await within(anonymous.start(), 15_000, 'a TLS session without a certificate')).set(path, Buffer.from('b'), -1),
      NoAuthError,
    );
    await s.set(path, Buffer.from('c'), -1);
    assert.equal((await obs.get(path)).data.toString(), 'c');
    await s.delete(path, -1);

    // A certificate the server's CA did not sign is refused by the server: an attempt's cause, a typed timeout.
    const refused = new Connection({
      connect: tls.connectString,
      sessionTimeoutMs: 4000,
      connectTimeoutMs: 3000,
      tls: { ca: tls.ca.cert, cert: stranger.cert, key: stranger.key },
    });
    const unreachable = waitForEvent<[{ code: string | undefined; error: string }]>(
      refused,
      'unreachable',
      5000,
      'the refused handshake reported',
    );
    const started = refused.start();
    const [info] = await unreachable;
    t.diagnostic(`a stranger's certificate: ${info.code ?? '(no code)'}: ${info.error}`);
    // The server's alert (TLS 1.3: after our side's handshake is done), or its reset if that comes first.
    assert.match(info.code ?? '', /^ERR_SSL_.*CERTIFICATE|^ECONNRESET$|^EPIPE$/, info.error);
    await assert.rejects(started, (e: unknown) => e instanceof ConnectTimeoutError && e.cause instanceof Error);
    await refused.close();
  });

  test("a wrong CA or a name the certificate lacks: the TLS error is the attempt's cause; nothing wedges", async (t) => {
    const tls = secure(t);
    if (tls === undefined) return;
    const at = chroot(tls);
    const baseline = sockets();
    for (const [what, opts, expected] of [
      ['a CA that did not sign the server certificate', { ca: otherCa.cert }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      [
        "a name the server's certificate does not carry",
        { ca: tls.ca.cert, servername: 'zk.elsewhere.test' },
        'ERR_TLS_CERT_ALTNAME_INVALID',
      ],
    ] as const) {
      const r = new BrokerRegistrar({
        zookeeper: { connect: at.secure, sessionTimeoutMs: 4000, connectTimeoutMs: 3000, tls: opts as ZooKeeperTls },
        brokerId: 2,
        listeners: LISTENERS,
      });
      // Said as soon as the first attempt fails, not only when the connect timeout runs out.
      const unreachable = waitForEvent<[{ code: string | undefined; error: string; host: string }]>(
        r,
        'zookeeperUnreachable',
        2500,
        `the handshake failure with ${what} reported`,
      );
      const started = r.start();
      const [info] = await unreachable;
      // The whole report in the message: a cause without a code (seen once in CI, not reproduced) must say what it was.
      assert.equal(info.code, expected, `${what}: first report ${JSON.stringify(info)}`);
      assert.equal(info.host, tls.connectString);
      const err = await within(
        started.then(
          () => undefined,
          (e: unknown) => e,
        ),
        10_000,
        'start() to reject',
      );
      assert.ok(err instanceof ConnectTimeoutError, String(err));
      assert.equal(code(err.cause), expected);
      assert.match(err.message, /last attempt: /);
      await within(r.stop(), 5000, 'stop() after a failed start');
    }
    // stop() while start() is still retrying a certificate that does not verify: start() settles at once.
    const r = new BrokerRegistrar({
      zookeeper: { connect: at.secure, sessionTimeoutMs: 4000, tls: { ca: otherCa.cert } },
      brokerId: 3,
      listeners: LISTENERS,
    });
    const unreachable = waitForEvent(r, 'zookeeperUnreachable', 2500, 'the first failed attempt');
    const started = r.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await unreachable;
    await within(r.stop(), 5000, 'stop() during start()');
    const err = await within(started, 5000, 'start() to settle after stop()');
    assert.ok(err instanceof KafkaZkRegistrarError, String(err));
    // The wrong port either way round: each attempt fails and is said, start() rejects in time.
    for (const [what, connect, tlsOpts] of [
      ['TLS to the plaintext port', zk.server.connectString, { ca: tls.ca.cert }],
      ['plain TCP to the TLS port', tls.connectString, undefined],
    ] as const) {
      const c = new Connection({
        connect,
        sessionTimeoutMs: 4000,
        connectTimeoutMs: 2000,
        ...(tlsOpts === undefined ? {} : { tls: tlsOpts }),
      });
      const said = waitForEvent<[{ code: string | undefined; error: string }]>(c, 'unreachable', 2500, `${what} reported`);
      const started = c.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      const [info] = await said;
      t.diagnostic(`${what}: ${info.code ?? '(no code)'}: ${info.error}`);
      assert.ok((await within(started, 5000, `start() with ${what} to settle`)) instanceof ConnectTimeoutError);
      await c.close();
    }
    // The audit says the same.
    const audit = await auditRegistrations(at.secure, { tls: { ca: otherCa.cert }, connectTimeoutMs: 3000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(audit instanceof AuditFailedError, String(audit));
    // The cause is the last attempt's own error: what the CLI's JSON shows as `cause.code`.
    assert.equal(code(audit.cause), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(audit.message, /unable to verify the first certificate/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sockets(), baseline, 'no socket left behind');
  });

  test('CLI: register and audit --json over (mutual) TLS; a wrong CA and an unreadable file are said', async (t) => {
    const tls = secure(t);
    if (tls === undefined) return;
    const at = chroot(tls);
    const flags = [
      '--zookeeper-tls-ca-file',
      tls.ca.certFile,
      '--zookeeper-tls-cert-file',
      tls.client.certFile,
      '--zookeeper-tls-key-file',
      tls.client.keyFile,
    ];
    const cli = startCli(
      [
        'register',
        '--zookeeper',
        at.secure,
        '--broker-id',
        '7',
        '--listeners',
        'PLAINTEXT://127.0.0.1:9092',
        '--session-timeout-ms',
        '4000',
        ...flags,
      ],
      zk,
    );
    const reg = await cli.next('registered', 20_000);
    const obs = await zk.observer(at.plain);
    assert.equal((await obs.exists('/brokers/ids/7'))?.ephemeralOwner, reg.sessionId);

    const audit = await runCli(['audit', '--zookeeper', at.secure, '--json', '--zookeeper-tls-ca-file', tls.ca.certFile]);
    const report = JSON.parse(audit.out) as { brokers: { brokerId: number; ownerSessionId: string }[]; problems: { code: string }[] };
    assert.deepEqual(
      report.brokers.map((b) => [b.brokerId, b.ownerSessionId]),
      [[7, reg.sessionId]],
      audit.err,
    );
    // No /cluster/id and no controller here: problems about the cluster, none about the connection.
    assert.deepEqual(
      report.problems.map((p) => p.code),
      ['NOT_A_KAFKA_CLUSTER', 'NO_CONTROLLER'],
    );
    assert.equal(audit.code, 1);

    process.kill(cli.child.pid as number, 'SIGTERM');
    assert.equal((await cli.next('stopped', 10_000)).deregistered, true);
    assert.equal(await cli.exit(), 0);
    assert.equal(await obs.exists('/brokers/ids/7'), null);

    const wrong = await runCli([
      'audit',
      '--zookeeper',
      at.secure,
      '--connect-timeout-ms',
      '4000',
      '--zookeeper-tls-ca-file',
      otherCa.certFile,
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /unable to verify the first certificate/);
    const failing = startCli(
      [
        'register',
        '--zookeeper',
        at.secure,
        '--broker-id',
        '8',
        '--listeners',
        'PLAINTEXT://127.0.0.1:9092',
        '--connect-timeout-ms',
        '4000',
        '--zookeeper-tls-ca-file',
        otherCa.certFile,
      ],
      zk,
    );
    assert.equal((await failing.next('zookeeperUnreachable', 5000)).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal((await failing.next('startFailed', 10_000)).code, 'CONNECT_TIMEOUT');
    assert.equal(await failing.exit(), 1);

    const missing = join(dir, 'no-such-ca.pem');
    const usage = await runCli(['audit', '--zookeeper', at.secure, '--zookeeper-tls-ca-file', missing]);
    assert.equal(usage.code, 2);
    assert.match(
      usage.err,
      new RegExp(`invalid --zookeeper-tls-ca-file: "${missing.replace(/[.]/g, '\\.')}" \\(cannot read it: ENOENT\\)`),
    );
  });
});
