/** @module analysis/config — options of the canary judge (LLM provider, model, key, deadlines), parsed once per process. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  boolOption,
  ConfigError,
  defineOptions,
  durationOption,
  intOption,
  loadOptions,
  type OptionSpecs,
  type OptionsOf,
} from '../lib/config.ts';
import type { Logger } from '../lib/log.ts';
import { GeminiClient } from './judges/llm/geminiClient.ts';
import { LlmJudge } from './judges/llm/llmJudge.ts';

/** LLM options shared by `sentinel judge`, `sentinel eval` and the plugin. */
export const LLM_OPTIONS = defineOptions({
  llm: {
    env: 'SENTINEL_LLM',
    flag: '--llm',
    schema: z.enum(['none', 'gemini']).default('none'),
    description: 'LLM judge: none or gemini',
  },
  model: {
    env: 'SENTINEL_LLM_MODEL',
    flag: '--model',
    schema: z.string().default('gemini-2.5-flash'),
    description: 'Gemini model name',
  },
  apiKey: {
    env: 'GEMINI_API_KEY',
    schema: z.string().optional(),
    description: 'Gemini API key (prefer the key file)',
  },
  apiKeyFile: {
    env: 'SENTINEL_GEMINI_API_KEY_FILE',
    flag: '--gemini-key-file',
    schema: z.string().optional(),
    description: 'file holding the Gemini API key (a mounted Kubernetes secret)',
  },
  baseUrl: {
    env: 'SENTINEL_GEMINI_BASE_URL',
    flag: '--gemini-base-url',
    schema: z.url().optional(),
    description: 'Gemini endpoint override',
  },
  apiVersion: {
    env: 'SENTINEL_GEMINI_API_VERSION',
    schema: z.enum(['v1', 'v1beta']).default('v1beta'),
    description: 'Gemini API version path',
  },
  vertexProject: {
    env: 'SENTINEL_VERTEX_PROJECT',
    schema: z.string().optional(),
    description: 'use Vertex AI in this Google Cloud project',
  },
  vertexLocation: {
    env: 'SENTINEL_VERTEX_LOCATION',
    schema: z.string().default('us-central1'),
    description: 'Vertex AI location',
  },
  llmTimeout: {
    env: 'SENTINEL_LLM_TIMEOUT',
    flag: '--llm-timeout',
    schema: durationOption('30s'),
    description: 'deadline of one LLM call, retries included',
  },
  llmMaxTokens: {
    env: 'SENTINEL_LLM_MAX_TOKENS',
    schema: intOption(8_000, 1_000, 100_000),
    description: 'token budget of one LLM prompt',
  },
  llmCountTokens: {
    env: 'SENTINEL_LLM_COUNT_TOKENS',
    schema: boolOption(false),
    description:
      "check each prompt with the model's countTokens (one extra call) and shrink it when over budget",
  },
});
export type LlmOptions = OptionsOf<typeof LLM_OPTIONS>;

function readKey(o: Pick<LlmOptions, 'apiKey' | 'apiKeyFile'>): string | undefined {
  if (o.apiKeyFile) {
    try {
      return readFileSync(o.apiKeyFile, 'utf8').trim() || undefined;
    } catch (err) {
      throw new ConfigError([
        `SENTINEL_GEMINI_API_KEY_FILE = ${JSON.stringify(o.apiKeyFile)}: cannot read it (${(err as Error).message}).`,
      ]);
    }
  }
  return o.apiKey;
}

/** Builds the LLM judge from parsed options; undefined for `--llm none`. Throws ConfigError when gemini lacks a key. */
export function createLlmJudge(o: LlmOptions, log?: Logger): LlmJudge | undefined {
  if (o.llm === 'none') return undefined;
  const apiKey = readKey(o);
  if (!apiKey && !o.vertexProject) {
    throw new ConfigError([
      '--llm gemini needs GEMINI_API_KEY, SENTINEL_GEMINI_API_KEY_FILE or SENTINEL_VERTEX_PROJECT.',
    ]);
  }
  const client = new GeminiClient({
    apiKey,
    model: o.model,
    baseUrl: o.baseUrl,
    apiVersion: o.apiVersion,
    vertex: o.vertexProject ? { project: o.vertexProject, location: o.vertexLocation } : undefined,
    timeoutMs: o.llmTimeout,
    ...(log ? { log } : {}),
  });
  return new LlmJudge({
    client,
    maxInputTokens: o.llmMaxTokens,
    countTokens: o.llmCountTokens,
    ...(log ? { log } : {}),
  });
}

/** Parses a command's options from its argv and the process environment (the one place analysis/ reads env). */
export function loadCommandOptions<T extends OptionSpecs>(
  specs: T,
  argv: readonly string[],
): { options: OptionsOf<T>; positionals: string[] } {
  return loadOptions(specs, { env: process.env, argv });
}
