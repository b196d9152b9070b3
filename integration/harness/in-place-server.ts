// A standalone ZooKeeper server whose release can be swapped in place: stopped, then started again
// as another release on the same port, configuration and data directory, as an operator upgrades
// or downgrades one server. Sessions live in the data (snapshot and transaction log), so a client
// session survives the swap exactly as it survives a restart, and meets a server of another line:
// the only way to put one session in front of servers that differ in what they implement (two
// servers of different releases cannot form one ensemble in a test, and a session id is known only
// to the ensemble that made it). Measured: 3.5.10 and 3.4.14 both load a 3.9.4 server's data with
// its sessions, ephemerals and all, with ZooKeeper's default settings.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnJvm, type Jvm } from '../../src/testing/jvm.js';
import { fourLetterWord, freePort } from '../../src/testing/net.js';
import { fetchedJars, fetchHint } from './zk-versions.js';

export interface InPlaceServer {
  /** `127.0.0.1:<port>`: the same across swaps. */
  readonly connectString: string;
  readonly port: number;
  /** The running server's `srvr` version line, e.g. '3.5.10-a32c…'. */
  readonly version: string;
  /** Stops the server (SIGTERM, its data kept), starts `release` on the same data, and waits until it serves. */
  swapTo(release: string): Promise<void>;
  /** The running release's server log (for what the server says it received). */
  log(): string;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;
}

/** True when every release named has been fetched into .cache/ (scripts/fetch-zookeeper.sh). */
export function releasesFetched(...releases: string[]): true | string {
  const missing = releases.find((r) => fetchedJars(r) === undefined);
  return missing === undefined ? true : fetchHint(missing);
}

/** Starts `release` standalone on a free loopback port, in a temp dir of its own. */
export async function startInPlaceServer(release: string, tickTime = 200): Promise<InPlaceServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kzr-zk-inplace-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  // One file for every line: 3.4 ignores the 3.5 keys (four-letter-word whitelist, admin server).
  writeFileSync(
    join(dir, 'zoo.cfg'),
    [
      `tickTime=${tickTime}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'admin.enableServer=false',
      `minSessionTimeout=${2 * tickTime}`,
      'maxSessionTimeout=60000',
      'forceSync=no',
      '',
    ].join('\n'),
  );
  let jvm: Jvm | undefined;
  let version = '';
  let logFile = '';
  const launch = async (r: string): Promise<void> => {
    const jars = fetchedJars(r);
    if (jars === undefined) throw new Error(fetchHint(r));
    logFile = join(dir, `server-${r}.log`);
    const started = spawnJvm({
      classpath: jars.join(':'),
      mainClass: 'org.apache.zookeeper.server.ZooKeeperServerMain',
      args: [join(dir, 'zoo.cfg')],
      logFile,
      heap: '256m',
    });
    jvm = started;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exited) throw new Error(`ZooKeeper ${r} exited while starting on ${dir}:\n${started.logTail()}`);
      const srvr = await fourLetterWord(port, 'srvr', 500).catch(() => '');
      if (/^Mode: /m.test(srvr)) {
        version = /^Zookeeper version: ([^,\n]+)/m.exec(srvr)?.[1]?.trim() ?? r;
        return;
      }
      if (Date.now() > deadline) throw new Error(`ZooKeeper ${r} did not serve within 30 s:\n${started.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await launch(release);
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    get version() {
      return version;
    },
    swapTo: async (r) => {
      await jvm?.stop();
      await launch(r);
    },
    log: () => readFileSync(logFile, 'utf8'),
    stop: async () => {
      await jvm?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
