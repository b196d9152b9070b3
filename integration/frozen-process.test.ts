// A registrar's process frozen (SIGSTOP: a long synchronous task, a debugger, a starved container)
// for longer than its session timeout must not go on reporting a registration its expired session
// no longer has. Every status line the child writes after the resume is checked against ZooKeeper.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { useZooKeeper } from './harness/fixture.js';
import { within } from './harness/wait.js';

const zk = useZooKeeper();
const CHILD = join(__dirname, 'fixtures', 'frozen-child.js');
const TIMEOUT_MS = 3000;

interface Line {
  at: number;
  kind: string;
  state: string;
  sessionId: string | undefined;
  verified: boolean;
}

type Next = (kind: string, after: number, ms: number, matches?: (l: Line) => boolean) => Promise<Line>;

function child(connect: string, sessionTimeoutMs = TIMEOUT_MS): { proc: ChildProcess; lines: Line[]; next: Next } {
  const proc = spawn(process.execPath, [CHILD, connect, String(sessionTimeoutMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  zk.track({
    stop: async () =>
      void (proc.exitCode === null && proc.signalCode === null && (process.kill(proc.pid as number, 'SIGCONT'), proc.kill('SIGKILL'))),
  });
  const lines: Line[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    lines.push(JSON.parse(l) as Line);
    for (const w of waiters.splice(0)) w();
  });
  const next: Next = (kind, after, ms, matches = () => true) =>
    within(
      (async () => {
        for (;;) {
          const found = lines.find((l) => l.kind === kind && l.at >= after && matches(l));
          if (found !== undefined) return found;
          await new Promise<void>((r) => waiters.push(r));
        }
      })(),
      ms,
      `the child to report '${kind}'`,
    );
  return { proc, lines, next };
}

test(`frozen for 2x the session timeout: no sample after the resume reports a registration its session does not own`, async (t) => {
  const connect = zk.chroot();
  const c = child(connect);
  const started = await c.next('started', 0, 20_000);
  const oldSession = started.sessionId;
  const obs = await zk.observer(connect);
  assert.equal((await obs.exists('/brokers/ids/1'))?.ephemeralOwner, oldSession);

  process.kill(c.proc.pid as number, 'SIGSTOP');
  try {
    await sleep(2 * TIMEOUT_MS); // the freeze itself
  } finally {
    process.kill(c.proc.pid as number, 'SIGCONT');
  }
  const resumed = Date.now();
  const restored = await c.next('restored', resumed - 50, 30_000);
  const st = await obs.exists('/brokers/ids/1');
  assert.equal(st?.ephemeralOwner, restored.sessionId, 'restored on the new session');
  const created = st?.ctime.getTime() ?? 0;
  const after = c.lines.filter((l) => l.at >= resumed - 50);
  const falseOwned = after.filter((l) => l.state === 'owned' && (l.sessionId === oldSession || l.at < created - 50));
  const window = falseOwned.length === 0 ? 0 : (falseOwned.at(-1) as Line).at - resumed;
  t.diagnostic(
    `after the resume: ${after.length} lines, ${falseOwned.length} falsely 'owned' (window ${window} ms); lost at +${(c.lines.find((l) => l.kind === 'lost' && l.at >= resumed - 50)?.at ?? NaN) - resumed} ms, restored at +${restored.at - resumed} ms`,
  );
  assert.deepEqual(
    falseOwned,
    [],
    `no line after the resume claims a registration the current session does not own (resumed at ${resumed}, new node created at ${created}, old session ${oldSession}; lines: ${JSON.stringify(after.slice(0, 6))})`,
  );
  const expired = c.lines.find((l) => l.kind === 'sessionExpired' && l.at >= resumed - 50) as
    | (Line & { payload?: { cause?: string } })
    | undefined;
  assert.equal(expired?.payload?.cause, 'stall');
  c.proc.stdin?.end();
});

test('frozen for half the session timeout: no false loss, same session, registration verified again', async () => {
  const connect = zk.chroot();
  // A longer session than the test above: the freeze (half of it) and the read timeout (two thirds)
  // are then 1 s apart, room for a loaded machine's late timers, and not a race between them.
  const sessionTimeoutMs = 2 * TIMEOUT_MS;
  const c = child(connect, sessionTimeoutMs);
  const started = await c.next('started', 0, 20_000);
  process.kill(c.proc.pid as number, 'SIGSTOP');
  try {
    await sleep(sessionTimeoutMs / 2); // the freeze itself
  } finally {
    process.kill(c.proc.pid as number, 'SIGCONT');
  }
  const resumed = Date.now();
  // A second of samples after the resume at least, up to one that shows the registration verified (a
  // reconnect on a slow machine may take longer: waited for, not timed); then every line since the
  // resume is checked: the same session throughout, and no loss reported.
  await c.next('sample', resumed + 1000, 15_000, (l) => l.verified);
  const after = c.lines.filter((l) => l.at >= resumed);
  assert.ok(after.length > 0);
  assert.deepEqual(
    c.lines.filter((l) => l.kind === 'lost' || l.kind === 'sessionExpired'),
    [],
  );
  for (const l of after) assert.equal(l.sessionId, started.sessionId);
  assert.equal((after.at(-1) as Line).state, 'owned');
  assert.equal((after.at(-1) as Line).verified, true, 'verified again by a round trip');
  const obs = await zk.observer(connect);
  assert.equal((await obs.exists('/brokers/ids/1'))?.ephemeralOwner, started.sessionId);
  c.proc.stdin?.end();
});
