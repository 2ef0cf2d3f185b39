/**
 * @module analysis/judges/statistical/preprocess — reads both sides' records once and reduces them to per-template
 * counts, error counts, HTTP status and latency samples. Memory is bounded by templates and sources, not lines.
 */
import { readRecordBatches, readRecordsSync } from '../../logs/records.ts';
import { isErrorLevel, maxLevel } from '../../logs/level.ts';
import { parseRequest } from '../../logs/requests.ts';
import { Reservoir } from '../../logs/signals.ts';
import type { Level, LogRecord, LogSource, PodEvidence, Side } from '../../logs/types.ts';
import { TemplateMiner, type DrainOptions } from '../../templates/drain.ts';

/** Per-template statistics on both sides. */
export interface TemplateStat {
  id: string;
  level: Level;
  counts: Record<Side, number>;
  /** Distinct sources (pods/containers) that produced it, per side (capped at 64). */
  sources: Record<Side, Set<string>>;
  /** First few full texts seen on each side (unredacted: redact before they leave the process). */
  samples: Record<Side, string[]>;
  /** True if any record of this template matched a critical signature. */
  critical: string | undefined;
  /** Ordinal (per side, 0-based) of the first and last record of this template on each side; -1 when none. */
  firstSeen: Record<Side, number>;
  lastSeen: Record<Side, number>;
}

/** Requests of one route (method + templated path) on one side. */
export interface RouteStat {
  requests: number;
  /** 4xx answers. */
  clientErrors: number;
  /** 5xx answers. */
  serverErrors: number;
  latency: Reservoir;
}

/** Per-side totals. */
export interface SideTotals {
  records: number;
  lines: number;
  errors: number;
  /** Records that look like binary garbage. */
  binary: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  /** Durations of requests (and of lines that report only a duration), in ms. */
  latency: Reservoir;
  /** Per route (`GET /book/:id`), at most {@link MAX_ROUTES}; later routes are pooled under `other`. */
  routes: Map<string, RouteStat>;
  /** Records and errors per source. */
  bySource: Map<string, { records: number; errors: number }>;
}

/** Everything the statistical judge needs, reduced from the logs. */
export interface Comparison {
  miner: TemplateMiner;
  templates: Map<string, TemplateStat>;
  totals: Record<Side, SideTotals>;
  pods: PodEvidence[];
  /** Raw log bytes read (for the LLM token-ratio report). */
  bytes: Record<Side, number>;
}

/** Critical signatures: any of these in the canary is a veto unless the stable shows it as often. */
export const CRITICAL_SIGNATURES: ReadonlyArray<[RegExp, string]> = [
  [/^panic: |\bgoroutine \d+ \[running\]/m, 'panic'],
  [/\bSIGSEGV\b|segmentation fault|\bsegfault\b/i, 'segfault'],
  [/\bOOMKilled\b|\bout of memory\b|java\.lang\.OutOfMemoryError|\bOOM killer\b/i, 'OOMKilled'],
  [/\bCrashLoopBackOff\b/, 'CrashLoopBackOff'],
  // Runtime crashes only: a line whose level field says FATAL is judged by its rate like any error-level line
  // (systems such as BGL log FATAL routinely on both sides).
  [/^fatal error: /m, 'fatal'],
];

const SAMPLES = 3;
const MAX_SOURCES = 64;
/** Routes tracked per side (memory bound: routes × samples); a service with more pools the rest under `other`. */
export const MAX_ROUTES = 200;
/** Latency samples kept per route (a uniform reservoir). */
const ROUTE_LATENCY_SAMPLES = 512;

function emptyTotals(): SideTotals {
  return {
    records: 0,
    lines: 0,
    errors: 0,
    binary: 0,
    requests: 0,
    clientErrors: 0,
    serverErrors: 0,
    latency: new Reservoir(),
    routes: new Map(),
    bySource: new Map(),
  };
}

// Control bytes are exactly what this looks for.
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\u0000-\u0008\u000e-\u001f\ufffd]/g;

/** True when more than 30 % of a text's characters are control bytes or replacement characters. */
export function looksBinary(text: string): boolean {
  if (text.length < 8) return false;
  const n = text.slice(0, 512).match(NON_PRINTABLE)?.length ?? 0;
  return n / Math.min(text.length, 512) > 0.3;
}

function criticalOf(rec: LogRecord): string | undefined {
  // Info and debug one-liners are never critical; this skips the signature regexes for most records.
  if ((rec.level === 'info' || rec.level === 'debug' || rec.level === 'trace') && rec.lines === 1)
    return undefined;
  for (const [re, name] of CRITICAL_SIGNATURES) if (re.test(rec.text)) return name;
  return undefined;
}

