/** @module proxy/k8s/kubeApi — a small Kubernetes REST client: KubeConfig auth, an AbortSignal on every call, Status errors as data. */
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';

/** HTTP verbs the proxy uses. */
export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One REST call. `path` starts with `/api` or `/apis`. */
export interface KubeRequest {
  method: KubeMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (POST, PUT, PATCH). */
  body?: unknown;
  /** PATCH flavour: JSON merge patch (RFC 7386, default) or JSON patch (RFC 6902). */
  patchType?: 'merge' | 'json';
  signal: AbortSignal;
}

/** An event of a watch stream (`BOOKMARK` carries only a resourceVersion; `ERROR` carries a Status). */
export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** The fields of any Kubernetes object that the proxy reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** A list response. */
export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

/** One call as seen by {@link KubeApiOptions.onRequest} (used by the RBAC test to derive the verbs the proxy needs). */
export interface KubeCallRecord {
  /** RBAC verb: get, list, watch, create, update, patch, delete. */
  verb: string;
  path: string;
  status: number;
}

/** The API server answered with an error `Status` (or an HTTP error without one). */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  /** HTTP status (410 for an expired watch, 403 for RBAC, …). */
  readonly status: number;
  /** Status `reason` (`NotFound`, `AlreadyExists`, `Forbidden`, `Expired`, `Conflict`, …). */
  readonly reason: string;
  /** RBAC verb of the failed call. */
  readonly verb: string;
  readonly path: string;
  constructor(opts: { status: number; reason: string; verb: string; path: string; message: string }) {
    super(opts.message);
    this.status = opts.status;
    this.reason = opts.reason;
    this.verb = opts.verb;
    this.path = opts.path;
  }
}

/** The API server could not be reached (refused, reset, DNS); the call may be retried. */
export class KubeUnreachableError extends Error {
  override name = 'KubeUnreachableError';
  readonly verb: string;
  readonly path: string;
  constructor(verb: string, path: string, cause: unknown) {
    super(`${verb} ${path}: Kubernetes API server unreachable (${describeCause(cause)})`, { cause });
    this.verb = verb;
    this.path = path;
  }
}

export interface KubeApiOptions {
  /** Called after every response (or failure, with status 0). */
  onRequest?: (rec: KubeCallRecord) => void;
  /** Deadline of one non-watch call, on top of the caller's signal (default 15 s): a stalled call is retried, not waited out. */
  requestTimeoutMs?: number;
}

/** Tells `get` from `list` and `watch`: a GET on a collection path (even segment count after the group/version). */
function rbacVerb(method: KubeMethod, path: string, watch: boolean): string {
  if (watch) return 'watch';
  if (method === 'GET') return isCollectionPath(path) ? 'list' : 'get';
  return { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method];
}

/** `/api/v1/namespaces/ns/pods` is a collection; `/api/v1/namespaces/ns/pods/p` is an object. */
export function isCollectionPath(path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const afterNs = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  return afterNs.length === 1;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
}

function buildUrl(server: string, req: Pick<KubeRequest, 'path' | 'query'>): string {
  const url = new URL(server.replace(/\/$/, '') + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  return url.toString();
}

const PATCH_TYPES = { merge: 'application/merge-patch+json', json: 'application/json-patch+json' } as const;

/** A request's headers: the client's authentication, JSON accepted, and the body's content type. */
function requestHeaders(req: KubeRequest, auth: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { ...auth, Accept: 'application/json' };
  if (req.body !== undefined) {
    headers['Content-Type'] =
      req.method === 'PATCH' ? PATCH_TYPES[req.patchType ?? 'merge'] : 'application/json';
  }
  return headers;
}

/** The non-blank lines of a newline-delimited stream (a watch sends one JSON event per line), trimmed. */
async function* jsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield line;
      nl = buffered.indexOf('\n');
    }
  }
}

/** A Kubernetes REST client bound to one KubeConfig (in-cluster or a test fixture's). */
export class KubeApi {
  readonly #kc: KubeConfig;
  readonly #onRequest: ((rec: KubeCallRecord) => void) | undefined;
  readonly #requestTimeoutMs: number;

