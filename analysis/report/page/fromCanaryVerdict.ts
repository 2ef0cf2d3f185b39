/** @module analysis/report/page/fromCanaryVerdict — the page input of a canary verdict (the demo, `sentinel canary`). */
import type { CanaryVerdict } from '../../canary/types.ts';
import type { ReportPageInput } from './types.ts';

type PageReason = ReportPageInput['reasons'][number];

/** Ranked reasons with their evidence, then what was missing (an inconclusive verdict says why). */
function reasonsOf(v: CanaryVerdict): PageReason[] {
  const ranked = v.reasons.map((x) => ({
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
  }));
  const missing = v.missing
    .filter((m) => !v.reasons.some((x) => x.summary === m))
    .map((m) => ({ kind: 'insufficient_data' as const, summary: m, severity: 0, veto: false }));
  return [...ranked, ...missing];
}

function journeysOf(v: CanaryVerdict): NonNullable<ReportPageInput['journeys']> {
  return v.journeys.map((j) => ({
    name: j.name,
    backend: j.backend,
    runs: j.runs,
    passed: {
      stable: Math.round(j.passRate.stable * j.runs.stable),
      canary: Math.round(j.passRate.canary * j.runs.canary),
    },
    steps: j.steps,
    failures: j.failures,
  }));
}

function llmOf(v: CanaryVerdict): Pick<ReportPageInput, 'llm' | 'tokens' | 'llmExplanation'> {
  if (!v.llm) return { llm: { provider: 'none' } };
  const { model, verdict, error, tokens, explanation } = v.llm;
  return {
    llm: {
      provider: 'gemini',
      ...(model ? { model } : {}),
      ...(verdict ? { verdict } : {}),
      ...(error ? { error } : {}),
    },
    tokens,
    ...(explanation ? { llmExplanation: explanation } : {}),
  };
}

function issueOf(v: CanaryVerdict, title: string | undefined): Pick<ReportPageInput, 'issue'> {
  const r = v.report;
  if (!r || r.action === 'failed') return {};
  const url = r.issueUrl ?? r.outboxFile;
  const action = r.action === 'filed' ? 'created' : r.action;
  return { issue: { action, ...(url ? { url } : {}), ...(title ? { title } : {}) } };
}

/** Maps the verdict contract onto the page; `issueTitle` labels the issue link (default: its URL or file). */
export function pageFromCanaryVerdict(
  v: CanaryVerdict,
  extra: { title?: string; generatedAt?: string; issueTitle?: string } = {},
): ReportPageInput {
  const r = v.rollout;
  return {
    title:
      extra.title ??
      `${r.namespace}/${r.name} — canary ${r.canaryPodTemplateHash} vs stable ${r.stablePodTemplateHash}`,
    generatedAt: extra.generatedAt ?? new Date().toISOString(),
    verdict: v.verdict,
    confidence: v.confidence,
    reasons: reasonsOf(v),
    volume: { lines: v.evidence.lines, templates: v.evidence.templates },
    journeys: journeysOf(v),
    ...llmOf(v),
    ...issueOf(v, extra.issueTitle),
  };
}
