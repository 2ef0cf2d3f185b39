/**
 * @module analysis/logs/recordBatch — records packed in columns for the trip between threads: one array per field (and
 * a table of source names), the texts as UTF-8 in one buffer. A record is packed as soon as it is read, so the reader
 * holds bytes outside V8's heap rather than a batch of record objects its collector would copy (the reader thread
 * spent 15 % of its time collecting, and 11 % in JSON-encoding whole batches, when batches were packed at once). All
 * buffers are transferred, not copied; the judge decodes each text into a string of its own.
 */
import type { Level, LogRecord } from './types.ts';

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
const LEVEL_INDEX = new Map<Level, number>(LEVELS.map((l, i) => [l, i]));

const ENCODER = new TextEncoder();
/** UTF-8 bytes per UTF-16 unit at most. */
const MAX_UTF8_PER_UNIT = 3;
/** Initial size of a batch's text buffer (it doubles when a batch needs more). */
const INITIAL_TEXT_BYTES = 256 * 1024;

/** ES2024's String.prototype.isWellFormed (Node 20+; the project's TypeScript lib is older): no lone surrogate. */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The buffers of a packed batch, to transfer rather than copy. */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.bytes, p.ends, p.whole, p.levels, p.lines, p.sources, p.times].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** A batch of records, one column per field. */
export interface PackedRecords {
  /**
   * UTF-8 of `message0, head0, message1, head1, …`, string `k` ending at byte `ends[k]`: a record's text is
   * `head + message` when `whole[i]` is 0 (the usual case: the message is the text after its header), else `head` is
   * the whole text.
   */
  bytes: Uint8Array;
  ends: Uint32Array;
  /** Strings UTF-8 cannot carry (a lone surrogate, from a line cut inside a character pair), by string index. */
  odd: Array<[number, string]>;
  whole: Uint8Array;
  levels: Uint8Array;
  lines: Uint32Array;
  /** Index into `sourceNames` per record. */
  sources: Uint16Array;
  sourceNames: string[];
  /** Epoch ms, NaN when the record had no parsed time. */
  times: Float64Array;
}

/** Packs records one at a time into a batch of at most `capacity` records. At most 65,535 sources per batch. */
export class RecordPacker {
  readonly #capacity: number;
  #n = 0;
  #used = 0;
  #p: PackedRecords;
  #sourceIndex = new Map<string, number>();

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#p = this.#empty();
  }

  /** Records packed and not yet taken. */
  get size(): number {
    return this.#n;
  }

  #empty(): PackedRecords {
    const n = this.#capacity;
    return {
      bytes: new Uint8Array(INITIAL_TEXT_BYTES),
      ends: new Uint32Array(2 * n),
      odd: [],
      whole: new Uint8Array(n),
      levels: new Uint8Array(n),
      lines: new Uint32Array(n),
      sources: new Uint16Array(n),
      sourceNames: [],
      times: new Float64Array(n),
    };
  }

  /** Adds a record; throws when the batch is full (take it first). */
  add(r: LogRecord): void {
    const i = this.#n;
    if (i >= this.#capacity) throw new Error('RecordPacker: the batch is full');
    const p = this.#p;
    // Most texts end with their message: only the header crosses twice otherwise.
    const suffix = r.message.length > 0 && r.text.endsWith(r.message);
    this.#string(2 * i, r.message);
    this.#string(2 * i + 1, suffix ? r.text.slice(0, r.text.length - r.message.length) : r.text);
    p.whole[i] = suffix ? 0 : 1;
    p.levels[i] = LEVEL_INDEX.get(r.level) ?? LEVELS.length - 1;
    p.lines[i] = r.lines;
    let s = this.#sourceIndex.get(r.source);
    if (s === undefined) {
      s = p.sourceNames.length;
      this.#sourceIndex.set(r.source, s);
      p.sourceNames.push(r.source);
    }
    p.sources[i] = s;
    p.times[i] = r.time ?? Number.NaN;
    this.#n = i + 1;
  }

  #string(k: number, s: string): void {
    const p = this.#p;
    if (!isWellFormed(s)) p.odd.push([k, s]);
    else if (s.length > 0) {
      if (this.#used + MAX_UTF8_PER_UNIT * s.length > p.bytes.length) {
        let size = p.bytes.length * 2;
        while (this.#used + MAX_UTF8_PER_UNIT * s.length > size) size *= 2;
        const bigger = new Uint8Array(size);
        bigger.set(p.bytes.subarray(0, this.#used));
        p.bytes = bigger;
      }
      this.#used += ENCODER.encodeInto(s, p.bytes.subarray(this.#used)).written;
    }
    p.ends[k] = this.#used;
  }

  /** The packed batch (its columns cut to the records added); the packer starts a new one. */
  take(): PackedRecords {
    const p = this.#p;
    const n = this.#n;
    const out: PackedRecords = {
      ...p,
      bytes: p.bytes.subarray(0, this.#used),
      ends: p.ends.subarray(0, 2 * n),
      whole: p.whole.subarray(0, n),
      levels: p.levels.subarray(0, n),
      lines: p.lines.subarray(0, n),
      sources: p.sources.subarray(0, n),
      times: p.times.subarray(0, n),
    };
    this.#p = this.#empty();
    this.#n = 0;
    this.#used = 0;
    this.#sourceIndex = new Map();
    return out;
  }
}

/** Packs records into columns (one batch). */
export function packRecords(recs: readonly LogRecord[]): PackedRecords {
  const packer = new RecordPacker(Math.max(1, recs.length));
  for (const r of recs) packer.add(r);
  return packer.take();
}

/** The records of a packed batch, equal field by field to those packed (no `time` key when there was none). */
export function unpackRecords(p: PackedRecords): LogRecord[] {
  const n = p.levels.length;
  // Each text is decoded on its own: a string of its own, not a slice of the batch (which a sample would keep alive).
  const buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const odd = new Map(p.odd);
  const str = (k: number): string =>
    odd.get(k) ?? buf.toString('utf8', k === 0 ? 0 : (p.ends[k - 1] as number), p.ends[k] as number);
  const out = new Array<LogRecord>(n);
  for (let i = 0; i < n; i++) {
    const message = str(2 * i);
    const head = str(2 * i + 1);
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
