// The numbers an operator graphs and alerts on, for every registrar tracked in this process: state
// and readiness, broker epoch, registration age, and counters of what happened (losses by reason,
// session expiries by cause, waits on foreign owners, conflicts, controller elections and
// resignations) plus a histogram of confirmation latency. Counters start at zero for every known
// label value, so that rate() and absent-series alerts work from the first scrape.
import type { BrokerRegistrar, BrokerRegistrarEvents, BrokerRegistrarState } from '../registration/broker-registrar.js';
import type { ResignReason } from '../registration/controller-candidate.js';
import type { LossReason } from '../recipes/owned-ephemeral.js';
import type { ExpiryCause } from '../zookeeper/connection.js';
import { histogramSamples, renderOpenMetrics, renderPrometheusText, type MetricFamily, type MetricSample } from './metric-families.js';

const PREFIX = 'kafka_zk_registrar_';

// Records over each union make the compiler insist that every value is listed.
const STATES: Record<BrokerRegistrarState, true> = {
  idle: true,
  starting: true,
  acquiring: true,
  waiting: true,
  owned: true,
  lost: true,
  failed: true,
  stopped: true,
};
const LOSS_REASONS: Record<LossReason, true> = {
  deleted: true,
  'owner-changed': true,
  'data-changed': true,
  'session-expired': true,
  'session-closed': true,
  released: true,
};
const EXPIRY_CAUSES: Record<ExpiryCause, true> = { server: true, stall: true, refused: true };
const RESIGN_REASONS: Record<ResignReason, true> = { 'session-expired': true, 'epoch-changed': true, 'node-lost': true, stopped: true };

/** Confirmation latency buckets, seconds: from a warm cluster's tens of ms to a confirm timeout's tens of seconds. */
const LATENCY_BOUNDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

function zeroes<K extends string>(keys: Record<K, true>): Map<K, number> {
  return new Map(Object.keys(keys).map((k) => [k as K, 0]));
}

class Tracked {
  readonly losses = zeroes(LOSS_REASONS);
  readonly expiries = zeroes(EXPIRY_CAUSES);
  readonly resignations = zeroes(RESIGN_REASONS);
  registrations = 0;
  waits = 0;
  conflicts = 0;
  elections = 0;
  readonly latencyCounts: number[] = new Array<number>(LATENCY_BOUNDS.length + 1).fill(0);
  latencySum = 0;
  readonly detach: () => void;

  constructor(readonly registrar: BrokerRegistrar) {
    const offs: (() => void)[] = [];
    const on = <K extends keyof BrokerRegistrarEvents>(event: K, fn: (...args: BrokerRegistrarEvents[K]) => void): void => {
      registrar.on(event, fn as never);
      offs.push(() => registrar.off(event, fn as never));
    };
    const bump = <K extends string>(m: Map<K, number>, key: K): void => void m.set(key, (m.get(key) ?? 0) + 1);
    on('registered', () => this.registrations++);
    on('restored', () => this.registrations++);
    on('lost', (info) => bump(this.losses, info.reason));
    on('sessionExpired', (info) => bump(this.expiries, info.cause));
    on('waiting', () => this.waits++);
    on('conflict', () => this.conflicts++);
    on('elected', () => this.elections++);
    on('resigned', (info) => bump(this.resignations, info.reason));
    on('confirmed', (info) => this.observeLatency(info.latencyMs / 1000));
    this.detach = () => {
      for (const off of offs) off();
    };
  }

  private observeLatency(seconds: number): void {
    const i = LATENCY_BOUNDS.findIndex((le) => seconds <= le);
    const slot = i < 0 ? LATENCY_BOUNDS.length : i;
    this.latencyCounts[slot] = (this.latencyCounts[slot] ?? 0) + 1;
    this.latencySum += seconds;
  }
}

/**
 * The metrics of one or more registrars (prefix `kafka_zk_registrar_`, label `broker_id` on every series):
 * `track()` a registrar, then read `families()`, `openMetrics()` or `prometheusText()`, or hand them to
 * prom-client with `registerOnPromClient`. Counters are present at 0 for every label value from the first
 * scrape.
 */
export class RegistrarMetrics {
  private readonly tracked = new Map<BrokerRegistrar, Tracked>();

  /**
   * Counts `registrar`'s events from now on and reports its state at every scrape. Returns a
   * function that stops tracking it (its series disappear from the next scrape).
   */
  track(registrar: BrokerRegistrar): () => void {
    if (!this.tracked.has(registrar)) this.tracked.set(registrar, new Tracked(registrar));
    return () => {
      this.tracked.get(registrar)?.detach();
      this.tracked.delete(registrar);
    };
  }

