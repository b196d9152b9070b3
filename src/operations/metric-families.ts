// Metric families as plain data, and their OpenMetrics text. Kept apart from what is measured so
// that the same families feed our own `/metrics` endpoint and a user's prom-client registry.

/** The OpenMetrics family types used here. */
export type MetricType = 'gauge' | 'counter' | 'histogram';

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** One sample of a family. */
export interface MetricSample {
  /** Full sample name: the family name, plus `_total` for counters, `_bucket`/`_sum`/`_count` for histograms. */
  readonly name: string;
  /** Its labels (`broker_id` on every series of ours). */
  readonly labels: Labels;
  /** Its value (seconds for durations, counts for counters). */
  readonly value: number;
}

/** One metric family as plain data: what both `/metrics` and a prom-client registry are fed. */
export interface MetricFamily {
  /** OpenMetrics family name (no `_total`). */
  readonly name: string;
  /** One line of help text. */
  readonly help: string;
  /** gauge, counter or histogram. */
  readonly type: MetricType;
  /** Every sample, in exposition order. */
  readonly samples: readonly MetricSample[];
}

/** The content type of OpenMetrics 1.0 text, what `/metrics` answers a scraper that prefers it. */
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

export type MetricsFormat = 'openmetrics' | 'prometheus-text';

/**
 * Which exposition a request's Accept header asks for (RFC 9110 content negotiation, q-values
 * included): each format gets the q of the most specific range that matches it (`type/sub` over
 * `type/*` over `*\/*`; none: 0), and the higher q wins. On a tie, or when neither is acceptable,
 * Prometheus text 0.0.4, which every scraper and curl reads, unless OpenMetrics was named outright
 * (Prometheus 2.x sends `application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,...`).
 */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
  if (accept === undefined) return 'prometheus-text';
  const ranges = accept.split(',').flatMap((part) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const [type, sub] = range.split('/');
    if (type === undefined || type === '' || sub === undefined || sub === '') return [];
    const qParam = params.find((p) => /^q\s*=/.test(p));
    const q = qParam === undefined ? 1 : Number(qParam.replace(/^q\s*=\s*/, ''));
    // A malformed q is ignored, like the range itself: never a reason to answer garbage.
    return Number.isFinite(q) && q >= 0 && q <= 1 ? [{ type, sub, q }] : [];
  });
  const offer = (type: string, sub: string): { q: number; exact: boolean } => {
    let best: { q: number; specificity: number } | undefined;
    for (const r of ranges) {
      const specificity =
        r.type === type && r.sub === sub ? 2 : r.type === type && r.sub === '*' ? 1 : r.type === '*' && r.sub === '*' ? 0 : -1;
      if (specificity < 0 || (best !== undefined && best.specificity > specificity)) continue;
      // Among ranges equally specific (say, two versions of openmetrics-text), the best q counts.
      best = best !== undefined && best.specificity === specificity ? { q: Math.max(best.q, r.q), specificity } : { q: r.q, specificity };
    }
    return { q: best?.q ?? 0, exact: best?.specificity === 2 };
  };
  const om = offer('application', 'openmetrics-text');
  const text = offer('text', 'plain');
  if (om.q > text.q) return 'openmetrics';
  if (om.q === text.q && om.q > 0 && om.exact) return 'openmetrics';
  return 'prometheus-text';
}

/** Cumulative histogram samples (`_bucket` per bound and `+Inf`, `_sum`, `_count`) for one label set. */
export function histogramSamples(
  name: string,
  labels: Labels,
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
): MetricSample[] {
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
