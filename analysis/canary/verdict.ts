/** @module analysis/canary/verdict — the judge's result, the journeys and the evidence → the one verdict contract. */
import type { AnalysisRequest } from '../analyze.ts';
import type { JudgeResult, Reason } from '../types.ts';
import type { JourneySummary } from './journeys.ts';
import type { CanaryAnalysis, CanaryReason, CanaryVerdict } from './types.ts';

/** Reasons kept on the verdict (the judge ranks them; the rest stay in the judge's own output). */
export const MAX_VERDICT_REASONS = 8;

export interface VerdictParts {
  analysis: CanaryAnalysis;
  since: Date;
  started: number;
  journeys: JourneySummary | undefined;
  pods: { stable: number; canary: number };
  warnings: string[];
  judged?: JudgeResult | undefined;
  request?: AnalysisRequest | undefined;
  missing?: string[] | undefined;
  infrastructure?: boolean | undefined;
}

function short(r: Reason): CanaryReason {
  return {
    kind: r.kind,
    summary: r.summary.slice(0, 300),
    severity: r.severity,
    veto: r.veto,
    ...(r.evidence?.counts ? { counts: r.evidence.counts } : {}),
    ...(r.evidence?.totals ? { totals: r.evidence.totals } : {}),
    ...(r.evidence?.template ? { template: r.evidence.template.slice(0, 200) } : {}),
    ...(r.evidence?.samples?.length
      ? { samples: r.evidence.samples.slice(0, 2).map((x) => x.slice(0, 1200)) }
      : {}),
  };
}

function notReady(request: AnalysisRequest | undefined): string | undefined {
  const canary = (request?.pods ?? []).filter((p) => p.side === 'canary');
  const waiting = canary.filter((p) => p.ready !== true);
  if (canary.length === 0 || waiting.length === 0) return undefined;
  return `${waiting.length} of ${canary.length} canary pods not ready yet`;
}

function llmPart(j: JudgeResult): CanaryVerdict['llm'] {
  if (j.llm.provider === 'none') return undefined;
  const explanation = j.reasons.find((r) => r.kind === 'llm')?.summary;
  return {
    ...(j.llm.model ? { model: j.llm.model } : {}),
    ...(j.llm.verdict ? { verdict: j.llm.verdict } : {}),
    tokens: { input: j.tokens.input, output: j.tokens.output },
    ...(explanation ? { explanation } : {}),
    ...(j.llm.error ? { error: j.llm.error } : {}),
  };
}

/** Decides the final verdict from the judge and what could not be tested. */
function decide(
  p: VerdictParts,
): Pick<CanaryVerdict, 'verdict' | 'confidence' | 'missing' | 'infrastructure'> {
  const missing = [...(p.missing ?? [])];
  const infraJourneys = p.journeys?.infrastructure ?? [];
  if (!p.judged)
    return {
      verdict: 'inconclusive',
      confidence: 0,
      missing: [...missing, ...infraJourneys],
      infrastructure: p.infrastructure ?? false,
    };
  const j = p.judged;
  // A promote needs every configured check: journeys that could not run make it inconclusive (the infrastructure's
  // fault), never a silent pass. A rollback the logs alone decided stands.
  if (j.verdict !== 'rollback' && infraJourneys.length > 0)
    return {
      verdict: 'inconclusive',
      confidence: 0,
      missing: [...missing, ...infraJourneys],
      infrastructure: true,
    };
  if (j.verdict === 'inconclusive') {
    const starting = notReady(p.request);
    if (starting) missing.push(starting);
    if (j.llm.error) missing.push(`LLM: ${j.llm.error}`);
  }
  return {
    verdict: j.verdict,
    confidence: j.confidence,
    missing: [...missing, ...infraJourneys],
    infrastructure: false,
  };
}

/** Builds the verdict contract. */
export function toCanaryVerdict(p: VerdictParts): CanaryVerdict {
  const a = p.analysis;
  const j = p.judged;
  const journeys = p.journeys?.journeys ?? [];
  const failures = journeys.flatMap((x) => x.failures);
  const reasons: CanaryReason[] = (j?.reasons ?? []).slice(0, MAX_VERDICT_REASONS).map(short);
  const decided = decide(p);
  if (!j)
    for (const m of decided.missing)
      reasons.push({ kind: 'insufficient_data', summary: m, severity: 0, veto: false });
  const llm = j ? llmPart(j) : undefined;
  return {
    ...decided,
    reasons,
    journeys,
    evidence: {
      pods: p.pods,
      lines: j?.volume.lines ?? { stable: 0, canary: 0 },
      templates: j?.volume.templates ?? 0,
      since: p.since.toISOString(),
      warnings: p.warnings.slice(0, 20),
    },
    ...(llm ? { llm } : {}),
    artifacts: {
      traces: failures.flatMap((f) => (f.trace ? [f.trace] : [])),
      screenshots: failures.flatMap((f) => (f.screenshot ? [f.screenshot] : [])),
    },
    rollout: {
      name: a.rollout,
      namespace: a.namespace,
      canaryPodTemplateHash: a.canary.podTemplateHash,
      stablePodTemplateHash: a.stable.podTemplateHash,
    },
    durationMs: Math.round(performance.now() - p.started),
  };
}