  /** The current values of every metric, as data. */
  families(now = Date.now()): MetricFamily[] {
    const all = [...this.tracked.values()];
    const per = (fn: (t: Tracked, labels: { broker_id: string }) => MetricSample[]): MetricSample[] =>
      all.flatMap((t) => fn(t, { broker_id: String(t.registrar.brokerId) }));
    const counterOf = (name: string, get: (t: Tracked) => number): MetricSample[] =>
      per((t, l) => [{ name: `${name}_total`, labels: l, value: get(t) }]);
    const countersBy = (name: string, label: string, get: (t: Tracked) => Map<string, number>): MetricSample[] =>
      per((t, l) => [...get(t)].map(([k, v]) => ({ name: `${name}_total`, labels: { ...l, [label]: k }, value: v })));
    const n = (s: string): string => PREFIX + s;
    return [
      {
        name: n('ready'),
        type: 'gauge',
        help: '1 while our current session owns the registration (and, with confirmation, the cluster lists it); 0 otherwise.',
        samples: per((t, l) => [{ name: n('ready'), labels: l, value: t.registrar.health().ready ? 1 : 0 }]),
      },
      {
        name: n('state'),
        type: 'gauge',
        help: "The registrar's state: 1 for the current one, 0 for the others.",
        samples: per((t, l) => {
          const current = t.registrar.status().state;
          return Object.keys(STATES).map((state) => ({ name: n('state'), labels: { ...l, state }, value: state === current ? 1 : 0 }));
        }),
      },
      {
        name: n('broker_epoch'),
        type: 'gauge',
        help: "Kafka's broker epoch of the current registration (czxid of the znode); absent while not registered.",
        samples: per((t, l) => {
          const epoch = t.registrar.status().brokerEpoch;
          return epoch === undefined ? [] : [{ name: n('broker_epoch'), labels: l, value: epoch }];
        }),
      },
      {
        name: n('registration_age_seconds'),
        type: 'gauge',
        help: 'Seconds since the current registration was created or taken over; absent while not registered.',
        samples: per((t, l) => {
          const at = t.registrar.status().registeredAt;
          return at === undefined ? [] : [{ name: n('registration_age_seconds'), labels: l, value: Math.max(0, now - at) / 1000 }];
        }),
      },
      {
        name: n('registrations'),
        type: 'counter',
        help: 'Registrations made: the first one and every restoration after a loss.',
        samples: counterOf(n('registrations'), (t) => t.registrations),
      },
      {
        name: n('losses'),
        type: 'counter',
        help: 'Registrations lost, by reason.',
        samples: countersBy(n('losses'), 'reason', (t) => t.losses),
      },
      {
        name: n('session_expiries'),
        type: 'counter',
        help: 'ZooKeeper sessions ended under us, by cause: server (the ensemble said so), stall (this process was frozen past the session timeout and gave its session up), refused (reconnects closed unanswered for a session timeout, and a new session showed the ensemble lost what ours had seen).',
        samples: countersBy(n('session_expiries'), 'cause', (t) => t.expiries),
      },
      {
        name: n('foreign_owner_waits'),
        type: 'counter',
        help: 'Times our path was held by a session that is not ours and we waited for it to go.',
        samples: counterOf(n('foreign_owner_waits'), (t) => t.waits),
      },
      {
        name: n('conflicts'),
        type: 'counter',
        help: 'Times another live session kept our path past the conflict timeout.',
        samples: counterOf(n('conflicts'), (t) => t.conflicts),
      },
      {
        name: n('controller_elections'),
        type: 'counter',
        help: 'Times we won /controller and bumped /controller_epoch.',
        samples: counterOf(n('controller_elections'), (t) => t.elections),
      },
      {
        name: n('controller_resignations'),
        type: 'counter',
        help: 'Times we stopped being the controller, by reason.',
        samples: countersBy(n('controller_resignations'), 'reason', (t) => t.resignations),
      },
      {
        name: n('confirmation_latency_seconds'),
        type: 'histogram',
        help: 'From a registration to the cluster listing it with our endpoint, as seen through Kafka metadata.',
        samples: per((t, l) => histogramSamples(n('confirmation_latency_seconds'), l, LATENCY_BOUNDS, t.latencyCounts, t.latencySum)),
      },
    ];
  }

  /** The OpenMetrics text of every metric (what `/metrics` serves to a scraper that asks for it). */
  openMetrics(now = Date.now()): string {
    return renderOpenMetrics(this.families(now));
  }

  /** Prometheus text 0.0.4 of every metric (what `/metrics` serves otherwise). */
  prometheusText(now = Date.now()): string {
    return renderPrometheusText(this.families(now));
  }
}
