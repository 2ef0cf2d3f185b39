/**
 * @module journeys/connection — one browser connection per backend of a run: through the proxy (tenant id, token,
 * backend header), straight to a browser server, or a locally launched Chromium. Reconnects after a sandbox crash, and
 * turns connection failures into {@link InfraError}s the runner reports as `error`, never as a failed journey.
 */
import { randomBytes } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from '../lib/chromium.ts';
import { errorMessage } from '../lib/errors.ts';
import { tenantOfToken } from '../lib/tenantToken.ts';
import { BACKEND_HEADER, DEFAULT_TENANT_HEADER, type BrowserSource, type InfraErrorKind } from './types.ts';

/** The infrastructure failed (not the app under test). */
export class InfraError extends Error {
  override name = 'InfraError';
  readonly kind: InfraErrorKind;
  constructor(kind: InfraErrorKind, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
  }
}

/** A fresh tenant id: a DNS label the proxy accepts (`journey-k3x9q2ab0c`). */
export function freshTenantId(prefix = 'journey'): string {
  const suffix = randomBytes(8).toString('hex').slice(0, 10);
  return `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40)}-${suffix}`;
}

/** What the proxy answered on a refused upgrade, in words (Playwright puts the status line in its message). */
function classifyConnectError(err: unknown, where: string): InfraError {
  const msg = errorMessage(err);
  const status =
    /\b([1-5]\d\d) (?:Service Unavailable|Bad Request|Not Found|Unauthorized|Forbidden|Too Many|Unprocessable|Bad Gateway|Gateway)/i.exec(
      msg,
    )?.[1];
  const firstLine = msg.split('\n').find((l) => l.trim() !== '' && !l.includes('Call log')) ?? msg;
  if (status === '503' || /sandbox limit|SandboxLimit|at capacity/i.test(msg)) {
    return new InfraError(
      'sandbox_limit',
      `${where} refused the session: it is at its sandbox limit (503). ${firstLine.trim()}`,
      { cause: err },
    );
  }
  return new InfraError('connect', `could not connect to ${where}: ${firstLine.trim()}`, { cause: err });
}

/** One backend's browser for a run. */
export interface BackendConnection {
  /** The backend label in reports. */
  readonly backend: string;
  readonly tenantId: string | undefined;
  /** The connected browser, reconnecting once if the previous one went away. Throws {@link InfraError}. */
  browser(): Promise<Browser>;
  /** Forgets `stale` (it failed as closed before its disconnect event arrived): the next {@link browser} reconnects. */
  discard(stale: Browser): void;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** The backends a source runs through, in order: one per proxy backend, else one. */
export function backendsOf(source: BrowserSource): string[] {
  if (source.kind === 'proxy')
    return source.backends && source.backends.length > 0 ? [...source.backends] : ['default'];
  return [source.kind];
}

/** Redacts credential header values for messages (names stay). */
function describeEndpoint(source: BrowserSource, backend: string): string {
  if (source.kind === 'launch') return 'a local Chromium';
  const url = source.wsEndpoint.replace(/\/\/[^@/]*@/, '//[redacted]@');
  return source.kind === 'proxy'
    ? `the proxy at ${url} (backend ${backend})`
    : `the browser server at ${url}`;
}

function connectHeaders(
  source: BrowserSource,
  backend: string,
  tenantId: string | undefined,
): Record<string, string> {
  if (source.kind === 'launch') return {};
  const headers: Record<string, string> = { ...source.headers };
  if (source.kind === 'proxy') {
    headers[source.tenantHeader ?? DEFAULT_TENANT_HEADER] = tenantId as string;
    if (backend !== 'default') headers[BACKEND_HEADER] = backend;
    if (source.token) {
      const token = typeof source.token === 'function' ? source.token(tenantId as string) : source.token;
      headers.Authorization = `Bearer ${token}`;
    }
  }
  return headers;
}

async function open(
  source: BrowserSource,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Browser> {
  if (source.kind === 'launch') {
    return chromium.launch({
      executablePath: findChromium({ explicitPath: source.chromiumPath }),
      timeout: timeoutMs,
    });
  }
  return chromium.connect(source.wsEndpoint, { headers, timeout: timeoutMs });
}

/**
 * The tenant id of a connection: a signed tenant token is bound to its own tenant (the proxy refuses any other), so a
 * static signed token decides it; otherwise a fresh id per connection.
 */
function tenantFor(source: Extract<BrowserSource, { kind: 'proxy' }>): string {
  const bound = typeof source.token === 'string' ? tenantOfToken(source.token) : undefined;
  return bound ?? freshTenantId(source.tenantPrefix);
}

/** Opens (lazily) the connection of one backend with its tenant id (see {@link tenantFor}). */
export function connectBackend(
  source: BrowserSource,
  backend: string,
  opts: { timeoutMs: number; giveUpAfter?: number },
): BackendConnection {
  const tenantId = source.kind === 'proxy' ? tenantFor(source) : undefined;
  const where = describeEndpoint(source, backend);
  let current: Promise<Browser> | undefined;
  let closed = false;
  const stale = new WeakSet<Browser>();
  // After this many failed connects in a row, the remaining runs fail at once with the last error instead of each
  // waiting for its own (possibly 60 s) timeout: a proxy that is down stays down for the rest of one call.
  const giveUpAfter = opts.giveUpAfter ?? 3;
  let failures = 0;
  let lastError: InfraError | undefined;
  const connect = async (): Promise<Browser> => {
    if (failures >= giveUpAfter && lastError) throw lastError;
    try {
      const b = await open(source, connectHeaders(source, backend, tenantId), opts.timeoutMs);
      failures = 0;
      return b;
    } catch (err) {
      failures++;
      lastError = classifyConnectError(err, where);
      throw lastError;
    }
  };
  return {
    backend,
    tenantId,
    async browser(): Promise<Browser> {
      if (closed) throw new InfraError('aborted', `the connection to ${where} was closed`);
      const seen = current;
      const b = seen ? await seen.catch(() => undefined) : undefined;
      if (b?.isConnected() && !stale.has(b)) return b;
      // Someone reconnected while we waited: share their attempt.
      if (current !== seen && current) return current;
      // First use, or the sandbox went away (or the last attempt failed): connect (again).
      current = connect();
      return current;
    },
    discard(b: Browser): void {
      stale.add(b);
    },
    async close(): Promise<void> {
      closed = true;
      const b = await current?.catch(() => undefined);
      await b?.close().catch(() => undefined);
    },
  };
}
