/** @module analysis/judges/types — the Judge contract shared by the statistical and LLM judges. */
import type { Reason, Verdict } from '../types.ts';
import type { Comparison } from './statistical/preprocess.ts';

/** One side's outcome of a synthetic journey. `passes`/`runs`/`errors` are set when it was run several times. */
export interface JourneySide {
  passed: boolean;
  durationMs?: number;
  error?: string;
  /** Runs that passed. */
  passes?: number;
  /** Valid runs (passed + failed; infrastructure errors excluded). */
  runs?: number;
  /** Runs lost to infrastructure errors (proxy, sandbox) — missing data, not failures. */
  errors?: number;
}

/** One step's latency on both sides of a paired journey comparison. */
export interface JourneyStepLatency {
  /** 1-based step number and its label. */
  step: number;
  name: string;
  stable: { p50Ms: number; p95Ms: number; n: number };
  canary: { p50Ms: number; p95Ms: number; n: number };
  /** One-sided rank-test p-value (canary slower) and Cliff's delta. */
  pValue: number;
  effectSize: number;
  /** The journey runner's call: significant, large and slower by its thresholds. */
  regression: boolean;
}

/** Result of one synthetic journey, run against both sides when possible. */
export interface JourneyResult {
  name: string;
  /** Outcome on the canary. */
  canary: JourneySide;
  /** Outcome on the stable, when it was run there too. */
  stable?: JourneySide;
  /** The proxy backend it ran through. */
  backend?: string;
  /** One-sided exact-test p-value that the canary fails more often (paired runs). */
  passRatePValue?: number;
  /** Set when infrastructure errors left too little data: the journey says nothing either way. */
  inconclusive?: string;
  /** Per-step latencies (paired runs). */
  steps?: readonly JourneyStepLatency[];
  /** Console errors, page errors and failed-request templates seen on the canary and never on the stable. */
  newOnCanary?: readonly { kind: 'console' | 'page' | 'request'; text: string; canaryRuns: number }[];
  /** Failure screenshots and traces. */
  artifacts?: { screenshots: readonly string[]; traces: readonly string[] };
}

/** What every judge receives. */
export interface JudgeInput {
  comparison: Comparison;
  journeys?: readonly JourneyResult[];
  /** The statistical verdict, for judges that explain or check it (the LLM judge). */
  statistical?: Verdict;
}

/** What a judge returns: a verdict plus what it cost. */
export interface JudgeVerdict extends Verdict {
  /** LLM tokens spent (0 for the statistical judge). */
  tokens?: { input: number; output: number };
}

/**
 * A canary judge. Contract: never throws for bad or empty input — it returns `inconclusive` with a reason; the same
 * input always yields the same verdict (deterministic; the LLM judge at temperature 0 with a cache); honours `signal`;
 * safe to call concurrently.
 */
export interface Judge {
  readonly name: string;
  judge(input: JudgeInput, opts: { signal?: AbortSignal | undefined }): Promise<JudgeVerdict>;
}

/** Sorts reasons by veto first, then severity. */
export function rankReasons(reasons: readonly Reason[]): Reason[] {
  return [...reasons].sort((a, b) => Number(b.veto) - Number(a.veto) || b.severity - a.severity);
}
