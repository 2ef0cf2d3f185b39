/**
 * @module analysis/judges/llm/llmJudge — the Gemini judge: compacted, redacted evidence in, a schema-checked verdict
 * out. Any failure (deadline, 429/5xx after retries, invalid JSON, schema mismatch) becomes `inconclusive` with the
 * reason — never a silent promote. Identical evidence is answered from a cache keyed by its hash.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { errorMessage } from '../../../lib/errors.ts';
import { silentLogger, type Logger } from '../../../lib/log.ts';
import { delimit, loadPrompt, renderPrompt } from '../../prompts.ts';
import { VerdictKindSchema, type LlmReport, type Verdict } from '../../types.ts';
import type { Judge, JudgeInput, JudgeVerdict } from '../types.ts';
import { compactEvidence } from './compact.ts';
import type { GeminiClient } from './geminiClient.ts';

/** What the model must answer (sent as `responseJsonSchema`). */
export const LlmVerdictSchema = z.object({
  verdict: VerdictKindSchema.describe('promote, rollback, or inconclusive when the evidence cannot decide'),
  confidence: z.number().min(0).max(1).describe('probability that the verdict is right'),
  summary: z.string().describe('one or two sentences a release engineer can act on'),
  reasons: z
    .array(
      z.object({
        summary: z.string(),
        templateIds: z.array(z.string()).describe('ids of the templates this reason rests on'),
        severity: z.number().min(0).max(1),
      }),
    )
    .max(8),
});
export type LlmVerdict = z.infer<typeof LlmVerdictSchema>;

/**
 * JSON Schema of {@link LlmVerdictSchema}, computed once. The `$schema` keyword is dropped: Gemini's
 * `responseJsonSchema` takes a schema subset, and client libraries report `$schema` being rejected.
 */
export const LLM_VERDICT_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(LlmVerdictSchema) as Record<string, unknown>;
  return schema;
})();

export interface LlmJudgeOptions {
  client: GeminiClient;
  /** Token budget of the whole prompt (system + instructions + evidence). */
  maxInputTokens?: number;
  /** Count prompt tokens with the model before sending, and shrink if over budget (one extra call). */
  countTokens?: boolean;
  /** Rollout name for the prompt. */
  rollout?: string;
  /** Cache entries kept (LRU). */
  cacheSize?: number;
  log?: Logger;
}

/** An LLM answer plus what the analysis report needs about it. */
export interface LlmJudgement {
  verdict: JudgeVerdict;
  report: LlmReport;
}

function statLine(v: Verdict | undefined): string {
  if (!v) return 'not available';
  const top = v.reasons[0]?.summary ?? 'no reasons';
  return `${v.verdict} (confidence ${v.confidence.toFixed(2)}); top reason: ${top}`;
}

function failed(summary: string): JudgeVerdict {
  return {
    verdict: 'inconclusive',
    confidence: 0,
    reasons: [{ kind: 'llm', summary, severity: 0.5, veto: false }],
    tokens: { input: 0, output: 0 },
  };
}

/** The Gemini judge. Safe to call concurrently; the cache is per instance. */
export class LlmJudge implements Judge {
  readonly name = 'gemini';
  readonly #o: Required<Omit<LlmJudgeOptions, 'rollout'>> & { rollout: string };
  readonly #cache = new Map<string, LlmJudgement>();
  readonly #system: string;
  readonly #user: string;
  readonly #log: Logger;

