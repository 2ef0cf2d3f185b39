/** @module analysis/report/page/fromJudgeResult — the page input of a judge result (`sentinel judge --html`, the demo). */
import type { JudgeResult } from '../../types.ts';
import type { ReportPageInput } from './types.ts';

/** The LLM's own words: the summaries of its `llm` reasons, when it ran. */
export function llmExplanation(result: Pick<JudgeResult, 'reasons' | 'llm'>): string | undefined {
  if (result.llm.provider === 'none') return undefined;
  const words = result.reasons.filter((r) => r.kind === 'llm').map((r) => r.summary);
  return words.length > 0 ? words.join(' ') : undefined;
}

/** Maps a {@link JudgeResult} (what `analyze()` returns) onto the page; journeys and the issue are added by the caller. */
export function pageFromJudgeResult(
  result: JudgeResult,
  extra: Pick<ReportPageInput, 'title'> &
    Partial<Pick<ReportPageInput, 'journeys' | 'issue' | 'generatedAt'>>,
): ReportPageInput {
  const explanation = llmExplanation(result);
  return {
    title: extra.title,
    generatedAt: extra.generatedAt ?? new Date().toISOString(),
    verdict: result.verdict,
    confidence: result.confidence,
    reasons: result.reasons,
    policy: result.policy,
    volume: { lines: result.volume.lines, templates: result.volume.templates },
    llm: result.llm,
    tokens: result.tokens,
    ...(explanation ? { llmExplanation: explanation } : {}),
    ...(extra.journeys ? { journeys: extra.journeys } : {}),
    ...(extra.issue ? { issue: extra.issue } : {}),
  };
}
