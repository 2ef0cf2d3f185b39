/**
 * @module analysis/logs/requests — finds an HTTP request in a log line of unknown shape: method, templated route,
 * status and duration. Handles `GET /book/7 200 12ms`, `method=GET path=/x status=500 duration=0.8s`, JSON fields
 * (flat or one level nested: `http.method`, `httpRequest.status`), the common/combined log format, ingress-nginx's
 * `… "agent" 512 0.003 [upstream] …` and Envoy's default access log (`" 200 - 0 15 3 2 "`). No per-service
 * configuration: the shapes are the ones these servers and frameworks write.
 */

/** What a line says about one request. Every field is optional: a line may give only a status or a duration. */
export interface RequestInfo {
  method?: string;
  /** The path with ids replaced by `:id` and the query dropped: `/book/:id`. */
  route?: string;
  status?: number;
  durationMs?: number;
}

const METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE';
/** `GET /path`, `"GET /path HTTP/1.1"`, `GET https://host/path`. */
const METHOD_PATH = new RegExp(
  `(?:^|[\\s"'\\[(])(${METHODS})\\s+((?:https?://[^\\s/"]+)?/[^\\s"?]*)(\\?[^\\s"]*)?(?:\\s+HTTP/[\\d.]+)?`,
);
const KEY_METHOD = new RegExp(
  `\\b(?:method|http_method|request_method|verb)["']?\\s*[:=]\\s*["']?(${METHODS})\\b`,
  'i',
);
const KEY_PATH =
  /\b(?:path|uri|url|request_uri|route|endpoint)["']?\s*[:=]\s*["']?((?:https?:\/\/[^\s/"']+)?\/[^\s"'?,}]*)/i;
const KEY_STATUS =
  /\b(?:status(?:_?code)?|http_status|statusCode|response_code|code|resp_status)["']?\s*[:=]\s*["']?([1-5]\d\d)\b/i;
/** Duration keys: bare numbers count as ms for `*_ms` and `duration`/`latency`/`took`, seconds for `*time`. */
const KEY_DURATION =
  /\b(duration|latency|elapsed|took|response_time|request_time|upstream_response_time|rt|time|duration_ms|latency_ms|elapsed_ms|time_ms|took_ms|response_time_ms|duration_s|latency_s)["']?\s*[:= ]\s*["']?(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?(?![\w.])/i;
/** A number with a time unit: `12ms`, `0.8s`, `350µs`. */
const UNIT_DURATION = /(?<![\w.])(\d+(?:\.\d+)?)(ns|us|µs|ms|s)(?![\w])/;
const STATUS_TOKEN = /^[1-5]\d\d$/;
const URL_ORIGIN = /^https?:\/\/[^/]+/;
const QUERY_OR_FRAGMENT = /[?#]/;
const LEADING_QUOTE = /^"/;
const SPACES = /\s+/;
const TRAILING_PUNCTUATION = /[,;]$/;
/** Envoy default format after the request: `" 200 UF 0 15 3 2 "` — flags, bytes in, bytes out, duration (ms). */
const ENVOY_TAIL = /^"?\s+([1-5]\d\d)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+|-)\s+"/;
/** ingress-nginx after the user agent: `" 512 0.003 [upstream]` — request length, request time (s). */
const NGINX_INGRESS = /"\s+(\d+)\s+(\d+\.\d{3})\s+\[/;
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** A path segment that is an id (has a digit, or is a long token): `7`, `3f2b8c1e-…`, `u_42`. */
const ID_SEGMENT = /\d|^[A-Za-z0-9_-]{25,}$/;
/** Segments with digits that are not ids: API versions (`v2`), file names (`site.css`). */
const NAMED_SEGMENT = /^v\d{1,2}$|^[\w.-]+\.(?:css|js|png|jpg|svg|ico|html|woff2?|map|json|txt)$/;
/** Segments kept per route (deeper paths are cut): bounds the number of routes. */
const MAX_ROUTE_SEGMENTS = 6;

/** `/book/7?x=1` → `/book/:id`; `https://h/a/b` → `/a/b`. */
export function templateRoute(path: string): string {
  let p = path.startsWith('http') ? path.replace(URL_ORIGIN, '') : path;
  const q = p.includes('?') || p.includes('#') ? p.search(QUERY_OR_FRAGMENT) : -1;
  if (q >= 0) p = p.slice(0, q);
  const segs = p.split('/').slice(1, MAX_ROUTE_SEGMENTS + 1);
  // Files keep their name (a missing stylesheet is one route), other segments with digits are ids.
  return `/${segs.map((s) => (ID_SEGMENT.test(s) && !NAMED_SEGMENT.test(s) ? ':id' : s)).join('/')}`;
}

function durationFrom(key: string, value: number, unit: string | undefined): number {
  if (unit) return value * (UNIT_MS[unit.toLowerCase()] ?? 1);
  const k = key.toLowerCase();
  if (k.endsWith('_ms')) return value;
  if (k.endsWith('_s')) return value * 1000;
  // `request_time=0.003` (nginx) is seconds; an integer `response_time=123` is milliseconds.
  if (k.endsWith('time') && !Number.isInteger(value)) return value * 1000;
  return value;
}

function flatten(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out[`${k}.${k2}`] = v2;
    else out[k] = v;
  }
  return out;
}

const JSON_METHOD = /(?:^|\.)(?:method|http_method|request_method|requestMethod|verb)$/i;
const JSON_PATH = /(?:^|\.)(?:path|uri|url|request_uri|requestUrl|route|endpoint|target)$/i;
const JSON_STATUS =
  /(?:^|\.)(?:status|status_code|statusCode|http_status|response_code|responseStatus|code)$/i;
const JSON_DURATION =
  /(?:^|\.)(duration|latency|elapsed|took|response_time|request_time|rt|duration_ms|latency_ms|elapsed_ms|time_ms|responseTime|durationMs|latencyMs)$/i;

function fromJson(line: string): RequestInfo | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const info: RequestInfo = {};
  for (const [k, v] of Object.entries(flatten(obj as Record<string, unknown>))) {
    if (info.method === undefined && JSON_METHOD.test(k) && typeof v === 'string') {
      const m = v.toUpperCase();
      if (new RegExp(`^(?:${METHODS})$`).test(m)) info.method = m;
    } else if (
      info.route === undefined &&
      JSON_PATH.test(k) &&
      typeof v === 'string' &&
      /^(?:https?:\/\/|\/)/.test(v)
    )
      info.route = templateRoute(v);
    else if (info.status === undefined && JSON_STATUS.test(k)) {
      const n = Number(v);
      if (Number.isInteger(n) && n >= 100 && n <= 599) info.status = n;
    } else if (info.durationMs === undefined) {
      const d = JSON_DURATION.exec(k);
      if (!d) continue;
      if (typeof v === 'number') info.durationMs = durationFrom(d[1] as string, v, undefined);
      else if (typeof v === 'string') {
        const u = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?$/.exec(v.trim());
        if (u) info.durationMs = durationFrom(d[1] as string, Number(u[1]), u[2]);
      }
    }
  }
  return info.status !== undefined || info.method !== undefined || info.durationMs !== undefined
    ? info
    : undefined;
}

/** Status and duration from the text after the request (`200 12ms`, `" 404 153 "-" "agent"`, Envoy, ingress). */
function fromTail(tail: string, info: RequestInfo): void {
  const envoy = ENVOY_TAIL.exec(tail);
  if (envoy) {
    info.status ??= Number(envoy[1]);
    info.durationMs ??= Number(envoy[5]);
    return;
  }
  const toks = tail.replace(LEADING_QUOTE, '').trim().split(SPACES, 4);
  const st = toks.findIndex((t) => STATUS_TOKEN.test(t.replace(TRAILING_PUNCTUATION, '')));
  if (st >= 0 && st <= 1) info.status ??= Number((toks[st] as string).slice(0, 3));
  if (info.durationMs === undefined) {
    const u = UNIT_DURATION.exec(tail);
    if (u) info.durationMs = Number(u[1]) * (UNIT_MS[u[2] as string] ?? 1);
    else {
      const ng = NGINX_INGRESS.exec(tail);
      if (ng) info.durationMs = Number(ng[2]) * 1000;
    }
  }
}

/** The request a log line reports, if it reports one (at least a status, or a method and path). Never throws. */
export function parseRequest(text: string): RequestInfo | undefined {
  const line = text.length > 4096 ? text.slice(0, 4096) : text;
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    const j = fromJson(trimmed);
    if (j) return j;
  }
  const info: RequestInfo = {};
  // Cheap gates: a request line's path has a `/`, and keyed fields a `=` or `:` (a timestamped line always has a `:`,
  // so the second spares only lines without one, such as a bare message).
  const keyed = line.includes('=') || line.includes(':');
  const mp = line.includes('/') ? METHOD_PATH.exec(line) : null;
  if (mp) {
    info.method = mp[1] as string;
    info.route = templateRoute(mp[2] as string);
  } else if (keyed) {
    const km = KEY_METHOD.exec(line);
    const kp = KEY_PATH.exec(line);
    if (km) info.method = (km[1] as string).toUpperCase();
    if (kp) info.route = templateRoute(kp[1] as string);
  }
  const ks = keyed ? KEY_STATUS.exec(line) : null;
  if (ks) info.status = Number(ks[1]);
  const kd = KEY_DURATION.exec(line);
  if (kd) info.durationMs = durationFrom(kd[1] as string, Number(kd[2]), kd[3]);
  if (mp) fromTail(line.slice(mp.index + mp[0].length), info);
  if (info.status === undefined && !(info.method && info.route)) {
    // A duration alone (`took 80ms`) still counts as a latency sample; nothing else does.
    return info.durationMs !== undefined ? { durationMs: info.durationMs } : undefined;
  }
  return info;
}
