/** @module proxy/bench/proxyConfig — the configuration of the in-process proxy every bench scenario starts. */
import { LOCAL_DEFAULTS, type Config } from '../config.ts';

/** The header bench clients name their tenant with. */
export const BENCH_HEADER = 'X-Playwright-Id';

export interface BenchProxyOptions {
  wsCompression: Config['server']['wsCompression'];
  /** What the proxy does with sandboxes at shutdown (the cluster bench keeps them for the fixture to clean up). */
  shutdownSandboxes: Config['sessions']['shutdownSandboxes'];
  drainTimeoutMs: number;
}

/** Loopback, ephemeral ports, header identity, no idle reaping during a run, silent logs. */
export function benchProxyConfig(opts: BenchProxyOptions): Config {
  return {
    server: {
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      maxHeaderBytes: 16_384,
      upstreamConnectTimeoutMs: 10_000,
      wsCompression: opts.wsCompression,
      drainTimeoutMs: opts.drainTimeoutMs,
    },
    identity: { mode: 'header', header: BENCH_HEADER, maxIdLength: 63 },
    sessions: {
      idleTtlMs: 3_600_000,
      idleCheckIntervalMs: 3_600_000,
      maxSandboxes: 1000,
      ensureTimeoutMs: 120_000,
      shutdownSandboxes: opts.shutdownSandboxes,
    },
    backend: { ...LOCAL_DEFAULTS },
    logLevel: 'silent',
  };
}
