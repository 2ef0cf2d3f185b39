/** @module analysis/report/writer — who writes the issue: an LLM through prompts/, or the deterministic template. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type Logger, silentLogger } from '../../lib/log.ts';
import { errorMessage } from '../../lib/errors.ts';
import { BODY_BUDGET, type IssueFacts, formatBody, formatTitle } from './format.ts';
import { GITHUB_TITLE_MAX, clip } from './markdown.ts';

/** A written issue and who wrote it. */
export interface WrittenIssue {
  title: string;
  body: string;
  author: 'template' | 'llm';
  /** Why the LLM was not used, when it was configured but failed. */
  fallbackReason?: string;
}

/** The one thing the writer needs from an LLM: a JSON answer to a system + user prompt. */
export interface IssueLlm {
  /** Returns the model's text (expected JSON). Must honour `signal`. */
  generate(req: {
    system: string;
    user: string;
    responseJsonSchema: object;
    signal: AbortSignal;
  }): Promise<string>;
}

/** The LLM's answer. */
export const LlmIssueSchema = z.object({
  title: z.string().trim().min(8).max(200),
  body: z.string().trim().min(40).max(8000),
});

const PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));

/**
 * Substitutes `{{name}}` placeholders in one pass. Values are inserted literally and never re-scanned, so data that
 * itself contains `{{…}}` comes out verbatim (CONVENTIONS.md 15). An unknown placeholder is a programming error.
 */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`prompt placeholder {{${name}}} has no value`);
    return v;
  });
}

/** The facts the LLM sees: already redacted by the caller, and limited in size. */
function factsJson(facts: IssueFacts): string {
  const reasons = facts.input.reasons.slice(0, 12).map((r) => ({
    kind: r.kind,
    summary: r.summary,
    severity: r.severity,
    veto: r.veto,
    template: r.evidence?.template,
    counts: r.evidence?.counts,
    totals: r.evidence?.totals,
    samples: r.evidence?.samples?.slice(0, 3).map((s) => clip(s, 300)),
    source: r.evidence?.source,
  }));
  return JSON.stringify(
    { verdict: facts.input.verdict, confidence: facts.input.confidence, context: facts.context, reasons },
    null,
    2,
  );
}

/**
 * Counts long opaque tokens (32+ base64/hex-like characters) in the LLM's answer that are not in the facts it saw.
 * A model has no business inventing key material; such an answer is discarded for the template (defence in depth
 * for what the redactor cannot recognise, e.g. a bare base64 key body).
 */
export function opaqueTokensNotIn(text: string, facts: IssueFacts): number {
  const known = JSON.stringify({ input: facts.input, context: facts.context });
  return [...text.matchAll(/[A-Za-z0-9+/=_-]{32,}/g)].filter((m) => !known.includes(m[0])).length;
}

/** Makes LLM Markdown inert where it matters: no mentions, no issue links, no HTML comments (marker spoofing). */
function tame(text: string): string {
  return text
    .replace(/<!--/g, '&lt;!--')
    .replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b')
    .replace(/#(?=\d)/g, '#\u200b');
}

export interface WriterOptions {
  /** When set, the LLM writes title and narrative; the template is the fallback. */
  llm?: IssueLlm;
  /** Deadline for the LLM call (default 30 s). */
  llmTimeoutMs?: number;
  /** Redaction applied to the facts before they reach the LLM. */
  redact: (text: string) => string;
  log?: Logger;
}

/** Writes issues: LLM first when configured, the deterministic template whenever the LLM fails. */
export class IssueWriter {
  readonly #opts: WriterOptions;
  constructor(opts: WriterOptions) {
    this.#opts = opts;
  }

  async write(facts: IssueFacts, signal: AbortSignal): Promise<WrittenIssue> {
    const deterministic = { title: formatTitle(facts), body: formatBody(facts) };
    const llm = this.#opts.llm;
    if (!llm) return { ...deterministic, author: 'template' };
    try {
      const [system, user] = await Promise.all([
        readFile(`${PROMPTS_DIR}issue.system.md`, 'utf8'),
        readFile(`${PROMPTS_DIR}issue.user.md`, 'utf8'),
      ]);
      const filled = fillTemplate(user, {
        rollout: `${facts.context.namespace}/${facts.context.rollout}`,
        facts: this.#opts.redact(factsJson(facts)),
      });
      const timeout = AbortSignal.timeout(this.#opts.llmTimeoutMs ?? 30_000);
      const text = await llm.generate({
        system,
        user: filled,
        responseJsonSchema: z.toJSONSchema(LlmIssueSchema),
        signal: AbortSignal.any([signal, timeout]),
      });
      const parsed = LlmIssueSchema.parse(JSON.parse(text));
      const novel = opaqueTokensNotIn(`${parsed.title}\n${parsed.body}`, facts);
      if (novel > 0)
        throw new Error(
          `the LLM answer contains ${novel} opaque token(s) not present in the facts it was given`,
        );
      const title = clip(parsed.title.replace(/\s+/g, ' '), GITHUB_TITLE_MAX - 20);
      const narrative = tame(parsed.body);
      return {
        title: `[rollout-sentinel] ${title}`,
        body: `${narrative}\n\n${formatBody(facts, BODY_BUDGET - narrative.length - 2)}`,
        author: 'llm',
      };
    } catch (err) {
      signal.throwIfAborted();
      const reason = errorMessage(err).slice(0, 300);
      (this.#opts.log ?? silentLogger).warn(
        { reason },
        'LLM issue writing failed; using the deterministic template',
      );
      return { ...deterministic, author: 'template', fallbackReason: reason };
    }
  }
}

/** The part of the project's Gemini client (analysis/judges/llm/geminiClient.ts) the writer uses. */
export interface JsonLlmClient {
  generateJson(req: {
    system: string;
    user: string;
    jsonSchema: unknown;
    signal?: AbortSignal | undefined;
  }): Promise<{ text: string }>;
}

/** Adapts the project's Gemini client (JSON mode, temperature 0, retries) to {@link IssueLlm}. */
export function issueLlmFrom(client: JsonLlmClient): IssueLlm {
  return {
    generate: async (req) =>
      (
        await client.generateJson({
          system: req.system,
          user: req.user,
          jsonSchema: req.responseJsonSchema,
          signal: req.signal,
        })
      ).text,
  };
}
