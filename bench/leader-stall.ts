// The report's scenario as a benchmark (issue 24): a 3-member ensemble (tickTime 200, syncLimit 30:
// followers give a silent leader up after 6 s), registrars with a 3 s session, the leader SIGSTOPped
// for 7 s, several rounds. Measured per registration that went missing: from its node's removal to
// our node back, both read from the servers' own transaction logs (the leader's clock when it
// prepared each change), so that no client, itself cut off by the stall, stands between the event
// and its time. Each gap is then laid beside what the registrar's client did meanwhile (its events
// and debug lines, same machine clock) to say where the time went.
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import createDebug from 'debug';
import { BrokerRegistrar, Connection } from '../src/index.js';
import { startEnsemble, type ZooKeeperEnsemble } from '../integration/harness/zookeeper-server.js';
import { committedTxns, gaps, readTxnLogs, type Gap } from './txn-log.js';

export interface StallOptions {
  readonly registrars: number;
  readonly rounds: number;
  readonly sessionTimeoutMs: number;
  readonly pauseMs: number;
  readonly tickTimeMs: number;
  readonly syncLimit: number;
}

export const STALL_DEFAULTS: StallOptions = {
  registrars: 6,
  rounds: 4,
  sessionTimeoutMs: 3000,
  pauseMs: 7000,
  tickTimeMs: 200,
  syncLimit: 30,
};

/** One registration's gap, with what its client did between the removal and the node back (ms from the removal). */
export interface GapDetail {
  readonly round: number;
  readonly brokerId: number;
  readonly removedBy: string;
  /** Removal to our node back (server clock): the figure. */
  readonly gapMs: number;
  /** When the client was told the old session expired, relative to the removal (negative: before it). */
  readonly noticeMs: number | undefined;
  readonly cause: string | undefined;
  /** When the new session was granted, relative to the removal. */
  readonly sessionMs: number | undefined;
  /** The 'restored' event, relative to the removal (a little after the create's commit). */
  readonly restoredMs: number | undefined;
  /** The old session's connection attempts in the last second before the notice (debug lines, ms from the removal). */
  readonly attempts: readonly string[];
}

/**
 * One registrar's outage as it saw it: from 'lost' (told its session expired) to 'restored' (our node
 * created on the new session), split at the new session's grant.
 */
export interface Outage {
  readonly round: number;
  readonly brokerId: number;
  readonly cause: string;
  /** lost to restored, and its two parts: lost to the new session granted, that to restored. */
  readonly downMs: number;
  readonly openMs: number;
  readonly registerMs: number;
  /**
   * Of openMs, how long the ensemble granted nobody anything yet: from the notice to the first
   * committed txn of the epoch after the stall (our registrars race for sessions, so that is when one
   * could first be had). openMs less this is the client's own share (backoff, attempts on members
   * that do not serve).
   */
  readonly ensembleMs: number;
  /**
   * Whether the ensemble's committed history had expired the old session when the registrar was told
   * it had: 'committed' (a closeSession at or before the notice), 'later' (committed after it),
   * 'never' (not committed before the run ended: only a resumed, deposed leader's own log has it).
   */
  readonly quorumExpiry: 'committed' | 'later' | 'never';
  /** Failed connection attempts while opening the new session (host: error). */
  readonly attempts: readonly string[];
}

