/** @module proxy/bench/config — `sentinel bench` options (env vars and flags), parsed once. */
import { z } from 'zod';
import {
  boolOption,
  defineOptions,
  durationOption,
  intOption,
  loadOptions,
  type OptionsOf,
} from '../../lib/config.ts';

export const BENCH_OPTIONS = defineOptions({
  iterations: {
    env: 'BENCH_ITERATIONS',
    flag: '--iterations',
    schema: intOption(6, 1, 1000),
    description: 'measured runs per backend and scenario (medians and p95 over these)',
  },
  warmPool: {
    env: 'BENCH_WARM_POOL',
    flag: '--warm-pool',
    schema: intOption(2, 0, 64),
    description: 'warm-pool size of the pooled local variant (0: only the pool-less one)',
  },
  json: {
    env: 'BENCH_JSON',
    flag: '--json',
    schema: z.string().optional(),
    description: 'also write the rows as JSON to this file',
  },
  tenants: {
    env: 'BENCH_TENANTS',
    flag: '--tenants',
    schema: intOption(0, 0, 500),
    description: 'concurrency check: this many tenants at once against a `sentinel proxy` process (0: skip)',
  },
  idleTtlMs: {
    env: 'BENCH_IDLE_TTL',
    flag: '--idle-ttl',
    schema: durationOption('5s'),
    description: 'idle TTL of the proxy in the concurrency check',
  },
  maxConcurrentLaunches: {
    env: 'BENCH_MAX_CONCURRENT_LAUNCHES',
    flag: '--launches',
    schema: intOption(4, 1, 64),
    description: 'browser servers the proxy starts at once in the concurrency check',
  },
  timeoutMs: {
    env: 'BENCH_TIMEOUT',
    flag: '--timeout',
    schema: durationOption('120s'),
    description: 'per-client deadline for connect and goto',
  },
  wsCompression: {
    env: 'PROXY_WS_COMPRESSION',
    flag: '--ws-compression',
    schema: z.enum(['off', 'playwright']).default('off'),
    description: "the proxy's WebSocket compression (off, or playwright's own permessage-deflate)",
  },
  cluster: {
    env: 'BENCH_CLUSTER',
    flag: '--cluster',
    boolean: true,
    schema: boolOption(false),
    description:
      'also bench the cluster backends (sandboxClaim, openShell, kars on a real kube-apiserver built from Go modules; substrate on an in-process Control API)',
  },
  onlyTenants: {
    env: 'BENCH_ONLY_TENANTS',
    flag: '--only-tenants',
    boolean: true,
    schema: boolOption(false),
    description: 'skip the cold/warm/restore scenarios (run only the concurrency check)',
  },
  chromiumPath: {
    env: 'CHROMIUM_PATH',
    schema: z.string().optional(),
    description: 'Chromium executable (default: found automatically)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: '--log-level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
    description: 'log level (stderr)',
  },
});

export type BenchConfig = OptionsOf<typeof BENCH_OPTIONS>;

/** Reads the bench options from flags and env vars; throws ConfigError naming bad ones. */
export function loadBenchConfig(argv: readonly string[]): BenchConfig {
  return loadOptions(BENCH_OPTIONS, { env: process.env, argv }).options;
}

/** The environment a proxy process started by the bench inherits (PATH, CHROMIUM_PATH, HOME, …). */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
