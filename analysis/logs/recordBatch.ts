/**
 * @module analysis/logs/recordBatch — records packed in columns for the trip between threads: one array per field
 * (and a table of source names) is cloned much faster than an array of objects, and the texts travel as one JSON
 * string (V8 copies one string and parses it on its fast path; cloning an array of strings costs several times more).
 */
import type { Level, LogRecord } from './types.ts';

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
const LEVEL_INDEX = new Map<Level, number>(LEVELS.map((l, i) => [l, i]));

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** The buffers of a packed batch, to transfer rather than copy. */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.strings, p.whole, p.levels, p.lines, p.sources, p.times].map((a) => a.buffer as ArrayBuffer);
}

/** A batch of records, one column per field. */
export interface PackedRecords {
  /**
   * UTF-8 JSON of `[message0, head0, message1, head1, …]` (its buffer can be transferred, not copied): a record's
   * text is `head + message` when `whole[i]` is 0 (the usual case: the message is the text after its header), else
   * `head` is the whole text.
   */
  strings: Uint8Array;
  whole: Uint8Array;
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
  const strings = new Array<string>(2 * n);
  const out: PackedRecords = {
    strings: EMPTY,
    whole: new Uint8Array(n),
    levels: new Uint8Array(n),
    lines: new Uint32Array(n),
    sources: new Uint16Array(n),
    sourceNames: [],
    times: new Float64Array(n),
  };
  const sourceIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = recs[i] as LogRecord;
    strings[2 * i] = r.message;
    // Most texts end with their message: only the header crosses twice otherwise.
    const suffix = r.message.length > 0 && r.text.endsWith(r.message);
    strings[2 * i + 1] = suffix ? r.text.slice(0, r.text.length - r.message.length) : r.text;
    out.whole[i] = suffix ? 0 : 1;
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
  out.strings = ENCODER.encode(JSON.stringify(strings));
  return out;
}

/** The records of a packed batch, equal field by field to those packed (no `time` key when there was none). */
export function unpackRecords(p: PackedRecords): LogRecord[] {
  const n = p.levels.length;
  const strings = JSON.parse(DECODER.decode(p.strings)) as string[];
  const out = new Array<LogRecord>(n);
  for (let i = 0; i < n; i++) {
    const message = strings[2 * i] as string;
    const head = strings[2 * i + 1] as string;
    const rec: LogRecord = {
      message,
      text: p.whole[i] === 1 ? head : head + message,
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
