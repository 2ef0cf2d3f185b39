/** @module proxy/bench/proxyConfig — the configuration of the in-process proxy every bench scenario starts. */
import { LOCAL_DEFAULTS, type Config } from '../config.ts';
import { headerIdentity, tenantHeaders } from '../testing/tenantKey.ts';

/** The headers a bench client identifies as `tenant` with (a signed token from the bench's own key file). */
export const benchHeaders = (tenant: string): Record<string, string> => tenantHeaders(tenant);

export interface BenchProxyOptions {
  wsCompression: Config['server']['wsCompression'];
  /** What the proxy does with sandboxes at shutdown (the cluster bench keeps them for the fixture to clean up). */
  shutdownSandboxes: Config['sessions']['shutdownSandboxes'];
  drainTimeoutMs: number;
  /** Loopback services the local sandboxes may reach (the bench page server). */
  allowLoopback?: string[];
}

/** `host:port` of a loopback page URL, for the local backend's allow-list (the bench serves its page on loopback). */
export function loopbackEntry(pageUrl: string): string[] {
  const u = new URL(pageUrl);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) ? [u.host] : [];
}

/** Loopback, ephemeral ports, header identity (signed tokens from a throw-away key), no idle reaping during a run, silent logs. */
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
    identity: headerIdentity(),
    sessions: {
      idleTtlMs: 3_600_000,
      idleCheckIntervalMs: 3_600_000,
      maxSandboxes: 1000,
      ensureTimeoutMs: 120_000,
      shutdownSandboxes: opts.shutdownSandboxes,
    },
    backends: [{ ...LOCAL_DEFAULTS, allowLoopback: opts.allowLoopback ?? [] }],
    logLevel: 'silent',
  };
}
