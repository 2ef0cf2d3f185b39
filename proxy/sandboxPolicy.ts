/**
 * @module proxy/sandboxPolicy — what a client may ask of its sandbox over the Playwright protocol. The proxy reads
 * every client→sandbox message (JSON `{id, guid, method, params}`) and refuses the few calls that would reach past
 * the browser's web content: local files, raw CDP, a per-context proxy that bypasses the sandbox's network guard,
 * and server-side paths. Refused calls are answered with a protocol error, so the client's call throws it.
 */

/** Schemes a sandbox may navigate to with `goto`. `file:`, `chrome:`, `view-source:`, … are refused. */
const NAVIGABLE = new Set(['http:', 'https:', 'data:']);
const ABOUT_OK = new Set(['about:blank', 'about:srcdoc']);

export interface SandboxPolicyOptions {
  /** Let clients open raw CDP sessions (they can then do all of the above). Default false. */
  allowCdp: boolean;
}

/** A protocol call, as far as the policy looks at it. */
interface Call {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};

/** Why `url` may not be opened in a sandbox, or undefined when it may. */
export function navigationProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `"${url.slice(0, 80)}" is not an absolute URL`;
  }
  if (NAVIGABLE.has(parsed.protocol)) return undefined;
  if (parsed.protocol === 'about:' && ABOUT_OK.has(parsed.href)) return undefined;
  return `${parsed.protocol} URLs cannot be opened in a sandbox (only http, https, data and about:blank)`;
}

type Check = (params: Record<string, unknown>, opts: SandboxPolicyOptions) => string | undefined;

const cdp: Check = (_p, opts) =>
  opts.allowCdp
    ? undefined
    : 'raw CDP sessions are disabled on this proxy (they can read local files and bypass the network policy; PROXY_ALLOW_CDP)';
const noContextProxy: Check = (p) =>
  p.proxy === undefined
    ? undefined
    : 'a per-context proxy is not allowed: it would bypass the sandbox network guard';

/** Method name → its check; methods not listed pass. */
const CHECKS: Record<string, Check> = {
  goto: (p) => navigationProblem(p.url),
  newCDPSession: cdp,
  newBrowserCDPSession: cdp,
  newContext: noContextProxy,
  newContextForReuse: noContextProxy,
  newPage: noContextProxy,
  newRequest: (p) =>
    p.proxy !== undefined
      ? 'a proxy for API requests is not allowed in a sandbox'
      : p.tracesDir === undefined
        ? undefined
        : 'tracesDir is a path on the sandbox host',
  saveAs: () =>
    'saving an artifact to a path on the sandbox host is not allowed; use saveAs() from a client (it streams)',
};

/** The reason a call is refused, or undefined when it may pass. */
export function callProblem(call: Call, opts: SandboxPolicyOptions): string | undefined {
  const check =
    typeof call.method === 'string' && Object.hasOwn(CHECKS, call.method) ? CHECKS[call.method] : undefined;
  return check?.(obj(call.params), opts);
}

/**
 * Checks one client→sandbox message. Returns the error reply to send back to the client when the call is refused,
 * or undefined to forward it. Messages that are not JSON objects are forwarded untouched (the sandbox rejects them).
 */
export function refusal(text: string, opts: SandboxPolicyOptions): string | undefined {
  let call: Call;
  try {
    call = obj(JSON.parse(text)) as Call;
  } catch {
    return undefined;
  }
  const problem = callProblem(call, opts);
  if (problem === undefined) return undefined;
  const message = `SandboxPolicy: ${String(call.method)} refused: ${problem}.`;
  return JSON.stringify({ id: call.id, error: { error: { message, name: 'Error', stack: '' } } });
}
