// The main demo: starts a throwaway ZooKeeper, stages the expiry/deletion race from the original
// Kafka report, and shows a naive registrar losing its broker registration while BrokerRegistrar
// keeps it. Run with `npm run demo`.
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerRegistrar, Connection, type Session } from '../src/index.js';
import { NaiveRegistrar } from '../integration/harness/naive-registrar.js';
import { holdBrokerNode } from '../integration/harness/stale-node.js';
import { waitForNode } from '../integration/harness/wait.js';
import { killSession } from '../integration/harness/sessions.js';
import { startZooKeeper } from '../integration/harness/zookeeper-server.js';

const PATH = '/brokers/ids/1';
const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }];
const t0 = Date.now();
const say = (msg: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(2).padStart(5)}s] ${msg}`);

interface Contender {
  believes: () => boolean;
  /** Resolves once the contender is done reacting to the old node's deletion. */
  settled: () => Promise<unknown>;
  stop: () => Promise<unknown>;
}

async function round(name: string, connect: string, observer: Session, register: () => Promise<Contender>): Promise<boolean> {
  console.log(`\n=== ${name} ===`);
  const a = await holdBrokerNode(connect, 1);
  say(`the broker's OLD session 0x${a.id} owns ${PATH} (its expiry is under way, the node not yet deleted)`);
  const reg = await register();
  say(`after registering on a NEW session, the registrar believes it is registered: ${reg.believes()}`);
  await sleep(1000);
  say('ZooKeeper now finishes expiring the old session and deletes its ephemeral node...');
  await killSession(connect, a.id, a.password);
  a.close();
  await waitForNode(observer, PATH, (s) => s === null || s.ephemeralOwner !== a.id, 10_000, 'the old node to go');
  await reg.settled();
  const now = await observer.exists(PATH);
  const ok = now !== null;
  say(
    ok
      ? `${PATH} exists, owned by the new session 0x${now.ephemeralOwner}: the broker is still registered.`
      : `${PATH} is GONE, yet the registrar's session is valid and it believes it is registered: ${reg.believes()}. The broker has silently vanished from the cluster.`,
  );
  await reg.stop();
  await waitForNode(observer, PATH, (s) => s === null, 5000, 'cleanup');
  return ok;
}

async function main(): Promise<void> {
  say('starting a throwaway ZooKeeper server on 127.0.0.1...');
  const server = await startZooKeeper();
  try {
    const connect = `${server.connectString}/demo`;
    const observerConn = new Connection({ connect });
    const observer = await observerConn.start();
    await observerConn.ensureChroot();
    say(`ZooKeeper is up at ${server.connectString} (pid ${server.pid ?? 'external'}), chroot /demo`);

    const naiveOk = await round('Naive registrar: NodeExists means "already registered"', connect, observer, async () => {
      const n = new NaiveRegistrar(connect, PATH, Buffer.from('{}'));
      await n.start();
      say('create -> NodeExists; the naive registrar takes that as success');
      // It reacts to nothing, so there is nothing to wait for; still, give it two seconds of
      // observation before judging, so the verdict is not a matter of timing.
      return { believes: () => n.registered, settled: () => sleep(2000), stop: () => n.stop() };
    });

    const oursOk = await round('kafka-zk-registrar: NodeExists is checked against the ephemeral owner', connect, observer, async () => {
      const r = new BrokerRegistrar({ zookeeper: { connect, sessionTimeoutMs: 6000 }, brokerId: 1, listeners });
      r.on('waiting', (w) =>
        say(`create -> NodeExists, owner 0x${w.ownerSessionId} is not our session 0x${w.sessionId}: waiting for that node to go`),
      );
      r.on('registered', (g) => say(`registered: ${PATH} owned by our session 0x${g.sessionId}, broker epoch ${g.brokerEpoch}`));
      const started = r.start();
      started.catch((e: Error) => say(`start failed: ${e.message}`));
      await new Promise((res) => r.once('waiting', res));
      return { believes: () => r.status().state === 'owned', settled: () => started, stop: () => r.stop() };
    });

    console.log('\n=== Summary ===');
    console.log(`naive registrar:       ${naiveOk ? 'kept its registration' : 'LOST its registration (the bug from the Kafka report)'}`);
    console.log(`kafka-zk-registrar:    ${oursOk ? 'kept its registration' : 'LOST its registration'}`);
    await observerConn.close();
    process.exitCode = !naiveOk && oursOk ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
