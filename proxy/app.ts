/** @module proxy/app — assembles a proxy from its configuration: backend, sessions, identity, listeners. */
import { componentLogger, type Logger } from '../lib/log.ts';
import { createBackend } from './backends/registry.ts';
import { createIdentity } from './identity/index.ts';
import { ProxyMetrics } from './metrics.ts';
import { SessionManager, type ReapCheck } from './sessions.ts';
import { startProxyServer, type ProxyServer } from './server.ts';
import type { SandboxBackend } from './backends/types.ts';
import type { Config } from './config.ts';
import type { IdentityResolver } from './identity/types.ts';

export interface StartProxyOptions {
  log: Logger;
  /** Use this backend instead of building one from `config.backend` (tests, bench). */
  backend?: SandboxBackend;
  /** Use this identity resolver instead of `config.identity`. */
  identity?: IdentityResolver;
  /** Override the reaper's "may I reap this?" check. */
  mayReap?: ReapCheck;
  /** Export Node's default process metrics (default true; off in tests that start several proxies). */
  defaultMetrics?: boolean;
}

/** A running proxy with its parts exposed (for the bench and tests). */
export interface RunningProxy {
  server: ProxyServer;
  backend: SandboxBackend;
  sessions: SessionManager;
  metrics: ProxyMetrics;
  /** Graceful shutdown (idempotent). */
  close(): Promise<void>;
}

/** Builds and starts a proxy. On a start-up failure, whatever was started is stopped again. */
export async function startProxy(config: Config, opts: StartProxyOptions): Promise<RunningProxy> {
  const metrics = new ProxyMetrics({ defaultMetrics: opts.defaultMetrics ?? true });
  const identity = opts.identity ?? (await createIdentity(config.identity));
  const backend = opts.backend ?? (await createBackend(config.backend, { log: opts.log }));
  metrics.buildInfo.set({ version: '0.1.0', backend: backend.kind }, 1);
  const sessions = new SessionManager({
    backend,
    config: config.sessions,
    log: componentLogger(opts.log, 'proxy.sessions'),
    metrics,
    ...(opts.mayReap ? { mayReap: opts.mayReap } : {}),
  });
  try {
    await sessions.start();
    const server = await startProxyServer({
      config: config.server,
      identity,
      sessions,
      backend,
      metrics,
      log: opts.log,
      // The identity header (and, for token callers, the bearer token) never reaches a sandbox.
      dropHeaders:
        config.identity.mode === 'fixed'
          ? []
          : [config.identity.header, ...(config.identity.mode === 'header' ? [] : ['authorization'])],
    });
    return { server, backend, sessions, metrics, close: () => server.close() };
  } catch (err) {
    await sessions.close().catch(() => undefined);
    throw err;
  }
}
