/** @module analysis/judges/types — the Judge contract shared by the statistical and LLM judges. */
import type { Reason, Verdict } from '../types.ts';
import type { Comparison } from './statistical/preprocess.ts';

/** Result of one synthetic journey, run against both sides when possible. */
export interface JourneyResult {
  name: string;
  /** Outcome on the canary. */
  canary: { passed: boolean; durationMs?: number; error?: string };
  /** Outcome on the stable, when it was run there too. */
  stable?: { passed: boolean; durationMs?: number; error?: string };
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
