// Who may touch a registration, on a real ZooKeeper with a superuser configured: digest credentials on
// every session, Kafka's ACL (creator-all, world-read) on our nodes and the parents we create, typed
// failures for wrong and refused credentials, and credentials that never show up anywhere.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  AuditFailedError,
  auditRegistrations,
  AuthFailedError,
  BrokerRegistrar,
  Connection,
  decodeBrokerZNode,
  InvalidConfigError,
  NoAuthError,
  StoppedError,
  type Acl,
  type Session,
} from '../src/index.js';
import { sameAcl } from '../src/recipes/owner-check.js';
import { useZooKeeper } from './harness/fixture.js';
import { runCli, startCli } from './harness/cli-run.js';
import { killSession } from './harness/sessions.js';
import { superDigest } from './harness/zookeeper-server.js';
import { eventually, waitForEvent, within } from './harness/wait.js';
import { startShapingProxy } from './harness/shaping-proxy.js';

const SUPER = 'super:operator-pw';
const zk = useZooKeeper({ superUser: SUPER });
const PASSWORD = 'Sup3r-s3cret-pw';
const CREDS = `kafka:${PASSWORD}`;
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
const KAFKA_ACL: Acl[] = [
  { perms: 31, scheme: 'digest', id: superDigest(CREDS) },
  { perms: 1, scheme: 'world', id: 'anyone' },
];

async function authed(connect: string, credentials: string): Promise<Session> {
  const s = await zk.observer(connect);
  await s.addAuth('digest', credentials);
  return s;
}

async function refusedEverything(s: Session, who: string): Promise<void> {
  const path = '/brokers/ids/1';
  const noAuth = (e: unknown): boolean => e instanceof NoAuthError && e.path === path;
  await assert.rejects(s.set(path, Buffer.from('{}'), -1), noAuth, `${who}: set`);
  await assert.rejects(s.setAcl(path, -1, [{ perms: 31, scheme: 'world', id: 'anyone' }]), noAuth, `${who}: setAcl`);
  // Deleting needs DELETE on the parent, which is ours too.
  await assert.rejects(s.delete(path, -1), noAuth, `${who}: delete`);
  await assert.rejects(
    s.create('/brokers/ids/99', Buffer.from('{}'), 'ephemeral'),
    (e: unknown) => e instanceof NoAuthError,
    `${who}: create a sibling`,
  );
}

