/**
 * @module proxy/wsProxy — WebSocket upgrades: identify the tenant, get its sandbox, complete the handshake with the
 * sandbox first (101 checked), then with the client, and relay messages both ways with close-code mapping,
 * backpressure and byte counting.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { errorMessage } from '../lib/errors.ts';
import { ProxyError, toProxyError, writeUpgradeFailure, wsCloseFor } from './errors.ts';
import { forwardHeaders, isWebSocketUpgrade } from './headers.ts';
import { NO_BACKEND } from './metrics.ts';
import { refusal, type SandboxPolicyOptions } from './sandboxPolicy.ts';
import type { Logger } from '../lib/log.ts';
import type { BackendRouter } from './backendRouter.ts';
import type { Endpoint } from './backends/types.ts';
import type { IdentityResolver } from './identity/types.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { SessionLease } from './sessions.ts';

/** Playwright sends screenshots and traces as single messages; allow large ones. */
const MAX_PAYLOAD = 256 * 1024 * 1024;
/** Pause the sender when the receiver has this much unsent (bytes), resume below LOW_WATER. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** After one side closed, how long the other may take to finish its closing handshake. */
const CLOSE_GRACE_MS = 5000;

/**
 * Playwright's own permessage-deflate settings (playwright-core `utils/wsServer.ts` and `server/transport.ts`):
 * only messages over 10 KiB are compressed, without context takeover.
 */
const PLAYWRIGHT_DEFLATE = {
  zlibDeflateOptions: { level: 3 },
  zlibInflateOptions: { chunkSize: 10 * 1024 },
  threshold: 10 * 1024,
};

/** Error codes that mean "could not reach the sandbox at all" — the endpoint is stale, re-ensure once. */
const DIAL_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOTFOUND']);

export interface WsProxyDeps {
  identity: IdentityResolver;
  router: BackendRouter;
  /** What clients may ask of their sandbox (proxy/sandboxPolicy.ts). */
  policy: SandboxPolicyOptions;
  log: Logger;
  metrics: ProxyMetrics | undefined;
  upstreamConnectTimeoutMs: number;
  /** Negotiate permessage-deflate on both legs the way Playwright's own client and server do. */
  compression?: boolean;
  /** Lower-case names of headers not sent to the sandbox (the identity header). */
  dropHeaders: readonly string[];
}

/** One relayed connection, for shutdown. */
interface Relay {
  client: WebSocket;
  upstream: WebSocket;
}

/** Handles upgrades on the data port. */
export class WsProxy {
  readonly #deps: WsProxyDeps;
  readonly #relays = new Set<Relay>();
  readonly #selectedProtocol = new WeakMap<IncomingMessage, string>();
  readonly #wss: WebSocketServer;

