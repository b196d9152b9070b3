// Where the testing kit finds the jars of its servers, and how it fetches them (once, from Maven
// Central, with Maven and the dependency lists this package ships in scripts/maven/). Layout of a
// cache directory, shared with the repository's own scripts/fetch-*.sh:
//   <cacheDir>/kafka-<version>/libs/*.jar       (kafka_2.13, its runtime dependencies, reload4j)
//   <cacheDir>/zookeeper-<version>/lib/*.jar    (a ZooKeeper release with its dependencies)
// each complete once it holds a `.complete` marker.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { InvalidConfigError } from '../errors.js';
import { FetchFailedError, JarsMissingError } from './errors.js';

/** The Kafka line the kit starts by default: 3.9 is the last with ZooKeeper mode. */
export const DEFAULT_KAFKA_VERSION = '3.9.2';

/** The command that fetches the Kafka jars (named in JarsMissingError). */
export function fetchKafkaCommand(version: string, cacheDir?: string): string {
  return `npx kafka-zk-registrar fetch-kafka --version ${version}${cacheDirFlag(cacheDir)}`;
}

/** The command that fetches a ZooKeeper release's jars. */
export function fetchZooKeeperCommand(version: string, cacheDir?: string): string {
  return `npx kafka-zk-registrar fetch-zookeeper --version ${version}${cacheDirFlag(cacheDir)}`;
}

/**
 * ` --cache-dir=DIR` when DIR is not the default: the command must fill the cache that was looked in.
 * Written to be pasted into a POSIX shell: single-quoted unless plain (double quotes would expand
 * `$HOME` or a backquote), and joined with `=` so that a DIR starting with `-` is not read as a flag.
 */
function cacheDirFlag(cacheDir: string | undefined): string {
  // Absolute, as the cache that was looked in: pasted in another directory, a relative one would fill another.
  const dir = cacheDir === undefined ? undefined : resolve(cacheDir);
  if (dir === undefined || dir === resolve(defaultCacheDir())) return '';
  return ` --cache-dir=${/^[\w./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", `'\\''`)}'`}`;
}

/**
 * The cache directory when none is given: KZR_CACHE_DIR, else $XDG_CACHE_HOME/kafka-zk-registrar,
 * else ~/.cache/kafka-zk-registrar. Outside any project: one fetch serves them all.
 */
export function defaultCacheDir(): string {
  const own = process.env.KZR_CACHE_DIR;
  if (own !== undefined && own !== '') return resolve(own);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? resolve(xdg) : join(homedir(), '.cache'), 'kafka-zk-registrar');
}

/** Checks a Kafka version: x.y.z of a ZooKeeper-mode line (2.4 to 2.8, 3.0 to 3.9). */
export function checkKafkaVersion(version: unknown, field = 'version'): string {
  // No leading zeros: '03.9.2' names no release on Maven Central.
  const m = typeof version === 'string' ? /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(version) : null;
  if (m === null) throw new InvalidConfigError(field, version, 'expected a Kafka version such as 3.9.2');
  const [major, minor] = [Number(m[1]), Number(m[2])];
  // 2.8 was the last 2.x line, 3.9 the last with ZooKeeper mode (4.0 is KRaft only).
  if (!((major === 2 && minor >= 4 && minor <= 8) || (major === 3 && minor <= 9)))
    throw new InvalidConfigError(field, version, 'expected a ZooKeeper-mode Kafka line, 2.4 to 3.9');
  return version as string;
}

/** Checks a ZooKeeper release version: 3.4.y to 3.9.y, the lines this library supports. */
export function checkZooKeeperVersion(version: unknown, field = 'version'): string {
  if (typeof version !== 'string' || !/^3\.[4-9]\.(0|[1-9]\d*)$/.test(version))
    throw new InvalidConfigError(field, version, 'expected a ZooKeeper release of a line 3.4 to 3.9, such as 3.9.4');
  return version;
}

/**
 * The cache directory to use, absolute: `cacheDir` resolved against the working directory (Maven
 * resolves a relative output directory against its POM's, inside node_modules), else
 * defaultCacheDir(). An empty or non-string one is refused (InvalidConfigError, field `cacheDir`).
 */
export function cacheDirPath(cacheDir: unknown): string {
  if (cacheDir === undefined) return defaultCacheDir();
  if (typeof cacheDir !== 'string' || cacheDir.trim() === '')
    throw new InvalidConfigError('cacheDir', cacheDir, 'expected a directory path');
  return resolve(cacheDir);
}

export function kafkaLibsDir(version: string, cacheDir?: string): string {
  return join(cacheDirPath(cacheDir), `kafka-${version}`, 'libs');
}

