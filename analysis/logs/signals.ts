/** @module analysis/logs/signals — pulls request signals out of log records: HTTP status codes and latencies. */

// Access-log shapes: `status=503`, `status: 500`, `"GET /x HTTP/1.1" 502 123`, `"status":500`, `code=500`.
const STATUS = [
  /\b(?:status(?:_?code)?|http_status|statusCode|code)["']?\s*[:=]\s*["']?([1-5]\d\d)\b/i,
  /"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^"]*" ([1-5]\d\d)\b/,
  /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ ([1-5]\d\d)\b/,
];

// Latency shapes: `duration=123ms`, `latency: 1.5s`, `took 80ms`, `"latency_ms":12`, `time: 0.25` (seconds), `rt=12ms`.
const LATENCY =
  /\b(duration|latency|elapsed|took|response_time|rt|time|duration_ms|latency_ms|elapsed_ms)["']?\s*[:= ]\s*["']?(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?\b/i;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** The HTTP status a record reports, if it looks like an access log. */
export function httpStatus(text: string): number | undefined {
  for (const re of STATUS) {
    const m = re.exec(text);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The latency a record reports, in milliseconds. Bare numbers count as ms for `*_ms` keys, seconds for `time`. */
export function latencyMs(text: string): number | undefined {
  const m = LATENCY.exec(text);
  if (!m) return undefined;
  const key = (m[1] as string).toLowerCase();
  const value = Number(m[2]);
  const unit = m[3]?.toLowerCase();
  if (unit) return value * (UNIT_MS[unit] ?? 1);
  if (key.endsWith('_ms')) return value;
  if (key === 'time') return value * 1000;
  return value;
}

/** A fixed-size uniform sample of a stream of numbers (Vitter's algorithm R), deterministic for a given seed. */
export class Reservoir {
  readonly values: number[] = [];
  #seen = 0;
  #seed: number;
  readonly #size: number;

  constructor(size = 4_096, seed = 1) {
    this.#size = size;
    this.#seed = seed;
  }

  get seen(): number {
    return this.#seen;
  }

  add(v: number): void {
    this.#seen++;
    if (this.values.length < this.#size) {
      this.values.push(v);
      return;
    }
    // xorshift32: deterministic, so the same logs always give the same verdict.
    this.#seed ^= this.#seed << 13;
    this.#seed ^= this.#seed >>> 17;
    this.#seed ^= this.#seed << 5;
    const j = (this.#seed >>> 0) % this.#seen;
    if (j < this.#size) this.values[j] = v;
  }
}