  constructor(deps: WsProxyDeps) {
    this.#deps = deps;
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: deps.compression ? { ...PLAYWRIGHT_DEFLATE, serverNoContextTakeover: true } : false,
      maxPayload: MAX_PAYLOAD,
      clientTracking: false,
      // Answer the client with the subprotocol the sandbox chose (if any).
      handleProtocols: (_protocols, req) => this.#selectedProtocol.get(req) ?? false,
    });
  }

  /** Live relays. */
  get size(): number {
    return this.#relays.size;
  }

  /** The `upgrade` event handler. Never throws; every failure becomes a raw HTTP response or a close frame. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#upgrade(req, socket, head).catch((err: unknown) => this.#fail(socket, toProxyError(err)));
  }

  /** Closes every relay with `err`'s close code (shutdown after the drain timeout). */
  closeAll(err: ProxyError): void {
    const { code, reason } = wsCloseFor(err);
    for (const r of this.#relays) {
      safeClose(r.client, code, reason);
      safeClose(r.upstream, 1001, 'proxy shutting down');
    }
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    if (!isWebSocketUpgrade(req.headers)) {
      throw new ProxyError('UpstreamRejected', 'Only WebSocket upgrades are proxied (Upgrade: websocket).');
    }
    const gone = new AbortController();
    const onGone = (): void =>
      gone.abort(new ProxyError('RequestAborted', 'The client disconnected during the upgrade.'));
    socket.once('close', onGone);
    // http.Server sockets allow half-open connections: a client that hangs up shows as 'end', not 'close'.
    socket.once('end', onGone);
    // An upgrade socket is paused, so a client hanging up would go unnoticed until we write. Read it (keeping any
    // early bytes for the WebSocket) so 'close' fires and the sandbox creation can be aborted.
    const early: Buffer[] = [];
    const onData = (b: Buffer): void => void early.push(b);
    socket.on('data', onData);
    const tenant = await this.#deps.identity.resolve(req, gone.signal);
    const route = this.#deps.router.pick(req);
    backendOf.set(socket, route.kind);
    const lease = await route.sessions.open(tenant, gone.signal);
    let upstream: WebSocket;
    try {
      upstream = await this.#dialWithRefresh(req, lease, gone.signal);
    } catch (err) {
      lease.release();
      throw err;
    }
    socket.off('close', onGone);
    socket.off('end', onGone);
    // No pause() here: ws attaches its own 'data' listener synchronously in handleUpgrade, and an explicit pause
    // would keep the socket from flowing to it.
    socket.off('data', onData);
    if (socket.destroyed || gone.signal.aborted) {
      socket.destroy();
      upstream.terminate();
      lease.release();
      throw new ProxyError('RequestAborted', 'The client disconnected during the upgrade.');
    }
    const allHead = early.length > 0 ? Buffer.concat([head, ...early]) : head;
    this.#wss.handleUpgrade(req, socket, allHead, (client) =>
      this.#relay(client, upstream, lease, route.kind),
    );
  }

  async #dialWithRefresh(req: IncomingMessage, lease: SessionLease, signal: AbortSignal): Promise<WebSocket> {
    try {
      return await this.#dialOrRefresh(req, lease, signal);
    } catch (err) {
      if (err instanceof ProxyError || signal.aborted) throw err;
      throw new ProxyError('UpstreamUnreachable', `The sandbox could not be reached: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  async #dialOrRefresh(req: IncomingMessage, lease: SessionLease, signal: AbortSignal): Promise<WebSocket> {
    try {
      return await this.#dial(req, lease.endpoint, signal);
    } catch (err) {
      if (!isDialError(err)) throw err;
      // The sandbox behind a cached endpoint is gone (crashed, deleted out of band): get a fresh one, once.
      this.#deps.metrics?.dialFailures.inc({ backend: backendOf.get(req.socket) ?? NO_BACKEND });
      this.#deps.log.info(
        { tenant: lease.id, err: errorMessage(err) },
        'sandbox unreachable; re-creating it',
      );
      const fresh = await lease.refresh(signal);
      try {
        return await this.#dial(req, fresh, signal);
      } catch (again) {
        if (isDialError(again))
          this.#deps.metrics?.dialFailures.inc({ backend: backendOf.get(req.socket) ?? NO_BACKEND });
        throw again;
      }
    }
  }

  #dial(req: IncomingMessage, ep: Endpoint, signal: AbortSignal): Promise<WebSocket> {
    const query = (req.url ?? '/').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    const url = `ws://${ep.host}:${ep.port}${ep.wsPath}${query}`;
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const headers = forwardHeaders(req.headers, { websocket: true, drop: this.#deps.dropHeaders });
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    if (ep.hostHeader) headers.host = ep.hostHeader;
    const ws = new WebSocket(url, protocols, {
      headers: headers as Record<string, string>,
      perMessageDeflate: this.#deps.compression
        ? { ...PLAYWRIGHT_DEFLATE, clientNoContextTakeover: true }
        : false,
      maxPayload: MAX_PAYLOAD,
      handshakeTimeout: this.#deps.upstreamConnectTimeoutMs,
      followRedirects: false,
    });
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        ws.terminate();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);
      ws.once('open', () => {
        done();
        if (ws.protocol) this.#selectedProtocol.set(req, ws.protocol);
        resolve(ws);
      });
      ws.once('unexpected-response', (_r, res) => {
        done();
        res.resume();
        ws.terminate();
        reject(
          new ProxyError(
            'UpstreamRejected',
            `The sandbox refused the WebSocket upgrade with HTTP ${res.statusCode} ${res.statusMessage ?? ''}.`.trim(),
          ),
        );
      });
      ws.once('error', (err) => {
        done();
        reject(err);
      });
    });
  }

  #relay(client: WebSocket, upstream: WebSocket, lease: SessionLease, backend: string): void {
    const m = this.#deps.metrics;
    const started = performance.now();
    const relay: Relay = { client, upstream };
    this.#relays.add(relay);
    m?.requests.inc({ protocol: 'ws', code: '101', backend });
    // Bound children: no label lookup per message.
    const c2b = m?.bytes.labels({ direction: 'c2b', backend });
    const b2c = m?.bytes.labels({ direction: 'b2c', backend });
    const policy = this.#deps.policy;
    const refused = m?.errors.labels({ kind: 'SandboxPolicy', backend });
    pipe(
      client,
      upstream,
      (n) => c2b?.inc(n),
      (data) => {
        const reply = refusal(rawText(data), policy);
        if (reply === undefined) return false;
        refused?.inc();
        this.#deps.log.info({ tenant: lease.id, backend }, 'sandbox policy refused a call');
        if (client.readyState === WebSocket.OPEN) client.send(reply);
        return true;
      },
    );
    pipe(upstream, client, (n) => b2c?.inc(n));
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.#relays.delete(relay);
      lease.release();
      m?.connectionDuration.observe({ protocol: 'ws', backend }, (performance.now() - started) / 1000);
    };
    client.on('close', (code, reason) => {
      safeClose(upstream, code === 1005 || code === 1006 ? 1000 : code, reason.toString());
      graceTerminate(upstream);
      if (upstream.readyState === WebSocket.CLOSED) finish();
    });
    upstream.on('close', (code, reason) => {
      if (code === 1006 || code === 1015) {
        const err = new ProxyError(
          'UpstreamClosed',
          'The sandbox closed the connection without a close frame.',
        );
        m?.errors.inc({ kind: err.code, backend });
        const c = wsCloseFor(err);
        safeClose(client, c.code, c.reason);
      } else {
        safeClose(client, code === 1005 ? undefined : code, reason.toString());
      }
      graceTerminate(client);
      if (client.readyState === WebSocket.CLOSED) finish();
    });
    client.on('error', (err) =>
      this.#deps.log.debug({ tenant: lease.id, err: err.message }, 'client socket error'),
    );
    upstream.on('error', (err) =>
      this.#deps.log.debug({ tenant: lease.id, err: err.message }, 'sandbox socket error'),
    );
  }

  #fail(socket: Duplex, err: ProxyError): void {
    const backend = backendOf.get(socket) ?? NO_BACKEND;
    this.#deps.metrics?.errors.inc({ kind: err.code, backend });
    if (err.code !== 'RequestAborted')
      this.#deps.metrics?.requests.inc({ protocol: 'ws', code: String(err.status), backend });
    const level = err.status >= 500 && err.code !== 'RequestAborted' ? 'warn' : 'info';
    this.#deps.log[level]({ code: err.code, status: err.status, err: err.message }, 'upgrade failed');
    writeUpgradeFailure(socket, err);
  }
}

