#!/usr/bin/env node
// `kafka-zk-registrar fetch-kafka [--version 3.9.2] [--cache-dir DIR]` and
// `kafka-zk-registrar fetch-zookeeper --version 3.9.4 [--cache-dir DIR]` (the main CLI hands these
// commands here): fetch the jars the testing kit runs, once, from Maven Central into the cache (see
// jars.ts). As the rest of the CLI: progress on stderr, one JSON line on stdout when done. Exit 0
// when the jars are there, 1 when fetching failed, 2 on a usage error.
import { parseArgs } from 'node:util';
import { KafkaZkRegistrarError } from '../errors.js';
import { DEFAULT_KAFKA_VERSION, fetchKafka, fetchZooKeeper } from './jars.js';
import { TestingKitError } from './errors.js';

const USAGE = `Usage:
  kafka-zk-registrar fetch-kafka [--version ${DEFAULT_KAFKA_VERSION}] [--cache-dir DIR]
  kafka-zk-registrar fetch-zookeeper --version 3.9.4 [--cache-dir DIR]
Fetches the jars the testing kit (kafka-zk-registrar/testing) runs from Maven Central, with Maven
(mvn), into DIR (default: KZR_CACHE_DIR, $XDG_CACHE_HOME/kafka-zk-registrar, ~/.cache/kafka-zk-registrar).
The Kafka jars include a ZooKeeper server: fetch-zookeeper is only for another ZooKeeper line.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stderr.write(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd !== 'fetch-kafka' && cmd !== 'fetch-zookeeper') {
    process.stderr.write(`unknown command ${JSON.stringify(cmd)}\n${USAGE}\n`);
    return 2;
  }
  let values: { version?: string; 'cache-dir'?: string };
  try {
    ({ values } = parseArgs({ args: [...rest], strict: true, options: { version: { type: 'string' }, 'cache-dir': { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const opts = {
    ...(values['cache-dir'] === undefined ? {} : { cacheDir: values['cache-dir'] }),
    log: (l: string) => process.stderr.write(`${cmd}: ${l}\n`),
  };
  try {
    let dir: string;
    const version = cmd === 'fetch-kafka' ? (values.version ?? DEFAULT_KAFKA_VERSION) : values.version;
    if (cmd === 'fetch-kafka') dir = await fetchKafka(version, opts);
    else {
      if (version === undefined) {
        process.stderr.write(`fetch-zookeeper needs --version (e.g. 3.9.4)\n${USAGE}\n`);
        return 2;
      }
      dir = await fetchZooKeeper(version, opts);
    }
    process.stdout.write(
      `${JSON.stringify({ at: new Date().toISOString(), event: 'fetched', what: cmd === 'fetch-kafka' ? 'kafka' : 'zookeeper', version, dir })}\n`,
    );
    return 0;
  } catch (err) {
    // The kit's own errors (Java or Maven missing, a failed download) are failures; any other error
    // of ours is a bad argument (an unknown version: InvalidConfigError).
    if (err instanceof TestingKitError || !(err instanceof KafkaZkRegistrarError)) {
      process.stderr.write(`${cmd}: ${err instanceof TestingKitError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
      return 1;
    }
    // Named as typed: --version, --cache-dir.
    const flag = (field: string): string => (field === 'cacheDir' ? '--cache-dir' : field === 'version' ? '--version' : field);
    process.stderr.write(`${cmd}: ${err.messageWith(flag)}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
