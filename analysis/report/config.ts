/** @module analysis/report/config — reporting options (env + flags) and per-rollout policies, parsed once. */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  ConfigError,
  boolOption,
  defineOptions,
  durationOption,
  loadOptions,
  parseDuration,
  type OptionsOf,
} from '../../lib/config.ts';
import { llmOptions, namedOptions, SHARED_OPTIONS } from '../../lib/vocabulary.ts';
import { type Policy, PolicySchema } from './types.ts';

const list = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined,
  );

const optionalDuration = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined) return undefined;
    const ms = parseDuration(raw);
    if (ms === undefined)
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 10m or 1h' });
    return ms;
  });

/**
 * Options of `sentinel report` and of the embedded reporter: flag `--name`, env `SENTINEL_REPORT_NAME`
 * (lib/vocabulary.ts); the `REPORT_*` names of the previous release still work, with a warning.
 */
const REPORT_OWN_OPTIONS = namedOptions(
  {
    verdict: {
      schema: z.string().optional(),
      description: 'verdict JSON file (what `sentinel judge --json` prints)',
      deprecated: { env: ['REPORT_VERDICT_FILE'] },
    },
    repo: {
      schema: z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name')
        .optional(),
      description: 'GitHub repository for issues, owner/name',
      deprecated: { env: ['REPORT_REPO'] },
    },
    dryRun: {
      boolean: true,
      schema: boolOption(false),
      description: 'write to the local outbox and print the issue; never call GitHub',
      deprecated: { env: ['REPORT_DRY_RUN'] },
    },
    sink: {
      schema: z.enum(['auto', 'github', 'outbox']).default('auto'),
      description: 'auto = GitHub when a repo and token are set, else the outbox',
      deprecated: { env: ['REPORT_SINK'] },
    },
    outboxDir: {
      name: 'outbox',
      schema: z.string().default('sentinel-outbox'),
      description: 'folder of the Markdown outbox',
      deprecated: { env: ['REPORT_OUTBOX_DIR'] },
    },
    stateDir: {
      schema: z.string().default(join(tmpdir(), 'rollout-sentinel')),
      description: 'folder for dedupe leases (share it between processes reporting to one repo)',
      deprecated: { env: ['REPORT_STATE_DIR'] },
    },
    leaseTtlMs: {
      name: 'leaseTtl',
      schema: durationOption('10m'),
      description: 'how long a filed issue is trusted before search must confirm it',
      deprecated: { env: ['REPORT_LEASE_TTL'] },
    },
    policyFile: {
      schema: z.string().optional(),
      description: 'YAML/JSON per-rollout policies: {defaults: {...}, rollouts: {"ns/name": {...}}}',
      // `--policy` is the verdict policy in judge, eval and the canary document.
      deprecated: { flags: ['--policy'], env: ['REPORT_POLICY_FILE'] },
    },
    handoff: {
      schema: z.enum(['none', 'labels', 'assignees', 'copilot', 'openhands']).optional(),
      description: 'coding-agent hand-off mode (overrides the policy)',
      deprecated: { env: ['REPORT_HANDOFF'] },
    },
    handoffLabels: {
      schema: list,
      description: 'labels for mode labels, e.g. jules',
      deprecated: { env: ['REPORT_HANDOFF_LABELS'] },
    },
    assignees: {
      schema: list,
      description: 'logins for mode assignees',
      deprecated: { env: ['REPORT_ASSIGNEES'] },
    },
    verifyWithinMs: {
      name: 'verifyWithin',
      schema: optionalDuration,
      description: 'wait this long for the agent to start (0: record as pending)',
      deprecated: { env: ['REPORT_VERIFY_WITHIN'] },
    },
    closeOnFix: {
      schema: z.enum(['true', 'false']).optional(),
      description: 'close the issue when a later canary promotes',
      deprecated: { env: ['REPORT_CLOSE_ON_FIX'] },
    },
    rollout: {
      schema: z.string().optional(),
      description: 'rollout name (when the verdict file has no context)',
      deprecated: { env: ['REPORT_ROLLOUT'] },
    },
    namespace: {
      schema: z.string().optional(),
      description: 'rollout namespace',
      deprecated: { env: ['REPORT_NAMESPACE'] },
    },
    revision: {
      schema: z.string().optional(),
      description: 'rollout revision',
      deprecated: { env: ['REPORT_REVISION'] },
    },
    image: {
      schema: z.string().optional(),
      description: 'canary image (ideally repo@sha256:…)',
      deprecated: { env: ['REPORT_IMAGE'] },
    },
  },
  'SENTINEL_REPORT',
);

