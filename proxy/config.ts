/** @module proxy/config — the proxy's configuration: one zod schema fed from env vars and flags, parsed once. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  boolOption,
  ConfigError,
  csvOption,
  defineOptions,
  durationOption,
  intOption,
  loadOptions,
  type ConfigSource,
  type OptionSpecs,
  type OptionsOf,
} from '../lib/config.ts';
import {
  CLUSTER_BACKEND_OPTIONS,
  KarsBackendConfigSchema,
  OpenShellBackendConfigSchema,
  SandboxClaimBackendConfigSchema,
  SubstrateBackendConfigSchema,
} from './k8s/clusterBackendConfig.ts';

// ---- backends: one schema per kind, joined in a discriminated union ----

/** `local`: one Chromium browser server per tenant, as child processes of the proxy. */
export const LocalBackendConfigSchema = z.object({
  kind: z.literal('local'),
  /** Chromium executable; unset → found automatically (lib/chromium.ts). */
  chromiumPath: z.string().optional(),
  /** Pre-launched browser servers waiting for a tenant (0 = none). */
  warmPool: z.number().int().min(0).max(64),
  /** Browser servers launched at the same time at most (the rest queue). */
  maxConcurrentLaunches: z.number().int().min(1).max(64),
  /** How long one browser server may take to start. */
  launchTimeoutMs: z.number().int().positive(),
  /** Directory under which each sandbox gets its own folder (user-data-dir, temp files); default the OS temp dir. */
  rootDir: z.string().optional(),
  /** Extra Chromium command-line arguments. */
  chromiumArgs: z.array(z.string()),
  /**
   * Loopback services a sandbox may reach, as `host:port` (host `127.0.0.1`, `::1` or `localhost`); everything else
   * on loopback, link-local and this machine's own addresses is refused (the proxy's ports, other sandboxes).
   */
  allowLoopback: z.array(z.string()).default([]),
});
export type LocalBackendConfig = z.infer<typeof LocalBackendConfigSchema>;

/**
 * Every backend kind. Add a kind here, in {@link BACKEND_OPTIONS} and in `backends/registry.ts`
 * (the last two fail to compile until you do).
 */
export const BackendConfigSchema = z.discriminatedUnion('kind', [
  LocalBackendConfigSchema,
  SandboxClaimBackendConfigSchema,
  OpenShellBackendConfigSchema,
  KarsBackendConfigSchema,
  SubstrateBackendConfigSchema,
]);
export type BackendConfig = z.infer<typeof BackendConfigSchema>;
export type BackendKind = BackendConfig['kind'];

/** The backend kinds, in declaration order. */
export const BACKEND_KINDS = BackendConfigSchema.options.map((o) => o.shape.kind.value) as [
  BackendKind,
  ...BackendKind[],
];

/** `127.0.0.1:3000`, `[::1]:3000`, `localhost:3000`. */
const LOOPBACK_ENTRY = /^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;

const csv = csvOption;

