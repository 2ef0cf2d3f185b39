/** @module analysis/config — options of the canary judge (LLM provider, model, key, deadlines), parsed once per process. */
import { readFileSync } from 'node:fs';
import { ConfigError, loadCommandOptions, type OptionsOf } from '../lib/config.ts';
import { z } from 'zod';
import { LLM_OPTIONS, llmOptions, namedOptions } from '../lib/vocabulary.ts';
import { DEFAULT_POLICY, POLICY_NAMES } from './judges/combine.ts';
import type { Logger } from '../lib/log.ts';
import { GeminiClient } from './judges/llm/geminiClient.ts';
import { LlmJudge } from './judges/llm/llmJudge.ts';

/** The LLM option set of every command (lib/vocabulary.ts), re-exported for the plugin and the CLIs. */
export { LLM_OPTIONS, llmOptions };
export type LlmOptions = OptionsOf<typeof LLM_OPTIONS>;

/** `--policy` / `SENTINEL_POLICY`: how statistics and the LLM combine into a verdict (`policy:` in the canary document). */
export const POLICY_OPTIONS = namedOptions({
  policy: {
    schema: z.enum(POLICY_NAMES).default(DEFAULT_POLICY),
    description: `verdict policy: ${POLICY_NAMES.join(', ')}`,
  },
});

function readKey(o: Pick<LlmOptions, 'llmApiKey' | 'llmApiKeyFile'>): string | undefined {
  if (o.llmApiKeyFile) {
    try {
      return readFileSync(o.llmApiKeyFile, 'utf8').trim() || undefined;
    } catch (err) {
      throw new ConfigError([
        `${LLM_OPTIONS.llmApiKeyFile.env} = ${JSON.stringify(o.llmApiKeyFile)}: cannot read it (${(err as Error).message}).`,
      ]);
    }
  }
  return o.llmApiKey?.trim() || undefined;
}

/**
 * The Gemini client the options describe; undefined for `--llm none`, and for `--llm auto` without a key or a Vertex
 * project. Throws ConfigError when `--llm gemini` has neither.
 */
export function geminiClientFrom(o: LlmOptions, log?: Logger): GeminiClient | undefined {
  if (o.llm === 'none') return undefined;
  const apiKey = readKey(o);
  if (!apiKey && !o.llmVertexProject) {
    if (o.llm === 'auto') return undefined;
    throw new ConfigError([
      `--llm gemini needs ${LLM_OPTIONS.llmApiKey.env}, ${LLM_OPTIONS.llmApiKeyFile.env} or ${LLM_OPTIONS.llmVertexProject.env}.`,
    ]);
  }
  return new GeminiClient({
    apiKey,
    model: o.llmModel,
    baseUrl: o.llmBaseUrl,
    apiVersion: o.llmApiVersion,
    vertex: o.llmVertexProject ? { project: o.llmVertexProject, location: o.llmVertexLocation } : undefined,
    timeoutMs: o.llmTimeout,
    ...(log ? { log } : {}),
  });
}

/** Builds the LLM judge from parsed options (see {@link geminiClientFrom} for when there is none). */
export function createLlmJudge(o: LlmOptions, log?: Logger): LlmJudge | undefined {
  const client = geminiClientFrom(o, log);
  if (!client) return undefined;
  return new LlmJudge({
    client,
    maxInputTokens: o.llmMaxInputTokens,
    countTokens: o.llmCountTokens,
    ...(log ? { log } : {}),
  });
}

/** Parses a command's options from its argv and the process environment (lib/config.ts). */
export { loadCommandOptions };
