// Owning /brokers/ids/<id> is half the job: the point is that the *cluster* sees the broker. This
// module asks the cluster through kafkajs (Metadata, via admin.describeCluster) until it lists our
// broker id with the advertised host:port (and the controller ZooKeeper names), and keeps checking.
//
// kafkajs facts this has to live with: describeCluster answers from a random broker of its pool, so
// two rounds can disagree while metadata propagates; it swallows per-broker errors, and a failed
// round can surface as a TypeError rather than a KafkaJS error. Every round is therefore guarded,
// and one bad round never decides anything.
import { LISTENER_ROLE_CONFIGS, listenerRolesFrom, type ListenerRoles } from './listener-roles.js';
import { SafeEmitter } from '../util/safe-emitter.js';
import { ConfigResourceTypes, type Admin, type KafkaConfig } from 'kafkajs';
import { ClusterUnreachableError, InvalidConfigError, type KafkaZkRegistrarError } from '../errors.js';
import { logger } from '../log.js';
import { backoffMs, delay, timerMs } from '../util/timing.js';
import { StateMachine, type Transitions } from '../util/state-machine.js';
import { createAdmin } from './kafkajs-client.js';

const log = logger('confirmation');
/** The shortest re-check interval (ms): a cluster asked more often than this is flooded, not watched. */
const MIN_RECHECK_INTERVAL_MS = 100;

/**
 * The `confirm` option: how to ask the Kafka cluster (kafkajs) whether it lists our registration. Give
 * exactly one of `admin` and `kafka` (else InvalidConfigError).
 */
export interface ConfirmationOptions {
  /** A kafkajs Admin the host application already has (connected by it, never disconnected by us). */
  readonly admin?: Admin;
  /**
   * Or kafkajs 2 client options (brokers, ssl, sasl, clientId, timeouts in ms, retry, socketFactory)
   * from which we make our own admin; each checked by key and type (InvalidConfigError
   * `confirm.kafka.<option>`); logLevel and logCreator are refused (kafkajs logs through `debug`).
   */
  readonly kafka?: KafkaConfig;
  /**
   * The listener the kafkajs client connects through; our endpoint on it is what the cluster must show.
   * Default: the listener the bootstrap servers are on, as the registered brokers' endpoints show it
   * (Kafka answers Metadata with the endpoints of the listener the client came in on); else our first.
   */
  readonly listener?: string;
  /**
   * Deadline for each confirmation after a (re-)registration: past it `unconfirmed` is reported, and
   * confirmation goes on trying (backing off up to `timeoutMs` between rounds) until the cluster lists
   * us, when `confirmed` follows. Default 30000.
   */
  readonly timeoutMs?: number;
  /** Re-check that the cluster still lists us this often, in ms: 0 (the default: never), or at least 100. */
  readonly recheckIntervalMs?: number;
  /**
   * Report `missing` when ZooKeeper says we are registered but the cluster has not listed us for this
   * long, in ms; more than `recheckIntervalMs` (one re-check that misses us decides nothing). Default:
   * the larger of timeoutMs and twice recheckIntervalMs. InvalidConfigError otherwise.
   */
  readonly missingAfterMs?: number;
}

/** What one Metadata answer showed (kafkajs `admin.describeCluster()`). */
export interface ClusterView {
  /** The brokers listed, each at the endpoint of the listener the client came in on. */
  readonly brokers: ReadonlyArray<{ readonly nodeId: number; readonly host: string; readonly port: number }>;
  /** The controller's broker id; null when there is none. */
  readonly controller: number | null;
  /** The cluster id. */
  readonly clusterId: string;
}

/** What the cluster has to show for a registration to count as confirmed. */
export interface ConfirmationTarget {
  /** The broker id that must be listed. */
  readonly brokerId: number;
  /** The registration this is about (its broker epoch distinguishes re-registrations). */
  readonly brokerEpoch: number;
  /** The host the cluster must show for it. */
  readonly host: string;
  /** The port the cluster must show for it. */
  readonly port: number;
  /** The controller id ZooKeeper names, when known; the cluster must agree. */
  readonly controllerId: () => number | undefined;
  /**
   * True when a KRaft controller serves the cluster's metadata (a finished ZooKeeper-to-KRaft
   * migration): a ZooKeeper-only registration is then never listed, so waiting is pointless.
   */
  readonly kraftControlled?: () => boolean;
}

