// Metric families as plain data, and their OpenMetrics text. Kept apart from what is measured so
// that the same families feed our own `/metrics` endpoint and a user's prom-client registry.

export type MetricType = 'gauge' | 'counter' | 'histogram';

export type Labels = Readonly<Record<string, string>>;

export interface MetricSample {
  /** Full sample name: the family name, plus `_total` for counters, `_bucket`/`_sum`/`_count` for histograms. */
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  /** OpenMetrics family name (no `_total`). */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** Prometheus's classic text format, what a scraper (or curl) that does not ask for OpenMetrics reads. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** The OpenMetrics 1.0 text exposition of `families`, `# EOF` included. */
export function renderOpenMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# TYPE ${f.name} ${f.type}`, `# HELP ${f.name} ${escapeHelp(f.help)}`);
    for (const s of f.samples) out.push(`${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/**
 * The same families in Prometheus's text format 0.0.4: no `# EOF`, and a counter's HELP/TYPE lines
 * name the sample (`x_total`), since that format has no families apart from their samples.
 */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    const name = f.type === 'counter' ? `${f.name}_total` : f.name;
    out.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`);
    for (const s of f.samples) out.push(`${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Which exposition a request's Accept header asks for: OpenMetrics only when it names it (as Prometheus does). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

/** Cumulative histogram samples (`_bucket` per bound and `+Inf`, `_sum`, `_count`) for one label set. */
export function histogramSamples(name: string, labels: Labels, bounds: readonly number[], counts: readonly number[], sum: number): MetricSample[] {
  const out: MetricSample[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += counts[i] ?? 0;
    out.push({ name: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative });
  });
  const count = counts.reduce((a, b) => a + b, 0);
  out.push({ name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ name: `${name}_sum`, labels, value: sum });
  out.push({ name: `${name}_count`, labels, value: count });
  return out;
}
