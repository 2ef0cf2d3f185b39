/** @module proxy/testing/testProxy — start a proxy on loopback for tests, and small raw-socket client helpers. */
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { silentLogger } from '../../lib/log.ts';
import { startProxy, type RunningProxy, type StartProxyOptions } from '../app.ts';
import { LOCAL_DEFAULTS, type Config } from '../config.ts';
import { headerIdentity, tenantHeaders } from './tenantKey.ts';

/** A config for tests: loopback, any free ports, header identity, short timers. */
export function testConfig(
  over: { sessions?: Partial<Config['sessions']>; server?: Partial<Config['server']> } = {},
): Config {
  return {
    server: {
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      maxHeaderBytes: 16_384,
      upstreamConnectTimeoutMs: 5000,
      drainTimeoutMs: 1000,
      ...over.server,
    },
    identity: headerIdentity(),
    sessions: {
      idleTtlMs: 60_000,
      idleCheckIntervalMs: 60_000,
      maxSandboxes: 100,
      ensureTimeoutMs: 10_000,
      shutdownSandboxes: 'delete',
      ...over.sessions,
    },
    backends: [{ ...LOCAL_DEFAULTS }],
    logLevel: 'silent',
  };
}

/** Starts a proxy with `config` and the given parts (the backend is usually a FakeBackend). */
export function startTestProxy(config: Config, opts: Partial<StartProxyOptions> = {}): Promise<RunningProxy> {
  return startProxy(config, { log: silentLogger, defaultMetrics: false, ...opts });
}

/** The raw reply to an HTTP/1.1 request written by hand: status code, headers text and body. */
export interface RawReply {
  status: number;
  head: string;
  body: string;
  ms: number;
}

/** Writes `request` to host:port and reads until the server closes the connection (bounded by `timeoutMs`). */
export function rawRequest(port: number, request: string, timeoutMs = 5000): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete reply within ${timeoutMs} ms; got: ${buf.slice(0, 200)}`));
    }, timeoutMs);
    sock.on('data', (b) => (buf += b.toString()));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = buf.split('\r\n\r\n', 2);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        body,
        ms: performance.now() - started,
      });
    });
    sock.write(request);
  });
}

/** A WebSocket upgrade request, with extra header lines. */
export function upgradeRequest(headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return (
    'GET / HTTP/1.1\r\nHost: proxy\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    `${extra}\r\n`
  );
}

/**
 * Opens a WebSocket through the proxy as `id` (a token minted from the test key); resolves when open, rejects with
 * the HTTP status on refusal. `extra` headers are sent too (e.g. X-Sentinel-Backend).
 */
export function openWs(url: string, id?: string, extra: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { ...(id === undefined ? {} : tenantHeaders(id)), ...extra } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
    ws.once('error', reject);
  });
}

/** Resolves with the close code and reason of `ws`. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

/** Polls `fn` until it is true or `ms` pass. */
export async function waitFor(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fn();
}
