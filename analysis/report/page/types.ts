/** @module analysis/report/page/types — what the verdict report page shows, as one zod schema. */
import { z } from 'zod';
import { LlmReportSchema, ReasonSchema, TokenUsageSchema, VerdictKindSchema } from '../../types.ts';

const Percentiles = z.object({ p50: z.number().nonnegative(), p95: z.number().nonnegative() });

/** One step of a journey: latency on each side (ms), when that side ran it. */
export const PageStepSchema = z.object({
  name: z.string(),
  stable: Percentiles.optional(),
  canary: Percentiles.optional(),
});

/** A failed journey run with its evidence. `screenshot` is a file path (inlined when small) or a data: URI. */
export const PageFailureSchema = z.object({
  side: z.enum(['stable', 'canary']),
  step: z.string().optional(),
  error: z.string(),
  screenshot: z.string().optional(),
  trace: z.string().optional(),
});

/** One journey on one backend (the sandbox backend the browsers ran on). */
export const PageJourneySchema = z.object({
  name: z.string(),
  backend: z.string(),
  runs: z.object({ stable: z.number().int().nonnegative(), canary: z.number().int().nonnegative() }),
  passed: z.object({ stable: z.number().int().nonnegative(), canary: z.number().int().nonnegative() }),
  steps: z.array(PageStepSchema).default([]),
  failures: z.array(PageFailureSchema).default([]),
});

/** Everything the page shows. Built from an analysis result by the entry point (demo, `canary`, `judge --html`). */
export const ReportPageInputSchema = z.object({
  /** e.g. `shop/checkout — canary v2 (7b9d6c4f8d) vs stable v1 (6f7c9d8b54)`. */
  title: z.string(),
  generatedAt: z.string(),
  verdict: VerdictKindSchema,
  confidence: z.number().min(0).max(1),
  /** Ranked, most important first; the page explains the top ones and tabulates those with a template. */
  reasons: z.array(ReasonSchema),
  policy: z.string().optional(),
  volume: z
    .object({
      lines: z.object({ stable: z.number(), canary: z.number() }),
      templates: z.number(),
    })
    .optional(),
  journeys: z.array(PageJourneySchema).default([]),
  llm: LlmReportSchema.optional(),
  tokens: TokenUsageSchema.optional(),
  /** The LLM's explanation in its own words, when an LLM ran. */
  llmExplanation: z.string().optional(),
  /** The issue this analysis filed, commented on or closed. */
  issue: z
    .object({
      action: z.enum(['created', 'commented', 'closed', 'none']),
      url: z.string().optional(),
      title: z.string().optional(),
    })
    .optional(),
});
export type ReportPageInput = z.input<typeof ReportPageInputSchema>;
export type ReportPage = z.output<typeof ReportPageInputSchema>;
export type PageJourney = z.output<typeof PageJourneySchema>;
export type PageStep = z.output<typeof PageStepSchema>;
