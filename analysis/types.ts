/** @module analysis/types — wire and LLM types of the canary judge, as zod schemas (type, guard and docs in one). */
import { z } from 'zod';

/** The three outcomes of a canary analysis. */
export const VerdictKindSchema = z.enum(['promote', 'rollback', 'inconclusive']);
export type VerdictKind = z.infer<typeof VerdictKindSchema>;

/** What kind of signal a reason rests on. */
export const ReasonKindSchema = z.enum([
  /** A log template seen in the canary and never in the stable. */
  'new_template',
  /** A template whose rate (per line of traffic) changed between stable and canary. */
  'rate_change',
  /** Error-level lines are significantly more frequent in the canary. */
  'error_rate',
  /** A critical signature (panic, segfault, OOMKilled, CrashLoopBackOff, fatal): a veto. */
  'critical',
  /** Pod status or events (restarts, readiness failures, image pull errors). */
  'pod_event',
  /** A synthetic journey failed or regressed. */
  'journey',
  /** Too little data to decide. */
  'insufficient_data',
  /** The LLM's own reasoning. */
  'llm',
  /** Anything else (e.g. a failure of the judge itself). */
  'other',
]);
export type ReasonKind = z.infer<typeof ReasonKindSchema>;

/** Counts of one signal on each side. */
export const SideCountsSchema = z.object({
  stable: z.number().int().nonnegative(),
  canary: z.number().int().nonnegative(),
});

/** Evidence behind one reason: always redacted before it is stored here. */
export const EvidenceSchema = z.object({
  /** Mined log template, `<*>` for variables. */
  template: z.string().optional(),
  templateId: z.string().optional(),
  counts: SideCountsSchema.optional(),
  /** Total lines (traffic volume) on each side, to normalize counts. */
  totals: SideCountsSchema.optional(),
  /** A few redacted sample lines. */
  samples: z.array(z.string()).max(10).optional(),
  /** A p-value from an exact test, after multiple-comparison correction. */
  pValue: z.number().min(0).max(1).optional(),
  /** Pod, container or journey the evidence comes from. */
  source: z.string().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** One ranked reason for a verdict. */
export const ReasonSchema = z.object({
  kind: ReasonKindSchema,
  /** One sentence a person can act on. */
  summary: z.string(),
  /** Weight of this reason in the decision, in [0, 1]. */
  severity: z.number().min(0).max(1),
  /** Critical signals veto a promote whatever else says. */
  veto: z.boolean().default(false),
  evidence: EvidenceSchema.optional(),
});
export type Reason = z.infer<typeof ReasonSchema>;

/**
 * The judge's verdict. `confidence` is the judge's probability, in [0, 1], that `verdict` is the right call
 * (for `inconclusive`, how sure it is that the data cannot decide).
 */
export const VerdictSchema = z.object({
  verdict: VerdictKindSchema,
  confidence: z.number().min(0).max(1),
  /** Ranked, most important first. */
  reasons: z.array(ReasonSchema),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** Returns true when `value` is a valid {@link Verdict}. */
export function isVerdict(value: unknown): value is Verdict {
  return VerdictSchema.safeParse(value).success;
}

/** Token accounting of one analysis. */
export const TokenUsageSchema = z.object({
  /** Tokens sent to the LLM (as counted by the model, else estimated). */
  input: z.number().int().nonnegative(),
  /** Tokens the LLM produced. */
  output: z.number().int().nonnegative(),
  /** Estimated tokens of sending the raw (stable + canary) logs instead, for the compaction ratio. */
  rawLogs: z.number().int().nonnegative().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** What the LLM judge did in one analysis. */
export const LlmReportSchema = z.object({
  /** `none` when no LLM was configured. */
  provider: z.enum(['none', 'gemini']),
  model: z.string().optional(),
  /** The LLM's own verdict, before the policy combined it. */
  verdict: VerdictKindSchema.optional(),
  confidence: z.number().min(0).max(1).optional(),
  /** Why the LLM gave no verdict (timeout, 429, invalid JSON …). */
  error: z.string().optional(),
  cached: z.boolean().optional(),
});
export type LlmReport = z.infer<typeof LlmReportSchema>;

/** The result of `analyze()`: the combined verdict plus what it rests on and what it cost. */
export const JudgeResultSchema = VerdictSchema.extend({
  /** Name of the verdict policy that combined the judges. */
  policy: z.string(),
  tokens: TokenUsageSchema,
  llm: LlmReportSchema,
  /** The statistical judge's own verdict. */
  statistical: VerdictSchema,
  /** Volume judged, per side. */
  volume: z.object({
    records: SideCountsSchema,
    lines: SideCountsSchema,
    templates: z.number().int().nonnegative(),
  }),
  durationMs: z.number().nonnegative(),
});
export type JudgeResult = z.infer<typeof JudgeResultSchema>;

/** Returns true when `value` is a valid {@link JudgeResult}. */
export function isJudgeResult(value: unknown): value is JudgeResult {
  return JudgeResultSchema.safeParse(value).success;
}
