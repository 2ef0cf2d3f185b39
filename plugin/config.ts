/**
 * @module plugin/config — the plugin process's configuration (env vars and flags, parsed once in main.ts) and the
 * schema of the AnalysisTemplate block `provider.plugin["rollout-sentinel/canary"]` (parsed per measurement).
 */
import { z } from 'zod';
import { CanaryAnalysisSchema } from '../analysis/schema.ts';
import { boolOption, boundedDuration, defineOptions, loadOptions, type OptionsOf } from '../lib/config.ts';

/** go-plugin's handshake variables (set by the controller) and our own options. */
export const PLUGIN_OPTIONS = defineOptions({
  logLevel: {
    env: 'SENTINEL_PLUGIN_LOG_LEVEL',
    flag: '--log-level',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
    description:
      'log level of the JSON lines written to stderr (the controller re-logs them at the same level)',
  },
  socketDir: {
    env: 'PLUGIN_UNIX_SOCKET_DIR',
    schema: z.string().optional(),
    description: "directory for the plugin's unix socket (go-plugin's variable; default $TMPDIR or /tmp)",
  },
  serve: {
    env: 'SENTINEL_PLUGIN_SERVE',
    flag: '--serve',
    boolean: true,
    schema: boolOption(false),
    description:
      'sidecar mode (stock controller image): serve every controller connection on --socket until SIGTERM; Control.Quit ends a connection, not the process',
  },
  socket: {
    env: 'SENTINEL_PLUGIN_SOCKET',
    flag: '--socket',
    schema: z.string().default('/var/run/rollout-sentinel/plugin.sock'),
    description: 'the unix socket of --serve (the shim in the controller container names the same path)',
  },
  protocolVersions: {
    env: 'PLUGIN_PROTOCOL_VERSIONS',
    schema: z.string().default('1'),
    description: 'comma-separated app protocol versions the controller accepts (set by go-plugin)',
  },
});

export type PluginOptions = OptionsOf<typeof PLUGIN_OPTIONS>;

/** The process configuration: the magic cookie check result plus the options. */
export interface PluginProcessConfig extends PluginOptions {
  /** True when started by Argo Rollouts as a metric provider (`ARGO_ROLLOUTS_RPC_PLUGIN=metricprovider`). */
  cookieOk: boolean;
}

export const MAGIC_COOKIE_KEY = 'ARGO_ROLLOUTS_RPC_PLUGIN';
export const MAGIC_COOKIE_VALUE = 'metricprovider';

/** Reads env vars and flags once. Throws ConfigError naming each bad variable. */
export function loadConfig(
  argv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): PluginProcessConfig {
  const { options } = loadOptions(PLUGIN_OPTIONS, { env, argv });
  return { ...options, cookieOk: env[MAGIC_COOKIE_KEY] === MAGIC_COOKIE_VALUE };
}

// ---- AnalysisTemplate plugin block ----

const duration = boundedDuration;

/** Options every check kind shares. */
const common = {
  /** How long after Run (or a still-running Resume) the controller should call Resume. */
  resumeAfter: duration('1s', 3_600_000),
};

/** `kind: httpProbe` — one HTTP request; result `{status, ok, latencyMs, body}`. */
export const HttpProbeSchema = z
  .object({
    kind: z.literal('httpProbe'),
    url: z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' }),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional(),
    timeout: duration('10s', 300_000),
    /** Bytes of the response body kept for `result.body` (JSON is parsed when it fits). */
    maxBodyBytes: z.number().int().min(0).max(1_048_576).default(65_536),
    ...common,
  })
  .strict();

/**
 * `kind: canary` — the whole canary analysis (analysis/canary): journeys through the sandbox proxy, logs and events
 * of both ReplicaSets, the judge, and the issue loop. The block is a `CanaryAnalysis` plus `kind` and `resumeAfter`.
 */
export const CanaryCheckSchema = CanaryAnalysisSchema.extend({
  kind: z.literal('canary'),
  /** A canary measurement takes tens of seconds; polling every 5 s keeps RPCs few without delaying the verdict much. */
  resumeAfter: duration('5s', 3_600_000),
});

/**
 * The plugin block: one check, chosen by `kind`. New kinds (canary judge, synthetic journey) are added here and in
 * `checks/registry.ts`; the protocol layers never change.
 */
export const PluginArgsSchema = z.discriminatedUnion('kind', [HttpProbeSchema, CanaryCheckSchema]);

export type PluginArgs = z.infer<typeof PluginArgsSchema>;
export type CheckKind = PluginArgs['kind'];

/** Every valid `kind`, for error messages. */
export const CHECK_KINDS: readonly CheckKind[] = PluginArgsSchema.options.map((o) => o.shape.kind.value);

/** Turns zod issues into "field: problem" lines naming the field and what is allowed. */
export function describeArgsIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(the block)';
    if (issue.code === 'invalid_union' && (issue.path.length === 0 || path === 'kind')) {
      return `kind: is required and must be one of ${CHECK_KINDS.join(', ')}`;
    }
    if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_value')
      return `${path}: allowed values are ${issue.values.map(String).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined)
      return `${path}: is required (${issue.message})`;
    return `${path}: ${issue.message}`;
  });
}

/**
 * Parses a sample of each check kind once (true when both are valid, which a test checks), so the first real Run does not pay for zod's first-use compilation of the
 * schemas (the `canary` block is large: ~9 ms of CPU cold, < 1 ms warm; Run must return in milliseconds).
 */
export function warmUpArgsSchema(): boolean {
  const probe = PluginArgsSchema.safeParse({ kind: 'httpProbe', url: 'http://warm.up/' });
  const canary = PluginArgsSchema.safeParse({
    kind: 'canary',
    rollout: 'warm-up',
    canary: { podTemplateHash: 'a1', url: 'http://c.warm.up' },
    stable: { podTemplateHash: 'b2', url: 'http://s.warm.up' },
    journeys: { inline: 'journeys: []', proxy: 'ws://p.warm.up:9000', proxyToken: { name: 't', key: 'k' } },
    llm: { provider: 'gemini', apiKeySecret: { file: '/dev/null' } },
    report: { github: { repo: 'o/r', tokenSecret: { name: 'gh', key: 'token' } } },
  });
  return probe.success && canary.success;
}