/** The backend kind chosen for an upgrade's socket (for metrics labels on failures). */
const backendOf = new WeakMap<object, string>();

/** A message as text (Playwright's server parses binary frames as JSON text too). */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.from(data as ArrayBuffer).toString();
}

/**
 * Forwards `from`'s messages to `to`, pausing `from` while `to` has too much unsent data. `intercept` may answer a
 * message itself (returns true) instead of forwarding it.
 */
function pipe(
  from: WebSocket,
  to: WebSocket,
  count: (bytes: number) => void,
  intercept?: (data: RawData) => boolean,
): void {
  from.on('message', (data: RawData, isBinary: boolean) => {
    const n = byteLength(data);
    count(n);
    if (intercept?.(data)) return;
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(data, { binary: isBinary }, () => {
      if (from.isPaused && to.bufferedAmount < LOW_WATER) from.resume();
    });
    if (to.bufferedAmount > HIGH_WATER) from.pause();
  });
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** Starts (or continues) a closing handshake; codes that may not be sent become 1011. */
function safeClose(ws: WebSocket, code: number | undefined, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  if (ws.readyState === WebSocket.CONNECTING) {
    ws.terminate();
    return;
  }
  try {
    ws.close(code, reason);
  } catch {
    ws.close(1011, 'proxy error');
  }
}

function graceTerminate(ws: WebSocket): void {
  setTimeout(() => {
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  }, CLOSE_GRACE_MS).unref();
}

function isDialError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && DIAL_ERRORS.has(code);
}