/**
 * Why a confirmation has not (yet) succeeded: `unreachable` (the cluster could not be asked), `not-listed`,
 * `endpoint-mismatch` (listed at another host:port), `controller-mismatch` (the cluster names another
 * controller than ZooKeeper), `kraft-controlled` (a KRaft controller serves metadata: a ZooKeeper-only
 * registration will never be listed).
 */
export type UnconfirmedReason = 'unreachable' | 'not-listed' | 'endpoint-mismatch' | 'controller-mismatch' | 'kraft-controlled';
/**
 * `pending` (asking), `confirmed` (the cluster lists us as expected), `unconfirmed` (the deadline passed;
 * still asking), `missing` (it listed us, then stopped for `missingAfterMs`).
 */
export type ConfirmationState = 'pending' | 'confirmed' | 'unconfirmed' | 'missing';

/** `status().confirmation`: where the confirmation of the current registration stands. */
export interface ConfirmationStatus {
  /** Where it stands. */
  readonly state: ConfirmationState;
  /** The registration being confirmed (its broker epoch). */
  readonly brokerEpoch: number;
  /** Registration to listing, in milliseconds, once confirmed. */
  readonly latencyMs: number | undefined;
  /** What the cluster showed at the last successful round. */
  readonly seen: ClusterView | undefined;
  /** When the cluster was last asked successfully (epoch ms). */
  readonly checkedAt: number | undefined;
  /** The last round's error, if it failed (`code` and `message` only). */
  readonly lastError: { readonly code: string; readonly message: string } | undefined;
}

/** The events of ClusterConfirmation; BrokerRegistrar re-emits them. */
export interface ClusterConfirmationEvents {
  /**
   * The cluster lists the registration with our endpoint (and, in controller mode, the controller ZooKeeper
   * names), `latencyMs` after it was made.
   */
  confirmed: [info: { readonly brokerId: number; readonly brokerEpoch: number; readonly latencyMs: number; readonly view: ClusterView }];
  /** The deadline passed without the cluster listing us as expected (`expected`: the endpoint it must show). Confirmation goes on trying. */
  unconfirmed: [
    info: {
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly reason: UnconfirmedReason;
      readonly expected: { readonly host: string; readonly port: number };
      readonly seen: ClusterView | undefined;
      readonly error: KafkaZkRegistrarError | undefined;
    },
  ];
  /** ZooKeeper says we are registered, but the cluster has not listed us for longer than `missingAfterMs`. */
  missing: [
    info: {
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly missingForMs: number;
      readonly seen: ClusterView | undefined;
    },
  ];
}

/**
 * `idle`: no registration to confirm (none yet, lost, or stopped). A new registration starts over at
 * `pending` from anywhere; `missing` is only ever a registration the cluster listed and then dropped.
 */
const TRANSITIONS: Transitions<ConfirmationState | 'idle'> = {
  idle: ['pending', 'idle'],
  pending: ['pending', 'confirmed', 'unconfirmed', 'idle'],
  unconfirmed: ['pending', 'confirmed', 'unconfirmed', 'idle'],
  confirmed: ['pending', 'missing', 'idle'],
  missing: ['pending', 'confirmed', 'idle'],
};

type Round =
  | { readonly view: ClusterView; readonly verdict: 'ok' | Exclude<UnconfirmedReason, 'unreachable'> }
  | { readonly error: KafkaZkRegistrarError };

/**
 * Asks the Kafka cluster, through kafkajs Metadata, whether it lists a registration, with a deadline and
 * jittered backoff, and keeps checking (`recheckIntervalMs`). What BrokerRegistrar's `confirm` option runs;
 * the registration itself never depends on it. Kafka's Metadata carries no broker epoch: right after a
 * re-registration with the same endpoint the cluster may still list the previous one, which then counts
 * (re-checks report `missing` if it drops us later).
 */
export class ClusterConfirmation extends SafeEmitter<ClusterConfirmationEvents> {
  /** The `listener` option: whose endpoint the cluster must show; undefined: decided per registration. */
  readonly listener: string | undefined;
  private readonly admin: Admin;
  private readonly ownsAdmin: boolean;
  private readonly timeoutMs: number;
  private readonly recheckIntervalMs: number;
  private readonly missingAfterMs: number;
  private readonly stopper = new AbortController();
  private inFlight: AbortController | undefined;
  private target: ConfirmationTarget | undefined;
  private readonly fsm = new StateMachine<ConfirmationState | 'idle'>('confirmation', 'idle', TRANSITIONS, log);
  /** What status() shows beside the state, for the registration being confirmed. */
  private brokerEpoch = 0;
  private latencyMs: number | undefined;
  private seen: ClusterView | undefined;
  private checkedAt: number | undefined;
  private lastError: ConfirmationStatus['lastError'];
  /** When the cluster last listed the current registration as expected; undefined: not yet. */
  private lastListedAt: number | undefined;
  private missingReported = false;
  private recheckTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private confirmStartedAt: number | undefined;