/** Accumulates records of both sides into a {@link Comparison}. */
export class ComparisonBuilder {
  readonly miner: TemplateMiner;
  readonly #c: Comparison;

  constructor(drain: DrainOptions = {}) {
    this.miner = new TemplateMiner(drain);
    this.#c = {
      miner: this.miner,
      templates: new Map(),
      totals: { stable: emptyTotals(), canary: emptyTotals() },
      pods: [],
      bytes: { stable: 0, canary: 0 },
    };
  }

  /** Adds one record of `side`. */
  add(side: Side, rec: LogRecord): void {
    const t = this.#c.totals[side];
    t.records++;
    t.lines += rec.lines;
    this.#c.bytes[side] += rec.text.length + 1;
    const binary = looksBinary(rec.text);
    if (binary) t.binary++;
    const err = isErrorLevel(rec.level);
    if (err) t.errors++;
    const src = t.bySource.get(rec.source) ?? { records: 0, errors: 0 };
    src.records++;
    if (err) src.errors++;
    if (t.bySource.size < MAX_SOURCES || t.bySource.has(rec.source)) t.bySource.set(rec.source, src);
    this.#signals(t, rec.text);
    const cluster = this.miner.add(binary ? '<binary>' : rec.message);
    let stat = this.#c.templates.get(cluster.id);
    if (!stat) {
      stat = {
        id: cluster.id,
        level: rec.level,
        counts: { stable: 0, canary: 0 },
        sources: { stable: new Set(), canary: new Set() },
        samples: { stable: [], canary: [] },
        critical: undefined,
        firstSeen: { stable: -1, canary: -1 },
        lastSeen: { stable: -1, canary: -1 },
      };
      this.#c.templates.set(cluster.id, stat);
    }
    stat.counts[side]++;
    if (stat.firstSeen[side] < 0) stat.firstSeen[side] = t.records - 1;
    stat.lastSeen[side] = t.records - 1;
    stat.level = maxLevel(stat.level, rec.level);
    if (stat.sources[side].size < MAX_SOURCES) stat.sources[side].add(rec.source);
    if (stat.samples[side].length < SAMPLES) stat.samples[side].push(rec.text.slice(0, 1_000));
    stat.critical ??= criticalOf(rec);
  }

  #signals(t: SideTotals, text: string): void {
    const req = parseRequest(text);
    if (!req) return;
    const ms = req.durationMs;
    if (ms !== undefined && Number.isFinite(ms)) t.latency.add(ms);
    if (req.status === undefined && req.route === undefined) return;
    if (req.status !== undefined) {
      t.requests++;
      if (req.status >= 500) t.serverErrors++;
      else if (req.status >= 400) t.clientErrors++;
    }
    if (req.route === undefined) return;
    let key = `${req.method ?? ''} ${req.route}`.trim();
    if (!t.routes.has(key) && t.routes.size >= MAX_ROUTES) key = 'other';
    let r = t.routes.get(key);
    if (!r) {
      r = { requests: 0, clientErrors: 0, serverErrors: 0, latency: new Reservoir(ROUTE_LATENCY_SAMPLES) };
      t.routes.set(key, r);
    }
    if (req.status !== undefined) {
      r.requests++;
      if (req.status >= 500) r.serverErrors++;
      else if (req.status >= 400) r.clientErrors++;
    }
    if (ms !== undefined && Number.isFinite(ms)) r.latency.add(ms);
  }

  /** Adds every record of a source (streamed; nothing is kept per line). */
  async addSource(side: Side, source: LogSource, signal?: AbortSignal): Promise<void> {
    if (Symbol.iterator in source.lines) {
      // In-memory lines: the synchronous path avoids an await per line.
      signal?.throwIfAborted();
      this.addLines(side, source.name, source.lines);
      return;
    }
    // One await per chunk of records (a streamed file gives a few hundred lines at a time), not per record.
    for await (const batch of readRecordBatches(source)) {
      signal?.throwIfAborted();
      for (const rec of batch) this.add(side, rec);
    }
  }

  /** Synchronous variant for in-memory lines. */
  addLines(side: Side, name: string, lines: Iterable<string>): void {
    for (const rec of readRecordsSync(name, lines)) this.add(side, rec);
  }

  addPods(pods: readonly PodEvidence[]): void {
    this.#c.pods.push(...pods);
  }

  build(): Comparison {
    return this.#c;
  }
}
