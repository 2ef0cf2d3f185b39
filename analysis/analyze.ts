/** @module analysis/analyze — the canary analysis pipeline: evidence → templates → statistical judge → LLM judge → policy. */
import { silentLogger, type Logger } from '../lib/log.ts';
import { combine, DEFAULT_POLICY, type PolicyName } from './judges/combine.ts';
import type { LlmJudge } from './judges/llm/llmJudge.ts';
import { DEFAULT_STATS_OPTIONS, type StatsOptions } from './judges/statistical/options.ts';
import { ComparisonBuilder, type Comparison } from './judges/statistical/preprocess.ts';
import { StatisticalJudge } from './judges/statistical/statistical.ts';
import type { JourneyResult, JudgeVerdict } from './judges/types.ts';
import type { LogCollector, LogSource, PodEvidence } from './logs/types.ts';
import { estimateTokens } from './judges/llm/compact.ts';
import type { JudgeResult, LlmReport } from './types.ts';

/** Evidence for one analysis: both sides' logs, plus optional pod status/events and synthetic journey results. */
export interface AnalysisRequest {
  stable: readonly LogSource[];
  canary: readonly LogSource[];
  pods?: readonly PodEvidence[];
  journeys?: readonly JourneyResult[];
}

export interface AnalyzeOptions {
  signal?: AbortSignal | undefined;
  /** The LLM judge; omit for statistics only. */
  llm?: LlmJudge | undefined;
  policy?: PolicyName;
  stats?: Partial<StatsOptions>;
  log?: Logger;
}

/**
 * Collects both sides with a {@link LogCollector} (concurrently) into an AnalysisRequest. Collection warnings (a pod
 * whose log could not be read) are returned alongside; they are reported, not fatal.
 */
export async function collectRequest(
  collector: LogCollector,
  opts: { signal?: AbortSignal | undefined; journeys?: readonly JourneyResult[] } = {},
): Promise<{ request: AnalysisRequest; warnings: string[] }> {
  const [stable, canary] = await Promise.all([
    collector.collect('stable', { signal: opts.signal }),
    collector.collect('canary', { signal: opts.signal }),
  ]);
  return {
    request: {
      stable: stable.sources,
      canary: canary.sources,
      pods: [...stable.pods, ...canary.pods],
      ...(opts.journeys ? { journeys: opts.journeys } : {}),
    },
    warnings: [...stable.warnings, ...canary.warnings],
  };
}

/** Reads every source of both sides into one Comparison (streamed; memory bounded by templates). */
export async function buildComparison(request: AnalysisRequest, signal?: AbortSignal): Promise<Comparison> {
  const b = new ComparisonBuilder();
  for (const s of request.stable) await b.addSource('stable', s, signal);
  for (const s of request.canary) await b.addSource('canary', s, signal);
  b.addPods(request.pods ?? []);
  return b.build();
}

/** Judges an already built Comparison (the benchmark and the eval use this directly). */
export async function judgeComparison(
  comparison: Comparison,
  opts: AnalyzeOptions & { journeys?: readonly JourneyResult[] | undefined } = {},
): Promise<JudgeResult> {
  const t0 = performance.now();
  const log = opts.log ?? silentLogger;
  const stats = new StatisticalJudge({ ...DEFAULT_STATS_OPTIONS, ...opts.stats });
  const input = { comparison, ...(opts.journeys ? { journeys: opts.journeys } : {}) };
  const statistical = stats.judgeSync(input);
  let llmVerdict: JudgeVerdict | undefined;
  let llm: LlmReport = { provider: 'none' };
  if (opts.llm) {
    const r = await opts.llm.judgeWithReport({ ...input, statistical }, { signal: opts.signal });
    llmVerdict = r.verdict;
    llm = r.report;
  }
  const policy = opts.policy ?? DEFAULT_POLICY;
  const combined = combine(policy, statistical, llmVerdict, llm);
  const rawLogs = estimateTokens(comparison.bytes.stable + comparison.bytes.canary);
  const result: JudgeResult = {
    ...combined,
    policy,
    tokens: { input: llmVerdict?.tokens?.input ?? 0, output: llmVerdict?.tokens?.output ?? 0, rawLogs },
    llm,
    statistical: {
      verdict: statistical.verdict,
      confidence: statistical.confidence,
      reasons: statistical.reasons,
    },
    volume: {
      records: { stable: comparison.totals.stable.records, canary: comparison.totals.canary.records },
      lines: { stable: comparison.totals.stable.lines, canary: comparison.totals.canary.lines },
      templates: comparison.templates.size,
    },
    durationMs: performance.now() - t0,
  };
  log.info(
    { verdict: result.verdict, confidence: result.confidence, policy, llm: llm.verdict ?? llm.error },
    'canary judged',
  );
  return result;
}

/**
 * Analyzes a canary against its stable. Never throws for bad input: unusable evidence gives `inconclusive` with the
 * reason; an LLM failure gives the policy's answer without the LLM (never a silent promote). Rejects when `signal`
 * aborts, or when a streamed source fails to read (a corrupt `.gz`, an input cap: `LogInputUnreadable`/`LogInputTooLarge`).
 */
export async function analyze(request: AnalysisRequest, opts: AnalyzeOptions = {}): Promise<JudgeResult> {
  const comparison = await buildComparison(request, opts.signal);
  return judgeComparison(comparison, { ...opts, journeys: request.journeys });
}