  constructor(kc: KubeConfig, opts: KubeApiOptions = {}) {
    this.#kc = kc;
    this.#onRequest = opts.onRequest;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
  }

  /** Namespace of the current context (`default` when unset). */
  get namespace(): string {
    return this.#kc.getContextObject(this.#kc.getCurrentContext())?.namespace ?? 'default';
  }

  async #send(
    req: KubeRequest,
    watch: boolean,
  ): Promise<{ res: Awaited<ReturnType<typeof fetch>>; verb: string }> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error('KubeConfig has no current cluster');
    const verb = rbacVerb(req.method, req.path, watch);
    const url = buildUrl(cluster.server, req);
    const ctx = new RequestContext(url, HttpMethod[req.method]);
    await this.#kc.applySecurityAuthentication(ctx);
    const headers = requestHeaders(req, ctx.getHeaders() as Record<string, string>);
    const signal = watch
      ? req.signal
      : AbortSignal.any([req.signal, AbortSignal.timeout(this.#requestTimeoutMs)]);
    try {
      const res = await fetch(url, {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
        signal,
      });
      return { res, verb };
    } catch (err) {
      this.#onRequest?.({ verb, path: req.path, status: 0 });
      if (req.signal.aborted) throw req.signal.reason ?? err;
      throw new KubeUnreachableError(verb, req.path, err);
    }
  }

  async #toError(res: Awaited<ReturnType<typeof fetch>>, verb: string, path: string): Promise<KubeApiError> {
    const text = await res.text().catch(() => '');
    let status: StatusBody;
    try {
      status = JSON.parse(text) as StatusBody;
    } catch {
      status = { message: text.slice(0, 200) };
    }
    return new KubeApiError({
      status: res.status,
      reason: status.reason ?? String(res.status),
      verb,
      path,
      message: status.message || `${verb} ${path}: HTTP ${res.status}`,
    });
  }

  /** One call; resolves to the decoded JSON body, throws {@link KubeApiError} or {@link KubeUnreachableError}. */
  async request<T>(req: KubeRequest): Promise<T> {
    const { res, verb } = await this.#send(req, false);
    this.#onRequest?.({ verb, path: req.path, status: res.status });
    if (!res.ok) throw await this.#toError(res, verb, req.path);
    try {
      return (await res.json()) as T;
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason ?? err;
      throw new KubeUnreachableError(verb, req.path, err);
    }
  }

  /**
   * Streams `?watch=1` events of a collection to `onEvent` until the server ends the stream (resolves) or `signal`
   * aborts (rejects with the signal's reason). An `ERROR` event is thrown as {@link KubeApiError} (410 = Expired).
   */
  async watch<T>(
    req: Omit<KubeRequest, 'method' | 'body'>,
    onEvent: (ev: WatchEvent<T>) => void,
  ): Promise<void> {
    const query = { ...req.query, watch: 1, allowWatchBookmarks: true };
    const { res, verb } = await this.#send({ ...req, method: 'GET', query }, true);
    this.#onRequest?.({ verb, path: req.path, status: res.status });
    if (!res.ok || !res.body) throw await this.#toError(res, verb, req.path);
    try {
      for await (const line of jsonLines(res.body)) this.#dispatch(line, verb, req.path, onEvent);
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason ?? err;
      if (err instanceof KubeApiError) throw err;
      throw new KubeUnreachableError(verb, req.path, err);
    }
  }

  #dispatch<T>(line: string, verb: string, path: string, onEvent: (ev: WatchEvent<T>) => void): void {
    const ev = JSON.parse(line) as WatchEvent<T>;
    if (ev.type === 'ERROR') {
      const st = ev.object as StatusBody;
      throw new KubeApiError({
        status: st.code ?? 500,
        reason: st.reason ?? 'Unknown',
        verb,
        path,
        message: st.message ?? 'watch error',
      });
    }
    onEvent(ev);
  }
}
