/** @module analysis/report/page/chart — the step-latency chart: p50 and p95 per step, stable vs canary, as inline SVG. */
import type { PageStep } from './types.ts';
import { esc } from './html.ts';

/** Colours of the two sides, shared with the page's legend. */
export const SIDE_COLOURS = { stable: '#3b6fb6', canary: '#e07b24' } as const;

const ROW = 34;
const LABEL_W = 112;
const BAR_W = 220;
const WIDTH = LABEL_W + BAR_W + 88;

/** A round, readable axis maximum at or above `ms`. */
function niceMax(ms: number): number {
  for (const step of [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000]) {
    if (ms <= step) return step;
  }
  return Math.ceil(ms / 60_000) * 60_000;
}

function bar(a: {
  y: number;
  side: 'stable' | 'canary';
  p: { p50: number; p95: number };
  scale: number;
}): string {
  const c = SIDE_COLOURS[a.side];
  const w50 = Math.max(1, a.p.p50 * a.scale);
  const w95 = Math.max(w50, a.p.p95 * a.scale);
  return (
    `<rect x="${LABEL_W}" y="${a.y}" width="${w95.toFixed(1)}" height="11" fill="${c}" opacity="0.35"/>` +
    `<rect x="${LABEL_W}" y="${a.y}" width="${w50.toFixed(1)}" height="11" fill="${c}"/>` +
    `<text x="${(LABEL_W + w95 + 4).toFixed(1)}" y="${a.y + 9}" font-size="11" fill="#333">${Math.round(a.p.p50)} / ${Math.round(a.p.p95)} ms</text>`
  );
}

/**
 * Horizontal bars per step: the solid part is p50, the pale extension p95; stable above canary. Scales with the
 * page (viewBox, width 100 %), so it stays readable at phone width. Returns '' when no step has timings.
 */
export function latencyChart(steps: readonly PageStep[], title: string): string {
  const timed = steps.filter((s) => s.stable || s.canary);
  if (timed.length === 0) return '';
  const max = niceMax(Math.max(...timed.flatMap((s) => [s.stable?.p95 ?? 0, s.canary?.p95 ?? 0]), 1));
  const scale = BAR_W / max;
  const height = timed.length * ROW + 26;
  const rows = timed.map((s, i) => {
    const y = i * ROW + 4;
    const label = s.name.length > 18 ? `${s.name.slice(0, 17)}…` : s.name;
    return (
      `<text x="${LABEL_W - 6}" y="${y + 16}" font-size="12" text-anchor="end" fill="#222">${esc(label)}</text>` +
      (s.stable ? bar({ y, side: 'stable', p: s.stable, scale }) : '') +
      (s.canary ? bar({ y: y + 13, side: 'canary', p: s.canary, scale }) : '')
    );
  });
  const axisY = timed.length * ROW + 6;
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const x = LABEL_W + f * BAR_W;
      return `<line x1="${x}" y1="0" x2="${x}" y2="${axisY}" stroke="#ddd"/><text x="${x}" y="${axisY + 14}" font-size="10" text-anchor="middle" fill="#666">${Math.round(f * max)} ms</text>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet"><title>${esc(title)}</title>${ticks}${rows.join('')}</svg>`;
}
