// Leak-free at scale, against a real ZooKeeper: 1,000 start/stop cycles of a registrar (each with its
// own session), and a Connection shared by 50 registrars started and stopped again and again. After
// them, the process holds what it held before: the same active handles and timers, the same file
// descriptors, no server-side connection of ours, and a heap (after GC) that has not grown.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BrokerRegistrar, Connection } from '../src/index.js';
import { useZooKeeper } from './harness/fixture.js';

const zk = useZooKeeper();
const CYCLES = Number(process.env.KZR_LEAK_CYCLES ?? 1000);
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}
const fds = (): number => readdirSync('/proc/self/fd').length;
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}
async function serverConnections(): Promise<number> {
  return Number(/Connections: (\d+)/.exec(await zk.server.fourLetterWord('srvr'))?.[1]);
}

describe('leak-free at scale', () => {
  test(`${CYCLES} start/stop cycles, then 50 registrars on one Connection 20 times: nothing left behind`, {
    timeout: 600_000,
  }, async (t) => {
    const connect = zk.chroot();
    // Warm-up: the first registrar loads modules and creates the chroot; measure after it.
    const warm = new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 1, listeners });
    await warm.start();
    await warm.stop();
    const before = { resources: resources(), fds: fds(), heap: await heapAfterGc(), server: await serverConnections() };

    for (let i = 0; i < CYCLES; i++) {
      const r = new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 4000 }, brokerId: 1 + (i % 10), listeners });
      await r.start();
      await r.stop();
    }
    for (let round = 0; round < 20; round++) {
      const conn = new Connection({ connect, sessionTimeoutMs: 4000 });
      const regs = Array.from({ length: 50 }, (_, i) => new BrokerRegistrar({ zookeeper: conn, brokerId: 100 + i, listeners }));
      await Promise.all(regs.map((r) => r.start()));
      await Promise.all(regs.map((r) => r.stop()));
      await conn.close();
    }

    // Closed handles are freed on the next turns of the loop: give them those turns.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    const after = { resources: resources(), fds: fds(), heap: await heapAfterGc(), server: await serverConnections() };
    assert.deepEqual(after.resources, before.resources, 'the same active handles and timers');
    assert.ok(after.fds <= before.fds, `file descriptors: ${before.fds} before, ${after.fds} after`);
    assert.ok(after.server <= before.server, `server-side connections: ${before.server} before, ${after.server} after`);
    const growth = (after.heap - before.heap) / 1024 / 1024;
    t.diagnostic(
      `heap after GC: ${((after.heap - before.heap) / 1024 / (CYCLES + 1000)).toFixed(2)} KiB per registrar started and stopped`,
    );
    // With the native binding this was about 6 KiB per registrar (it never freed a watcher callback).
    assert.ok(growth < 6, `heap after GC grew by ${growth.toFixed(1)} MiB over ${CYCLES + 1000} registrars`);
  });
});