  /** @param onMissing - called once per incident when the cluster stops listing a registration ZooKeeper has. */
  constructor(
    opts: ConfirmationOptions,
    private readonly onMissing: () => void,
  ) {
    super();
    if ((opts.admin === undefined) === (opts.kafka === undefined)) {
      throw new InvalidConfigError('confirm', opts, 'give exactly one of confirm.admin or confirm.kafka');
    }
    this.timeoutMs = nonNegative(opts.timeoutMs ?? 30_000, 'confirm.timeoutMs', 1);
    this.recheckIntervalMs = nonNegative(opts.recheckIntervalMs ?? 0, 'confirm.recheckIntervalMs', 0);
    // A cluster asked every few milliseconds is a cluster flooded; and kafkajs asks one broker at
    // random, so a single lagging one must not decide "missing": it takes more than one re-check.
    if (this.recheckIntervalMs > 0 && this.recheckIntervalMs < MIN_RECHECK_INTERVAL_MS)
      throw new InvalidConfigError(
        'confirm.recheckIntervalMs',
        this.recheckIntervalMs,
        `expected 0 (no re-checks) or at least ${MIN_RECHECK_INTERVAL_MS} ms`,
      );
    this.missingAfterMs = nonNegative(
      opts.missingAfterMs ?? Math.max(this.timeoutMs, 2 * this.recheckIntervalMs),
      'confirm.missingAfterMs',
      0,
    );
    if (this.recheckIntervalMs > 0 && this.missingAfterMs <= this.recheckIntervalMs)
      throw new InvalidConfigError(
        'confirm.missingAfterMs',
        this.missingAfterMs,
        `expected more than confirm.recheckIntervalMs (${this.recheckIntervalMs} ms): one re-check that misses us decides nothing`,
      );
    this.listener = opts.listener;
    if (opts.admin !== undefined) {
      if (typeof (opts.admin as Partial<Admin> | null)?.describeCluster !== 'function')
        throw new InvalidConfigError('confirm.admin', '(object)', 'expected a kafkajs Admin');
      this.admin = opts.admin;
      this.ownsAdmin = false;
    } else {
      this.admin = createAdmin(opts.kafka as KafkaConfig, 'confirm.kafka', Math.min(this.timeoutMs, 10_000));
      this.ownsAdmin = true;
    }
  }

  /** Where the current registration's confirmation stands; undefined when there is none to confirm. */
  status(): ConfirmationStatus | undefined {
    const state = this.fsm.state;
    if (state === 'idle') return undefined;
    return {
      state,
      brokerEpoch: this.brokerEpoch,
      latencyMs: this.latencyMs,
      seen: this.seen,
      checkedAt: this.checkedAt,
      lastError: this.lastError,
    };
  }

