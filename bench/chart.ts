// Latency distributions as an SVG chart (no dependency): one panel per scenario, one cumulative
// distribution per contender, log-scaled time axis so that 0.3 ms and 20 ms fit in one picture.

export interface Series {
  readonly label: string;
  readonly samples: readonly number[];
}

export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

const COLOURS = ['#1b6ac9', '#d1495b', '#2e933c', '#edae49', '#6a4c93', '#00798c'];
const W = 560;
const H = 300;
const M = { left: 56, right: 16, top: 34, bottom: 44 };

const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(p: Panel, dy: number): string {
  const all = p.series.flatMap((s) => s.samples).filter((x) => x > 0);
  if (all.length === 0) return '';
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number): number => M.left + (pw * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const y = (q: number): number => M.top + ph * (1 - q);
  const out: string[] = [
    `<g transform="translate(0,${dy})">`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  ];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    out.push(`<line x1="${x(d).toFixed(1)}" y1="${M.top}" x2="${x(d).toFixed(1)}" y2="${M.top + ph}" stroke="#ddd"/>`);
    out.push(
      `<text x="${x(d).toFixed(1)}" y="${M.top + ph + 16}" font-size="11" text-anchor="middle">${d >= 1 ? d.toFixed(0) : d.toString()} ms</text>`,
    );
  }
  for (const q of [0, 0.5, 0.9, 0.99, 1]) {
    out.push(`<line x1="${M.left}" y1="${y(q).toFixed(1)}" x2="${M.left + pw}" y2="${y(q).toFixed(1)}" stroke="#eee"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${(y(q) + 4).toFixed(1)}" font-size="11" text-anchor="end">${q === 0 || q === 1 ? q : `p${Math.round(q * 100)}`}</text>`,
    );
  }
  p.series.forEach((s, i) => {
    const xs = [...s.samples].sort((a, b) => a - b);
    if (xs.length === 0) return;
    const colour = COLOURS[i % COLOURS.length] as string;
    const pts = xs.map((v, k) => `${x(v).toFixed(1)},${y((k + 1) / xs.length).toFixed(1)}`);
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${x(xs[0] as number).toFixed(1)},${y(0).toFixed(1)} ${pts.join(' ')}"/>`,
    );
    out.push(`<rect x="${M.left + pw - 250}" y="${M.top + ph - 16 * (p.series.length - i) - 4}" width="10" height="10" fill="${colour}"/>`);
    out.push(
      `<text x="${M.left + pw - 235}" y="${M.top + ph - 16 * (p.series.length - i) + 5}" font-size="11">${esc(`${s.label} (n=${xs.length})`)}</text>`,
    );
  });
  out.push(
    `<text x="${M.left + pw / 2}" y="${M.top + ph + 34}" font-size="11" text-anchor="middle">latency (log scale); curve = share of samples at or below</text>`,
    '</g>',
  );
  return out.join('\n');
}

/** An SVG document with the panels stacked. */
export function cdfChart(panels: readonly Panel[]): string {
  const body = panels.map((p, i) => panel(p, i * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * panels.length}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
