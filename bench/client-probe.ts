// One ZooKeeper client measured in a process of its own, for the "our client vs the `zookeeper`
// native binding" figures: both clients run the same scenarios here, each in a fresh Node process
// (as the Kafka/Curator anchors run in a JVM of their own), so neither sees the other's heap, sockets
// or JIT state, and a binding that aborts the process (issue 24, item 2) costs only its own rows.
//
//   node --expose-gc build/bench/client-probe.js <ours|binding> create <connect> <rounds> <parent>
//   node --expose-gc build/bench/client-probe.js <ours|binding> hold <connect> <n>
//   node --expose-gc build/bench/client-probe.js <ours|binding> storm <connect> <n> <parent>
//
// Prints one JSON line with the result (after "hold": again when told "stop" on stdin).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Session } from '../src/index.js';
import { encodeBrokerZNode, listenersToEndpoints } from '../src/index.js';

export interface ProbeHandle {
  create(path: string, data: Buffer): Promise<void>;
  delete(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface ProbeClient {
  open(connect: string, sessionTimeoutMs: number): Promise<ProbeHandle>;
}

const ours: ProbeClient = {
  async open(connect, sessionTimeoutMs) {
    const s = await Session.open({ connect, sessionTimeoutMs });
    return {
      create: async (path, data) => void (await s.create(path, data, 'ephemeral')),
      delete: (path) => s.delete(path, -1),
      close: () => s.close(),
    };
  },
};

/** The binding as this library called it until it was removed (git show 3165eae:src/zookeeper/session.ts). */
interface NativeHandle {
  on(event: 'connect' | 'close', fn: () => void): void;
  removeAllListeners(): void;
  init(config: object): void;
  close(): void;
  a_create(path: string, data: Buffer, flags: number, cb: (rc: number, err: string, path: string) => void): number;
  a_delete_(path: string, version: number, cb: (rc: number, err: string) => void): number;
}
type NativeCtor = new (config: object) => NativeHandle;
const ZOO_EPHEMERAL = 1;

export function bindingDir(): string {
  return join(__dirname, '..', '..', '.cache', 'zookeeper-binding');
}

function binding(): ProbeClient {
  const Native = createRequire(join(bindingDir(), 'package.json'))('zookeeper') as NativeCtor;
  return {
    open(connect, sessionTimeoutMs) {
      const h = new Native({
        connect,
        timeout: sessionTimeoutMs,
        debug_level: 0,
        host_order_deterministic: false,
        // As the library ran it: the binding's "10 empty polls in a row = expired" heuristic off.
        response_counter_limit: 2_147_483_647,
      });
      return new Promise<ProbeHandle>((resolve, reject) => {
        h.on('connect', () => {
          h.removeAllListeners();
          resolve({
            create: (path, data) =>
              new Promise((res, rej) =>
                h.a_create(path, data, ZOO_EPHEMERAL, (rc, err) => (rc === 0 ? res() : rej(new Error(`create ${path}: ${rc} ${err}`)))),
              ),
            delete: (path) =>
              new Promise((res, rej) =>
                h.a_delete_(path, -1, (rc, err) => (rc === 0 ? res() : rej(new Error(`delete ${path}: ${rc} ${err}`)))),
              ),
            close: async () => h.close(),
          });
        });
        h.on('close', () => reject(new Error('the handle closed before it connected')));
        h.init({});
      });
    },
  };
}

const endpoints = listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
const data = (id: number): Buffer => encodeBrokerZNode({ brokerId: id, endpoints, jmxPort: -1, version: 5 }, Date.now());
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const out = (x: unknown): void => void process.stdout.write(`${JSON.stringify(x)}\n`);

function memory(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** Opens n sessions, at most `batch` at a time. */
async function openMany(client: ProbeClient, connect: string, n: number, batch: number): Promise<ProbeHandle[]> {
  const hs: ProbeHandle[] = [];
  for (let i = 0; i < n; i += batch)
    hs.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => client.open(connect, 10_000)))));
  return hs;
}

async function main(): Promise<void> {
  const [which, scenario, connect, nArg, parent] = process.argv.slice(2);
  const client = which === 'binding' ? binding() : ours;
  const n = Number(nArg);
  if (connect === undefined || !(n >= 0)) throw new Error('usage: client-probe <ours|binding> <create|hold|storm> <connect> <n> [parent]');
  if (scenario === 'create') {
    // Raw create p50: one open session, an ephemeral create timed, its delete not.
    const h = await client.open(connect, 10_000);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const path = `${parent}/${i}`;
      const t0 = process.hrtime.bigint();
      await h.create(path, data(i));
      samples.push(ms(t0));
      await h.delete(path);
    }
    await h.close();
    out({ ms: samples });
  } else if (scenario === 'hold') {
    // n idle sessions: heap and RSS per session, then held until "stop" while the bench counts pings.
    const m0 = memory();
    const hs = await openMany(client, connect, n, 100);
    const m1 = memory();
    out({ n, heapKiB: (m1.heap - m0.heap) / 1024 / n, rssKiB: (m1.rss - m0.rss) / 1024 / n });
    await new Promise<void>((res) => createInterface({ input: process.stdin }).on('line', (l) => l === 'stop' && res()));
    await Promise.all(hs.map((h) => h.close()));
    out({ closed: n });
  } else if (scenario === 'storm') {
    // n sessions opened at once through the connect string's chroot, each creating its node.
    const t0 = process.hrtime.bigint();
    const settled = await Promise.allSettled(
      Array.from({ length: n }, async (_, i) => {
        // Bounded: a handle that never connects (the binding's failure mode) counts as failed.
        const h = await Promise.race([
          client.open(connect, 10_000),
          new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no session within 120 s')), 120_000).unref()),
        ]);
        await h.create(`${parent}/${i}`, data(i));
        return h;
      }),
    );
    const total = ms(t0);
    const failed = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    out({
      ms: total,
      failed: failed.length,
      firstError: failed[0] === undefined ? undefined : String((failed[0].reason as Error)?.message ?? failed[0].reason),
    });
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  } else throw new Error(`unknown scenario ${scenario}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
