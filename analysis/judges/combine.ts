/**
 * @module analysis/judges/combine — verdict policies: how the statistical verdict and the LLM verdict become one.
 *
 * - `stats-decide`: statistics decide; the LLM explains (its reasons are appended). The default: it is the only policy
 *   whose accuracy the offline eval can measure (no real LLM runs in CI), and it cannot be talked into a promote.
 * - `agree`: both must agree, otherwise `inconclusive`; without an LLM answer it is `inconclusive`.
 * - `llm-decide`: the LLM decides, under statistical vetoes; without an LLM answer it is `inconclusive`.
 * In every policy a critical veto can never end in `promote`, and without any LLM configured the statistics decide.
 */
import type { LlmReport, Reason, Verdict } from '../types.ts';
import type { JudgeVerdict } from './types.ts';

export const POLICY_NAMES = ['stats-decide', 'agree', 'llm-decide'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const DEFAULT_POLICY: PolicyName = 'stats-decide';

type Policy = (stats: Verdict, llm: JudgeVerdict | undefined, report: LlmReport) => Verdict;

function llmUnavailable(stats: Verdict, report: LlmReport): Verdict {
  const reason: Reason = {
    kind: 'llm',
    summary: report.error ?? 'The LLM gave no verdict.',
    severity: 0.5,
    veto: false,
  };
  return { verdict: 'inconclusive', confidence: 0.5, reasons: [reason, ...stats.reasons] };
}

const POLICIES: Record<PolicyName, Policy> = {
  'stats-decide': (stats, llm) => ({ ...stats, reasons: [...stats.reasons, ...(llm?.reasons ?? [])] }),
  agree: (stats, llm, report) => {
    if (!llm || report.error) return llmUnavailable(stats, report);
    if (llm.verdict === stats.verdict) {
      return {
        verdict: stats.verdict,
        confidence: Math.min(stats.confidence, llm.confidence),
        reasons: [...stats.reasons, ...llm.reasons],
      };
    }
    const reason: Reason = {
      kind: 'other',
      summary: `The statistics say ${stats.verdict} and the LLM says ${llm.verdict}: no agreement.`,
      severity: 0.6,
      veto: false,
    };
    return { verdict: 'inconclusive', confidence: 0.6, reasons: [reason, ...stats.reasons, ...llm.reasons] };
  },
  'llm-decide': (stats, llm, report) => {
    if (!llm || report.error) return llmUnavailable(stats, report);
    return { verdict: llm.verdict, confidence: llm.confidence, reasons: [...llm.reasons, ...stats.reasons] };
  },
};

/** Combines the judges' verdicts with the named policy. */
export function combine(
  policy: PolicyName,
  stats: Verdict,
  llm: JudgeVerdict | undefined,
  report: LlmReport,
): Verdict {
  if (report.provider === 'none') return stats;
  const out = POLICIES[policy](stats, llm, report);
  const veto = stats.reasons.find((r) => r.veto);
  if (veto && out.verdict !== 'rollback') {
    // Never promote (or shrug) over a critical veto: the statistics' rollback stands.
    return {
      verdict: 'rollback',
      confidence: stats.confidence,
      reasons: [veto, ...out.reasons.filter((r) => r !== veto)],
    };
  }
  return out;
}
