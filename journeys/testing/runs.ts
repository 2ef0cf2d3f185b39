/** @module journeys/testing/runs — synthetic {@link JourneyRun}s for the comparison's table tests. */
import type { JourneyRun, Side } from '../types.ts';

/** A run of journey `j` with step durations `ms`; `over` sets status, errors, requests. */
export function fakeRun(side: Side, ms: readonly number[], over: Partial<JourneyRun> = {}): JourneyRun {
  return {
    journey: 'j',
    backend: 'local',
    side,
    attempt: 1,
    target: `http://${side}`,
    status: 'passed',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: ms.reduce((a, b) => a + b, 0),
    steps: ms.map((d, i) => ({
      step: i + 1,
      action: 'click',
      label: `step${i + 1}`,
      status: 'passed',
      durationMs: d,
    })),
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    artifacts: {},
    ...over,
  };
}

/** `n` runs of a side, step durations jittered deterministically around `ms`. */
export function fakeRuns(
  side: Side,
  n: number,
  ms: readonly number[],
  over: (i: number) => Partial<JourneyRun> = () => ({}),
): JourneyRun[] {
  return Array.from({ length: n }, (_, i) =>
    fakeRun(
      side,
      ms.map((d) => d + ((i * 7) % 11)),
      { attempt: i + 1, ...over(i) },
    ),
  );
}

/** A failed run at step `step`. */
export function failedAt(step: number, reason = 'boom'): Partial<JourneyRun> {
  return { status: 'failed', failedStep: step, reason: `step ${step} failed: ${reason}` };
}

/** An infrastructure error run. */
export const infraError: Partial<JourneyRun> = {
  status: 'error',
  errorKind: 'sandbox_limit',
  reason: 'the proxy is at its sandbox limit',
};
