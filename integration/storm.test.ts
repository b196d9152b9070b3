// A start storm, as test suites and fleets of wrappers make one: 1,000 registrars, each with its own
// Connection, started at once against a 3-member ensemble through a chroot that does not exist yet.
// With the native binding this aborted the process (fd reuse under a live poll handle) one run in
// three at 300, and at 1,000 every start() failed on the chroot's create. Every one must register,
// with its own session, and every stop() must leave nothing behind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrokerRegistrar, type Registration } from '../src/index.js';
import { startEnsemble, type ZooKeeperEnsemble } from './harness/zookeeper-server.js';
import { eventually, within } from './harness/wait.js';

const N = Number(process.env.KZR_STORM ?? 1000);
let ensemble: ZooKeeperEnsemble | undefined;
before(async () => {
  ensemble = await startEnsemble(3);
});
after(async () => {
  await ensemble?.stop();
});

test(`${N} registrars started at once through a missing chroot on an ensemble: all register, all deregister`, async (t) => {
  const zk = ensemble as ZooKeeperEnsemble;
  const chroot = `/kzr-storm-${process.pid}`;
  const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
  const registrars = Array.from(
    { length: N },
    (_, i) =>
      new BrokerRegistrar({
        zookeeper: { connect: `${zk.connectString}${chroot}`, sessionTimeoutMs: 10_000, connectTimeoutMs: 60_000 },
        brokerId: i,
        listeners,
      }),
  );
  const t0 = Date.now();
  const settled = await within(Promise.allSettled(registrars.map((r) => r.start())), 120_000, `${N} starts to settle`);
  t.diagnostic(`${N} registered in ${Date.now() - t0} ms`);
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${i}: ${(s.reason as Error).message}`] : []));
  try {
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${N} start() calls failed`);
    const regs = settled.map((s) => (s as PromiseFulfilledResult<Registration>).value);
    assert.equal(new Set(regs.map((r) => r.sessionId)).size, N, 'one session each');
    // What the leader holds, read without a client of ours: every node, owned by the session that registered it.
    await eventually(
      async () => {
        const owners = await zk.ephemeralOwners();
        return owners !== undefined && regs.every((r) => owners.get(`${chroot}/brokers/ids/${r.brokerId}`) === r.sessionId);
      },
      30_000,
      `the leader to show all ${N} nodes owned by their registrars`,
    );
  } finally {
    await Promise.all(registrars.map((r) => r.stop()));
  }
  await eventually(
    async () => {
      const owners = await zk.ephemeralOwners();
      return owners !== undefined && ![...owners.keys()].some((p) => p.startsWith(`${chroot}/`));
    },
    30_000,
    'every node to be gone after stop()',
  );
});