/** Env vars and flags of each backend kind; keys are the fields of that kind's schema (minus `kind`). */
export const BACKEND_OPTIONS = {
  local: defineOptions({
    chromiumPath: {
      env: 'SENTINEL_CHROMIUM_PATH',
      deprecated: { env: ['CHROMIUM_PATH'] },
      schema: z.string().optional(),
      description: 'Chromium executable (default: found automatically)',
    },
    warmPool: {
      env: 'PROXY_LOCAL_WARM_POOL',
      deprecated: { env: ['LOCAL_WARM_POOL'] },
      flag: '--warm-pool',
      schema: intOption(0, 0, 64),
      description: 'pre-launched browser servers waiting for a tenant',
    },
    maxConcurrentLaunches: {
      env: 'PROXY_LOCAL_MAX_CONCURRENT_LAUNCHES',
      deprecated: { env: ['LOCAL_MAX_CONCURRENT_LAUNCHES'] },
      schema: intOption(4, 1, 64),
      description: 'browser servers started at the same time at most',
    },
    launchTimeoutMs: {
      env: 'PROXY_LOCAL_LAUNCH_TIMEOUT',
      deprecated: { env: ['LOCAL_LAUNCH_TIMEOUT'] },
      schema: durationOption('30s'),
      description: 'how long one browser server may take to start',
    },
    rootDir: {
      env: 'PROXY_LOCAL_SANDBOX_DIR',
      deprecated: { env: ['LOCAL_SANDBOX_DIR'] },
      schema: z.string().optional(),
      description: 'directory for per-sandbox folders (default: the OS temp dir)',
    },
    chromiumArgs: {
      env: 'PROXY_LOCAL_CHROMIUM_ARGS',
      deprecated: { env: ['LOCAL_CHROMIUM_ARGS'] },
      schema: csv,
      description: 'extra Chromium arguments, comma-separated',
    },
    allowLoopback: {
      env: 'PROXY_LOCAL_ALLOW_LOOPBACK',
      deprecated: { env: ['LOCAL_ALLOW_LOOPBACK'] },
      flag: '--allow-loopback',
      schema: csv.pipe(
        z.array(
          z.string().regex(LOOPBACK_ENTRY, 'expected host:port with host 127.0.0.1, [::1] or localhost'),
        ),
      ),
      description:
        'loopback services sandbox pages may reach, e.g. 127.0.0.1:3000,localhost:8080 (default none: loopback, link-local and local addresses are refused)',
    },
  }),
  ...CLUSTER_BACKEND_OPTIONS,
} satisfies { [K in BackendKind]: OptionSpecs };

// ---- identity ----

export const IDENTITY_MODES = ['header', 'fixed', 'podLabel', 'token'] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

// ---- the proxy process ----

