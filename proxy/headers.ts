/** @module proxy/headers — which request and response headers cross the proxy. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, and RFC 2616 §13.5.1's list): they describe one connection and must not be
 * forwarded; nor must any header named in `Connection`.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** WebSocket handshake headers: the proxy runs its own handshake with each side (RFC 6455 §4). */
const WS_HANDSHAKE = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]);

export interface ForwardOptions {
  /** Also drop the WebSocket handshake headers. */
  websocket?: boolean;
  /** Header names to drop besides (lower-case), e.g. the identity header. */
  drop?: readonly string[];
}

/** End-to-end headers of `headers`: hop-by-hop, `Host`, and the ones in `opts` removed. */
export function forwardHeaders(headers: IncomingHttpHeaders, opts: ForwardOptions = {}): OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const dropped = new Set([...HOP_BY_HOP, ...listed, 'host', ...(opts.drop ?? [])]);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || dropped.has(name)) continue;
    if (opts.websocket && WS_HANDSHAKE.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Whether a request asks for a WebSocket upgrade (`Connection: upgrade` and `Upgrade: websocket`). */
export function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  const connection = String(headers.connection ?? '').toLowerCase();
  return (
    connection.split(',').some((t) => t.trim() === 'upgrade') &&
    String(headers.upgrade ?? '').toLowerCase() === 'websocket'
  );
}
