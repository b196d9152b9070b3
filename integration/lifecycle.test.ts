// stop() must leave nothing behind: the process has to exit on its own, with no timers, sockets or
// ZooKeeper handles. Checked in a child process, which is killed (by pid) only if it hangs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { useZooKeeper } from './harness/fixture.js';
import { freePort } from './harness/zookeeper-server.js';

const zk = useZooKeeper();
const CHILD = join(__dirname, 'fixtures', 'lifecycle-child.js');

function runChild(args: string[], timeoutMs: number): Promise<{ code: number | null; report: { outcome: string; resources: string[] } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`child did not exit on its own within ${timeoutMs} ms; output so far: ${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, report: JSON.parse(out.trim().split('\n').pop() ?? '{}') as { outcome: string; resources: string[] } });
      } catch (err) {
        reject(new Error(`child printed no report (exit ${code}): ${out} ${(err as Error).message}`));
      }
    });
  });
}

test('after start() and stop() the process exits by itself with nothing open', async () => {
  const connect = zk.chroot();
  const { code, report } = await runChild([connect, 'stop-twice'], 20_000);
  assert.equal(report.outcome, 'registered');
  assert.equal(code, 0);
  assert.deepEqual(report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'), [], 'no timers or sockets left');
  const obs = await zk.observer(connect);
  assert.equal(await obs.exists('/brokers/ids/42'), null, 'stop() deleted the registration');
  assert.deepEqual(await obs.getChildren('/brokers/ids'), []);
});

test('a start() that cannot reach ZooKeeper rejects with ConnectTimeoutError and leaves nothing open', async () => {
  const port = await freePort(); // nothing listens here
  const { code, report } = await runChild([`127.0.0.1:${port}`], 20_000);
  assert.equal(report.outcome, 'CONNECT_TIMEOUT');
  assert.equal(code, 0);
  assert.deepEqual(report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'), []);
});