/** Env vars and flags of the proxy itself. */
export const PROXY_OPTIONS = defineOptions({
  backend: {
    env: 'PROXY_BACKEND',
    flag: '--backend',
    schema: z.enum(BACKEND_KINDS).optional(),
    description: 'the default sandbox backend (default: the first of PROXY_BACKENDS, or local)',
  },
  backends: {
    env: 'PROXY_BACKENDS',
    flag: '--backends',
    schema: csv.pipe(z.array(z.enum(BACKEND_KINDS))),
    description:
      'backends served at once, comma-separated (default: PROXY_BACKEND); a client picks one per connection with X-Sentinel-Backend',
  },
  host: {
    env: 'PROXY_HOST',
    flag: '--host',
    schema: z.string().default('127.0.0.1'),
    description: 'address the data port listens on (default loopback; 0.0.0.0 in a cluster)',
  },
  adminHost: {
    env: 'PROXY_ADMIN_HOST',
    flag: '--admin-host',
    schema: z.string().default('127.0.0.1'),
    description: 'address the admin port listens on (default loopback)',
  },
  adminTokenFile: {
    env: 'PROXY_ADMIN_TOKEN_FILE',
    schema: z.string().optional(),
    description:
      'file of admin bearer tokens, one per line; without it /sandboxes shows counts only, no tenant ids',
  },
  identityKeyFile: {
    env: 'PROXY_IDENTITY_KEY_FILE',
    schema: z.string().optional(),
    description:
      'key file for signed tenant tokens (identity=header); unset on loopback → ~/.config/rollout-sentinel/proxy-tenant.key, created if missing',
  },
  tokenMaxTtlMs: {
    env: 'PROXY_TOKEN_MAX_TTL',
    schema: durationOption('24h'),
    description: 'tenant tokens valid for longer than this are refused (limits a leaked token)',
  },
  allowCdp: {
    env: 'PROXY_ALLOW_CDP',
    flag: '--allow-cdp',
    boolean: true,
    schema: boolOption(false),
    description:
      'let clients open raw CDP sessions (newCDPSession); off by default: raw CDP can read local files and bypass the sandbox network policy',
  },
  port: {
    env: 'PROXY_PORT',
    flag: '--port',
    schema: intOption(9000, 0, 65535),
    description: 'data port (HTTP and WebSocket to the sandboxes); 0 = any free port',
  },
  adminPort: {
    env: 'PROXY_ADMIN_PORT',
    flag: '--admin-port',
    schema: intOption(9090, 0, 65535),
    description: 'admin port (/healthz, /readyz, /metrics, /sandboxes); 0 = any free port',
  },
  identity: {
    env: 'PROXY_IDENTITY',
    flag: '--identity',
    schema: z.enum(IDENTITY_MODES).default('header'),
    description:
      'how callers are identified: header (a signed tenant token, Authorization: Bearer), fixed (single-user, loopback only), podLabel (the client pod label, in a cluster) or token (bearer token + header)',
  },
  identityHeader: {
    env: 'PROXY_IDENTITY_HEADER',
    flag: '--identity-header',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
      .default('X-Playwright-Id'),
    description:
      'header naming the tenant (token mode); with identity=header an optional cross-check of the token',
  },
  identityTokenFile: {
    env: 'PROXY_IDENTITY_TOKEN_FILE',
    schema: z.string().optional(),
    description:
      'file of accepted bearer tokens, one per line (identity=token; with podLabel: token callers)',
  },
  identityNamespace: {
    env: 'POD_NAMESPACE',
    schema: z.string().optional(),
    description: 'namespace whose labelled pods are callers (identity=podLabel)',
  },
  identityLabelKey: {
    env: 'PLAYWRIGHT_LABEL_KEY',
    schema: z.string().default('playwright-id'),
    description: 'client pod label holding the tenant id (identity=podLabel)',
  },
  identityKubeconfig: {
    env: 'KUBECONFIG',
    schema: z.string().optional(),
    description: 'kubeconfig path for the pod informer (default: in-cluster)',
  },
  fixedId: {
    env: 'PROXY_FIXED_ID',
    flag: '--fixed-id',
    schema: z.string().default('local'),
    description: 'the one tenant id (identity=fixed)',
  },
  maxIdLength: {
    env: 'PROXY_MAX_ID_LENGTH',
    schema: intOption(63, 1, 63),
    description: 'longest accepted tenant id (a DNS-1123 label is at most 63)',
  },
  idleTtlMs: {
    env: 'PROXY_IDLE_TTL',
    deprecated: { env: ['IDLE_TTL'] },
    flag: '--idle-ttl',
    schema: durationOption('10m'),
    description: 'a sandbox without connections for this long is deleted',
  },
  idleCheckIntervalMs: {
    env: 'PROXY_IDLE_CHECK_INTERVAL',
    deprecated: { env: ['IDLE_CHECK_INTERVAL'] },
    flag: '--idle-check-interval',
    schema: durationOption('30s'),
    description: 'how often the idle reaper runs',
  },
  maxSandboxes: {
    env: 'PROXY_MAX_SANDBOXES',
    flag: '--max-sandboxes',
    schema: intOption(100, 1, 100_000),
    description: 'sandboxes at most per backend; beyond it new tenants get 503',
  },
  ensureTimeoutMs: {
    env: 'PROXY_ENSURE_TIMEOUT',
    deprecated: { env: ['ENSURE_TIMEOUT'] },
    flag: '--ensure-timeout',
    schema: durationOption('60s'),
    description: 'deadline for creating a sandbox and waiting until it is ready',
  },
  upstreamConnectTimeoutMs: {
    env: 'PROXY_UPSTREAM_CONNECT_TIMEOUT',
    schema: durationOption('10s'),
    description: 'deadline for the WebSocket handshake with a ready sandbox',
  },
  wsCompression: {
    env: 'PROXY_WS_COMPRESSION',
    flag: '--ws-compression',
    schema: z.enum(['off', 'playwright']).default('off'),
    description:
      'WebSocket compression on both legs: off (best on loopback and in-cluster) or playwright (permessage-deflate as Playwright negotiates it, messages over 10 KiB)',
  },
  maxHeaderBytes: {
    env: 'PROXY_MAX_HEADER_BYTES',
    schema: intOption(16_384, 1024, 1_048_576),
    description: 'largest accepted request header block (bigger → 431)',
  },
  drainTimeoutMs: {
    env: 'PROXY_DRAIN_TIMEOUT',
    schema: durationOption('10s'),
    description: 'on SIGTERM, how long live connections may finish before they are closed',
  },
  shutdownSandboxes: {
    env: 'PROXY_SHUTDOWN_SANDBOXES',
    flag: '--shutdown-sandboxes',
    schema: z.enum(['keep', 'delete']).default('keep'),
    description:
      'on shutdown keep sandboxes for the next proxy to adopt, or delete them (local sandboxes always stop with the proxy)',
  },
  logLevel: {
    env: 'PROXY_LOG_LEVEL',
    deprecated: { env: ['LOG_LEVEL'] },
    flag: '--log-level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    description: 'log level (logs go to stderr)',
  },
});

