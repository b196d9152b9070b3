// Our metrics on a user's own prom-client registry, without depending on prom-client: a registry
// accepts any object shaped like its metrics (name, help, type, get()), so we hand it such objects.
// prom-client stays an optional peer dependency that the library never loads.
import type { MetricFamily } from './metric-families.js';
import type { RegistrarMetrics } from './registrar-metrics.js';

/** The shape of a metric that prom-client's `Registry.registerMetric` accepts. */
export interface PromClientMetric {
  /** prom-client renames counters (drops `_total`) when its registry serves OpenMetrics: hence mutable. */
  name: string;
  /** One line of help text. */
  readonly help: string;
  /** gauge, counter or histogram. */
  readonly type: MetricFamily['type'];
  /** How prom-client aggregates across workers: `sum`. */
  readonly aggregator: 'sum';
  /** The family's current samples, in prom-client's shape; called by the registry at every scrape. */
  get(): Promise<{
    readonly name: string;
    readonly help: string;
    readonly type: MetricFamily['type'];
    readonly aggregator: 'sum';
    readonly values: ReadonlyArray<{
      readonly value: number;
      readonly labels: Readonly<Record<string, string>>;
      readonly metricName?: string;
    }>;
  }>;
  /** A no-op: our counters count events and are never reset from outside. */
  reset(): void;
}

/**
 * The part of prom-client's `Registry` used here. `registerMetric` is typed loosely on purpose:
 * prom-client declares it for its own metric classes, and a `PromClientMetric` is what it is given.
 */
export interface PromClientRegistry {
  /** Adds a metric (prom-client's `Registry.registerMetric`). */
  registerMetric(metric: never): void;
  /** Removes a metric by name (prom-client's `Registry.removeSingleMetric`). */
  removeSingleMetric(name: string): void;
}

/**
 * Registers every metric of `metrics` on a prom-client `registry` (`new Registry()` or the global
 * `register`). Returns a function that removes them again.
 */
export function registerOnPromClient(metrics: RegistrarMetrics, registry: PromClientRegistry): () => void {
  // prom-client keys metrics by their name at registration; it may rename counters later.
  const names = metrics.families().map((family): string => {
    const counter = family.type === 'counter';
    const metric: PromClientMetric = {
      // prom-client's Prometheus text uses the name as given; for counters that must end in _total.
      name: counter ? `${family.name}_total` : family.name,
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      get: () => {
        const now = metrics.families().find((f) => f.name === family.name) ?? { ...family, samples: [] };
        return Promise.resolve({
          name: metric.name,
          help: family.help,
          type: family.type,
          aggregator: 'sum',
          // Counter samples carry no name of their own: prom-client adds `_total` itself where its format needs it.
          values: now.samples.map((s) =>
            counter ? { value: s.value, labels: s.labels } : { value: s.value, labels: s.labels, metricName: s.name },
          ),
        });
      },
      reset: () => undefined,
    };
    registry.registerMetric(metric as never);
    return metric.name;
  });
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
