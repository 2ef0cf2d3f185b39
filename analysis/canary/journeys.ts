/**
 * @module analysis/canary/journeys — the contract of the journey runner the canary analysis drives (implemented by
 * journeys/, issue 9), and the summary of its runs into the verdict's per-journey figures and the judge's input.
 */
import type { JourneyResult } from '../judges/types.ts';
import { redact } from '../redact/redact.ts';
import { redactDeep } from '../report/redactingSink.ts';
import type { Side } from '../logs/types.ts';
import type { CanaryJourney } from './types.ts';

/** One run of one journey on one side and backend. */
export interface JourneyRun {
  journey: string;
  backend: string;
  side: Side;
  /** Which paired repeat (0-based). */
  repeat: number;
  passed: boolean;
  durationMs: number;
  steps: { name: string; durationMs: number; passed: boolean }[];
  error?: string | undefined;
  failedStep?: string | undefined;
  trace?: string | undefined;
  screenshot?: string | undefined;
  /**
   * True when the run could not test the app at all (proxy unreachable, no sandbox, browser crashed): such runs are
   * not counted for or against the canary; if every run is one, the verdict is inconclusive.
   */
  infrastructure?: boolean | undefined;
}

/** What the analysis asks the runner to do. */
export interface JourneyRunRequest {
  /** What {@link JourneyRunner.parse} returned. */
  specs: unknown;
  canaryUrl: string;
  stableUrl: string;
  proxy: { url: string; token?: string | undefined };
  backends: readonly string[];
  repeat: number;
  artifactsDir?: string | undefined;
  signal: AbortSignal;
}

/**
 * Runs journeys paired on canary and stable through the sandbox proxy. Contract: `parse` throws an Error whose message
 * names the journey and field when the spec is invalid, and does no I/O; `run` resolves with every run (an app failure
 * is a failed run, an infrastructure failure a run with `infrastructure: true`), rejects only when `signal` aborts, and
 * leaves no browser or connection behind when it does; safe to call concurrently.
 */
export interface JourneyRunner {
  /** May be async (the Playwright runner loads journeys/ on first use). */
  parse(text: string, origin: string): unknown;
  run(req: JourneyRunRequest): Promise<JourneyOutcome>;
}

/** Every run, and — when the runner compares the sides itself (journeys/ does, with exact tests) — the judge's input. */
export interface JourneyOutcome {
  runs: JourneyRun[];
  /** One per journey and backend; absent: the analysis derives it with {@link JOURNEY_FLAKE_TOLERANCE}. */
  judge?: JourneyResult[] | undefined;
}

/**
 * Pass-rate tolerance: a side "passes" a journey when at most this fraction of its runs failed. 0.2 tolerates one
 * flaky run in the default five repeats without hiding a journey that fails most of the time.
 */
export const JOURNEY_FLAKE_TOLERANCE = 0.2;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i] as number);
}

function stepTimings(runs: readonly JourneyRun[]): CanaryJourney['steps'] {
  const by = new Map<string, Record<Side, number[]>>();
  for (const r of runs) {
    for (const s of r.steps) {
      if (!s.passed) continue;
      const e = by.get(s.name) ?? { stable: [], canary: [] };
      e[r.side].push(s.durationMs);
      by.set(s.name, e);
    }
  }
  return [...by].map(([name, sides]) => {
    const out: CanaryJourney['steps'][number] = { name };
    for (const side of ['stable', 'canary'] as const) {
      const xs = [...sides[side]].sort((a, b) => a - b);
      if (xs.length > 0) out[side] = { p50: percentile(xs, 0.5), p95: percentile(xs, 0.95) };
    }
    return out;
  });
}

function failures(runs: readonly JourneyRun[]): CanaryJourney['failures'] {
  return runs
    .filter((r) => !r.passed && !r.infrastructure)
    .slice(0, 10)
    .map((r) => ({
      side: r.side,
      error: (r.error ?? 'failed').slice(0, 300),
      ...(r.failedStep ? { step: r.failedStep } : {}),
      ...(r.trace ? { trace: r.trace } : {}),
      ...(r.screenshot ? { screenshot: r.screenshot } : {}),
    }));
}

/** The summary of all runs: per journey and backend figures, the judge's input, and infrastructure problems. */
export interface JourneySummary {
  journeys: CanaryJourney[];
  judge: JourneyResult[];
  /** Journeys (per backend) that could not be tested on a side at all, with the first infrastructure error. */
  infrastructure: string[];
}

/** Groups runs by journey and backend. */
export function summarizeJourneys(
  outcome: JourneyOutcome,
  tolerance = JOURNEY_FLAKE_TOLERANCE,
): JourneySummary {
  // What a page printed (console errors, failure messages, request URLs) is app output like its logs: redacted once
  // here, before the judge, the LLM prompt, the verdict, the measurement or an issue can see it.
  const clean = redactDeep(outcome, (t) => redact(t));
  const summary = summarizeRuns(clean.runs, tolerance);
  return clean.judge ? { ...summary, judge: clean.judge } : summary;
}

function summarizeRuns(runs: readonly JourneyRun[], tolerance: number): JourneySummary {
  const groups = new Map<string, JourneyRun[]>();
  for (const r of runs) {
    const k = `${r.journey}\u0000${r.backend}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: JourneySummary = { journeys: [], judge: [], infrastructure: [] };
  for (const group of groups.values()) {
    const { journey, backend } = group[0] as JourneyRun;
    const tested = group.filter((r) => !r.infrastructure);
    const count = (side: Side, passed?: boolean): number =>
      tested.filter((r) => r.side === side && (passed === undefined || r.passed === passed)).length;
    const runsOf = { stable: count('stable'), canary: count('canary') };
    const rate = (side: Side): number => (runsOf[side] === 0 ? 0 : count(side, true) / runsOf[side]);
    out.journeys.push({
      name: journey,
      backend,
      passRate: { stable: rate('stable'), canary: rate('canary') },
      runs: runsOf,
      steps: stepTimings(tested),
      failures: failures(group),
    });
    if (runsOf.canary === 0 || runsOf.stable === 0) {
      const infra = group.find((r) => r.infrastructure);
      out.infrastructure.push(`journey "${journey}" on ${backend}: ${infra?.error ?? 'no run completed'}`);
      continue;
    }
    const firstError = (side: Side): string | undefined =>
      tested.find((r) => r.side === side && !r.passed)?.error;
    const label = `${journey} [${backend}]`;
    const canaryPassed = rate('canary') >= 1 - tolerance;
    const stablePassed = rate('stable') >= 1 - tolerance;
    out.judge.push({
      name: label,
      canary: {
        passed: canaryPassed,
        ...(canaryPassed
          ? {}
          : { error: `${count('canary', false)}/${runsOf.canary} runs failed: ${firstError('canary')}` }),
      },
      stable: {
        passed: stablePassed,
        ...(stablePassed
          ? {}
          : { error: `${count('stable', false)}/${runsOf.stable} runs failed: ${firstError('stable')}` }),
      },
    });
  }
  return out;
}
