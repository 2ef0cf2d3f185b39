/**
 * @module journeys/compare — paired canary/stable runs of one journey → a {@link JourneyComparison}: pass rates with
 * Fisher's exact test, step latencies with a rank test and Cliff's delta, and errors new on the canary. Pure.
 */
import { fisherExactGreater, quantile, rankTestGreater } from '../lib/stats/exact.ts';
import type {
  ComparisonThresholds,
  JourneyComparison,
  JourneyRun,
  NewOnCanary,
  SideSummary,
  StepComparison,
} from './types.ts';

/**
 * Defaults for N = 10 runs per side. alpha 0.05 one-sided on each test (split across the steps for latency); a latency regression must also be large
 * (Cliff's delta ≥ 0.5 — canary slower in ≥ 75 % of pairs), ≥ 1.2× the stable p50 and ≥ 50 ms, so a busy machine's
 * jitter does not page anyone; an error never seen on the stable counts from 2 canary runs (one could be a fluke of
 * the browser, two in ten is a pattern); fewer than 3 valid runs on a side says nothing.
 */
export const DEFAULT_THRESHOLDS: ComparisonThresholds = {
  alpha: 0.05,
  minLatencyEffect: 0.5,
  minLatencyRatio: 1.2,
  minLatencyDeltaMs: 50,
  newErrorMinRuns: 2,
  minValidRuns: 3,
};

function summarise(runs: readonly JourneyRun[]): SideSummary {
  const passed = runs.filter((r) => r.status === 'passed').length;
  const failed = runs.filter((r) => r.status === 'failed').length;
  const valid = runs.filter((r) => r.status !== 'error').map((r) => r.durationMs);
  return {
    runs: runs.length,
    passed,
    failed,
    errors: runs.length - passed - failed,
    passRate: passed + failed > 0 ? passed / (passed + failed) : Number.NaN,
    durationMs: { p50: quantile(valid, 0.5), p95: quantile(valid, 0.95) },
  };
}

/** Durations of step `n` over the runs where it passed. */
function stepDurations(runs: readonly JourneyRun[], n: number): number[] {
  return runs.flatMap((r) =>
    r.steps.filter((s) => s.step === n && s.status === 'passed').map((s) => s.durationMs),
  );
}

function compareSteps(
  stable: readonly JourneyRun[],
  canary: readonly JourneyRun[],
  t: ComparisonThresholds,
): StepComparison[] {
  const template = [...stable, ...canary].find((r) => r.steps.length > 0)?.steps ?? [];
  // The steps are one family of tests: Bonferroni keeps the chance of any false latency regression at alpha.
  const stepAlpha = t.alpha / Math.max(1, template.length);
  return template.map((s) => {
    const a = stepDurations(stable, s.step);
    const b = stepDurations(canary, s.step);
    const { p, delta } = rankTestGreater(a, b);
    const sp50 = quantile(a, 0.5);
    const cp50 = quantile(b, 0.5);
    const regression =
      a.length >= t.minValidRuns &&
      b.length >= t.minValidRuns &&
      p < stepAlpha &&
      delta >= t.minLatencyEffect &&
      cp50 >= sp50 * t.minLatencyRatio &&
      cp50 - sp50 >= t.minLatencyDeltaMs;
    return {
      step: s.step,
      label: s.label,
      stable: { n: a.length, p50Ms: sp50, p95Ms: quantile(a, 0.95) },
      canary: { n: b.length, p50Ms: cp50, p95Ms: quantile(b, 0.95) },
      pValue: p,
      effect: delta,
      regression,
    };
  });
}

/** For each kind, the distinct texts per run, counted over runs. */
function occurrences(
  runs: readonly JourneyRun[],
): Map<string, { kind: NewOnCanary['kind']; text: string; runs: number }> {
  const out = new Map<string, { kind: NewOnCanary['kind']; text: string; runs: number }>();
  for (const r of runs) {
    const seen = new Set<string>();
    const add = (kind: NewOnCanary['kind'], text: string): void => {
      const key = `${kind}\u0000${text}`;
      if (seen.has(key)) return;
      seen.add(key);
      const cur = out.get(key) ?? { kind, text, runs: 0 };
      cur.runs++;
      out.set(key, cur);
    };
    r.consoleErrors.forEach((e) => add('console', e));
    r.pageErrors.forEach((e) => add('page', e));
    r.failedRequests.forEach((f) =>
      add('request', `${f.method} ${f.template} → ${f.status ?? f.failure ?? 'failed'}`),
    );
  }
  return out;
}

