/** @module journeys/judge — a paired report → the judge's `JourneyResult[]` (analysis/judges/types.ts), one per backend and journey. */
import type { JourneyResult, JourneySide } from '../analysis/judges/types.ts';
import type { JourneyComparison, PairedReport, SideSummary } from './types.ts';

function side(s: SideSummary, passed: boolean, error?: string): JourneySide {
  return {
    passed,
    ...(Number.isNaN(s.durationMs.p50) ? {} : { durationMs: Math.round(s.durationMs.p50) }),
    ...(error ? { error } : {}),
    passes: s.passed,
    runs: s.passed + s.failed,
    errors: s.errors,
  };
}

/**
 * The judge reads `canary.passed === false` with `stable.passed !== false` as a decisive journey regression, so the
 * booleans carry the comparison's call, not single runs: a significant pass-rate drop → canary false, stable true;
 * failing everywhere alike → both false (not decisive); otherwise both true. Latency and new errors travel in `steps`
 * and `newOnCanary`; too little data in `inconclusive`.
 */
export function toJourneyResult(c: JourneyComparison, alpha: number): JourneyResult {
  const passRateRegression = c.outcome !== 'inconclusive' && c.passRatePValue < alpha;
  const canaryAllFail = c.canary.passed === 0 && c.canary.failed > 0;
  const [canaryPassed, stablePassed] = passRateRegression
    ? [false, true]
    : canaryAllFail
      ? [false, false]
      : [true, true];
  return {
    name: c.journey,
    backend: c.backend,
    canary: side(c.canary, canaryPassed, canaryPassed ? undefined : c.canaryFailure),
    stable: side(c.stable, stablePassed),
    passRatePValue: c.passRatePValue,
    ...(c.outcome === 'inconclusive' ? { inconclusive: c.reasons.join('; ') } : {}),
    steps: c.steps.map((s) => ({
      step: s.step,
      name: s.label,
      stable: { p50Ms: s.stable.p50Ms, p95Ms: s.stable.p95Ms, n: s.stable.n },
      canary: { p50Ms: s.canary.p50Ms, p95Ms: s.canary.p95Ms, n: s.canary.n },
      pValue: s.pValue,
      effectSize: s.effect,
      regression: s.regression,
    })),
    newOnCanary: c.newOnCanary,
    artifacts: c.artifacts,
  };
}

/** Every backend's journey comparisons as `JourneyResult`s for `JudgeInput.journeys`. */
export function toJourneyResults(report: PairedReport): JourneyResult[] {
  return report.backends.flatMap((b) => b.journeys.map((c) => toJourneyResult(c, report.thresholds.alpha)));
}
