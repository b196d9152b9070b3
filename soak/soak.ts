// The report's reproduction as a soak: a 3-member ensemble, our registrars as sidecar processes (one
// per broker, as in production, each behind a TCP proxy the soak controls), a naive control group
// (NodeExists = registered) in processes of their own and, where the jars are, real Kafka brokers —
// under named fault profiles, cycle after cycle. A checker samples every registrar's reported state
// against ZooKeeper all the time and counts violations and their durations; after each fault it
// waits for everything to settle. A supervisor restarts sidecars that exit (a wedged connection).
//
//   npm run soak -- [--profile all|ci|<name>[,<name>...]] [--cycles N] [--registrars N] [--naive N]
//                   [--out soak/results.md]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CLI } from '../integration/harness/cli-run.js';
import { kafkaSkipReason, startKafkaCluster, type KafkaCluster } from '../integration/harness/kafka-cluster.js';
import { startTcpProxy, type TcpProxy } from '../integration/harness/tcp-proxy.js';
import { startEnsemble, type ZooKeeperEnsemble } from '../integration/harness/zookeeper-server.js';

const SESSION_MS = 4000;
const SETTLE_BOUND_MS = 120_000;
const SAMPLE_MS = 250;

type Profile =
  | 'leader-stall-long'
  | 'leader-stall-short'
  | 'member-kill'
  | 'ensemble-restart'
  | 'client-blackhole-short'
  | 'client-blackhole-long'
  | 'process-pause'
  | 'live-conflict';
const ALL: readonly Profile[] = [
  'leader-stall-long',
  'leader-stall-short',
  'member-kill',
  'ensemble-restart',
  'client-blackhole-short',
  'client-blackhole-long',
  'process-pause',
  'live-conflict',
];
const CI: readonly Profile[] = ['leader-stall-long', 'client-blackhole-long', 'process-pause', 'live-conflict'];
/** Followers keep a stalled leader this many ticks (200 ms): long = past the stall (the report's condition). */
const SYNC_LIMIT: Readonly<Record<'long' | 'short', number>> = { long: 60, short: 5 };

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'ci' },
    cycles: { type: 'string', default: '1' },
    registrars: { type: 'string', default: '4' },
    naive: { type: 'string', default: '2' },
    kafka: { type: 'boolean', default: false },
    out: { type: 'string', default: join('soak', 'results.md') },
  },
});
const profiles: Profile[] =
  values.profile === 'all'
    ? [...ALL]
    : values.profile === 'ci'
      ? [...CI]
      : (values.profile as string).split(',').map((p) => {
          if (!(ALL as readonly string[]).includes(p)) throw new Error(`unknown profile ${p}; one of ${ALL.join(', ')}, all, ci`);
          return p as Profile;
        });
const CYCLES = Number(values.cycles);
const N_OURS = Number(values.registrars);
const N_NAIVE = Number(values.naive);

// Every process the soak starts, so that an interrupted soak leaves none behind (its JVMs die with it:
// the harness starts them with a parent-death signal).
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

/** A duration counter for an invariant that is sampled: how often it was violated, and for how long. */
class Violations {
  count = 0;
  totalMs = 0;
  maxMs = 0;
  private since: number | undefined;
  sample(violated: boolean, now: number): void {
    if (violated && this.since === undefined) {
      this.since = now;
      this.count++;
    } else if (!violated && this.since !== undefined) this.close(now);
  }
  close(now: number): void {
    if (this.since === undefined) return;
    const d = now - this.since;
    this.totalMs += d;
    this.maxMs = Math.max(this.maxMs, d);
    this.since = undefined;
  }
}

interface Sidecar {
  readonly id: number;
  readonly controller: boolean;
  readonly proxy: TcpProxy;
  child: ChildProcess;
  port: number | undefined;
  /** The epoch this sidecar says it is controller for (from its `elected` line), until it resigns. */
  claimsEpoch: number | undefined;
  restarts: number;
  readonly ownedWhileNotOwned: Violations;
  /** The session of a claim the last dump contradicted (see the checker). */
  suspect: string | undefined;
  stopping: boolean;
}

