/** @module proxy/app — assembles a proxy from its configuration: backends, sessions, identity, listeners. */
import { componentLogger, type Logger } from '../lib/log.ts';
import { BACKEND_HEADER, BackendRouter, type BackendRoute } from './backendRouter.ts';
import { createBackend } from './backends/registry.ts';
import { createIdentity, readTokens } from './identity/index.ts';
import { ProxyMetrics } from './metrics.ts';
import { SessionManager, type ReapCheck } from './sessions.ts';
import { startProxyServer, type ProxyServer } from './server.ts';
import type { SandboxBackend } from './backends/types.ts';
import type { Config } from './config.ts';
import type { IdentityResolver } from './identity/types.ts';

export interface StartProxyOptions {
  log: Logger;
  /** Use this backend instead of building them from `config.backends` (tests, bench). */
  backend?: SandboxBackend;
  /** Use these backends (the first is the default) instead of building them from `config.backends`. */
  backends?: SandboxBackend[];
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
  /** The default backend and its sessions. */
  backend: SandboxBackend;
  sessions: SessionManager;
  /** Every backend served. */
  router: BackendRouter;
  metrics: ProxyMetrics;
  /** Graceful shutdown (idempotent). */
  close(): Promise<void>;
}

async function buildBackends(config: Config, opts: StartProxyOptions): Promise<SandboxBackend[]> {
  if (opts.backends) return opts.backends;
  if (opts.backend) return [opts.backend];
  const built: SandboxBackend[] = [];
  try {
    for (const cfg of config.backends) built.push(await createBackend(cfg, { log: opts.log }));
  } catch (err) {
    await Promise.allSettled(built.map((b) => b.close()));
    throw err;
  }
  return built;
}

/** Refuses a local-backend allow-list entry that names one of the proxy's own ports. */
function checkAllowList(config: Config, server: ProxyServer): void {
  const own = new Set([server.dataPort, server.adminPort]);
  for (const b of config.backends) {
    if (b.kind !== 'local') continue;
    const clash = b.allowLoopback.find((entry) => own.has(Number(entry.slice(entry.lastIndexOf(':') + 1))));
    if (clash) {
      throw new Error(
        `PROXY_LOCAL_ALLOW_LOOPBACK = ${clash}: that is one of the proxy's own ports; sandboxes must never reach the proxy.`,
      );
    }
  }
}

/** Builds and starts a proxy. On a start-up failure, whatever was started is stopped again. */
export async function startProxy(config: Config, opts: StartProxyOptions): Promise<RunningProxy> {
  const metrics = new ProxyMetrics({ defaultMetrics: opts.defaultMetrics ?? true });
  const identity = opts.identity ?? (await createIdentity(config.identity));
  const adminTokens = config.server.adminTokenFile ? readTokens(config.server.adminTokenFile) : [];
  const backends = await buildBackends(config, opts);
  const routes: BackendRoute[] = backends.map((backend) => ({
    kind: backend.kind,
    backend,
    sessions: new SessionManager({
      backend,
      config: config.sessions,
      log: componentLogger(opts.log, 'proxy.sessions'),
      metrics,
      ...(opts.mayReap ? { mayReap: opts.mayReap } : {}),
    }),
  }));
  for (const r of routes) metrics.buildInfo.set({ version: '0.1.0', backend: r.kind }, 1);
  const router = new BackendRouter(routes);
  const started: BackendRoute[] = [];
  try {
    for (const r of routes) {
      await r.sessions.start();
      started.push(r);
    }
    const server = await startProxyServer({
      config: config.server,
      identity,
      router,
      metrics,
      log: opts.log,
      adminTokens,
      // The identity header, the tenant or bearer token and the backend choice never reach a sandbox.
      dropHeaders: [
        BACKEND_HEADER,
        ...(config.identity.mode === 'fixed' ? [] : [config.identity.header, 'authorization']),
      ],
    });
    try {
      checkAllowList(config, server);
    } catch (err) {
      await server.close();
      throw err;
    }
    const def = router.default;
    return {
      server,
      backend: def.backend,
      sessions: def.sessions,
      router,
      metrics,
      close: () => server.close(),
    };
  } catch (err) {
    await Promise.allSettled(routes.map((r) => r.sessions.close()));
    throw err;
  }
}
