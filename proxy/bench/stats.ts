/** @module proxy/bench/stats — medians, percentiles, and the bench's result rows and table. */
import { quantile as quantileOf } from '../../lib/stats/exact.ts';

/** The phases measured for every client run, in milliseconds. */
export const PHASES = ['connect_ms', 'newPage_ms', 'goto_ms', 'total_ms'] as const;
export type Phase = (typeof PHASES)[number];
export type Sample = Record<Phase, number>;

/** One row of the result: medians per phase, p95 in `*_p95`. */
export type BenchRow = {
  backend: string;
  scenario: string;
  /** `PASS`, or `FAIL (k/N ok)`. */
  result: string;
  iterations: number;
} & Record<Phase, number | null> &
  Record<`${Phase}_p95`, number | null>;

/** The q-quantile (0..1) by linear interpolation between closest ranks (lib/stats); undefined for no values. */
export function quantile(values: readonly number[], q: number): number | undefined {
  return values.length === 0 ? undefined : quantileOf(values, q);
}

const round = (n: number | undefined): number | null => (n === undefined ? null : Math.round(n * 10) / 10);

/** Summarises the samples of one backend × scenario (`failures` = runs that threw). */
export function summarise(backend: string, scenario: string, samples: Sample[], failures: number): BenchRow {
  const n = samples.length + failures;
  const row: Record<string, unknown> = {
    backend,
    scenario,
    result: failures === 0 && samples.length > 0 ? 'PASS' : `FAIL (${samples.length}/${n} ok)`,
    iterations: n,
  };
  for (const p of PHASES) {
    const values = samples.map((s) => s[p]);
    row[p] = round(quantile(values, 0.5));
    row[`${p}_p95`] = round(quantile(values, 0.95));
  }
  return row as BenchRow;
}

/** The markdown table: `backend | scenario | result | connect_ms | newPage_ms | goto_ms | total_ms` (medians). */
export function markdownTable(rows: readonly BenchRow[]): string {
  const head = ['backend', 'scenario', 'result', ...PHASES];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[r.backend, r.scenario, r.result, ...PHASES.map((p) => (r[p] === null ? '–' : String(Math.round(r[p]))))].join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