  constructor(opts: LlmJudgeOptions) {
    this.#o = {
      maxInputTokens: 8_000,
      countTokens: false,
      cacheSize: 256,
      log: silentLogger,
      rollout: 'unknown',
      ...opts,
    };
    this.#log = this.#o.log;
    this.#system = loadPrompt('judge.system');
    this.#user = loadPrompt('judge.user');
  }

  async judge(input: JudgeInput, opts: { signal?: AbortSignal | undefined } = {}): Promise<JudgeVerdict> {
    return (await this.judgeWithReport(input, opts)).verdict;
  }

  /** Builds the prompt within budget: evidence gets what the system prompt and instructions leave. */
  buildPrompt(
    input: JudgeInput,
    budgetTokens = this.#o.maxInputTokens,
  ): { system: string; user: string; omitted: number } {
    const fixed = Math.ceil((this.#system.length + this.#user.length + 600) / 3);
    const ev = compactEvidence(input.comparison, {
      budgetTokens: Math.max(500, budgetTokens - fixed),
      journeys: input.journeys,
    });
    const user = renderPrompt(this.#user, {
      rollout: this.#o.rollout,
      statistical: statLine(input.statistical),
      omitted:
        ev.templatesOmitted > 0
          ? `${ev.templatesOmitted} less suspicious templates were left out to fit the budget.`
          : '',
      evidence: delimit('evidence', ev.json),
    });
    return { system: this.#system, user, omitted: ev.templatesOmitted };
  }

  /** Judges, reporting tokens, cache use and errors. Never throws (except on abort by the caller). */
  async judgeWithReport(
    input: JudgeInput,
    opts: { signal?: AbortSignal | undefined } = {},
  ): Promise<LlmJudgement> {
    const client = this.#o.client;
    const base: LlmReport = { provider: 'gemini', model: client.model };
    opts.signal?.throwIfAborted();
    if (input.comparison.totals.canary.records === 0) {
      // Nothing to judge: asking the model would only invite a guess.
      const v = failed('The canary produced no log records; the LLM was not asked.');
      return { verdict: v, report: { ...base, verdict: 'inconclusive', confidence: 0 } };
    }
    let prompt = this.buildPrompt(input);
    const key = createHash('sha256')
      .update(client.model)
      .update('\0')
      .update(prompt.system)
      .update('\0')
      .update(prompt.user)
      .digest('hex');
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return {
        verdict: { ...hit.verdict, tokens: { input: 0, output: 0 } },
        report: { ...hit.report, cached: true },
      };
    }
    try {
      if (this.#o.countTokens) {
        const n = await client.countTokens(`${prompt.system}\n${prompt.user}`, opts.signal);
        if (n > this.#o.maxInputTokens)
          prompt = this.buildPrompt(
            input,
            Math.floor((this.#o.maxInputTokens * this.#o.maxInputTokens) / n) - 200,
          );
      }
      const res = await client.generateJson({
        system: prompt.system,
        user: prompt.user,
        jsonSchema: LLM_VERDICT_JSON_SCHEMA,
        signal: opts.signal,
      });
      const verdict = this.#parse(res.text);
      const judged: LlmJudgement = {
        verdict: { ...verdict, tokens: { input: res.promptTokens, output: res.outputTokens } },
        report: {
          ...base,
          verdict: verdict.verdict,
          confidence: verdict.confidence,
          cached: false,
          ...(verdict.reasons[0]?.kind === 'llm' && verdict.confidence === 0
            ? { error: verdict.reasons[0].summary }
            : {}),
        },
      };
      if (!judged.report.error) this.#remember(key, judged);
      return judged;
    } catch (err) {
      opts.signal?.throwIfAborted();
      const why = `LLM judge unavailable: ${errorMessage(err)}`;
      this.#log.warn({ err: errorMessage(err) }, 'llm judge failed; verdict inconclusive for the LLM part');
      return { verdict: failed(why), report: { ...base, error: why } };
    }
  }

  #remember(key: string, j: LlmJudgement): void {
    this.#cache.set(key, j);
    if (this.#cache.size > this.#o.cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** Parses and validates the model's JSON; a bad answer is an inconclusive verdict listing up to five issues. */
  #parse(text: string): Verdict {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return failed(`LLM answer is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
    }
    const parsed = LlmVerdictSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      return failed(`LLM answer does not match the verdict schema: ${issues.join('; ')}`);
    }
    const v = parsed.data;
    return {
      verdict: v.verdict,
      confidence: v.confidence,
      reasons: [
        { kind: 'llm', summary: v.summary, severity: 0.5, veto: false },
        ...v.reasons.map((r) => ({
          kind: 'llm' as const,
          summary: r.summary,
          severity: r.severity,
          veto: false,
          ...(r.templateIds[0] ? { evidence: { templateId: r.templateIds[0] } } : {}),
        })),
      ],
    };
  }
}
