/** @module proxy/errors — the proxy's error catalog and the one place errors become HTTP responses or close codes. */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SentinelError, errorMessage } from '../lib/errors.ts';
import { BackendError, type BackendErrorReason } from './backends/types.ts';

/** How one error code is delivered: HTTP status, WebSocket close code (after the upgrade), and the standing hint. */
interface CatalogEntry {
  status: number;
  /** RFC 6455 §7.4 close code, or an IANA-registered one (1012–1014). */
  wsClose: number;
  hint?: string;
}

/**
 * Every error the proxy reports. Names are permanent (search for them in logs, metrics and docs); never rename one.
 * `status` is what an HTTP request or a failed upgrade gets; `wsClose` what an established WebSocket gets.
 */
export const PROXY_ERRORS = {
  MissingTenantId: {
    status: 400,
    wsClose: 1008,
    hint: 'Send the tenant id in the identity header, e.g. chromium.connect(url, { headers: { "X-Playwright-Id": "alice" } }).',
  },
  InvalidTenantId: {
    status: 400,
    wsClose: 1008,
    hint: 'Use a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit.',
  },
  MissingTenantToken: {
    status: 401,
    wsClose: 1008,
    hint: 'Mint a token from the proxy key file (lib/tenantToken.ts mintTenantToken) and send it: chromium.connect(url, { headers: { Authorization: `Bearer ${token}` } }).',
  },
  InvalidTenantToken: {
    status: 401,
    wsClose: 1008,
    hint: 'Mint a fresh token from the key file the proxy uses (PROXY_IDENTITY_KEY_FILE) with a lifetime within PROXY_TOKEN_MAX_TTL.',
  },
  TenantMismatch: {
    status: 403,
    wsClose: 1008,
    hint: 'The tenant comes from the token; drop the identity header or make it match.',
  },
  UnknownBackend: {
    status: 400,
    wsClose: 1008,
    hint: 'Send X-Sentinel-Backend with one of the backends this proxy serves (PROXY_BACKENDS), or leave it out for the default.',
  },
  AdminCredentialRequired: {
    status: 401,
    wsClose: 1008,
    hint: 'Send Authorization: Bearer <admin token> with a token from PROXY_ADMIN_TOKEN_FILE.',
  },
  SandboxPolicy: {
    status: 403,
    wsClose: 1008,
    hint: 'Sandboxes only browse http(s) pages through the proxy; see proxy/README.md "Threat model".',
  },
  UnknownCaller: {
    status: 403,
    wsClose: 1008,
    hint: 'Label the client pod with the tenant label (PLAYWRIGHT_LABEL_KEY, default playwright-id) in the proxy namespace, or send a bearer token with the identity header.',
  },
  InvalidToken: {
    status: 401,
    wsClose: 1008,
    hint: 'Send Authorization: Bearer <token> with a token from the proxy identity token file.',
  },
  IdentityNotReady: {
    status: 503,
    wsClose: 1013,
    hint: 'The pod informer has not synced yet (see /readyz); retry shortly.',
  },
  HeadersTooLarge: {
    status: 431,
    wsClose: 1009,
    hint: 'Send fewer or smaller headers, or raise PROXY_MAX_HEADER_BYTES.',
  },
  SandboxLimitReached: {
    status: 503,
    wsClose: 1013,
    hint: 'Retry later, when idle sandboxes have been reaped, or raise PROXY_MAX_SANDBOXES.',
  },
  EnsureTimeout: {
    status: 504,
    wsClose: 1013,
    hint: 'Retry; if it keeps happening, check the backend or raise PROXY_ENSURE_TIMEOUT.',
  },
  BackendUnavailable: {
    status: 503,
    wsClose: 1013,
    hint: 'Retry later; check the backend and the proxy logs.',
  },
  BackendForbidden: { status: 503, wsClose: 1013, hint: "Check the proxy's permissions on the backend." },
  SandboxFailed: { status: 502, wsClose: 1014, hint: 'Retry: the next request gets a fresh sandbox.' },
  BackendMisconfigured: { status: 500, wsClose: 1011, hint: "Fix the proxy's backend configuration." },
  UpstreamUnreachable: { status: 502, wsClose: 1014, hint: 'Retry: the next request gets a fresh sandbox.' },
  UpstreamRejected: {
    status: 502,
    wsClose: 1014,
    hint: 'Check that client and sandbox Playwright versions match.',
  },
  UpstreamClosed: {
    status: 502,
    wsClose: 1014,
    hint: 'Reconnect: the next connection gets a fresh sandbox.',
  },
  ShuttingDown: {
    status: 503,
    wsClose: 1001,
    hint: 'Reconnect; another proxy replica or the restarted proxy serves you.',
  },
  RequestAborted: { status: 499, wsClose: 1001 },
  Internal: { status: 500, wsClose: 1011, hint: 'This is a bug in the proxy; the logs have the details.' },
} as const satisfies Record<string, CatalogEntry>;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

/** An error with a catalog code; `status` and `wsClose` come from the catalog. */
export class ProxyError extends SentinelError {
  declare readonly code: ProxyErrorCode;
  readonly status: number;
  readonly wsClose: number;
  constructor(code: ProxyErrorCode, message: string, opts: { cause?: unknown } = {}) {
    const entry: CatalogEntry = PROXY_ERRORS[code];
    super(code, message, { ...opts, ...(entry.hint ? { hint: entry.hint } : {}) });
    this.status = entry.status;
    this.wsClose = entry.wsClose;
  }
}

const BACKEND_REASON_CODES: Record<BackendErrorReason, ProxyErrorCode> = {
  Timeout: 'EnsureTimeout',
  Unavailable: 'BackendUnavailable',
  Forbidden: 'BackendForbidden',
  Failed: 'SandboxFailed',
  Misconfigured: 'BackendMisconfigured',
  Aborted: 'RequestAborted',
};

/** Anything thrown → a ProxyError (backend errors by reason, anything unknown → Internal). */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof BackendError) {
    return new ProxyError(BACKEND_REASON_CODES[err.reason], err.message, { cause: err });
  }
  return new ProxyError('Internal', `Unexpected error: ${errorMessage(err)}`, { cause: err });
}

/** The JSON body of an error response. */
export function errorBody(err: ProxyError): string {
  return `${JSON.stringify({ error: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) })}\n`;
}

/** Answers an HTTP request with the error (JSON body), unless headers were already sent. */
export function writeHttpError(res: ServerResponse, err: ProxyError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(err);
  res.writeHead(err.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...(err.status === 503 ? { 'Retry-After': '1' } : {}),
    Connection: 'close',
  });
  res.end(body);
}

/** Fails a WebSocket upgrade: a raw `HTTP/1.1 <status>` response on the socket, then the socket is closed. */
export function writeUpgradeFailure(socket: Duplex, err: ProxyError): void {
  if (socket.destroyed) return;
  const body = errorBody(err);
  const head =
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    (err.status === 503 ? 'Retry-After: 1\r\n' : '') +
    'Connection: close\r\n\r\n';
  socket.end(head + body);
  // end() flushes; destroy shortly after in case the peer never reads.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The close frame for an established WebSocket: catalog code and a reason that fits the 123-byte limit. */
export function wsCloseFor(err: ProxyError): { code: number; reason: string } {
  const reason = `${err.code}: ${err.message}`;
  return { code: err.wsClose, reason: truncateUtf8(reason, 123) };
}

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
