// A KRaft controller quorum of one with the ZooKeeper migration enabled (KIP-866), as Kafka's
// migration guide sets it up: `process.roles=controller`, `zookeeper.metadata.migration.enable=true`,
// the ZooKeeper-mode cluster's connect string, and storage formatted with the id from /cluster/id.
// Started beside a harness Kafka cluster, whose brokers are then restarted with `migrationProperties`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnJvm, waitForExit, type Jvm } from './jvm.js';
import { kafkaLibs, LOG4J } from './kafka-cluster.js';
import { freePort } from './zookeeper-server.js';

export interface KRaftController {
  readonly nodeId: number;
  readonly port: number;
  /** `controller.quorum.voters` for the brokers. */
  readonly voters: string;
  /** What a ZooKeeper-mode broker adds to its properties to enter migration mode. */
  readonly migrationProperties: Readonly<Record<string, string>>;
  log(): string;
  stop(): Promise<void>;
}

export async function startKRaftController(opts: {
  readonly zkConnect: string;
  readonly clusterId: string;
  readonly nodeId?: number;
}): Promise<KRaftController> {
  const libs = kafkaLibs();
  if (libs === undefined) throw new Error('no Kafka jars: run `bash scripts/fetch-kafka.sh`');
  const classpath = join(libs, '*');
  const nodeId = opts.nodeId ?? 3000;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kzr-kraft-'));
  mkdirSync(join(dir, 'data'));
  const voters = `${nodeId}@127.0.0.1:${port}`;
  const props = join(dir, 'controller.properties');
  writeFileSync(
    props,
    [
      'process.roles=controller',
      `node.id=${nodeId}`,
      `controller.quorum.voters=${voters}`,
      'controller.listener.names=CONTROLLER',
      `listeners=CONTROLLER://127.0.0.1:${port}`,
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      // The listener the KRaft controller uses to send RPCs to the ZooKeeper-mode brokers.
      'inter.broker.listener.name=PLAINTEXT',
      'zookeeper.metadata.migration.enable=true',
      `zookeeper.connect=${opts.zkConnect}`,
      `log.dirs=${join(dir, 'data')}`,
      'num.network.threads=1',
      'num.io.threads=2',
      'background.threads=2',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'log4j.properties'), `${LOG4J}\n`);
  const logFile = join(dir, 'controller.log');
  const systemProperties = { 'log4j.configuration': `file:${join(dir, 'log4j.properties')}`, 'kzr.log.file': logFile };

  // kafka-storage.sh format: the controller's log dir gets the ZooKeeper cluster's id.
  const format = spawnJvm({
    classpath,
    mainClass: 'kafka.tools.StorageTool',
    // One argument: a cluster id is base64url and may begin with '-', which the tool's parser would take for an option.
    args: ['format', `--cluster-id=${opts.clusterId}`, '-c', props],
    logFile,
    heap: '256m',
    systemProperties,
  });
  if (!(await waitForExit(format.child, 60_000)) || format.child.exitCode !== 0) {
    await format.kill();
    throw new Error(`formatting the KRaft controller's storage failed (exit ${format.child.exitCode}):\n${format.logTail(20)}`);
  }
  const jvm: Jvm = spawnJvm({ classpath, mainClass: 'kafka.Kafka', args: [props], logFile, heap: '384m', systemProperties });
  return {
    nodeId,
    port,
    voters,
    migrationProperties: {
      'zookeeper.metadata.migration.enable': 'true',
      'controller.quorum.voters': voters,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.protocol.version': '3.9',
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      await jvm.stop(15_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
