/** @module proxy/httpProxy — plain HTTP requests (MCP, `/json`, …) forwarded to the tenant's sandbox. */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { errorMessage } from '../lib/errors.ts';
import { ProxyError, toProxyError, writeHttpError } from './errors.ts';
import { forwardHeaders } from './headers.ts';
import { NO_BACKEND } from './metrics.ts';
import type { Logger } from '../lib/log.ts';
import type { BackendRouter } from './backendRouter.ts';
import type { Endpoint } from './backends/types.ts';
import type { IdentityResolver } from './identity/types.ts';
import type { ProxyMetrics } from './metrics.ts';

const DIAL_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);
/** Requests without a body can be replayed after a dial failure. */
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

export interface HttpProxyDeps {
  identity: IdentityResolver;
  router: BackendRouter;
  log: Logger;
  metrics: ProxyMetrics | undefined;
  dropHeaders: readonly string[];
}

/** The backend kind chosen for a request (for metrics labels on failures). */
const backendOf = new WeakMap<ServerResponse, string>();

/** Handles plain HTTP requests on the data port. */
export class HttpProxy {
  readonly #deps: HttpProxyDeps;

  constructor(deps: HttpProxyDeps) {
    this.#deps = deps;
  }

  /** The `request` event handler. Never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#handle(req, res).catch((err: unknown) => this.#fail(res, toProxyError(err)));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new ProxyError('RequestAborted', 'The client went away.'));
    });
    const tenant = await this.#deps.identity.resolve(req, gone.signal);
    const route = this.#deps.router.pick(req);
    const backend = route.kind;
    backendOf.set(res, backend);
    const lease = await route.sessions.open(tenant, gone.signal);
    const started = performance.now();
    try {
      let upstream: IncomingMessage;
      try {
        upstream = await this.#forward(req, lease.endpoint, gone.signal, backend);
      } catch (err) {
        if (!isDialError(err) || !REPLAYABLE.has(req.method ?? '')) throw err;
        this.#deps.metrics?.dialFailures.inc({ backend });
        upstream = await this.#forward(req, await lease.refresh(gone.signal), gone.signal, backend);
      }
      await this.#respond(res, upstream, backend);
      this.#deps.metrics?.requests.inc({
        protocol: 'http',
        code: String(upstream.statusCode ?? 0),
        backend,
      });
    } finally {
      lease.release();
      this.#deps.metrics?.connectionDuration.observe(
        { protocol: 'http', backend },
        (performance.now() - started) / 1000,
      );
    }
  }

  #forward(
    req: IncomingMessage,
    ep: Endpoint,
    signal: AbortSignal,
    backend: string,
  ): Promise<IncomingMessage> {
    const headers = forwardHeaders(req.headers, { drop: this.#deps.dropHeaders });
    headers.host = ep.hostHeader ?? `${ep.host}:${ep.httpPort ?? ep.port}`;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    return new Promise((resolve, reject) => {
      const out = request(
        {
          host: ep.host,
          port: ep.httpPort ?? ep.port,
          method: req.method,
          path: req.url,
          headers,
          signal,
          agent: false,
        },
        resolve,
      );
      out.once('error', reject);
      let bytes = 0;
      req.on('data', (b: Buffer) => (bytes += b.length));
      req.once('end', () => this.#deps.metrics?.bytes.inc({ direction: 'c2b', backend }, bytes));
      if (req.readableEnded) out.end();
      else req.pipe(out);
    });
  }

  #respond(res: ServerResponse, upstream: IncomingMessage, backend: string): Promise<void> {
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, forwardHeaders(upstream.headers));
    let bytes = 0;
    upstream.on('data', (b: Buffer) => (bytes += b.length));
    return new Promise((resolve, reject) => {
      upstream.pipe(res);
      upstream.once('end', () => {
        this.#deps.metrics?.bytes.inc({ direction: 'b2c', backend }, bytes);
        resolve();
      });
      upstream.once('error', reject);
      res.once('close', resolve);
    });
  }

  #fail(res: ServerResponse, err: ProxyError): void {
    const e =
      err.code === 'Internal' && isDialError(err.cause)
        ? new ProxyError(
            'UpstreamUnreachable',
            `The sandbox could not be reached: ${errorMessage(err.cause)}`,
          )
        : err;
    const backend = backendOf.get(res) ?? NO_BACKEND;
    this.#deps.metrics?.errors.inc({ kind: e.code, backend });
    if (e.code !== 'RequestAborted')
      this.#deps.metrics?.requests.inc({ protocol: 'http', code: String(e.status), backend });
    this.#deps.log[e.status >= 500 ? 'warn' : 'info'](
      { code: e.code, status: e.status, err: e.message },
      'request failed',
    );
    if (e.code !== 'RequestAborted') writeHttpError(res, e);
    else res.destroy();
  }
}

function isDialError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && DIAL_ERRORS.has(code);
}