/** The GitHub options: the token under the names GitHub's own tools use, never as a flag. */
const GITHUB_OPTIONS = namedOptions({
  token: {
    env: 'GITHUB_TOKEN',
    flag: false,
    schema: z.string().optional(),
    description: 'GitHub token (never a flag, so it stays out of process listings)',
  },
  tokenFile: {
    name: 'githubTokenFile',
    flag: false,
    schema: z.string().optional(),
    description: 'file holding the GitHub token (a mounted Secret)',
    deprecated: { env: ['GITHUB_TOKEN_FILE'] },
  },
  apiUrl: {
    env: 'GITHUB_API_URL',
    flag: '--github-api-url',
    schema: z.url().default('https://api.github.com'),
    description: 'REST root; https://HOST/api/v3 for GitHub Enterprise Server',
  },
});

/** Options of `sentinel report`: its own, GitHub's, the shared LLM set (default auto: Gemini when a key is set). */
export const REPORT_OPTIONS = defineOptions({
  ...REPORT_OWN_OPTIONS,
  ...GITHUB_OPTIONS,
  ...llmOptions('auto', ['REPORT_LLM']),
  json: { ...SHARED_OPTIONS.json, deprecated: { env: ['REPORT_JSON'] } },
});

/** The policy file: defaults plus per-rollout overrides keyed `namespace/name`, `namespace/*` or `*`. */
export const PolicyFileSchema = z.object({
  defaults: PolicySchema.partial().default({}),
  rollouts: z.record(z.string(), PolicySchema.partial()).default({}),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Reads and validates a policy file; errors name the file and each bad field. */
export async function loadPolicyFile(path: string): Promise<PolicyFile> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([
      `${REPORT_OPTIONS.policyFile.env} (--policy-file) = ${JSON.stringify(path)}: cannot read it as YAML/JSON (${(err as Error).message})`,
    ]);
  }
  const parsed = PolicyFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${path}: ${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The repository placeholder when none is configured: such a policy can only report to the outbox. */
export const LOCAL_REPO = 'local/outbox';

/** The policy for one rollout: defaults, then `*`, `namespace/*`, `namespace/name`, then `overrides` (CLI/env). */
export function policyFor(file: PolicyFile, rollout: string, overrides: Partial<Policy>): Policy {
  const ns = rollout.split('/')[0];
  const layers = [
    { repo: LOCAL_REPO },
    file.defaults,
    file.rollouts['*'],
    file.rollouts[`${ns}/*`],
    file.rollouts[rollout],
    overrides,
  ];
  const defined = (layer: object | undefined): object =>
    Object.fromEntries(Object.entries(layer ?? {}).filter(([, v]) => v !== undefined));
  const merged = Object.assign({}, ...layers.map(defined)) as Record<string, unknown>;
  const parsed = PolicySchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `policy for ${rollout}: ${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

export type ReportOptions = OptionsOf<typeof REPORT_OPTIONS>;

/** Parses `sentinel report` flags and the environment once (the only place this module reads `process.env`). */
export function loadReportOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): ReportOptions {
  return loadOptions(REPORT_OPTIONS, { env, argv }).options;
}

/** The token from GITHUB_TOKEN, or else from the SENTINEL_GITHUB_TOKEN_FILE secret mount. */
export async function resolveToken(
  opts: Pick<ReportOptions, 'token' | 'tokenFile'>,
): Promise<string | undefined> {
  if (opts.token) return opts.token.trim();
  if (!opts.tokenFile) return undefined;
  try {
    const t = (await readFile(opts.tokenFile, 'utf8')).trim();
    return t === '' ? undefined : t;
  } catch (err) {
    throw new ConfigError([
      `SENTINEL_GITHUB_TOKEN_FILE = ${JSON.stringify(opts.tokenFile)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
}

/** The Gemini key from GEMINI_API_KEY or the SENTINEL_LLM_API_KEY_FILE mount; undefined when neither is set. */
export async function resolveGeminiKey(
  opts: Pick<ReportOptions, 'llmApiKey' | 'llmApiKeyFile'>,
): Promise<string | undefined> {
  if (opts.llmApiKey) return opts.llmApiKey.trim();
  if (!opts.llmApiKeyFile) return undefined;
  try {
    return (await readFile(opts.llmApiKeyFile, 'utf8')).trim() || undefined;
  } catch (err) {
    throw new ConfigError([
      `SENTINEL_LLM_API_KEY_FILE = ${JSON.stringify(opts.llmApiKeyFile)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
}
