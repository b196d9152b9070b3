// The broker wrapper's setup that wedged the native binding: a registrar that spawns a long-lived
// child right after it registered (as a wrapper starts its broker), then the ensemble's leader is
// SIGSTOPped for longer than the session timeout, more than once. The binding's sockets were
// inherited by the child, their epoll entries outlived the close, and the process never had a
// session again. Ours must come back after every stall, on the session ZooKeeper grants, and the
// child must hold none of our sockets.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar } from '../src/index.js';
import { startEnsemble, type ZooKeeperEnsemble } from './harness/zookeeper-server.js';
import { eventually, within } from './harness/wait.js';

const STALLS = Number(process.env.KZR_WEDGE_STALLS ?? 2);
const SESSION_MS = 3000;
const STALL_MS = 7000;
let ensemble: ZooKeeperEnsemble | undefined;
before(async () => {
  // syncLimit 30 ticks of 200 ms: followers give the frozen leader up after 6 s, as in the report.
  ensemble = await startEnsemble(3, { tickTimeMs: 200, syncLimit: 30 });
});
after(async () => {
  await ensemble?.stop();
});

/** The sockets a process holds (Linux: /proc/<pid>/fd links that name a socket). */
function sockets(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith('socket:') ? [target] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

test(`a registrar that spawned a child comes back after ${STALLS} leader stalls past its session timeout`, {
  skip: process.platform !== 'linux' && 'reads /proc',
}, async (t) => {
  const zk = ensemble as ZooKeeperEnsemble;
  const chroot = `/kzr-wedge-${process.pid}`;
  const r = new BrokerRegistrar({
    zookeeper: { connect: `${zk.connectString}${chroot}`, sessionTimeoutMs: SESSION_MS },
    brokerId: 1,
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
  });
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  try {
    await within(r.start(), 20_000, 'the first registration');
    assert.deepEqual(sockets(child.pid as number), [], 'the child holds no socket of ours');
    for (let i = 1; i <= STALLS; i++) {
      const leader = await zk.leader();
      assert.ok(leader >= 0, 'a leader to stall');
      const server = zk.servers[leader];
      server?.pause();
      try {
        await sleep(STALL_MS); // the stall itself is the scenario: nothing to wait for but time
      } finally {
        server?.resume();
      }
      const t0 = Date.now();
      await eventually(
        async () => {
          const own = r.status();
          if (own.state !== 'owned' || own.sessionId === undefined) return false;
          const owners = await zk.ephemeralOwners();
          return owners?.get(`${chroot}/brokers/ids/1`) === own.sessionId;
        },
        60_000,
        `the registration to be back, owned by the current session, after stall ${i}`,
        () => JSON.stringify(r.status()),
      );
      t.diagnostic(`stall ${i}: back ${Date.now() - t0} ms after the resume (session 0x${r.status().sessionId})`);
    }
    assert.deepEqual(sockets(child.pid as number), [], 'still no socket of ours in the child');
  } finally {
    child.kill('SIGKILL');
    await r.stop();
  }
});