export const ServerConfigSchema = z.object({
  host: z.string(),
  /** Address of the admin port; default `host`. */
  adminHost: z.string().optional(),
  /** Admin bearer tokens; without any, `/sandboxes` shows no tenant ids. */
  adminTokenFile: z.string().optional(),
  /** Let clients open raw CDP sessions (see `allowCdp` in PROXY_OPTIONS). */
  allowCdp: z.boolean().optional(),
  port: z.number().int().min(0).max(65535),
  adminPort: z.number().int().min(0).max(65535),
  maxHeaderBytes: z.number().int().positive(),
  upstreamConnectTimeoutMs: z.number().int().positive(),
  /** WebSocket compression on both legs; unset = off. */
  wsCompression: z.enum(['off', 'playwright']).optional(),
  drainTimeoutMs: z.number().int().nonnegative(),
});

export const IdentityConfigSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('header'),
    header: z.string(),
    maxIdLength: z.number().int(),
    /** Key file of the signed tenant tokens. */
    keyFile: z.string(),
    /** Create `keyFile` with a random key if it does not exist (local use on loopback). */
    createKey: z.boolean().optional(),
    /** Tokens valid for longer than this are refused. */
    maxTtlMs: z.number().int().positive(),
  }),
  z.object({ mode: z.literal('fixed'), id: z.string(), maxIdLength: z.number().int() }),
  z.object({
    mode: z.literal('podLabel'),
    namespace: z.string().min(1),
    labelKey: z.string().min(1),
    kubeconfig: z.string().optional(),
    tokenFile: z.string().optional(),
    header: z.string(),
    maxIdLength: z.number().int(),
  }),
  z.object({
    mode: z.literal('token'),
    tokenFile: z.string(),
    header: z.string(),
    maxIdLength: z.number().int(),
  }),
]);
export type IdentityConfig = z.infer<typeof IdentityConfigSchema>;

export const SessionConfigSchema = z.object({
  idleTtlMs: z.number().int().positive(),
  idleCheckIntervalMs: z.number().int().positive(),
  maxSandboxes: z.number().int().positive(),
  ensureTimeoutMs: z.number().int().positive(),
  shutdownSandboxes: z.enum(['keep', 'delete']),
});
export type SessionConfig = z.infer<typeof SessionConfigSchema>;