interface Naive {
  readonly id: number;
  readonly child: ChildProcess;
  registered: boolean;
  sessionId: string | null;
  readonly lost: Violations;
  suspect: string | null | undefined;
}

function lines(child: ChildProcess, on: (l: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    try {
      on(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* not a JSON line */
    }
  });
}

async function readyz(port: number | undefined): Promise<{ ready: boolean; sessionId: string | undefined } | undefined> {
  if (port === undefined) return undefined;
  try {
    const r = (await (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) })).json()) as {
      ready: boolean;
      sessionId?: string;
    };
    return { ready: r.ready, sessionId: r.sessionId };
  } catch {
    return undefined;
  }
}

function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

interface ProfileResult {
  profile: Profile;
  cycles: number;
  settle: number[];
  unsettled: number;
  ours: { count: number; totalMs: number; maxMs: number };
  naive: { count: number; totalMs: number; maxMs: number };
  twoControllers: number;
  staleClaimsMs: number;
  epochBackwards: number;
  restarts: number;
  conflictTouched: number;
  kafka: boolean;
}

async function runGroup(sync: 'long' | 'short', group: readonly Profile[]): Promise<ProfileResult[]> {
  const ensemble: ZooKeeperEnsemble = await startEnsemble(3, { syncLimit: SYNC_LIMIT[sync] });
  const chroot = `/soak-${process.pid}-${sync}`;
  const useKafka = values.kafka === true && kafkaSkipReason() === false;
  let kafka: KafkaCluster | undefined;
  const cleanup: (() => Promise<void>)[] = [async () => ensemble.stop()];
  const results: ProfileResult[] = [];
  try {
    if (useKafka) {
      kafka = await startKafkaCluster({ zookeeper: ensemble.connectString, size: 2, chroot, zkSessionTimeoutMs: SESSION_MS });
      const k = kafka;
      cleanup.push(() => k.stop());
    }
    const connect = `${ensemble.connectString}${chroot}`;

    // Ours: one sidecar process per broker, each behind its own proxy to the whole ensemble? A proxy
    // forwards to one member; the sidecar gets the proxy plus the other members, so a blackhole cuts
    // it from one member at a time unless all its routes go through proxies: give it proxies only.
    const ours: Sidecar[] = [];
    const elections = { highest: -1, backwards: 0 };
    for (let i = 0; i < N_OURS; i++) {
      const id = 300 + i;
      const proxies = await Promise.all(ensemble.servers.map((m) => startTcpProxy(m.port)));
      cleanup.push(async () => void (await Promise.all(proxies.map((p) => p.close()))));
      const proxy: TcpProxy = {
        address: proxies.map((p) => p.address).join(','),
        get mode() {
          return proxies[0]?.mode ?? 'pass';
        },
        set: (m) => {
          for (const p of proxies) p.set(m);
        },
        blackhole: async (ms) => void (await Promise.all(proxies.map((p) => p.blackhole(ms)))),
        reset: () => {
          for (const p of proxies) p.reset();
        },
        close: async () => void (await Promise.all(proxies.map((p) => p.close()))),
        [Symbol.asyncDispose]: async () => void (await Promise.all(proxies.map((p) => p.close()))),
      };
      const sc: Sidecar = {
        id,
        controller: i < 2,
        proxy,
        child: undefined as unknown as ChildProcess,
        port: undefined,
        claimsEpoch: undefined,
        restarts: 0,
        ownedWhileNotOwned: new Violations(),
        suspect: undefined,
        stopping: false,
      };
      const launch = (): void => {
        const args = [
          'register',
          '--zookeeper',
          `${proxy.address}${chroot}`,
          '--broker-id',
          String(id),
          '--listeners',
          `PLAINTEXT://127.0.0.1:${9000 + id}`,
          '--session-timeout-ms',
          String(SESSION_MS),
          '--health-port',
          '0',
          '--wedged-after-ms',
          String(10 * SESSION_MS),
        ];
        if (sc.controller) args.push('--controller', '--performs-controller-duties', '--controller-beside-other-brokers');
        sc.child = track(spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }));
        sc.port = undefined;
        sc.claimsEpoch = undefined;
        lines(sc.child, (l) => {
          if (l.event === 'health') sc.port = l.port as number;
          if (l.event === 'elected') {
            // Every election bumps /controller_epoch: an epoch at or below one already elected went backwards.
            const epoch = l.epoch as number;
            if (epoch <= elections.highest) elections.backwards++;
            elections.highest = Math.max(elections.highest, epoch);
            sc.claimsEpoch = epoch;
          }
          if (l.event === 'resigned' || l.event === 'stopped') sc.claimsEpoch = undefined;
        });
        // The supervisor: a sidecar that exits (wedged, failed) is started again, as Kubernetes would.
        sc.child.once('exit', () => {
          sc.claimsEpoch = undefined;
          if (sc.stopping) return;
          sc.restarts++;
          launch();
        });
      };
      launch();
      ours.push(sc);
      cleanup.push(async () => {
        sc.stopping = true;
        sc.child.kill('SIGTERM');
      });
    }
    const naive: Naive[] = [];
    for (let i = 0; i < N_NAIVE; i++) {
      const id = 400 + i;
      const child = track(
        spawn(process.execPath, [join(__dirname, 'naive-child.js'), connect, String(id), String(SESSION_MS)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      const n: Naive = { id, child, registered: false, sessionId: null, lost: new Violations(), suspect: undefined };
      lines(child, (l) => {
        n.registered = l.registered === true;
        n.sessionId = (l.sessionId as string | null) ?? null;
      });
      naive.push(n);
      cleanup.push(async () => void child.kill('SIGTERM'));
    }

    // The checker: samples all the time, in the background. It reads the leader's `dump` (every
    // ephemeral with its owner session) over a plain socket rather than through a ZooKeeper client
    // (ZooKeeperEnsemble.ephemeralOwners).
    let twoControllers = new Violations();
    let staleClaims = new Violations();
    let sampling = true;
    const sampleOnce = async (): Promise<boolean> => {
      // A registrar's claim and the ensemble's state cannot be read at one instant: the dump is
      // bracketed by two readings of /readyz, and only a claim made before *and* after it, on one
      // session, that the dump contradicts counts (a registration made between two readings is not a
      // violation; one that ZooKeeper lost while the registrar kept claiming it is).
      const before = await Promise.all(ours.map((sc) => readyz(sc.port)));
      const owners = await ensemble.ephemeralOwners();
      if (owners === undefined) return false;
      const after = await Promise.all(ours.map((sc) => readyz(sc.port)));
      const now = Date.now();
      const ownerOf = (id: number): string | undefined => owners.get(`${chroot}/brokers/ids/${id}`);
      let allOwned = true;
      ours.forEach((sc, i) => {
        const [h1, h2] = [before[i], after[i]];
        const claimed = h1?.ready === true && h2?.ready === true && h1.sessionId === h2.sessionId;
        // The leader applies a commit a little after the follower that answered the client may have:
        // right after a stall its pipeline lags by hundreds of ms. A contradiction counts once a
        // second dump, a sample later, still shows it for the same claim.
        const contradicted = claimed && ownerOf(sc.id) !== h2?.sessionId;
        const persistent = contradicted && sc.suspect === h2?.sessionId;
        sc.suspect = contradicted ? h2?.sessionId : undefined;
        if (persistent && process.env.KZR_SOAK_DEBUG !== undefined) {
          process.stdout.write(
            `soak: broker ${sc.id} ready on 0x${h2?.sessionId} but two leader dumps say ${ownerOf(sc.id) === undefined ? 'no node' : `owner 0x${ownerOf(sc.id)}`}\n`,
          );
        }
        sc.ownedWhileNotOwned.sample(persistent, now);
        if (!(h2?.ready === true && h2.sessionId !== undefined && ownerOf(sc.id) === h2.sessionId)) allOwned = false;
      });
      for (const n of naive) {
        const contradicted = n.registered && ownerOf(n.id) !== (n.sessionId ?? undefined);
        const persistent = contradicted && n.suspect === n.sessionId;
        n.suspect = contradicted ? n.sessionId : undefined;
        n.lost.sample(persistent, now);
      }
      // Two candidates for one epoch would be a split brain; an old controller that has not yet heard of
      // its expiry claims an older epoch, and every write of its is fenced by the newer one.
      const claims = ours.flatMap((o) => (o.claimsEpoch === undefined ? [] : [o.claimsEpoch]));
      twoControllers.sample(new Set(claims).size < claims.length, now);
      staleClaims.sample(new Set(claims).size > 1, now);
      if (!owners.has(`${chroot}/controller`)) allOwned = false;
      if (kafka !== undefined) for (const b of kafka.brokers) if (!owners.has(`${chroot}/brokers/ids/${b.id}`)) allOwned = false;
      return allOwned;
    };
    let settledNow = false;
    const sampler = (async () => {
      while (sampling) {
        settledNow = await sampleOnce().catch(() => false);
        await sleep(SAMPLE_MS);
      }
    })();
    const settle = async (): Promise<number | undefined> => {
      const from = Date.now();
      while (Date.now() - from < SETTLE_BOUND_MS) {
        if (settledNow) return Date.now() - from;
        await sleep(SAMPLE_MS);
      }
      return undefined;
    };
    if ((await settle()) === undefined) throw new Error('the soak did not settle before its first fault');

    for (const profile of group) {
      const before = { ours: ours.map((o) => ({ ...o.ownedWhileNotOwned })), naive: naive.map((n) => ({ ...n.lost })) };
      const restartsBefore = ours.reduce((a, o) => a + o.restarts, 0);
      twoControllers = new Violations();
      staleClaims = new Violations();
      const r: ProfileResult = {
        profile,
        cycles: CYCLES,
        settle: [],
        unsettled: 0,
        ours: { count: 0, totalMs: 0, maxMs: 0 },
        naive: { count: 0, totalMs: 0, maxMs: 0 },
        twoControllers: 0,
        staleClaimsMs: 0,
        epochBackwards: 0,
        restarts: 0,
        conflictTouched: 0,
        kafka: kafka !== undefined,
      };
      const epochBackwardsBefore = elections.backwards;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const victim = ours[cycle % ours.length] as Sidecar;
        let duplicate: ChildProcess | undefined;
        let ownerBefore: string | undefined;
        switch (profile) {
          case 'leader-stall-long':
          case 'leader-stall-short': {
            const leader = await ensemble.leader();
            const m = ensemble.servers[leader];
            m?.pause();
            await sleep(2 * SESSION_MS); // the fault itself: the stall
            m?.resume();
            break;
          }
          case 'member-kill': {
            const leader = await ensemble.leader();
            const m = ensemble.servers[cycle % 2 === 0 ? leader : (leader + 1) % ensemble.servers.length];
            await m?.kill();
            await sleep(SESSION_MS); // down for a session timeout
            await m?.restart();
            break;
          }
          case 'ensemble-restart':
            for (const m of ensemble.servers) await m.kill();
            await sleep(2 * SESSION_MS); // everyone's session outlives nothing
            await Promise.all(ensemble.servers.map((m) => m.restart()));
            break;
          case 'client-blackhole-short':
          case 'client-blackhole-long':
            victim.proxy.set('blackhole');
            await sleep(profile === 'client-blackhole-short' ? SESSION_MS / 2 : 2 * SESSION_MS);
            victim.proxy.set('pass');
            victim.proxy.reset();
            break;
          case 'process-pause':
            victim.child.kill('SIGSTOP');
            await sleep(2 * SESSION_MS); // a GC pause past the session timeout
            victim.child.kill('SIGCONT');
            break;
          case 'live-conflict': {
            ownerBefore = (await ensemble.ephemeralOwners())?.get(`${chroot}/brokers/ids/${victim.id}`);
            duplicate = track(
              spawn(
                process.execPath,
                [
                  CLI,
                  'register',
                  '--zookeeper',
                  connect,
                  '--broker-id',
                  String(victim.id),
                  '--listeners',
                  `PLAINTEXT://127.0.0.1:${9000 + victim.id}`,
                  '--session-timeout-ms',
                  String(SESSION_MS),
                  '--conflict-policy',
                  'wait',
                ],
                { stdio: 'ignore' },
              ),
            );
            await sleep(2 * SESSION_MS); // a second registrar for the same id comes and goes
            duplicate.kill('SIGTERM');
            await new Promise((res) => duplicate?.once('exit', res));
            // The duplicate waited; it never deleted or replaced the live owner's node.
            const after = (await ensemble.ephemeralOwners())?.get(`${chroot}/brokers/ids/${victim.id}`);
            if (ownerBefore !== undefined && after !== ownerBefore) r.conflictTouched++;
            break;
          }
        }
        const t = await settle();
        if (t === undefined) r.unsettled++;
        else r.settle.push(t);
        process.stdout.write(`soak: ${profile} cycle ${cycle + 1}/${CYCLES}: ${t === undefined ? 'NOT settled' : `settled in ${t} ms`}\n`);
      }
      const now = Date.now();
      for (const o of ours) o.ownedWhileNotOwned.close(now);
      for (const n of naive) n.lost.close(now);
      twoControllers.close(now);
      staleClaims.close(now);
      const delta = (a: readonly { count: number; totalMs: number; maxMs: number }[], b: readonly Violations[]): ProfileResult['ours'] => ({
        count: b.reduce((s, v, i) => s + v.count - (a[i]?.count ?? 0), 0),
        totalMs: b.reduce((s, v, i) => s + v.totalMs - (a[i]?.totalMs ?? 0), 0),
        maxMs: Math.max(0, ...b.map((v) => v.maxMs)),
      });
      r.ours = delta(
        before.ours,
        ours.map((o) => o.ownedWhileNotOwned),
      );
      r.naive = delta(
        before.naive,
        naive.map((n) => n.lost),
      );
      r.twoControllers = twoControllers.count;
      r.staleClaimsMs = staleClaims.totalMs;
      r.epochBackwards = elections.backwards - epochBackwardsBefore;
      r.restarts = ours.reduce((a, o) => a + o.restarts, 0) - restartsBefore;
      results.push(r);
    }
    sampling = false;
    await sampler;
    return results;
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const long = profiles.filter((p) => p === 'leader-stall-long');
  const short = profiles.filter((p) => p !== 'leader-stall-long');
  const results = [...(long.length > 0 ? await runGroup('long', long) : []), ...(short.length > 0 ? await runGroup('short', short) : [])];
  const failed = results.filter(
    (r) => r.ours.count > 0 || r.unsettled > 0 || r.twoControllers > 0 || r.epochBackwards > 0 || r.conflictTouched > 0,
  );
  const rows = results.map(
    (r) =>
      `| ${r.profile} | ${r.cycles} | ${r.settle.length === 0 ? '-' : `${pct(r.settle, 50)} / ${pct(r.settle, 100)}`} | ${r.unsettled} | ${r.ours.count} (${r.ours.totalMs} ms) | ${r.naive.count} (${r.naive.totalMs} ms, max ${r.naive.maxMs} ms) | ${r.twoControllers} | ${r.staleClaimsMs} | ${r.epochBackwards} | ${r.conflictTouched} | ${r.restarts} |`,
  );
  const report = [
    `# Soak results`,
    '',
    `${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s; profiles ${profiles.join(', ')}; ${CYCLES} cycle(s) each; ${N_OURS} of our registrars (sidecar processes, 2 with controller candidacy), ${N_NAIVE} naive registrars (processes), ${values.kafka === true && kafkaSkipReason() === false ? '2 real Kafka brokers' : 'no Kafka brokers'}; 3-member ensemble, session timeout ${SESSION_MS} ms, sampled every ${SAMPLE_MS} ms.`,
    '',
    '| profile | cycles | settle p50 / max (ms) | not settled in 120 s | ours: ready but not owning (times, total) | naive: believes registered but not owning | two controllers for one epoch | an older epoch still claimed (ms, fenced) | controller epoch backwards | live conflict touched the node | sidecar restarts (wedged) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    failed.length === 0 ? 'Every invariant held for our registrars.' : `VIOLATED in: ${failed.map((r) => r.profile).join(', ')}`,
    '',
  ].join('\n');
  mkdirSync(dirname(values.out as string), { recursive: true });
  writeFileSync(values.out as string, report);
  process.stdout.write(`${report}\n`);
  return failed.length === 0 ? 0 : 1;
}

void main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
