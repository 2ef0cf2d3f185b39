/** @module analysis/report/page/fromCanaryVerdict — the page input of a canary verdict (the demo, `sentinel canary`). */
import type { CanaryVerdict } from '../../canary/types.ts';
import type { ReportPageInput } from './types.ts';

/** Maps the verdict contract onto the page; `issueTitle` labels the issue link (default: its URL or file). */
export function pageFromCanaryVerdict(
  v: CanaryVerdict,
  extra: { title?: string; generatedAt?: string; issueTitle?: string } = {},
): ReportPageInput {
  const r = v.rollout;
  const issueUrl = v.report?.issueUrl ?? v.report?.outboxFile;
  const action = v.report?.action === 'filed' ? 'created' : v.report?.action;
  return {
    title:
      extra.title ??
      `${r.namespace}/${r.name} — canary ${r.canaryPodTemplateHash} vs stable ${r.stablePodTemplateHash}`,
    generatedAt: extra.generatedAt ?? new Date().toISOString(),
    verdict: v.verdict,
    confidence: v.confidence,
    reasons: [
      ...v.reasons.map((x) => ({
        kind: x.kind,
        summary: x.summary,
        severity: x.severity,
        veto: x.veto,
        evidence: {
          ...(x.template ? { template: x.template } : {}),
          ...(x.counts ? { counts: x.counts } : {}),
          ...(x.totals ? { totals: x.totals } : {}),
          ...(x.samples ? { samples: x.samples } : {}),
        },
      })),
      ...v.missing
        .filter((m) => !v.reasons.some((x) => x.summary === m))
        .map((m) => ({ kind: 'insufficient_data' as const, summary: m, severity: 0, veto: false })),
    ],
    volume: { lines: v.evidence.lines, templates: v.evidence.templates },
    journeys: v.journeys.map((j) => ({
      name: j.name,
      backend: j.backend,
      runs: j.runs,
      passed: {
        stable: Math.round(j.passRate.stable * j.runs.stable),
        canary: Math.round(j.passRate.canary * j.runs.canary),
      },
      steps: j.steps,
      failures: j.failures,
    })),
    ...(v.llm
      ? {
          llm: {
            provider: 'gemini' as const,
            ...(v.llm.model ? { model: v.llm.model } : {}),
            ...(v.llm.verdict ? { verdict: v.llm.verdict } : {}),
            ...(v.llm.error ? { error: v.llm.error } : {}),
          },
          tokens: v.llm.tokens,
          ...(v.llm.explanation ? { llmExplanation: v.llm.explanation } : {}),
        }
      : { llm: { provider: 'none' as const } }),
    ...(action && action !== 'failed'
      ? {
          issue: {
            action,
            ...(issueUrl ? { url: issueUrl } : {}),
            ...(extra.issueTitle ? { title: extra.issueTitle } : {}),
          },
        }
      : {}),
  };
}
