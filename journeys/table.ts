/** @module journeys/table — the readable renderings of run and paired reports, and the progress line. */
import { quantile } from '../lib/stats/exact.ts';
import type { JourneyRun, PairedReport, ProgressEvent, RunReport } from './types.ts';

function ms(x: number): string {
  return Number.isNaN(x) ? '-' : `${Math.round(x)}`;
}

function pct(passed: number, valid: number): string {
  return valid === 0 ? '-' : `${Math.round((100 * passed) / valid)}%`;
}

/** Pads columns to the widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function stepStats(runs: readonly JourneyRun[], step: number): { pass: string; p50: string; p95: string } {
  const results = runs.flatMap((r) => r.steps.filter((s) => s.step === step && s.status !== 'skipped'));
  const ok = results.filter((s) => s.status === 'passed').map((s) => s.durationMs);
  return { pass: pct(ok.length, results.length), p50: ms(quantile(ok, 0.5)), p95: ms(quantile(ok, 0.95)) };
}

/** `sentinel journey run`: per backend, journey and step: pass rate and p50/p95; then failures and errors. */
export function formatRun(report: RunReport): string {
  const rows: string[][] = [['backend', 'journey', 'step', 'pass', 'p50 ms', 'p95 ms']];
  const notes: string[] = [];
  for (const b of report.backends) {
    const names = [...new Set(b.runs.map((r) => r.journey))];
    for (const name of names) {
      const runs = b.runs.filter((r) => r.journey === name);
      const valid = runs.filter((r) => r.status !== 'error');
      const durations = valid.map((r) => r.durationMs);
      rows.push([
        b.backend,
        name,
        '(journey)',
        pct(valid.filter((r) => r.status === 'passed').length, valid.length),
        ms(quantile(durations, 0.5)),
        ms(quantile(durations, 0.95)),
      ]);
      for (const s of runs[0]?.steps ?? []) {
        const st = stepStats(valid, s.step);
        rows.push(['', '', `${s.step}. ${s.label}`.slice(0, 60), st.pass, st.p50, st.p95]);
      }
      for (const r of runs.filter((x) => x.status !== 'passed')) {
        notes.push(
          `${r.status.toUpperCase()} ${b.backend} / ${name} #${r.attempt}: ${r.reason ?? ''}${r.artifacts.trace ? `\n    trace: ${r.artifacts.trace}` : ''}${r.artifacts.screenshot ? `\n    screenshot: ${r.artifacts.screenshot}` : ''}`,
        );
      }
    }
  }
  return `${table(rows)}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
}

/** `sentinel journey compare`: per backend, journey and step, both sides; then the outcome and its reasons. */
export function formatPaired(report: PairedReport): string {
  const rows: string[][] = [
    ['backend', 'journey', 'step', 'stable pass', 'p50', 'p95', 'canary pass', 'p50', 'p95', ''],
  ];
  const notes: string[] = [];
  for (const b of report.backends) {
    for (const c of b.journeys) {
      rows.push([
        b.backend,
        c.journey,
        '(journey)',
        pct(c.stable.passed, c.stable.passed + c.stable.failed),
        ms(c.stable.durationMs.p50),
        ms(c.stable.durationMs.p95),
        pct(c.canary.passed, c.canary.passed + c.canary.failed),
        ms(c.canary.durationMs.p50),
        ms(c.canary.durationMs.p95),
        c.outcome,
      ]);
      const runs = b.runs.filter((r) => r.journey === c.journey && r.status !== 'error');
      for (const s of c.steps) {
        const st = stepStats(
          runs.filter((r) => r.side === 'stable'),
          s.step,
        );
        const ca = stepStats(
          runs.filter((r) => r.side === 'canary'),
          s.step,
        );
        rows.push([
          '',
          '',
          `${s.step}. ${s.label}`.slice(0, 50),
          st.pass,
          ms(s.stable.p50Ms),
          ms(s.stable.p95Ms),
          ca.pass,
          ms(s.canary.p50Ms),
          ms(s.canary.p95Ms),
          s.regression ? 'slower' : '',
        ]);
      }
      for (const why of c.reasons)
        notes.push(`${c.outcome.toUpperCase()} ${b.backend} / ${c.journey}: ${why}`);
      if (c.stable.errors + c.canary.errors > 0)
        notes.push(
          `  (${c.stable.errors} stable and ${c.canary.errors} canary runs lost to infrastructure errors)`,
        );
      for (const t of c.artifacts.traces.slice(0, 3)) notes.push(`  trace: ${t}`);
    }
  }
  const head = `verdict: ${report.verdict} — ${report.repeat} runs per side, canary ${report.canary} vs stable ${report.stable}, ${(report.durationMs / 1000).toFixed(1)} s`;
  return `${table(rows)}\n\n${head}\n${notes.length ? `${notes.join('\n')}\n` : ''}`;
}

/** One line of progress for a terminal. */
export function progressLine(e: ProgressEvent): string {
  if (e.type === 'run-start') return '';
  const r = e.run;
  return `${r.backend} ${r.journey}${r.side ? ` ${r.side}` : ''} #${r.attempt}: ${r.status} ${Math.round(r.durationMs)} ms${r.status === 'passed' ? '' : ` — ${r.reason ?? ''}`}\n`;
}
