/**
 * @module proxy/server — the proxy's two listeners: the data port (HTTP and WebSocket to the sandboxes) and the
 * admin port (`/healthz`, `/readyz`, `/metrics`, `/sandboxes`), and graceful shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SentinelError, errorMessage } from '../lib/errors.ts';
import { componentLogger, type Logger } from '../lib/log.ts';
import { ProxyError, writeHttpError, writeUpgradeFailure } from './errors.ts';
import { HttpProxy } from './httpProxy.ts';
import { WsProxy } from './wsProxy.ts';
import type { SandboxBackend } from './backends/types.ts';
import type { ServerConfig } from './config.ts';
import type { IdentityResolver } from './identity/types.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { SessionManager } from './sessions.ts';

export interface ProxyServerDeps {
  config: ServerConfig;
  identity: IdentityResolver;
  sessions: SessionManager;
  backend: SandboxBackend;
  metrics: ProxyMetrics;
  log: Logger;
  /** Header names (any case) the sandbox must not see, e.g. the identity header. */
  dropHeaders?: readonly string[];
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
    sessions: deps.sessions,
    metrics: deps.metrics,
    log,
    dropHeaders,
  };
  const ws = new WsProxy({
    ...shared,
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
      deps.metrics.errors.inc({ kind: e.code });
      deps.metrics.requests.inc({ protocol: 'http', code: String(e.status) });
      writeUpgradeFailure(socket, e);
      return;
    }
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  // Long-lived WebSockets: no request or idle timeouts on the data port (the reaper handles idleness).
  data.requestTimeout = 0;
  data.keepAliveTimeout = 5000;

  const admin = createServer((req, res) => {
    handleAdmin(req, res, { ...deps, accepting: () => accepting }).catch((err: unknown) => {
      writeHttpError(res, new ProxyError('Internal', errorMessage(err)));
    });
  });
  admin.requestTimeout = 5000;

  await listen(data, deps.config.port, deps.config.host, 'data (PROXY_PORT)');
  try {
    await listen(admin, deps.config.adminPort, deps.config.host, 'admin (PROXY_ADMIN_PORT)');
  } catch (err) {
    data.close();
    throw err;
  }
  const dataPort = (data.address() as AddressInfo).port;
  const adminPort = (admin.address() as AddressInfo).port;
  const shownHost = deps.config.host === '0.0.0.0' ? '127.0.0.1' : deps.config.host;
  log.info({ dataPort, adminPort, host: deps.config.host, identity: deps.identity.mode }, 'proxy listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    accepting = false;
    log.info({ connections: deps.sessions.activeConnections }, 'shutting down: draining connections');
    const closed = new Promise<void>((resolve) => data.close(() => resolve()));
    data.closeIdleConnections();
    const drained = await deps.sessions.drain(deps.config.drainTimeoutMs);
    if (!drained) {
      log.warn({ connections: deps.sessions.activeConnections }, 'drain timeout: closing live connections');
      ws.closeAll(new ProxyError('ShuttingDown', 'The proxy is shutting down.'));
      data.closeAllConnections();
      await deps.sessions.drain(2000);
    }
    await closed;
    await deps.sessions.close();
    await deps.identity.close?.();
    admin.closeAllConnections();
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    log.info('proxy stopped');
  };

  return {
    dataUrl: `ws://${shownHost}:${dataPort}/`,
    adminUrl: `http://${shownHost}:${adminPort}`,
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

async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ProxyServerDeps & { accepting: () => boolean },
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  switch (path) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/readyz': {
      if (!deps.accepting()) return text(503, 'shutting down\n');
      if (deps.identity.ready && !deps.identity.ready()) return text(503, 'identity not ready\n');
      return text(200, 'ok\n');
    }
    case '/metrics':
      return text(200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
    case '/sandboxes': {
      const backend = await deps.backend.list(AbortSignal.timeout(5000));
      const body = JSON.stringify({ sessions: deps.sessions.snapshot(), backend }, null, 2);
      return text(200, `${body}\n`, 'application/json');
    }
    default:
      return text(404, 'not found: try /healthz, /readyz, /metrics or /sandboxes\n');
  }
}