describe('ZooKeeper auth and ACLs', () => {
  test("Kafka's ACL on our nodes and parents: everyone reads, only our identity changes; kept across expiry; the superuser can clean up", async () => {
    const connect = zk.chroot();
    const conn = zk.track(new Connection({ connect, sessionTimeoutMs: 4000, auth: { credentials: CREDS } }));
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: conn,
        brokerId: 1,
        listeners,
        zookeeperSetAcl: true,
        controller: { performsControllerDuties: true },
      }),
    );
    const elected = waitForEvent(r, 'elected', 20_000, 'our candidate to be elected');
    await within(r.start(), 20_000, 'broker 1 to register');
    await elected;
    const anon = await zk.observer(connect);
    const operator = await authed(connect, SUPER);
    for (const p of ['/brokers', '/brokers/ids', '/brokers/ids/1', '/controller', '/controller_epoch']) {
      const { acl, stat } = await operator.getAcl(p);
      assert.ok(sameAcl(acl, KAFKA_ACL), `${p} carries creator-all + world-read: ${JSON.stringify(acl)}`);
      // ACL version 0: the create carried it, so the node was never open (not an open create, then a setAcl).
      assert.equal(stat.aclVersion, 0, `${p} was created with its ACL`);
    }
    // ZooKeeper shows a digest's hash only to those with ADMIN on the node.
    assert.deepEqual((await anon.getAcl('/brokers/ids/1')).acl.map((a) => a.id).sort(), ['anyone', 'kafka:x']);
    assert.equal(decodeBrokerZNode(1, (await anon.get('/brokers/ids/1')).data).brokerId, 1, 'anyone can read a registration');
    await refusedEverything(anon, 'an unauthenticated client');
    await refusedEverything(await authed(connect, 'mallory:guess'), 'another digest user');

    // Our session expires (ended at the server with its id and password): restored, ACL intact.
    const before = conn.session as Session;
    const restored = waitForEvent<[{ sessionId: string }]>(r, 'restored', 30_000, 'the registration to be restored on a new session');
    await killSession(zk.server.connectString + connect.slice(connect.indexOf('/')), before.id, before.password);
    const [again] = await restored;
    assert.notEqual(again.sessionId, before.id);
    assert.ok(sameAcl((await operator.getAcl('/brokers/ids/1')).acl, KAFKA_ACL), 'the re-created node has our ACL again');

    // An audit by someone ZooKeeper shows the hash to (the operator) prints the digest's user, never its hash.
    const dir = mkdtempSync(join(tmpdir(), 'kzr-audit-'));
    writeFileSync(join(dir, 'super'), `${SUPER}\n`, { mode: 0o600 });
    const audit = await runCli(['audit', '--zookeeper', connect, '--json', '--zookeeper-auth-file', join(dir, 'super')]);
    const hash = superDigest(CREDS).slice('kafka:'.length);
    assert.ok(!audit.out.includes(hash) && !audit.err.includes(hash), 'the digest hash is not in the audit');
    const row = (JSON.parse(audit.out) as { brokers: { brokerId: number; acl: Acl[] }[] }).brokers.find((b) => b.brokerId === 1);
    assert.deepEqual(row?.acl.map((a) => `${a.scheme}:${a.id}`).sort(), ['digest:kafka', 'world:anyone']);

    // The operator's superuser bypasses ACLs; our registrar then puts its node back, ACL and all.
    const back = waitForEvent(r, 'restored', 30_000, 'the registration to be restored after the superuser deleted it');
    await operator.delete('/brokers/ids/1', -1);
    await back;
    assert.ok(sameAcl((await operator.getAcl('/brokers/ids/1')).acl, KAFKA_ACL));
  });

  test('wrong credentials: NoAuthError naming the path, from the library and as one clear CLI line with exit 1', async () => {
    const connect = zk.chroot();
    const owner = zk.track(
      new BrokerRegistrar({ zookeeper: { connect, auth: { credentials: CREDS } }, brokerId: 1, listeners, zookeeperSetAcl: true }),
    );
    await within(owner.start(), 20_000, 'broker 1 to register (making /brokers/ids ours)');
    const wrong = new BrokerRegistrar({ zookeeper: { connect, auth: { credentials: 'kafka:wrong-password' } }, brokerId: 2, listeners });
    await assert.rejects(wrong.start(), (e: unknown) => e instanceof NoAuthError && e.path === '/brokers/ids/2');

    const dir = mkdtempSync(join(tmpdir(), 'kzr-auth-'));
    writeFileSync(join(dir, 'zk-auth'), 'kafka:wrong-password\n', { mode: 0o600 });
    const cli = await runCli([
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '2',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--zookeeper-auth-file',
      join(dir, 'zk-auth'),
    ]);
    assert.equal(cli.code, 1, `${cli.out}\n${cli.err}`);
    const failed = cli.out.split('\n').filter((l) => /"event":"(startFailed|failed)"/.test(l));
    assert.equal(failed.length, 1, cli.out);
    assert.match(failed[0] ?? '', /"code":"ZNOAUTH".*\/brokers\/ids\/2/);
    assert.ok(!cli.out.includes('wrong-password') && !cli.err.includes('wrong-password'), 'the password is never printed');
  });

  test('an audit refused by an ACL says who the server took it for (whoAmI): no credentials, or the wrong user', async () => {
    const connect = zk.chroot();
    const owner = await authed(connect, CREDS);
    // Kafka's secure paths let everyone read; this one does not (a hardened setup): only our digest user.
    const only: Acl[] = [{ perms: 31, scheme: 'digest', id: superDigest(CREDS) }];
    await owner.create('/brokers', Buffer.alloc(0), 'persistent', only);
    await owner.create('/brokers/ids', Buffer.alloc(0), 'persistent', only);
    for (const [auth, expect] of [
      [undefined, /NOAUTH.*the server knows this session as ip:127\.0\.0\.1; no digest credentials were presented/],
      [
        { credentials: 'mallory:guess' },
        /NOAUTH.*the server knows this session as (ip:127\.0\.0\.1, digest:mallory|digest:mallory, ip:127\.0\.0\.1)$/,
      ],
    ] as const) {
      await assert.rejects(
        auditRegistrations(connect.replace(/^[^/]*/, zk.server.connectString), auth === undefined ? {} : { auth }),
        (e: unknown) => {
          assert.ok(e instanceof AuditFailedError, String(e));
          assert.match(e.message, expect);
          assert.ok(!e.message.includes('guess'), 'no password in the message');
          return true;
        },
      );
    }
    const ok = await auditRegistrations(connect.replace(/^[^/]*/, zk.server.connectString), { auth: { credentials: CREDS } });
    assert.deepEqual(ok.brokers, []);
  });

  test('refused credentials: AuthFailedError at once, the connection closed, no retries against the servers', async () => {
    const connect = zk.chroot();
    const connections = async (): Promise<number> => Number(/Connections: (\d+)/.exec(await zk.server.fourLetterWord('srvr'))?.[1]);
    const baseline = await connections();
    const conn = new Connection({ connect, sessionTimeoutMs: 4000, auth: { scheme: 'nosuchscheme', credentials: CREDS } });
    await assert.rejects(conn.start(), (e: unknown) => e instanceof AuthFailedError && !e.message.includes(PASSWORD));
    assert.equal(conn.state, 'closed');
    // Nothing to wait for: a client that gave up sends nothing. Look twice, a second apart.
    assert.ok((await connections()) <= baseline, 'no connection of ours is left open');
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok((await connections()) <= baseline, 'and none was opened since');
  });

  test('close() while start() waits for the answer to its credentials: StoppedError, and the session it opened is closed too', async () => {
    const chroot = zk.chroot();
    const connections = async (): Promise<number> => Number(/Connections: (\d+)/.exec(await zk.server.fourLetterWord('srvr'))?.[1]);
    const baseline = await connections();
    // The server's answers after the handshake are held: the session is granted, addAuth unanswered.
    const px = zk.track(await startShapingProxy(zk.server.port, 'hold-after-first-reply'));
    const conn = new Connection({
      connect: `${px.address}${chroot.slice(chroot.indexOf('/'))}`,
      sessionTimeoutMs: 4000,
      auth: { scheme: 'digest', credentials: CREDS },
    });
    const starting = conn.start();
    starting.catch(() => undefined);
    await within(px.held, 10_000, 'the session granted and the answer to addAuth held');
    await within(conn.close(), 5000, 'close()');
    await assert.rejects(within(starting, 5000, 'start() to settle'), (e: unknown) => e instanceof StoppedError);
    assert.equal(conn.state, 'closed');
    await eventually(async () => (await connections()) <= baseline, 10_000, 'the session start() opened to be closed');
  });

  test("credentials never appear in logs, events, status, errors, the CLI's lines or its endpoints", async () => {
    const connect = zk.chroot();
    const dir = mkdtempSync(join(tmpdir(), 'kzr-auth-'));
    writeFileSync(join(dir, 'zk-auth'), `${CREDS}\n`, { mode: 0o600 });
    const cli = startCli(
      [
        'register',
        '--zookeeper',
        connect,
        '--broker-id',
        '5',
        '--listeners',
        'PLAINTEXT://127.0.0.1:9092',
        '--zookeeper-auth-file',
        join(dir, 'zk-auth'),
        '--zookeeper-set-acl',
        '--controller',
        '--performs-controller-duties',
        '--health-port',
        '0',
      ],
      zk,
      { DEBUG: 'kafka-zk-registrar:*' },
    );
    const { port } = (await cli.next('health', 20_000)) as { port: number };
    await cli.next('registered', 20_000);
    const seen: string[] = [];
    for (const p of ['/readyz', '/livez', '/metrics']) seen.push(await (await fetch(`http://127.0.0.1:${port}${p}`)).text());
    process.kill(cli.child.pid as number, 'SIGTERM');
    assert.equal(await cli.exit(), 0);
    const everything = [JSON.stringify(cli.printed), cli.stderr(), ...seen].join('\n');
    assert.ok(everything.length > 1000, 'there is output to search (debug logs on)');
    assert.ok(!everything.includes(PASSWORD), 'the password appears nowhere');

    // In process: config errors, status and events.
    const bad = (credentials: string): unknown => {
      try {
        return new BrokerRegistrar({ zookeeper: { connect, auth: { credentials } }, brokerId: 6, listeners });
      } catch (e) {
        return e;
      }
    };
    const err = bad(`no-colon-${PASSWORD}`);
    assert.ok(
      err instanceof InvalidConfigError && err.field === 'zookeeper.auth.credentials' && !err.message.includes(PASSWORD),
      String(err),
    );
    const r = zk.track(new BrokerRegistrar({ zookeeper: { connect, auth: { credentials: CREDS } }, brokerId: 6, listeners }));
    const events: unknown[] = [];
    r.on('registered', (x) => events.push(x));
    await r.start();
    assert.ok(!JSON.stringify([r.status(), r.health(), events]).includes(PASSWORD));
  });

  test("SASL and other clients' TLS options are refused by name, not ignored; tls is checked", () => {
    for (const key of ['ssl', 'sasl', 'trustStore']) {
      assert.throws(
        () => new BrokerRegistrar({ zookeeper: { connect: '127.0.0.1:2181', [key]: true } as never, brokerId: 1, listeners }),
        (e: unknown) =>
          e instanceof InvalidConfigError &&
          e.field === `zookeeper.${key}` &&
          /not supported: TLS to ZooKeeper is zookeeper\.tls/.test(e.message),
      );
    }
    assert.throws(
      () => new BrokerRegistrar({ zookeeper: { connect: '127.0.0.1:2181', tls: true } as never, brokerId: 1, listeners }),
      (e: unknown) => e instanceof InvalidConfigError && e.field === 'zookeeper.tls' && e.value === true,
    );
    assert.throws(
      () => new BrokerRegistrar({ zookeeper: { connect: '127.0.0.1:2181' }, brokerId: 1, listeners, zookeeperSetAcl: true }),
      (e: unknown) => e instanceof InvalidConfigError && e.field === 'zookeeperSetAcl',
    );
  });
});
