// Errors of the testing kit (`kafka-zk-registrar/testing`). Each has a stable `code`, and names
// what is missing or what failed, with the command or option that fixes it. Bad options are the
// library's InvalidConfigError (code INVALID_CONFIG, `field` and `value`).

import { KafkaZkRegistrarError, type ErrorCode } from '../errors.js';

/** Every `code` a testing-kit error carries (a part of the library's ErrorCode). */
export type TestingErrorCode = Extract<ErrorCode, 'JAVA_MISSING' | 'JARS_MISSING' | 'FETCH_FAILED' | 'SERVER_START_FAILED'>;

/** The base of the testing kit's errors: one of the library's errors (`instanceof KafkaZkRegistrarError`), with a kit code. */
export abstract class TestingKitError extends KafkaZkRegistrarError {
  abstract override readonly code: TestingErrorCode;
}

/** `java` could not be run: JAVA_HOME/bin/java, or `java` on PATH. */
export class JavaMissingError extends TestingKitError {
  readonly code = 'JAVA_MISSING';
  constructor(
    /** The binary that was tried. */
    readonly java: string,
    cause?: unknown,
  ) {
    super(
      `cannot run ${java}: the testing kit starts ZooKeeper and Kafka as Java processes; install a JDK (17 or later, e.g. \`apt-get install default-jre-headless\`) or set JAVA_HOME`,
      { cause },
    );
  }
}

/** The jars of a server have not been fetched into the cache: `command` fetches them. */
export class JarsMissingError extends TestingKitError {
  readonly code = 'JARS_MISSING';
  constructor(
    readonly product: 'kafka' | 'zookeeper',
    readonly version: string,
    /** The directory that was looked in. */
    readonly dir: string,
    /** The command that fetches them, e.g. `npx kafka-zk-registrar fetch-kafka --version 3.9.2`. */
    readonly command: string,
  ) {
    super(
      `the ${product === 'kafka' ? 'Kafka' : 'ZooKeeper'} ${version} jars are not in ${dir}: run \`${command}\` (once; from Maven Central)`,
    );
  }
}

/**
 * Why fetching failed: `maven-missing` (no `mvn` on PATH), `not-released` (Maven Central has no such
 * release: a version number that was never released, e.g. 3.9.9), `maven-failed` (Maven could not
 * download it: no network, a proxy; `detail` has Maven's first error), `cache-write` (the jars could
 * not be put into the cache directory).
 */
export type FetchFailureReason = 'maven-missing' | 'not-released' | 'maven-failed' | 'cache-write';

/** Fetching jars failed (Maven missing, no network, a version that was never released): `reason` says which. */
export class FetchFailedError extends TestingKitError {
  readonly code = 'FETCH_FAILED';
  constructor(
    readonly product: 'kafka' | 'zookeeper',
    readonly version: string,
    readonly reason: FetchFailureReason,
    detail: string,
    cause?: unknown,
  ) {
    super(`could not fetch ${product === 'kafka' ? 'Kafka' : 'ZooKeeper'} ${version}: ${detail}`, { cause });
  }
}

/** A server JVM exited, or did not serve, within its start bound. `logTail` is the end of its log. */
export class ServerStartError extends TestingKitError {
  readonly code = 'SERVER_START_FAILED';
  constructor(
    /** What was started, e.g. `ZooKeeper member 2 (127.0.0.1:41234)` or `Kafka 3.9.2 broker 1 (127.0.0.1:41235)`. */
    readonly server: string,
    readonly detail: string,
    readonly logTail: string,
  ) {
    super(`${server} ${detail}${logTail === '' ? '' : `; the end of its log:\n${logTail}`}`);
  }
}