export interface StallRun {
  readonly run: number;
  readonly outages: readonly Outage[];
  readonly gaps: readonly GapDetail[];
  readonly median: number | undefined;
  readonly max: number | undefined;
  /** Registrations that were not owned and present again within 60 s of a resume (none expected). */
  readonly notBack: number;
  /** Txns found in one member's log only (a resumed leader's own uncommitted proposals). */
  readonly uncommitted: number;
  /** Per round: sessions that ended, by cause as the clients were told ('server', 'refused', 'stall'). */
  readonly expiries: readonly Readonly<Record<string, number>>[];
  /** With KZR_BENCH_STALL_TRACE set: the path txns and every client event, for a post-mortem. */
  readonly trace?: unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A member's dataDir, from its JVM's command line (the harness passes the zoo.cfg it wrote). */
function dataDirOf(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
  const cfg = args[args.length - 1] as string;
  const dir = /^dataDir=(.*)$/m.exec(readFileSync(cfg, 'utf8'))?.[1];
  if (dir === undefined) throw new Error(`no dataDir in ${cfg}`);
  return dir;
}

interface Event {
  readonly at: number;
  readonly what: string;
  readonly session?: string;
  readonly detail?: string;
}

/** Captures this library's debug lines (all namespaces) with their time, while enabled. */
function captureDebug(): { lines: { at: number; line: string }[]; stop: () => void } {
  const lines: { at: number; line: string }[] = [];
  const before = createDebug.log;
  const namespaces = createDebug.disable();
  createDebug.log = (...args: unknown[]) => void lines.push({ at: Date.now(), line: format(...(args as [unknown, ...unknown[]])) });
  createDebug.enable('kafka-zk-registrar:*');
  return {
    lines,
    stop: () => {
      createDebug.disable();
      createDebug.log = before;
      if (namespaces !== '') createDebug.enable(namespaces);
    },
  };
}

export async function leaderStallRun(
  run: number,
  opts: StallOptions = STALL_DEFAULTS,
  progress: (msg: string) => void = () => undefined,
): Promise<StallRun> {
  const zk: ZooKeeperEnsemble = await startEnsemble(3, { tickTimeMs: opts.tickTimeMs, syncLimit: opts.syncLimit });
  const debug = captureDebug();
  const events = new Map<number, Event[]>();
  const regs: BrokerRegistrar[] = [];
  const conns: Connection[] = [];
  try {
    const dataDirs = zk.servers.map((s) => dataDirOf(s.pid as number));
    const chroot = `/kzr-stall-${run}`;
    for (let i = 1; i <= opts.registrars; i++) {
      const conn = new Connection({
        connect: `${zk.connectString}${chroot}`,
        sessionTimeoutMs: opts.sessionTimeoutMs,
        connectTimeoutMs: 60_000,
      });
      const r = new BrokerRegistrar({ zookeeper: conn, brokerId: i, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }] });
      const ev: Event[] = [];
      events.set(i, ev);
      const add = (what: string, session?: string, detail?: string): void =>
        void ev.push({ at: Date.now(), what, ...(session === undefined ? {} : { session }), ...(detail === undefined ? {} : { detail }) });
      conn.on('session', (s) => add('session', s.id));
      conn.on('disconnected', (s) => add('disconnected', s.id));
      conn.on('connected', (s) => add('connected', s.id));
      conn.on('expired', (e) => add('expired', e.sessionId, e.cause));
      conn.on('unreachable', (u) => add('unreachable', undefined, `${u.host}: ${u.error}`));
      r.on('restored', (reg) => add('restored', reg.sessionId));
      r.on('lost', (l) => add('lost', l.sessionId, l.reason));
      conns.push(conn);
      regs.push(r);
    }
    await Promise.all(regs.map((r) => r.start()));
    const paths = new Map(regs.map((_, i) => [`${chroot}/brokers/ids/${i + 1}`, i + 1]));
    const roundStarts: number[] = [];
    let notBack = 0;
    for (let round = 1; round <= opts.rounds; round++) {
      const leader = await zk.leader();
      if (leader < 0) throw new Error('no leader to stall');
      roundStarts.push(Date.now());
      zk.servers[leader]?.pause();
      try {
        await sleep(opts.pauseMs);
      } finally {
        zk.servers[leader]?.resume();
      }
      // Until every registration is ours again, as the leader's dump shows it, twice 500 ms apart.
      const deadline = Date.now() + 60_000;
      let stable = 0;
      while (stable < 2 && Date.now() < deadline) {
        await sleep(500);
        const owners = await zk.ephemeralOwners();
        const ok =
          owners !== undefined &&
          regs.every((r, i) => r.status().state === 'owned' && owners.get(`${chroot}/brokers/ids/${i + 1}`) === r.status().sessionId);
        stable = ok ? stable + 1 : 0;
      }
      if (stable < 2) notBack += regs.filter((r) => r.status().state !== 'owned').length || 1;
      progress(
        `leader stall run ${run}, round ${round}/${opts.rounds}: leader was member ${leader + 1}${stable < 2 ? ', NOT all back within 60 s' : ''}`,
      );
      await sleep(1000);
    }
    const { txns, dropped } = committedTxns(dataDirs);
    const found = gaps(txns, new Set(paths.keys())).filter((g) => g.removedAt >= (roundStarts[0] as number));
    const details = found.map((g: Gap): GapDetail => {
      const id = paths.get(g.path) as number;
      const ev = events.get(id) ?? [];
      const rel = (t: number | undefined): number | undefined => (t === undefined ? undefined : t - g.removedAt);
      const expired = ev.find((e) => e.what === 'expired' && e.session === g.ownerBefore);
      const session = ev.find((e) => e.what === 'session' && e.session === g.ownerAfter);
      const restored = ev.find((e) => e.what === 'restored' && e.session === g.ownerAfter);
      const noticeAt = expired?.at ?? g.backAt;
      const attempts = debug.lines
        .filter((l) => l.at >= noticeAt - 1500 && l.at <= noticeAt && l.line.includes(g.ownerBefore) && /zk-client/.test(l.line))
        .map((l) => `${l.at - g.removedAt} ms: ${l.line.replace(/^\S+ kafka-zk-registrar:/, '')}`);
      let round = 0;
      for (let k = 0; k < roundStarts.length; k++) if (g.removedAt >= (roundStarts[k] as number)) round = k + 1;
      return {
        round,
        brokerId: id,
        removedBy: g.removedBy,
        gapMs: g.backAt - g.removedAt,
        noticeMs: rel(expired?.at),
        cause: expired?.detail,
        sessionMs: rel(session?.at),
        restoredMs: rel(restored?.at),
        attempts,
      };
    });
    const times = details.map((d) => d.gapMs);
    const roundOf = (at: number): number => roundStarts.filter((t) => at >= t).length;
    const closedAt = new Map<string, number>();
    for (const t of txns) for (const o of t.ops) if (o.kind === 'closeSession' && !closedAt.has(t.session)) closedAt.set(t.session, t.time);
    const epoch = (z: bigint): bigint => z >> 32n;
    const servingAt = roundStarts.map((start) => {
      const before = txns.filter((t) => t.time < start).pop();
      const e0 = before === undefined ? 0n : epoch(before.zxid);
      return txns.find((t) => epoch(t.zxid) > e0)?.time;
    });
    const outages: Outage[] = [];
    for (const [id, ev] of events) {
      for (let k = 0; k < ev.length; k++) {
        const lost = ev[k] as Event;
        if (lost.what !== 'expired' || lost.at < (roundStarts[0] as number)) continue;
        const next = ev.slice(k + 1);
        const session = next.find((e) => e.what === 'session');
        const restored = next.find((e) => e.what === 'restored');
        if (session === undefined || restored === undefined) continue;
        const closed = closedAt.get(lost.session as string);
        const serving = servingAt[roundOf(lost.at) - 1];
        outages.push({
          ensembleMs: serving === undefined ? 0 : Math.min(session.at - lost.at, Math.max(0, serving - lost.at)),
          round: roundOf(lost.at),
          brokerId: id,
          cause: lost.detail ?? '?',
          downMs: restored.at - lost.at,
          openMs: session.at - lost.at,
          registerMs: restored.at - session.at,
          quorumExpiry: closed === undefined ? 'never' : closed <= lost.at ? 'committed' : 'later',
          attempts: next.filter((e) => e.what === 'unreachable' && e.at <= session.at).map((e) => `${e.at - lost.at} ms ${e.detail}`),
        });
      }
    }
    const expiries = roundStarts.map((start, k) => {
      const end = roundStarts[k + 1] ?? Number.POSITIVE_INFINITY;
      const byCause: Record<string, number> = {};
      for (const ev of events.values())
        for (const e of ev)
          if (e.what === 'expired' && e.at >= start && e.at < end) byCause[e.detail ?? '?'] = (byCause[e.detail ?? '?'] ?? 0) + 1;
      return byCause;
    });
    const trace =
      process.env.KZR_BENCH_STALL_TRACE === undefined
        ? undefined
        : {
            roundStarts,
            members: dataDirs.map((d) =>
              readTxnLogs(d).map(
                (t) => `${t.zxid.toString(16)} ${t.time - (roundStarts[0] as number)} ${t.session} ${t.ops.map((o) => o.kind).join(',')}`,
              ),
            ),
            txns: txns
              .filter((t) => t.time >= (roundStarts[0] as number) - 1000)
              .map((t) => ({
                zxid: t.zxid.toString(16),
                time: t.time,
                session: t.session,
                ops: t.ops.map((o) =>
                  'path' in o ? `${o.kind} ${o.path}` : o.kind === 'closeSession' ? `closeSession ${(o.paths ?? []).join(' ')}` : o.kind,
                ),
              })),
            events: Object.fromEntries(events),
            debug: debug.lines.filter((l) => l.at >= (roundStarts[0] as number)).map((l) => `${l.at} ${l.line}`),
          };
    return {
      run,
      outages,
      gaps: details,
      median: median(times),
      max: times.length === 0 ? undefined : Math.max(...times),
      notBack,
      uncommitted: dropped,
      expiries,
      ...(trace === undefined ? {} : { trace }),
    };
  } finally {
    debug.stop();
    await Promise.all(regs.map((r) => r.stop().catch(() => undefined)));
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await zk.stop();
  }
}

