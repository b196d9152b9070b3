// A ZooKeeper -> KRaft migration (KIP-866) with real Kafka: a ZooKeeper-mode broker, a KRaft
// controller quorum of one with the migration enabled, the broker restarted in migration mode as
// Kafka's guide says. What must hold: our ZooKeeper-only registration holds the migration back (the
// controller says so, /migration stays un-migrated) and reports it; a new one is refused; after our
// stop() the migration proceeds; then our controller candidate recognises the KRaft controller and
// never writes /controller or /controller_epoch, and confirmation says `kraft-controlled` at once.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  BrokerRegistrar,
  decodeClusterId,
  decodeControllerRegistration,
  decodeMigrationZNode,
  MigrationInProgressError,
  type KRaftMigrationStatus,
  type Session,
} from '../src/index.js';
import { useKafkaCluster } from './harness/fixture.js';
import { runCli } from './harness/cli-run.js';
import { kafkaSkipReason } from './harness/kafka-cluster.js';
import { startKRaftController, type KRaftController } from './harness/kraft-controller.js';
import { FakeKafkaBroker } from './kafka-double/fake-broker.js';
import { eventually, waitForEvent, waitForNode, within } from './harness/wait.js';

const skip = kafkaSkipReason();
const kafka = useKafkaCluster({ size: 1 });
let kraft: KRaftController | undefined;
after(async () => {
  await kraft?.stop();
});

async function migrationPhase(obs: Session): Promise<string> {
  return decodeMigrationZNode((await obs.get('/migration')).data).phase;
}

test('a ZooKeeper -> KRaft migration: held back by our registration until stop(), then never contended', {
  skip,
  timeout: 300_000,
}, async () => {
  const c = kafka.cluster;
  const zk = kafka.zk;
  const obs = await zk.observer(c.zkConnect);
  const sock = zk.track(new FakeKafkaBroker());
  await sock.listen();
  const listeners = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: sock.port }];

  // A spare id of ours, registered before the migration begins (as a broker wrapper would have it).
  const spare = zk.track(new BrokerRegistrar({ zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 }, brokerId: 150, listeners }));
  await within(spare.start(), 20_000, 'broker 150 to register');
  const reported: (KRaftMigrationStatus | undefined)[] = [];
  spare.on('kraftMigration', (m) => reported.push(m));

  // The KRaft controller, formatted with the cluster's id, creates /migration at start.
  kraft = await startKRaftController({ zkConnect: c.zkConnect, clusterId: decodeClusterId((await obs.get('/cluster/id')).data) });
  const k = kraft;
  await waitForNode(obs, '/migration', (st) => st !== null, 90_000, 'the KRaft controller to create /migration');
  await eventually(
    async () => spare.status().kraftMigration?.holdingBack === true,
    15_000,
    'our registrar to report that it holds the migration back',
    () => JSON.stringify(spare.status().kraftMigration),
  );
  assert.deepEqual(reported.at(-1), { phase: 'waiting-for-brokers', kraftControllerId: -1, holdingBack: true });

  // The real broker enters migration mode (registers with KRaft too); ours never does.
  const b = c.brokers[0];
  assert.ok(b !== undefined);
  b.configure(k.migrationProperties);
  await b.stop();
  await b.start();
  const waitingLine = /Still waiting for ZK brokers \[([^\]]*)\] to register with KRaft/;
  await eventually(
    async () =>
      (waitingLine.exec(k.log())?.[1] ?? '')
        .split(',')
        .map((x) => x.trim())
        .includes('150'),
    120_000,
    'the KRaft controller to say that it waits for broker 150',
    () => k.log().split('\n').slice(-15).join('\n'),
  );
  assert.equal(await migrationPhase(obs), 'waiting-for-brokers', 'no migration while our registration exists');

  // The audit names what the migration waits for.
  const audit = await runCli(['audit', '--zookeeper', c.zkConnect]);
  assert.match(audit.out, /\nmigration: waiting for brokers: each of \[1,150\] must also register with the KRaft quorum/);

  // A new ZooKeeper-only registration is refused, with the reason, and writes nothing.
  const late = new BrokerRegistrar({ zookeeper: { connect: c.zkConnect }, brokerId: 151, listeners });
  await assert.rejects(
    late.start(),
    (e: unknown) => e instanceof MigrationInProgressError && e.phase === 'waiting-for-brokers' && /hold it back/.test(e.message),
  );
  assert.equal(await obs.exists('/brokers/ids/151'), null);

  // Our stop() is what the migration was waiting for.
  await spare.stop();
  await eventually(
    async () => (await migrationPhase(obs)) === 'migrated',
    120_000,
    'the migration to run once broker 150 is gone',
    () => k.log().split('\n').slice(-15).join('\n'),
  );
  const ctl = await obs.get('/controller');
  const reg = decodeControllerRegistration(ctl.data);
  assert.equal(ctl.stat.ephemeralOwner, '0', 'KRaft writes /controller persistent');
  assert.deepEqual([reg.brokerId, reg.kraft], [k.nodeId, true]);
  const epochBefore = await obs.exists('/controller_epoch');

  // A candidate (registered knowingly despite the migration) recognises the KRaft controller.
  const candidate = zk.track(
    new BrokerRegistrar({
      zookeeper: { connect: c.zkConnect, sessionTimeoutMs: 6000 },
      brokerId: 152,
      listeners,
      kraftMigration: 'register',
      controller: { performsControllerDuties: true, besideOtherBrokers: true },
      confirm: { kafka: { brokers: [b.address] }, timeoutMs: 120_000 },
    }),
  );
  const seen = waitForEvent<[{ kraftControllerId: number; persistent: boolean }]>(
    candidate,
    'kraftControlled',
    30_000,
    'the candidate to recognise the KRaft controller',
  );
  const unconfirmed = waitForEvent<[{ reason: string }]>(
    candidate,
    'unconfirmed',
    30_000,
    'confirmation to give up long before its 120 s deadline',
  );
  await within(candidate.start(), 20_000, 'broker 152 to register');
  const [info] = await seen;
  assert.deepEqual([info.kraftControllerId, info.persistent], [k.nodeId, true]);
  assert.equal((await unconfirmed)[0].reason, 'kraft-controlled');
  assert.equal(candidate.status().controller?.kraft, true);
  assert.deepEqual(candidate.status().kraftMigration, { phase: 'migrated', kraftControllerId: k.nodeId, holdingBack: false });
  assert.equal(candidate.health().reason, 'unconfirmed');
  await candidate.stop();
  const ctlAfter = await obs.exists('/controller');
  const epochAfter = await obs.exists('/controller_epoch');
  assert.deepEqual(
    [ctlAfter?.czxid, ctlAfter?.mzxid, ctlAfter?.ephemeralOwner],
    [ctl.stat.czxid, ctl.stat.mzxid, '0'],
    'the candidate never touched /controller',
  );
  assert.deepEqual([epochAfter?.version, epochAfter?.mzxid], [epochBefore?.version, epochBefore?.mzxid], 'nor /controller_epoch');

  const migrated = await runCli(['audit', '--zookeeper', c.zkConnect]);
  assert.match(migrated.out, new RegExp(`\\ncontroller: KRaft controller ${k.nodeId} \\(kraftControllerEpoch \\d+\\), owner persistent;`));
  assert.match(migrated.out, /\nmigration: migrated to KRaft \(KRaft controller \d+, epoch \d+, metadata offset \d+\)/);
  assert.equal(migrated.code, 0, `a migrated cluster is not a problem: ${migrated.out}`);
});
