// The ZooKeeper server lines the conformance suite (integration/compat.test.ts, `npm run compat`)
// runs against, and where their jars are: Debian's package for 3.8, Maven Central's releases
// (scripts/fetch-zookeeper.sh, into .cache/zookeeper-<version>/lib) for every other line.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** 'debian': the zookeeper package's 3.8 in /usr/share/java; the others are fetched. Oldest first. */
export const COMPAT_VERSIONS = ['3.4.14', '3.5.10', '3.6.4', '3.7.2', 'debian', '3.9.4'] as const;
/** What CI runs besides Debian's 3.8 (which npm test uses throughout): the oldest and the newest line. */
export const CI_VERSIONS = ['3.4.14', '3.9.4'] as const;

/** The server line the harness starts when a test does not name one: KZR_ZK_VERSION, or Debian's. */
export function defaultZooKeeperVersion(): string {
  const v = process.env.KZR_ZK_VERSION;
  return v === undefined || v === '' ? 'debian' : v;
}

export function repoRoot(): string {
  // build/integration/harness -> repository root (also right for integration/harness run directly).
  for (let dir = __dirname; ; dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'scripts', 'maven', 'zookeeper', 'pom.xml'))) return dir;
    if (resolve(dir, '..') === dir) throw new Error('cannot find scripts/maven/zookeeper/pom.xml above the harness');
  }
}

export function fetchHint(version: string): string {
  return `ZooKeeper ${version} has not been fetched: run \`bash scripts/fetch-zookeeper.sh ${version}\` (Maven Central, into .cache/)`;
}

/** The jars of a fetched version, or undefined when scripts/fetch-zookeeper.sh has not completed for it. */
export function fetchedJars(version: string): string[] | undefined {
  const dir = join(repoRoot(), '.cache', `zookeeper-${version}`, 'lib');
  if (!existsSync(join(dir, '.complete'))) return undefined;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => join(dir, f));
}

/** [major, minor] of '3.4.14', or of the version line `srvr` prints ('3.8.0-...'). */
export function versionLine(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (m === null) throw new Error(`not a ZooKeeper version: ${JSON.stringify(version)}`);
  return [Number(m[1]), Number(m[2])];
}

/** True when `version` is at least `major.minor`. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = versionLine(version);
  return a > major || (a === major && b >= minor);
}
