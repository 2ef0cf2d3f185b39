/**
 * @module proxy/server — the proxy's two listeners: the data port (HTTP and WebSocket to the sandboxes) and the
 * admin port (`/healthz`, `/readyz`, `/metrics`, `/sandboxes`), and graceful shutdown.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SentinelError, errorMessage } from '../lib/errors.ts';
import { componentLogger, type Logger } from '../lib/log.ts';
import { ProxyError, errorBody, writeHttpError, writeUpgradeFailure } from './errors.ts';
import { HttpProxy } from './httpProxy.ts';
import { NO_BACKEND } from './metrics.ts';
import { WsProxy } from './wsProxy.ts';
import type { BackendRouter } from './backendRouter.ts';
import type { ServerConfig } from './config.ts';
import type { IdentityResolver } from './identity/types.ts';
import type { ProxyMetrics } from './metrics.ts';

export interface ProxyServerDeps {
  config: ServerConfig;
  identity: IdentityResolver;
  /** The backends served, each with its sessions; the first is the default. */
  router: BackendRouter;
  metrics: ProxyMetrics;
  log: Logger;
  /** Header names (any case) the sandbox must not see, e.g. the identity header. */
  dropHeaders?: readonly string[];
  /** Admin bearer tokens (the lines of PROXY_ADMIN_TOKEN_FILE); none → `/sandboxes` shows no tenant ids. */
  adminTokens?: readonly string[];
}

/** A running proxy. */
export interface ProxyServer {
  /** `ws://host:port/` of the data port (the address clients connect to). */
  readonly dataUrl: string;
  /** `http://host:port` of the admin port. */
  readonly adminUrl: string;
  readonly dataPort: number;
  readonly adminPort: number;
  /** TCP connections open on the data port now (leak checks). */
  openConnections(): Promise<number>;
  /**
   * Graceful shutdown: stop accepting (readyz → 503, listeners closed), wait up to `drainTimeoutMs` for live
   * connections, close the rest with 1001, then delete or keep the sandboxes (per config) and close the backend.
   */
  close(): Promise<void>;
}

/** Starts both listeners. */
export async function startProxyServer(deps: ProxyServerDeps): Promise<ProxyServer> {
  const log = componentLogger(deps.log, 'proxy.server');
  const dropHeaders = (deps.dropHeaders ?? []).map((h) => h.toLowerCase());
  const shared = {
    identity: deps.identity,
    router: deps.router,
    metrics: deps.metrics,
    log,
    dropHeaders,
  };
  const ws = new WsProxy({
    ...shared,
    policy: { allowCdp: deps.config.allowCdp ?? false },
    upstreamConnectTimeoutMs: deps.config.upstreamConnectTimeoutMs,
    compression: deps.config.wsCompression === 'playwright',
  });
  const http = new HttpProxy(shared);
  let accepting = true;

  const data = createServer({ maxHeaderSize: deps.config.maxHeaderBytes }, (req, res) =>
    http.handle(req, res),
  );
  data.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
    ws.handleUpgrade(req, socket, head),
  );
  data.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new ProxyError('HeadersTooLarge', `The request headers exceed ${deps.config.maxHeaderBytes} bytes.`)
        : undefined;
    if (e) {
      deps.metrics.errors.inc({ kind: e.code, backend: NO_BACKEND });
      deps.metrics.requests.inc({ protocol: 'http', code: String(e.status), backend: NO_BACKEND });
      writeUpgradeFailure(socket, e);
      return;
    }
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  // Long-lived WebSockets: no request or idle timeouts on the data port (the reaper handles idleness).
  data.requestTimeout = 0;
  data.keepAliveTimeout = 5000;

  const adminDigests = (deps.adminTokens ?? []).map(digest);
  const admin = createServer((req, res) => {
    handleAdmin(req, res, { ...deps, adminDigests, accepting: () => accepting }).catch((err: unknown) => {
      writeHttpError(res, new ProxyError('Internal', errorMessage(err)));
    });
  });
  admin.requestTimeout = 5000;

  const adminHost = deps.config.adminHost ?? deps.config.host;
  await listen(data, deps.config.port, deps.config.host, 'data (PROXY_PORT)');
  try {
    await listen(admin, deps.config.adminPort, adminHost, 'admin (PROXY_ADMIN_PORT)');
  } catch (err) {
    data.close();
    throw err;
  }
  const dataPort = (data.address() as AddressInfo).port;
  const adminPort = (admin.address() as AddressInfo).port;
  const shown = (h: string): string => (h === '0.0.0.0' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h);
  log.info(
    {
      dataPort,
      adminPort,
      host: deps.config.host,
      adminHost,
      identity: deps.identity.mode,
      backends: deps.router.kinds(),
    },
    'proxy listening',
  );
  const routes = deps.router.all();
  const connections = (): number => routes.reduce((n, r) => n + r.sessions.activeConnections, 0);
  const drainAll = async (ms: number): Promise<boolean> =>
    (await Promise.all(routes.map((r) => r.sessions.drain(ms)))).every(Boolean);

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    accepting = false;
    log.info({ connections: connections() }, 'shutting down: draining connections');
    const closed = new Promise<void>((resolve) => data.close(() => resolve()));
    data.closeIdleConnections();
    const drained = await drainAll(deps.config.drainTimeoutMs);
    if (!drained) {
      log.warn({ connections: connections() }, 'drain timeout: closing live connections');
      ws.closeAll(new ProxyError('ShuttingDown', 'The proxy is shutting down.'));
      data.closeAllConnections();
      await drainAll(2000);
    }
    await closed;
    await Promise.allSettled(routes.map((r) => r.sessions.close()));
    await deps.identity.close?.();
    admin.closeAllConnections();
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    log.info('proxy stopped');
  };

  return {
    dataUrl: `ws://${shown(deps.config.host)}:${dataPort}/`,
    adminUrl: `http://${shown(adminHost)}:${adminPort}`,
    dataPort,
    adminPort,
    openConnections: () =>
      new Promise((resolve, reject) => data.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    close: () => (closing ??= close()),
  };
}