  /**
   * Asks broker `brokerId` for its listener settings (DescribeConfigs on the broker resource, which
   * kafkajs sends to that broker). Undefined when it cannot be asked within `budgetMs` or does not
   * say: the caller then falls back to what ZooKeeper alone shows.
   */
  async listenerRoles(brokerId: number, budgetMs: number): Promise<ListenerRoles | undefined> {
    try {
      const r = await this.ask(
        (admin) =>
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [
              {
                type: ConfigResourceTypes.BROKER,
                name: String(brokerId),
                configNames: [...LISTENER_ROLE_CONFIGS],
              },
            ],
          }),
        budgetMs,
        this.stopper.signal,
      );
      const entries = r.resources[0]?.configEntries ?? [];
      return listenerRolesFrom((name) => entries.find((e) => e.configName === name)?.configValue);
    } catch (err) {
      log("broker %d's listener settings could not be read: %s", brokerId, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /** Starts confirming a (re-)registration, abandoning any confirmation of an older one. */
  confirm(target: ConfirmationTarget): void {
    // A registration that lands as we stop (an update() racing stop()) is not ours to confirm: a
    // confirmation started now would re-arm the re-check interval stop() cleared, for good.
    if (this.stopper.signal.aborted) return;
    this.inFlight?.abort();
    const ac = new AbortController();
    this.inFlight = ac;
    this.target = target;
    this.missingReported = false;
    this.lastListedAt = undefined;
    this.fsm.to('pending', `broker epoch ${target.brokerEpoch}`);
    this.brokerEpoch = target.brokerEpoch;
    this.latencyMs = undefined;
    this.seen = undefined;
    this.checkedAt = undefined;
    this.lastError = undefined;
    this.confirmStartedAt = Date.now();
    this.armRecheck();
    void this.run(target, AbortSignal.any([ac.signal, this.stopper.signal])).finally(() => {
      if (this.inFlight === ac) this.inFlight = undefined;
    });
  }

  /** Our registration is gone (lost, expired): nothing to confirm until the next one; status() is undefined. */
  forget(): void {
    this.inFlight?.abort();
    this.target = undefined;
    this.fsm.to('idle', 'forget()');
  }

  /**
   * Stops asking; disconnects the admin it made (never one given as `admin`), and again once a call
   * still running at stop() ends (kafkajs cannot cancel one; its request timeout bounds it).
   * Idempotent.
   */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.inFlight?.abort();
    this.target = undefined;
    this.fsm.to('idle', 'stop()');
    if (this.recheckTimer !== undefined) clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    if (this.ownsAdmin) await this.admin.disconnect().catch(() => undefined);
  }

  private async run(target: ConfirmationTarget, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const deadline = started + this.timeoutMs;
    // The last round that got an answer decides the reason: a final round cut short by the
    // deadline should not turn "the cluster does not list us" into "unreachable".
    let answered: Extract<Round, { view: ClusterView }> | undefined;
    let reported = false;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const last = await this.round(target, reported ? this.timeoutMs : deadline - Date.now(), signal);
      if (signal.aborted) return;
      if ('view' in last) answered = last;
      this.record(last);
      if ('view' in last && last.verdict === 'ok') {
        this.markConfirmed(target, started, last.view);
        return;
      }
      if ('view' in last && target.kraftControlled?.() === true) {
        this.fsm.to('unconfirmed', 'kraft-controlled');
        log('broker %d (epoch %d) not listed, and KRaft controls the cluster: it never will be', target.brokerId, target.brokerEpoch);
        this.notify('unconfirmed', {
          brokerId: target.brokerId,
          brokerEpoch: target.brokerEpoch,
          reason: 'kraft-controlled',
          expected: { host: target.host, port: target.port },
          seen: last.view,
          error: undefined,
        });
        return;
      }
      let wait = reported ? backoffMs(attempt, 1000, this.timeoutMs) : Math.min(backoffMs(attempt, 100, 2000), deadline - Date.now());
      if (!reported && deadline - Date.now() - wait < 50) {
        // No time left for a meaningful round: report, then keep trying (a cluster unreachable for a
        // few seconds at start must not leave the registrar unconfirmed, and /readyz 503, for good).
        reported = true;
        const reason: UnconfirmedReason = answered !== undefined ? (answered.verdict as UnconfirmedReason) : 'unreachable';
        const error = 'error' in last && answered === undefined ? last.error : undefined;
        this.fsm.to('unconfirmed', reason);
        log(
          'broker %d (epoch %d) not confirmed within %d ms: %s; still trying',
          target.brokerId,
          target.brokerEpoch,
          this.timeoutMs,
          reason,
        );
        this.notify('unconfirmed', {
          brokerId: target.brokerId,
          brokerEpoch: target.brokerEpoch,
          reason,
          expected: { host: target.host, port: target.port },
          seen: answered?.view,
          error,
        });
        wait = backoffMs(attempt, 1000, this.timeoutMs);
      }
      try {
        await delay(Math.max(0, wait), signal);
      } catch {
        return;
      }
    }
  }

  /** The cluster lists the registration as expected: state, event (also after `unconfirmed` or `missing`). */
  private markConfirmed(target: ConfirmationTarget, since: number, view: ClusterView): void {
    const latencyMs = Date.now() - since;
    this.lastListedAt = Date.now();
    this.missingReported = false;
    this.fsm.to('confirmed', `listed after ${latencyMs} ms`);
    this.latencyMs = latencyMs;
    log('broker %d (epoch %d) confirmed by the cluster after %d ms', target.brokerId, target.brokerEpoch, latencyMs);
    this.notify('confirmed', { brokerId: target.brokerId, brokerEpoch: target.brokerEpoch, latencyMs, view });
  }

  /** One guarded describeCluster round, bounded by `budgetMs` and ended by `signal`. Never throws. */
  private async round(target: ConfirmationTarget, budgetMs: number, signal: AbortSignal): Promise<Round> {
    try {
      const view = toView(await this.ask((admin) => admin.describeCluster(), budgetMs, signal));
      return { view, verdict: verdict(view, target) };
    } catch (err) {
      // A KafkaJS error, a timeout, or a TypeError from inside kafkajs after a failed broker round.
      return { error: new ClusterUnreachableError(err instanceof Error ? err.message : String(err), err) };
    }
  }

  /**
   * One kafkajs call, bounded by `budgetMs` and ended by `signal` (and refused once it has aborted).
   * kafkajs cannot cancel a call, so one that loses runs on; on an admin of our own, one that ends
   * after stop() disconnects it again: it may have connected anew after stop()'s disconnect (kafkajs
   * reconnects to the brokers its metadata lists), and an open connection keeps the host alive.
   */
  private async ask<T>(call: (admin: Admin) => Promise<T>, budgetMs: number, signal: AbortSignal): Promise<T> {
    if (signal.aborted) throw new Error('stopped');
    const running = (async () => {
      if (this.ownsAdmin) await this.admin.connect();
      return call(this.admin);
    })();
    void running
      .catch(() => undefined) // a call that loses the race below may still fail later
      .finally(() => {
        if (this.ownsAdmin && this.stopper.signal.aborted) void this.admin.disconnect().catch(() => undefined);
      });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      // Its timer goes with the call when we stop: stop() leaves nothing armed.
      const cut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.max(0, budgetMs)} ms`)), Math.max(1, budgetMs));
        onAbort = () => reject(new Error('stopped'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return await Promise.race([running, cut]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  private record(r: Round): void {
    if (this.fsm.state === 'idle') return;
    this.checkedAt = Date.now();
    if ('view' in r) this.seen = r.view;
    else this.lastError = { code: r.error.code, message: r.error.message };
  }

  private armRecheck(): void {
    if (this.recheckIntervalMs === 0 || this.recheckTimer !== undefined || this.stopper.signal.aborted) return;
    this.recheckTimer = setInterval(() => void this.recheck(), this.recheckIntervalMs);
  }

  private async recheck(): Promise<void> {
    const target = this.target;
    if (target === undefined || this.inFlight !== undefined || this.probing || this.stopper.signal.aborted) return;
    this.probing = true;
    try {
      const r = await this.round(target, Math.min(this.timeoutMs, this.recheckIntervalMs), this.stopper.signal);
      if (this.target !== target || this.stopper.signal.aborted) return;
      this.record(r);
      if ('view' in r && r.verdict === 'ok') {
        // Listed again after `missing` (or first listed after `unconfirmed`): said, not just set.
        if (this.fsm.is('pending', 'unconfirmed', 'missing')) this.markConfirmed(target, this.confirmStartedAt ?? Date.now(), r.view);
        this.lastListedAt = Date.now();
        this.missingReported = false;
        return;
      }
      // Missing means the cluster *stopped* listing a registration it had listed, as it answered.
      // A cluster that cannot be asked says nothing about us, and one that never listed us was
      // already reported as `unconfirmed`.
      if (!('view' in r) || this.lastListedAt === undefined) return;
      const missingForMs = Date.now() - this.lastListedAt;
      if (missingForMs < this.missingAfterMs || this.missingReported) return;
      this.missingReported = true;
      if (this.fsm.is('confirmed')) this.fsm.to('missing', `not listed for ${missingForMs} ms`);
      log('broker %d registered in ZooKeeper but not listed by the cluster for %d ms', target.brokerId, missingForMs);
      this.notify('missing', {
        brokerId: target.brokerId,
        brokerEpoch: target.brokerEpoch,
        missingForMs,
        seen: 'view' in r ? r.view : undefined,
      });
      this.onMissing();
    } finally {
      this.probing = false;
    }
  }
}

function toView(raw: unknown): ClusterView {
  const r = raw as Partial<ClusterView> | null | undefined;
  if (r === null || r === undefined || !Array.isArray(r.brokers)) throw new TypeError('describeCluster returned no broker list');
  return {
    brokers: r.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
    controller: r.controller ?? null,
    clusterId: r.clusterId ?? '',
  };
}

function verdict(view: ClusterView, t: ConfirmationTarget): 'ok' | Exclude<UnconfirmedReason, 'unreachable'> {
  const me = view.brokers.find((b) => b.nodeId === t.brokerId);
  if (me === undefined) return 'not-listed';
  if (me.host !== t.host || me.port !== t.port) return 'endpoint-mismatch';
  const expected = t.controllerId();
  if (expected !== undefined && view.controller !== expected) return 'controller-mismatch';
  return 'ok';
}

function nonNegative(v: unknown, field: string, min: number): number {
  return timerMs(v, field, min);
}
