// One JVM child process of the testing kit (ZooKeeper servers, Kafka brokers): started under
// `setpriv --pdeathsig KILL` (util-linux) so that the kernel kills it when the process that started
// it dies without stopping it, even by SIGKILL; logging to a file; stopped by pid (TERM, then KILL).
// Pids still alive when this process exits normally are killed then: a forgotten server never
// outlives its test file, nor does its temp dir (makeTempDir). Without setpriv (not Linux) only the exit hook holds: a SIGKILLed test
// process then leaves its JVMs running. The temp dirs of a process killed by a signal are removed by
// the next makeTempDir() of any process (temp-dirs.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { JavaMissingError } from './errors.js';
import { ownedPrefix, sweepOrphanedTempDirs } from './temp-dirs.js';

const SETPRIV = '/usr/bin/setpriv';

const running = new Set<number>();
// Temp dirs of servers not yet stopped: deleted on a normal exit, after their JVMs are killed.
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A new temp dir `<os temp dir>/<prefix><pid>-<start>-XXXXXX` (see temp-dirs.ts), deleted on a
 * normal exit unless removeTempDir() deleted it first. First removes the kit temp dirs there whose
 * owner process is gone (one killed by a signal ran no exit hook).
 */
export function makeTempDir(prefix: string): string {
  const root = tmpdir();
  sweepOrphanedTempDirs(root);
  const dir = mkdtempSync(join(root, ownedPrefix(prefix)));
  liveDirs.add(dir);
  return dir;
}

/** Deletes a dir of makeTempDir() (and everything in it) now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** JAVA_HOME/bin/java when it exists, else `java` (from PATH). */
export function javaBinary(): string {
  const javaHome = process.env.JAVA_HOME;
  if (javaHome !== undefined && javaHome !== '' && existsSync(join(javaHome, 'bin', 'java'))) return join(javaHome, 'bin', 'java');
  return 'java';
}

/** Throws JavaMissingError unless javaBinary() names a file (an absolute path, or one on PATH). */
export function requireJava(): string {
  const java = javaBinary();
  const found = isAbsolute(java)
    ? existsSync(java)
    : (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, java)));
  if (!found) throw new JavaMissingError(java);
  return java;
}

/** True when JVMs started here die with the process that started them, even on SIGKILL (setpriv --pdeathsig). */
export function diesWithParent(): boolean {
  return existsSync(SETPRIV);
}

export interface JvmOptions {
  readonly classpath: string;
  readonly mainClass: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** -Xmx, e.g. '256m'. */
  readonly heap: string;
  readonly systemProperties?: Readonly<Record<string, string>>;
}

export interface Jvm {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: boolean;
  /** Resolves with the spawn error if java could not be started at all. */
  readonly spawnError: Promise<Error>;
  /** The last `lines` lines of the log, for failure messages. */
  logTail(lines?: number): string;
  /** SIGCONT (in case it was paused), SIGTERM, then SIGKILL after `graceMs`. Resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, and resolves once it exited. */
  kill(): Promise<void>;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return released();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      void released().then(resolve);
    };
    child.once('exit', onExit);
  });
}

/**
 * True, one loop turn on: Node closes an exited child's process handle as it says 'exit', and libuv
 * releases it in that turn's close phase, after setImmediate's; a timer runs after it. So a caller
 * that checks for leftover handles once stop() resolved finds none.
 */
function released(): Promise<true> {
  return new Promise((resolve) => setTimeout(() => resolve(true), 0));
}

/** Starts a JVM (see the top of this file). Throws JavaMissingError when there is no java to run. */
export function spawnJvm(opts: JvmOptions): Jvm {
  const java = requireJava();
  const props = Object.entries(opts.systemProperties ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const javaArgs = [
    `-Xmx${opts.heap}`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    ...props,
    '-cp',
    opts.classpath,
    opts.mainClass,
    ...opts.args,
  ];
  const logFd = openSync(opts.logFile, 'a');
  // The JVM keeps setpriv's pid (setpriv execs), so the pid we hold is the JVM's.
  const [cmd, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', java, ...javaArgs]] : [java, javaArgs];
  const child = spawn(cmd, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw new JavaMissingError(java);
  running.add(pid);
  child.once('exit', () => running.delete(pid));
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  };
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const kill = async (): Promise<void> => {
    if (exited()) return;
    signal('SIGKILL');
    await waitForExit(child, 10_000);
  };
  return {
    pid,
    child,
    get exited() {
      return exited();
    },
    spawnError,
    logTail: (lines = 20) => {
      try {
        return readFileSync(opts.logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    stop: async (graceMs = 5000) => {
      if (exited()) return;
      signal('SIGCONT');
      signal('SIGTERM');
      if (!(await waitForExit(child, graceMs))) await kill();
    },
    kill,
  };
}

let javaMajor: { java: string; major: Promise<number | undefined> } | undefined;

/**
 * The major version (17, 21, ...; 8 for 1.8) of the java that javaBinary() names, from
 * `java -version` (run off the event loop, bounded by 10 s); undefined when it cannot be run or says
 * no version. Asked once per binary.
 */
export function javaMajorVersion(): Promise<number | undefined> {
  const java = javaBinary();
  if (javaMajor?.java === java) return javaMajor.major;
  const major = new Promise<number | undefined>((resolve) => {
    execFile(java, ['-version'], { encoding: 'utf8', timeout: 10_000 }, (_err, stdout, stderr) => {
      // e.g. `openjdk version "17.0.15" 2025-04-15`, `java version "1.8.0_402"`
      const m = /version "(?:1\.)?(\d+)/.exec(`${stderr}${stdout}`);
      resolve(m === null ? undefined : Number(m[1]));
    });
  });
  javaMajor = { java, major };
  return major;
}