const f0 = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(0));

export function stallMarkdown(runs: readonly StallRun[], o: StallOptions): string[] {
  const allOutages = runs.flatMap((r) => r.outages);
  const uncommittedVerdicts = allOutages.filter((x) => x.quorumExpiry !== 'committed').length;
  const allGaps = runs.flatMap((r) => r.gaps);
  const byOwnDelete = allGaps.filter((g) => g.removedBy.startsWith('delete')).length;
  const causes = new Map<string, number>();
  for (const x of allOutages) causes.set(x.cause, (causes.get(x.cause) ?? 0) + 1);
  const causeText = [...causes]
    .map(
      ([c, n]) =>
        `${n} ${c === 'server' ? 'told by a server' : c === 'refused' ? "given up by the client ('refused': every reconnect closed unanswered for a session timeout)" : c}`,
    )
    .join(', ');
  return [
    "## Leader stall: from a registration missing to it back (the report's scenario)",
    '',
    `${runs.length} runs, each on a fresh 3-member ensemble (tickTime ${o.tickTimeMs} ms, syncLimit ${o.syncLimit}: followers give a silent leader up after ${(o.tickTimeMs * o.syncLimit) / 1000} s), ${o.registrars} BrokerRegistrars with a ${o.sessionTimeoutMs / 1000} s session, each on its own Connection through a chroot; ${o.rounds} rounds of: the leader SIGSTOPped for ${o.pauseMs / 1000} s, then SIGCONT, then wait until every registration is ours again in the leader's dump. "Missing" is a registration's node removed (a delete, or the close of the session that owned it) and "back" is our node created again, both as the servers' transaction logs record them (the leader's clock when it prepared each change; a txn counts once a majority of the members logged it), so no client stands between an event and its time. Target (issue 24): median <= 300 ms in every run.`,
    '',
    '| run | registrations missing (of rounds x registrars) | missing -> back, median / max (ms) | target met | registrar outages: told "expired" -> restored, count, median / max (ms) | of which: opening the new session, median / max (ms) | of the opening: the ensemble not serving yet, median / max (ms) | registering on the new session, median / max (ms) | "expired" verdicts the quorum had not committed at the time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map((r) => {
      const down = r.outages.map((x) => x.downMs);
      const open = r.outages.map((x) => x.openMs);
      const reg = r.outages.map((x) => x.registerMs);
      const ens = r.outages.map((x) => x.ensembleMs);
      const mx = (xs: number[]): number | undefined => (xs.length === 0 ? undefined : Math.max(...xs));
      return `| ${r.run} | ${r.gaps.length} of ${o.rounds * o.registrars}${r.notBack > 0 ? ` (${r.notBack} not back within 60 s)` : ''} | ${f0(r.median)} / ${f0(r.max)} | ${r.median === undefined ? 'nothing went missing' : r.median <= 300 ? 'yes' : '**no**'} | ${r.outages.length}, ${f0(median(down))} / ${f0(mx(down))} | ${f0(median(open))} / ${f0(mx(open))} | ${f0(median(ens))} / ${f0(mx(ens))} | ${f0(median(reg))} / ${f0(mx(reg))} | ${r.outages.filter((x) => x.quorumExpiry !== 'committed').length} of ${r.outages.length} |`;
    }),
    '',
    `Where the time goes. ${byOwnDelete} of the ${allGaps.length} registrations that went missing were removed by their own registrar (the rest by the close of the session that held them): told that its session had expired, it opened a new session, found its node still held by that previous session (the server had not deleted it yet), deleted it (version-checked) and created ours, so the node was absent only between that delete and the create. The registrar's own outage (from the expiry notice to its node back) (${causeText}) is almost all the new session's opening, and most of that, where it is long, is the ensemble granting no session to anyone yet (an election still going on after the resume): attempts on members that do not serve end after the connect timeout (session timeout / 3 hosts = ${Math.round(o.sessionTimeoutMs / 3)} ms) or are closed unanswered. Where the ensemble serves at once, the first attempt goes to a shuffled host, and when that is the deposed leader or a member still electing, it is closed unanswered (~100 ms) and the next host waits the reconnect jitter (up to a tenth of the session timeout, ${o.sessionTimeoutMs / 10} ms). ${uncommittedVerdicts} of ${allOutages.length} expiry notices came from a server whose expiry of that session the ensemble had not committed (the resumed leader expires every session on its own clock before it notices it has been deposed; its closeSession proposals are in its own log only): the new quorum still kept those sessions, so the registrars re-registered (a new broker epoch) where keeping the session was possible.`,
    '',
  ];
}
