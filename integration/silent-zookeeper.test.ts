// A "ZooKeeper" that accepts TCP connections and never answers (a hung server, a proxy with nothing
// behind it): a fault injected with a plain net server, not a ZooKeeper double. Whether the per-host
// connect timeout fires first or the overall connect timeout cuts the attempt short, the attempt is
// reported as failed, saying it got a connection but no answer, and it is the ConnectTimeoutError's cause.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Connection, ConnectTimeoutError } from '../src/index.js';
import { runCli } from './harness/cli-run.js';
import { within } from './harness/wait.js';

let silent: Server;
let port = 0;
const sockets = new Set<Socket>();

before(async () => {
  silent = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('data', () => undefined); // takes the ConnectRequest, says nothing
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as AddressInfo).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

type Unreachable = { host: string; error: string; code: string | undefined };

async function startAgainstSilent(sessionTimeoutMs: number, connectTimeoutMs: number): Promise<{ attempts: Unreachable[]; err: unknown }> {
  const c = new Connection({ connect: `127.0.0.1:${port}`, sessionTimeoutMs, connectTimeoutMs });
  const attempts: Unreachable[] = [];
  c.on('unreachable', (u) => void attempts.push(u));
  const err = await within(
    c.start().then(
      () => undefined,
      (e: unknown) => e,
    ),
    connectTimeoutMs + 5000,
    'start() against a silent server to give up',
  );
  await c.close();
  return { attempts, err };
}

test('the per-host connect timeout is a failed attempt: "connected to host:port but no answer within N ms"', async () => {
  const { attempts, err } = await startAgainstSilent(1000, 2500);
  assert.deepEqual(attempts[0], {
    host: `127.0.0.1:${port}`,
    error: `connected to 127.0.0.1:${port} but no answer within 1000 ms (per-host connect timeout: the session timeout / 1 host)`,
    code: undefined,
  });
  assert.ok(err instanceof ConnectTimeoutError, String(err));
  assert.match((err.cause as Error).message, new RegExp(`^connected to 127\\.0\\.0\\.1:${port} but no answer within \\d+ ms`));
  assert.match(err.message, /\(last attempt: connected to 127\.0\.0\.1:\d+ but no answer within \d+ ms/);
});

test('an attempt the overall connect timeout cuts short is reported too, and is the cause', async () => {
  // The per-host timeout (the session timeout, 18 s) is far off: before, nothing at all was said.
  const { attempts, err } = await startAgainstSilent(18_000, 1500);
  assert.equal(attempts.length, 1, JSON.stringify(attempts));
  // How long the cut attempt had run: the connect timeout, give or take when the attempt began and how late the timer fired.
  const ms = Number(
    new RegExp(`^connected to 127\\.0\\.0\\.1:${port} but no answer within (\\d+) ms$`).exec(attempts[0]?.error ?? '')?.[1],
  );
  assert.ok(ms >= 1400 && ms < 18_000, attempts[0]?.error);
  assert.ok(err instanceof ConnectTimeoutError, String(err));
  assert.equal((err.cause as Error).message, attempts[0]?.error);
});

test('the CLI says it too: a zookeeperUnreachable line, then startFailed naming it; audit the same', async () => {
  const { code, out } = await runCli([
    'register',
    '--zookeeper',
    `127.0.0.1:${port}`,
    '--broker-id',
    '1',
    '--listeners',
    'PLAINTEXT://127.0.0.1:9092',
    '--connect-timeout-ms',
    '1500',
  ]);
  assert.equal(code, 1);
  const lines = out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const unreachable = lines.find((l) => l.event === 'zookeeperUnreachable');
  assert.equal(unreachable?.host, `127.0.0.1:${port}`, out);
  assert.match(String(unreachable?.error), /^connected to 127\.0\.0\.1:\d+ but no answer within \d+ ms/);
  const failed = lines.find((l) => l.event === 'startFailed');
  assert.equal(failed?.code, 'CONNECT_TIMEOUT');
  assert.match(String(failed?.message), /\(last attempt: connected to 127\.0\.0\.1:\d+ but no answer within \d+ ms\)/);
  assert.equal(lines.at(-1)?.event, 'stopped');
  const audit = await runCli(['audit', '--zookeeper', `127.0.0.1:${port}`, '--connect-timeout-ms', '1000', '--json']);
  assert.equal(audit.code, 1);
  assert.match(
    (JSON.parse(audit.out) as { error: { message: string } }).error.message,
    /\(last attempt: connected to 127\.0\.0\.1:\d+ but no answer within \d+ ms\)/,
  );
});
