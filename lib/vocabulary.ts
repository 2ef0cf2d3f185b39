/**
 * @module lib/vocabulary — the one set of option names every command shares (`judge`, `report`, `canary`, `serve`,
 * `eval`, `demo`, and the `llm:` block of the plugin/canary document): names are derived from one camelCase name per
 * option — flag `--kebab-case`, env var `SENTINEL_SNAKE_CASE` — and the LLM option set is defined here once.
 * Renamed options keep their old names for one release (`deprecated`, see lib/config.ts).
 */
import { z } from 'zod';
import { boolOption, durationOption, intOption, type OptionSpec } from './config.ts';

/** `llmModel` → `--llm-model`. */
export function flagName(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `llmModel` → `SENTINEL_LLM_MODEL` (or `${prefix}_LLM_MODEL`). */
export function envName(name: string, prefix = 'SENTINEL'): string {
  return `${prefix}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** An option whose env var and flag are derived from its name. */
export interface NamedSpec<S extends z.ZodType = z.ZodType> extends Omit<OptionSpec<S>, 'env' | 'flag'> {
  /** The public name when it differs from the key (`verifyWithin` for the key `verifyWithinMs`). */
  name?: string;
  /** `false`: env var only (secrets never go on a command line); a string: a flag that is not derived. */
  flag?: false | string;
  /** A name another tool owns (`GEMINI_API_KEY`, `GITHUB_TOKEN`, `KUBECONFIG`), used as is. */
  env?: string;
}

type Named<T extends Record<string, NamedSpec>> = { [K in keyof T]: OptionSpec<T[K]['schema']> };

/**
 * Fills in each option's flag and env var from its name: `--kebab-case` and `${prefix}_SNAKE_CASE`
 * (prefix `SENTINEL`, or e.g. `SENTINEL_REPORT` for one command's own options).
 */
export function namedOptions<T extends Record<string, NamedSpec>>(specs: T, prefix = 'SENTINEL'): Named<T> {
  return Object.fromEntries(
    Object.entries(specs).map(([key, { name = key, flag, env, ...rest }]) => {
      const spec: OptionSpec = { ...rest, env: env ?? envName(name, prefix) };
      if (flag !== false) spec.flag = flag ?? flagName(name);
      return [key, spec];
    }),
  ) as Named<T>;
}

// ---- the LLM option set ----

/** LLM providers: `none` (statistics only, nothing leaves the machine), `gemini`, or `auto` (gemini when a key is set). */
export const LLM_PROVIDERS = ['none', 'gemini', 'auto'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/** Default LLM model. */
export const DEFAULT_LLM_MODEL = 'gemini-2.5-flash';

/**
 * The LLM options of every command, in one place. `llm.X` of the canary document is `--llm-x` / `SENTINEL_LLM_X`
 * here (a test holds the two in step); `llm.provider` is `--llm`.
 */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- the inferred type keeps each option's zod type
export function llmOptions(defaultProvider: LlmProvider = 'none', oldProviderEnv: readonly string[] = []) {
  return namedOptions({
    llm: {
      schema: z.enum(LLM_PROVIDERS).default(defaultProvider),
      description: `LLM: none (statistics only), gemini, or auto (gemini when a key is set); default ${defaultProvider}`,
      deprecated: { env: oldProviderEnv, values: { off: 'none' } },
    },
    llmModel: {
      schema: z.string().min(1).default(DEFAULT_LLM_MODEL),
      description: 'Gemini model name',
      deprecated: { flags: ['--model'] },
    },
    llmApiKey: {
      env: 'GEMINI_API_KEY',
      flag: false,
      schema: z.string().optional(),
      description: "Gemini API key (Google's own variable; prefer the key file)",
    },
    llmApiKeyFile: {
      schema: z.string().optional(),
      description: 'file holding the Gemini API key (a mounted Kubernetes secret)',
      deprecated: { flags: ['--gemini-key-file'], env: ['SENTINEL_GEMINI_API_KEY_FILE'] },
    },
    llmBaseUrl: {
      schema: z.url().optional(),
      description: 'Gemini endpoint override (tests, proxies)',
      deprecated: { flags: ['--gemini-base-url'], env: ['SENTINEL_GEMINI_BASE_URL'] },
    },
    llmApiVersion: {
      schema: z.enum(['v1', 'v1beta']).default('v1beta'),
      description: 'Gemini API version path',
      deprecated: { env: ['SENTINEL_GEMINI_API_VERSION'] },
    },
    llmVertexProject: {
      schema: z.string().optional(),
      description: 'use Vertex AI in this Google Cloud project',
      deprecated: { env: ['SENTINEL_VERTEX_PROJECT'] },
    },
    llmVertexLocation: {
      schema: z.string().default('us-central1'),
      description: 'Vertex AI location',
      deprecated: { env: ['SENTINEL_VERTEX_LOCATION'] },
    },
    llmTimeout: {
      schema: durationOption('30s'),
      description: 'deadline of one LLM call, retries included',
    },
    llmMaxInputTokens: {
      schema: intOption(8_000, 1_000, 100_000),
      description: 'token budget of one LLM prompt',
      deprecated: { env: ['SENTINEL_LLM_MAX_TOKENS'] },
    },
    llmCountTokens: {
      boolean: true,
      schema: boolOption(false),
      description:
        "check each prompt with the model's countTokens (one extra call) and shrink it when over budget",
    },
  });
}

/** The LLM options, statistics only by default. */
export const LLM_OPTIONS = llmOptions('none');

// ---- options several commands share ----

/** Output and browser options with one name everywhere. */
export const SHARED_OPTIONS = namedOptions({
  json: {
    boolean: true,
    schema: boolOption(false),
    description: 'print one JSON object on stdout',
  },
  html: {
    env: 'SENTINEL_REPORT_HTML',
    schema: z.string().optional(),
    description: 'also write the verdict report page (self-contained HTML) to this file',
  },
  chromiumPath: {
    flag: false,
    schema: z.string().optional(),
    description: 'Chromium executable (default: found automatically)',
    deprecated: { env: ['CHROMIUM_PATH'] },
  },
});