/** The proxy could not open one of its ports. */
export class ListenFailed extends SentinelError {
  constructor(what: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    super(
      'ListenFailed',
      `Cannot listen on ${host}:${port} for the ${what} port: ${cause.code ?? cause.message}.`,
      {
        hint:
          cause.code === 'EADDRINUSE'
            ? 'Another process uses this port: stop it, or choose another port (0 picks a free one).'
            : 'Check the host address and your permission to bind the port.',
        cause,
      },
    );
  }
}

function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ListenFailed(what, host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

const digest = (t: string): Buffer => createHash('sha256').update(t).digest();

/** Whether the request carries one of the admin tokens (constant-time on SHA-256 digests). */
function isAdmin(req: IncomingMessage, digests: readonly Buffer[]): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1] || digests.length === 0) return false;
  const given = digest(m[1]);
  return digests.some((d) => timingSafeEqual(d, given));
}

type AdminDeps = ProxyServerDeps & { accepting: () => boolean; adminDigests: readonly Buffer[] };

/** `/readyz`: 200 when accepting, the identity is ready and the default backend answered its last listing. */
function readiness(deps: AdminDeps): { status: number; body: string } {
  const backends = Object.fromEntries(
    deps.router.all().map((r) => [r.kind, { ...r.sessions.health(), sessions: r.sessions.size }]),
  );
  const identity = !deps.identity.ready || deps.identity.ready();
  const ready = deps.accepting() && identity && deps.router.default.sessions.health().ok;
  const body = {
    ready,
    accepting: deps.accepting(),
    identity: identity ? 'ready' : 'not ready',
    defaultBackend: deps.router.default.kind,
    backends,
  };
  return { status: ready ? 200 : 503, body: `${JSON.stringify(body, null, 2)}\n` };
}

/**
 * `/sandboxes`: with an admin token, every session with its tenant id and each backend's own list; without one,
 * counts per backend and state only (tenant ids are credentials' subjects, not public).
 */
async function sandboxes(req: IncomingMessage, deps: AdminDeps): Promise<{ status: number; body: string }> {
  const routes = deps.router.all();
  if (isAdmin(req, deps.adminDigests)) {
    const backends = await Promise.all(
      routes.map(async (r) => ({
        kind: r.kind,
        sessions: r.sessions.snapshot(),
        backend: await r.backend.list(AbortSignal.timeout(5000)),
      })),
    );
    return { status: 200, body: `${JSON.stringify({ backends }, null, 2)}\n` };
  }
  if (req.headers.authorization !== undefined) {
    const e = new ProxyError('AdminCredentialRequired', 'The admin token is not one the proxy accepts.');
    return { status: e.status, body: errorBody(e) };
  }
  const counts = routes.map((r) => {
    const byState: Record<string, number> = {};
    for (const s of r.sessions.snapshot()) byState[s.state] = (byState[s.state] ?? 0) + 1;
    return { kind: r.kind, sessions: r.sessions.size, byState };
  });
  const note = 'tenant ids need an admin token (Authorization: Bearer, PROXY_ADMIN_TOKEN_FILE)';
  return { status: 200, body: `${JSON.stringify({ backends: counts, note }, null, 2)}\n` };
}

async function handleAdmin(req: IncomingMessage, res: ServerResponse, deps: AdminDeps): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  switch (path) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/readyz': {
      const r = readiness(deps);
      return text(r.status, r.body, 'application/json');
    }
    case '/metrics':
      return text(200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
    case '/sandboxes': {
      const r = await sandboxes(req, deps);
      return text(r.status, r.body, 'application/json');
    }
    default:
      return text(404, 'not found: try /healthz, /readyz, /metrics or /sandboxes\n');
  }
}