function newOnCanary(
  stable: readonly JourneyRun[],
  canary: readonly JourneyRun[],
  t: ComparisonThresholds,
): NewOnCanary[] {
  const base = occurrences(stable);
  return [...occurrences(canary).entries()]
    .filter(([key, o]) => !base.has(key) && o.runs >= t.newErrorMinRuns)
    .map(([, o]) => ({ kind: o.kind, text: o.text, canaryRuns: o.runs }))
    .sort((a, b) => b.canaryRuns - a.canaryRuns || a.text.localeCompare(b.text));
}

function mostFrequent(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function artifactsOf(runs: readonly JourneyRun[]): JourneyComparison['artifacts'] {
  return {
    screenshots: runs.flatMap((r) => [
      ...(r.artifacts.screenshot ? [r.artifacts.screenshot] : []),
      ...(r.artifacts.screenshots ?? []),
    ]),
    traces: runs.flatMap((r) => (r.artifacts.trace ? [r.artifacts.trace] : [])),
  };
}

function pct(x: number): string {
  return Number.isNaN(x) ? 'n/a' : `${Math.round(x * 100)} %`;
}

/**
 * Compares one journey's runs through one backend. Only `passed`/`failed` runs count; `error` runs are missing data,
 * and too few valid runs on a side make the journey `inconclusive` whatever else is seen.
 */
export function compareJourney(
  journey: string,
  backend: string,
  runs: readonly JourneyRun[],
  thresholds: ComparisonThresholds = DEFAULT_THRESHOLDS,
): JourneyComparison {
  const stableRuns = runs.filter((r) => r.journey === journey && r.side === 'stable');
  const canaryRuns = runs.filter((r) => r.journey === journey && r.side === 'canary');
  const stable = summarise(stableRuns);
  const canary = summarise(canaryRuns);
  const validS = stableRuns.filter((r) => r.status !== 'error');
  const validC = canaryRuns.filter((r) => r.status !== 'error');
  const passRatePValue = fisherExactGreater(
    { failed: stable.failed, total: stable.passed + stable.failed },
    { failed: canary.failed, total: canary.passed + canary.failed },
  );
  const steps = compareSteps(validS, validC, thresholds);
  const fresh = newOnCanary(validS, validC, thresholds);
  const canaryFailure = mostFrequent(
    validC.filter((r) => r.status === 'failed').map((r) => r.reason ?? 'no detail'),
  );
  const base = {
    journey,
    backend,
    stable,
    canary,
    passRatePValue,
    steps,
    newOnCanary: fresh,
    artifacts: artifactsOf(runs),
  };
  const withFailure = canaryFailure === undefined ? base : { ...base, canaryFailure };

  if (validS.length < thresholds.minValidRuns || validC.length < thresholds.minValidRuns) {
    const errs = mostFrequent(
      runs.filter((r) => r.status === 'error').map((r) => r.reason ?? 'unknown error'),
    );
    return {
      ...withFailure,
      outcome: 'inconclusive',
      reasons: [
        `too few valid runs: stable ${validS.length}, canary ${validC.length} (need ${thresholds.minValidRuns} each)${errs ? `; infrastructure: ${errs}` : ''}`,
      ],
    };
  }
  const reasons: string[] = [];
  if (passRatePValue < thresholds.alpha) {
    reasons.push(
      `pass rate ${pct(canary.passRate)} on the canary vs ${pct(stable.passRate)} on the stable (Fisher p = ${passRatePValue.toPrecision(2)})${canaryFailure ? `: ${canaryFailure}` : ''}`,
    );
  }
  for (const s of steps.filter((x) => x.regression)) {
    reasons.push(
      `step ${s.step} (${s.label}) slower: p50 ${s.canary.p50Ms.toFixed(0)} ms vs ${s.stable.p50Ms.toFixed(0)} ms (p = ${s.pValue.toPrecision(2)}, Cliff's delta ${s.effect.toFixed(2)})`,
    );
  }
  for (const n of fresh)
    reasons.push(`new on the canary (${n.canaryRuns} of ${validC.length} runs): ${n.kind} ${n.text}`);
  return { ...withFailure, outcome: reasons.length > 0 ? 'regression' : 'no_regression', reasons };
}

/** The overall verdict of several comparisons: any regression wins, then any inconclusive. */
export function overallVerdict(
  comparisons: readonly Pick<JourneyComparison, 'outcome'>[],
  backendsOk = true,
): 'no_regression' | 'regression' | 'inconclusive' {
  if (comparisons.some((c) => c.outcome === 'regression')) return 'regression';
  if (!backendsOk || comparisons.length === 0 || comparisons.some((c) => c.outcome === 'inconclusive'))
    return 'inconclusive';
  return 'no_regression';
}
