/**
 * @module analysis/logs/recordBatch — records packed in columns for the trip between threads: one array per field
 * (and a table of source names) is cloned much faster than an array of objects.
 */
import type { Level, LogRecord } from './types.ts';

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
const LEVEL_INDEX = new Map<Level, number>(LEVELS.map((l, i) => [l, i]));

/** A batch of records, one column per field. */
export interface PackedRecords {
  messages: string[];
  texts: string[];
  levels: Uint8Array;
  lines: Uint32Array;
  /** Index into `sourceNames` per record. */
  sources: Uint16Array;
  sourceNames: string[];
  /** Epoch ms, NaN when the record had no parsed time. */
  times: Float64Array;
}

/** Packs records into columns. At most 65,535 distinct sources per batch (a side has at most 257). */
export function packRecords(recs: readonly LogRecord[]): PackedRecords {
  const n = recs.length;
  const out: PackedRecords = {
    messages: new Array<string>(n),
    texts: new Array<string>(n),
    levels: new Uint8Array(n),
    lines: new Uint32Array(n),
    sources: new Uint16Array(n),
    sourceNames: [],
    times: new Float64Array(n),
  };
  const sourceIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = recs[i] as LogRecord;
    out.messages[i] = r.message;
    out.texts[i] = r.text;
    out.levels[i] = LEVEL_INDEX.get(r.level) ?? LEVELS.length - 1;
    out.lines[i] = r.lines;
    let s = sourceIndex.get(r.source);
    if (s === undefined) {
      s = out.sourceNames.length;
      sourceIndex.set(r.source, s);
      out.sourceNames.push(r.source);
    }
    out.sources[i] = s;
    out.times[i] = r.time ?? Number.NaN;
  }
  return out;
}

/** The records of a packed batch, equal field by field to those packed (no `time` key when there was none). */
export function unpackRecords(p: PackedRecords): LogRecord[] {
  const n = p.messages.length;
  const out = new Array<LogRecord>(n);
  for (let i = 0; i < n; i++) {
    const rec: LogRecord = {
      message: p.messages[i] as string,
      text: p.texts[i] as string,
      level: LEVELS[p.levels[i] as number] as Level,
      lines: p.lines[i] as number,
      source: p.sourceNames[p.sources[i] as number] as string,
    };
    const t = p.times[i] as number;
    if (!Number.isNaN(t)) rec.time = t;
    out[i] = rec;
  }
  return out;
}