/** The whole proxy configuration, as main.ts passes it down. */
export const ConfigSchema = z.object({
  server: ServerConfigSchema,
  identity: IdentityConfigSchema,
  sessions: SessionConfigSchema,
  /** The backends served at once; the first is the default (clients pick with X-Sentinel-Backend). */
  backends: z.array(BackendConfigSchema).min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

/** Defaults of the local backend, for callers that build a config in code (bench, tests). */
export const LOCAL_DEFAULTS = {
  kind: 'local',
  warmPool: 0,
  maxConcurrentLaunches: 4,
  launchTimeoutMs: 30_000,
  chromiumArgs: [],
  allowLoopback: [],
} satisfies LocalBackendConfig;

/** Where the proxy keeps its generated tenant key when run on loopback without PROXY_IDENTITY_KEY_FILE. */
export function defaultKeyFile(): string {
  return join(homedir(), '.config', 'rollout-sentinel', 'proxy-tenant.key');
}

/** `env`, or the process's environment (the one place outside loadConfig that reads it: `sentinel proxy token`). */
export function configEnv(env: ConfigSource['env']): NonNullable<ConfigSource['env']> {
  return env ?? process.env;
}

/** Whether `host` is a loopback address (what `fixed` identity and a generated key require). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Every option spec, for `--help`: the proxy's, then each backend's. */
export function allOptionSpecs(): OptionSpecs {
  // Keyed per source: backends share field names (port, warmPool) that must not overwrite each other's flags.
  const sources: [string, OptionSpecs][] = [['proxy', PROXY_OPTIONS], ...Object.entries(BACKEND_OPTIONS)];
  return Object.fromEntries(
    sources.flatMap(([source, specs]) => Object.entries(specs).map(([k, v]) => [`${source}.${k}`, v])),
  ) as OptionSpecs;
}

/**
 * Reads and validates the configuration from env vars and flags (flags win; empty strings count as unset).
 * Throws `ConfigError` naming each bad variable, its value and the allowed ones.
 */
export function loadConfig(given: ConfigSource = {}): Config {
  const source = { env: given.env ?? process.env, argv: given.argv ?? [] };
  // Flags of every backend are known to the command line; only the chosen backend's are validated.
  rejectUnknownFlags(source.argv ?? [], allOptionSpecs());
  const core = loadOptions(PROXY_OPTIONS, {
    ...source,
    argv: pickFlags(source.argv ?? [], PROXY_OPTIONS),
  }).options;
  const kinds = backendKinds(core);
  const backends = kinds.map((kind) => {
    const backendSpecs: OptionSpecs = BACKEND_OPTIONS[kind];
    const backendOpts = loadOptions(backendSpecs, {
      ...source,
      argv: pickFlags(source.argv ?? [], backendSpecs),
    });
    return { kind, ...stripUndefined(backendOpts.options) };
  });
  const identity = identityConfig(core);
  return ConfigSchema.parse({
    server: {
      host: core.host,
      adminHost: core.adminHost,
      ...(core.adminTokenFile ? { adminTokenFile: core.adminTokenFile } : {}),
      allowCdp: core.allowCdp,
      port: core.port,
      adminPort: core.adminPort,
      maxHeaderBytes: core.maxHeaderBytes,
      upstreamConnectTimeoutMs: core.upstreamConnectTimeoutMs,
      wsCompression: core.wsCompression,
      drainTimeoutMs: core.drainTimeoutMs,
    },
    identity,
    sessions: {
      idleTtlMs: core.idleTtlMs,
      idleCheckIntervalMs: core.idleCheckIntervalMs,
      maxSandboxes: core.maxSandboxes,
      ensureTimeoutMs: core.ensureTimeoutMs,
      shutdownSandboxes: core.shutdownSandboxes,
    },
    backends,
    logLevel: core.logLevel,
  });
}

/** The subset of argv whose flags belong to `specs` (with their values). */
function pickFlags(argv: readonly string[], specs: OptionSpecs): string[] {
  const known = new Map(
    Object.values(specs)
      .filter((s) => s.flag)
      .map((s) => [s.flag as string, s]),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.split('=')[0] as string;
    const spec = known.get(name);
    if (!spec) continue;
    out.push(arg);
    if (!arg.includes('=') && !spec.boolean && argv[i + 1] !== undefined) out.push(argv[++i] as string);
  }
  return out;
}

function rejectUnknownFlags(argv: readonly string[], specs: OptionSpecs): void {
  const flags = new Set(Object.values(specs).flatMap((s) => (s.flag ? [s.flag] : [])));
  const unknown = argv.filter((a) => a.startsWith('--') && !flags.has(a.split('=')[0] as string));
  if (unknown.length > 0) {
    throw new ConfigError([
      `unknown flag ${unknown.join(', ')}; known flags: ${[...flags].sort().join(', ')}`,
    ]);
  }
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The backend kinds to serve, the default first. */
function backendKinds(core: OptionsOf<typeof PROXY_OPTIONS>): BackendKind[] {
  const listed = [...new Set(core.backends)];
  if (listed.length === 0) return [core.backend ?? 'local'];
  if (core.backend === undefined) return listed;
  if (!listed.includes(core.backend)) {
    throw new ConfigError([
      `PROXY_BACKEND = "${core.backend}": the default backend must be one of PROXY_BACKENDS (${listed.join(', ')})`,
    ]);
  }
  return [core.backend, ...listed.filter((k) => k !== core.backend)];
}

function headerIdentityConfig(core: OptionsOf<typeof PROXY_OPTIONS>, loopback: boolean): IdentityConfig {
  if (!core.identityKeyFile && !loopback) {
    throw new ConfigError([
      `PROXY_IDENTITY_KEY_FILE = (unset): required with PROXY_IDENTITY=header when the proxy listens beyond loopback (PROXY_HOST=${core.host}); mount a Secret with a random key and point this at it`,
    ]);
  }
  return {
    mode: 'header',
    header: core.identityHeader,
    maxIdLength: core.maxIdLength,
    keyFile: core.identityKeyFile ?? defaultKeyFile(),
    createKey: !core.identityKeyFile,
    maxTtlMs: core.tokenMaxTtlMs,
  };
}

function fixedIdentityConfig(core: OptionsOf<typeof PROXY_OPTIONS>, loopback: boolean): IdentityConfig {
  if (!loopback) {
    throw new ConfigError([
      `PROXY_IDENTITY = "fixed": every caller would share one browser; it is only allowed with PROXY_HOST and PROXY_ADMIN_HOST on loopback (got ${core.host}, ${core.adminHost})`,
    ]);
  }
  return { mode: 'fixed', id: core.fixedId, maxIdLength: core.maxIdLength };
}

/** The identity section; pod-label and token modes name the variable they are missing. */
function identityConfig(core: OptionsOf<typeof PROXY_OPTIONS>): IdentityConfig {
  const { identityHeader: header, maxIdLength } = core;
  const loopback = isLoopbackHost(core.host) && isLoopbackHost(core.adminHost);
  switch (core.identity) {
    case 'header':
      return headerIdentityConfig(core, loopback);
    case 'fixed':
      return fixedIdentityConfig(core, loopback);
    case 'podLabel':
      if (!core.identityNamespace) {
        throw new ConfigError([
          'POD_NAMESPACE = (unset): required with PROXY_IDENTITY=podLabel (downward API metadata.namespace)',
        ]);
      }
      return {
        mode: 'podLabel',
        namespace: core.identityNamespace,
        labelKey: core.identityLabelKey,
        header,
        maxIdLength,
        ...(core.identityKubeconfig ? { kubeconfig: core.identityKubeconfig } : {}),
        ...(core.identityTokenFile ? { tokenFile: core.identityTokenFile } : {}),
      };
    case 'token':
      if (!core.identityTokenFile) {
        throw new ConfigError(['PROXY_IDENTITY_TOKEN_FILE = (unset): required with PROXY_IDENTITY=token']);
      }
      return { mode: 'token', tokenFile: core.identityTokenFile, header, maxIdLength };
  }
}