export function zookeeperLibDir(version: string, cacheDir?: string): string {
  return join(cacheDirPath(cacheDir), `zookeeper-${version}`, 'lib');
}

/** The directory of the fetched Kafka jars; JarsMissingError (naming the fetch command) when absent. */
export function kafkaLibs(version = DEFAULT_KAFKA_VERSION, cacheDir?: string): string {
  const dir = kafkaLibsDir(checkKafkaVersion(version), cacheDir);
  if (!existsSync(join(dir, '.complete'))) throw new JarsMissingError('kafka', version, dir, fetchKafkaCommand(version, cacheDir));
  return dir;
}

/** The fetched jars of a ZooKeeper release, sorted; JarsMissingError when absent. */
export function zookeeperJars(version: string, cacheDir?: string): string[] {
  const dir = zookeeperLibDir(checkZooKeeperVersion(version), cacheDir);
  if (!existsSync(join(dir, '.complete'))) throw new JarsMissingError('zookeeper', version, dir, fetchZooKeeperCommand(version, cacheDir));
  return jarsIn(dir);
}

/** The .jar files of a directory, as absolute paths, sorted. */
export function jarsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => join(dir, f));
}

/** The ZooKeeper version of the zookeeper-<v>.jar among `jars`, or undefined. */
export function zookeeperVersionOfJars(jars: readonly string[]): string | undefined {
  for (const j of jars) {
    const m = /(?:^|\/)zookeeper-(\d+\.\d+\.\d+)\.jar$/.exec(j);
    if (m !== null) return m[1];
  }
  return undefined;
}

/** This package's scripts/maven/<what>/pom.xml (shipped in the package), found above this module. */
function pomFor(what: 'kafka' | 'zookeeper'): string {
  for (let dir = __dirname; ; dir = resolve(dir, '..')) {
    const pom = join(dir, 'scripts', 'maven', what, 'pom.xml');
    if (existsSync(pom)) return pom;
    if (resolve(dir, '..') === dir) throw new Error(`cannot find scripts/maven/${what}/pom.xml above ${__dirname}`);
  }
}

function mvnBinary(): string | undefined {
  const found = (process.env.PATH ?? '').split(delimiter).find((d) => d !== '' && existsSync(join(d, 'mvn')));
  return found === undefined ? undefined : join(found, 'mvn');
}

export interface FetchOptions {
  /** Default: defaultCacheDir(). */
  readonly cacheDir?: string;
  /** Told each line of Maven's output and of progress. Default: nothing. */
  readonly log?: (line: string) => void;
}

/**
 * Fetches a ZooKeeper-mode Kafka's jars (kafka_2.13 and its runtime dependencies, plus reload4j as
 * its log4j binding) from Maven Central into `<cacheDir>/kafka-<version>/libs`, and resolves with
 * that directory. Idempotent: a complete directory is left as it is. Needs Maven (`mvn`) on PATH.
 * Rejects with InvalidConfigError (field `version`) or FetchFailedError.
 */
export async function fetchKafka(version = DEFAULT_KAFKA_VERSION, opts: FetchOptions = {}): Promise<string> {
  checkKafkaVersion(version);
  const dest = kafkaLibsDir(version, opts.cacheDir);
  return fetchInto('kafka', version, dest, pomFor('kafka'), [`-Dkafka.version=${version}`], opts);
}

/**
 * Fetches a ZooKeeper release's server jars from Maven Central into
 * `<cacheDir>/zookeeper-<version>/lib`, as scripts/fetch-zookeeper.sh does. Not needed for the
 * default ZooKeeper, which comes with the Kafka jars.
 */
export async function fetchZooKeeper(version: string, opts: FetchOptions = {}): Promise<string> {
  checkZooKeeperVersion(version);
  const minor = Number(version.split('.')[1]);
  // The versions each line's own parent POM uses (see scripts/fetch-zookeeper.sh).
  const slf4j = minor >= 9 ? '2.0.13' : '1.7.36';
  const [dropwizard, snappy] = minor === 6 ? ['3.2.5', '1.1.8.4'] : ['4.1.12.1', '1.1.10.5'];
  const props = [
    `-Dzookeeper.version=${version}`,
    `-Dslf4j.version=${slf4j}`,
    `-Ddropwizard.version=${dropwizard}`,
    `-Dsnappy.version=${snappy}`,
  ];
  return fetchInto('zookeeper', version, zookeeperLibDir(version, opts.cacheDir), pomFor('zookeeper'), props, opts);
}

/** Removes `dir`, and its parent (`<cacheDir>/kafka-<version>`) too when that is left empty: a failed fetch leaves nothing. */
function removeWithEmptyParent(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(resolve(dir, '..'));
  } catch {
    /* not empty (an earlier fetch's jars, another fetch under way): kept */
  }
}

/**
 * The artifact Maven Central lacks, when that is why the fetch failed, e.g.
 * `org.apache.kafka:kafka_2.13:jar:3.9.9`: as Maven says it when it asked, and when it remembers
 * having asked (its local repository caches a miss).
 */
const NOT_FOUND = /Could not find artifact (\S+)|(\S+:jar:\S+) was not found in/;

/** FetchFailedError from Maven's output: Maven's own first error line, without its colour codes. */
function mavenFailure(product: 'kafka' | 'zookeeper', version: string, code: number | string, output: readonly string[]): FetchFailedError {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes Maven prints even with -Dstyle.color=never.
  const lines = output.map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trim()).filter((l) => l !== '');
  const missing = lines
    .map((l) => NOT_FOUND.exec(l))
    .map((m) => m?.[1] ?? m?.[2])
    .find((a) => a !== undefined);
  if (missing !== undefined)
    return new FetchFailedError(
      product,
      version,
      'not-released',
      `Maven Central has no ${missing}: ${product === 'kafka' ? 'Kafka' : 'ZooKeeper'} ${version} was never released (${product === 'kafka' ? 'releases known to work with the kit: 2.4.1, 2.8.2, 3.3.2, 3.6.2, 3.9.2' : 'e.g. 3.9.4, 3.8.4, 3.4.14'})`,
    );
  const first = lines.find((l) => l.startsWith('[ERROR]') && l.replace('[ERROR]', '').trim() !== '');
  return new FetchFailedError(
    product,
    version,
    'maven-failed',
    `mvn exited with ${code}: ${first?.replace('[ERROR]', '').trim() ?? (lines.slice(-5).join(' | ') || 'no output')}`,
  );
}

async function fetchInto(
  product: 'kafka' | 'zookeeper',
  version: string,
  dest: string,
  pom: string,
  props: readonly string[],
  opts: FetchOptions,
): Promise<string> {
  const log = opts.log ?? (() => undefined);
  if (existsSync(join(dest, '.complete'))) {
    log(`${product} ${version}: already in ${dest}`);
    return dest;
  }
  const mvn = mvnBinary();
  if (mvn === undefined)
    throw new FetchFailedError(
      product,
      version,
      'maven-missing',
      'Maven (mvn) is not on PATH: install it (e.g. `apt-get install maven`) and run this again',
    );
  // Into a directory of our own, renamed into place when complete: a fetch cut short leaves no
  // half-filled cache behind, and two fetches at once do not mix their files.
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`${product} ${version}: fetching from Maven Central with ${mvn} into ${dest}`);
  const args = [
    '-B',
    '-q',
    // Ask Maven Central again for what an earlier attempt could not get (Maven caches a failed
    // download, a network error included, for a day otherwise).
    '-U',
    '-Dstyle.color=never',
    '-f',
    pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    ...props,
    `-DoutputDirectory=${tmp}`,
  ];
  const output: string[] = [];
  const code = await new Promise<number | string>((resolvePromise) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (d: Buffer): void => {
      for (const l of d.toString('utf8').split('\n')) {
        if (l.trim() === '') continue;
        output.push(l);
        log(l);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => resolvePromise(err.message));
    child.once('close', (c, sig) => resolvePromise(c ?? sig ?? 'unknown'));
  });
  if (code !== 0) {
    removeWithEmptyParent(tmp);
    throw mavenFailure(product, version, code, output);
  }
  // Success with nothing copied (Maven put the jars elsewhere) must not leave a "complete" empty cache.
  if (jarsIn(tmp).length === 0) {
    removeWithEmptyParent(tmp);
    throw new FetchFailedError(product, version, 'maven-failed', `Maven reported success but copied no jar into ${tmp}`);
  }
  writeFileSync(join(tmp, '.complete'), '');
  mkdirSync(resolve(dest, '..'), { recursive: true });
  if (existsSync(dest) && !existsSync(join(dest, '.complete'))) rmSync(dest, { recursive: true, force: true });
  try {
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    // Another fetch finished first: its copy is as good as ours.
    if (!existsSync(join(dest, '.complete')))
      throw new FetchFailedError(product, version, 'cache-write', `cannot move the jars into ${dest}`, err);
  }
  log(`${product} ${version}: ${jarsIn(dest).length} jars in ${dest}`);
  return dest;
}
