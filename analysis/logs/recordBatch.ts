/**
 * @module analysis/logs/recordBatch — records packed in columns for the trip between threads: one array per field (and
 * a table of source names), the texts as UTF-8 in one buffer. A record is packed as soon as it is read, so the reader
 * holds bytes outside V8's heap rather than a batch of record objects its collector would copy (the reader thread
 * spent 15 % of its time collecting, and 11 % in JSON-encoding whole batches, when batches were packed at once). All
 * buffers are transferred, not copied; the judge decodes each text into a string of its own.
 */
import { HeaderShape } from '../templates/header.ts';
import type { RawRecord } from './multiline.ts';
import { toRecord } from './records.ts';
import type { Level, LogRecord } from './types.ts';

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
const LEVEL_INDEX = new Map<Level, number>(LEVELS.map((l, i) => [l, i]));

/** `whole` of a record: its message is its text's end (the usual case), the message is its own, or a raw record. */
const SUFFIX = 0;
const WHOLE = 1;
const RAW = 2;
/** `columns` of a raw record grouped before its source's header shape was learned (none: flushed early). */
const NO_SHAPE = 255;

const ENCODER = new TextEncoder();
/** UTF-8 bytes per UTF-16 unit at most. */
const MAX_UTF8_PER_UNIT = 3;
/** Initial size of a batch's text buffer (it doubles when a batch needs more). */
const INITIAL_TEXT_BYTES = 256 * 1024;

/** ES2024's String.prototype.isWellFormed (Node 20+; the project's TypeScript lib is older): no lone surrogate. */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The buffers of a packed batch, to transfer rather than copy (and to hand back, see {@link RecordPacker.recycle}). */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.bytes, p.ends, p.whole, p.heads, p.levels, p.columns, p.lines, p.sources, p.times].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** Sets of batch buffers a packer keeps for reuse: the batches in flight come back one by one. */
const SPARE_BUFFER_SETS = 2;

/** Bytes of each buffer of a batch of `n` records, in {@link transferables}' order (the text buffer may grow). */
function bufferSizes(n: number): number[] {
  return [INITIAL_TEXT_BYTES, 8 * n, n, 4 * n, n, n, 4 * n, 2 * n, 8 * n];
}

/** A batch of records, one column per field. */
export interface PackedRecords {
  /**
   * UTF-8 of `text0, message0, text1, message1, …`, string `k` ending at byte `ends[k]`. When `whole[i]` is 0 (the
   * usual case: the message is the text after its header) the message is not sent: it is the text from UTF-16 unit
   * `heads[i]` on. When 1 the message is sent (empty otherwise). A raw record (`whole[i]` 2, see
   * {@link RecordPacker.addRaw}) has its lines, joined by `\n`, as text.
   */
  bytes: Uint8Array;
  ends: Uint32Array;
  /** Strings UTF-8 cannot carry (a lone surrogate, from a line cut inside a character pair), by string index. */
  odd: Array<[number, string]>;
  whole: Uint8Array;
  /** Length of a record's header in UTF-16 units (where its message starts in its text) when `whole[i]` is 0. */
  heads: Uint32Array;
  levels: Uint8Array;
  /** A raw record's header shape (its columns; {@link NO_SHAPE} for none). */
  columns: Uint8Array;
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
  /** The batch being packed; made (or taken from the spare buffers) at its first record. */
  #p: PackedRecords | undefined;
  #sourceIndex = new Map<string, number>();
  /** Buffers of taken batches handed back, for the next batches. */
  readonly #spare: ArrayBuffer[][] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records packed and not yet taken. */
  get size(): number {
    return this.#n;
  }

  /**
   * Takes back the buffers of a batch this packer made ({@link transferables}, once its receiver has decoded it), to
   * pack later batches into instead of allocating: a batch is ~150 KB in a dozen buffers, and a reader makes one per
   * thousand records. Buffers of another capacity are dropped.
   */
  recycle(buffers: readonly ArrayBuffer[]): void {
    const sizes = bufferSizes(this.#capacity);
    const fits =
      buffers.length === sizes.length && buffers.every((b, k) => b.byteLength >= (sizes[k] as number));
    if (fits && this.#spare.length < SPARE_BUFFER_SETS) this.#spare.push([...buffers]);
  }

  /** An empty batch on spare buffers, or new ones. */
  #empty(): PackedRecords {
    const n = this.#capacity;
    const b = this.#spare.pop() ?? bufferSizes(n).map((size) => new ArrayBuffer(size));
    const buffer = (k: number): ArrayBuffer => b[k] as ArrayBuffer;
    return {
      bytes: new Uint8Array(buffer(0)),
      ends: new Uint32Array(buffer(1), 0, 2 * n),
      odd: [],
      whole: new Uint8Array(buffer(2), 0, n),
      heads: new Uint32Array(buffer(3), 0, n),
      levels: new Uint8Array(buffer(4), 0, n),
      columns: new Uint8Array(buffer(5), 0, n),
      lines: new Uint32Array(buffer(6), 0, n),
      sources: new Uint16Array(buffer(7), 0, n),
      sourceNames: [],
      times: new Float64Array(buffer(8), 0, n),
    };
  }

  /** Adds a record; throws when the batch is full (take it first). */
  add(r: LogRecord): void {
    const [i, p] = this.#slot(r.source);
    // Most texts end with their message: it crosses once, as part of the text.
    const suffix = r.message.length > 0 && r.text.endsWith(r.message);
    this.#string(2 * i, r.text);
    this.#string(2 * i + 1, suffix ? '' : r.message);
    p.whole[i] = suffix ? SUFFIX : WHOLE;
    p.heads[i] = suffix ? r.text.length - r.message.length : 0;
    p.levels[i] = LEVEL_INDEX.get(r.level) ?? LEVELS.length - 1;
    p.lines[i] = r.lines;
    p.times[i] = r.time ?? Number.NaN;
  }

  /**
   * Adds a record still to be finished: {@link unpackRecords} gives `toRecord(raw, source, shape)` for it, so the
   * receiving thread does the parsing and redaction (recordWorkerThread.ts hands the judge's thread such records when
   * it is idle). A raw record's lines hold no `\n` (they were split at it).
   */
  addRaw(raw: RawRecord, source: string, shape: HeaderShape | undefined): void {
    const [i, p] = this.#slot(source);
    this.#string(2 * i, raw.lines.length === 1 ? (raw.lines[0] as string) : raw.lines.join('\n'));
    this.#string(2 * i + 1, '');
    p.whole[i] = RAW;
    p.columns[i] = shape ? shape.columns : NO_SHAPE;
    p.lines[i] = raw.physicalLines;
    p.times[i] = Number.NaN;
  }

  /** The index of the next record, from `source`, and its batch; throws when the batch is full. */
  #slot(source: string): [number, PackedRecords] {
    const i = this.#n;
    if (i >= this.#capacity) throw new Error('RecordPacker: the batch is full');
    const p = (this.#p ??= this.#empty());
    let s = this.#sourceIndex.get(source);
    if (s === undefined) {
      s = p.sourceNames.length;
      this.#sourceIndex.set(source, s);
      p.sourceNames.push(source);
    }
    p.sources[i] = s;
    this.#n = i + 1;
    return [i, p];
  }

  #string(k: number, s: string): void {
    const p = this.#p as PackedRecords;
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
    const p = this.#p ?? this.#empty();
    const n = this.#n;
    const out: PackedRecords = {
      ...p,
      bytes: p.bytes.subarray(0, this.#used),
      ends: p.ends.subarray(0, 2 * n),
      whole: p.whole.subarray(0, n),
      heads: p.heads.subarray(0, n),
      levels: p.levels.subarray(0, n),
      columns: p.columns.subarray(0, n),
      lines: p.lines.subarray(0, n),
      sources: p.sources.subarray(0, n),
      times: p.times.subarray(0, n),
    };
    this.#p = undefined;
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

/** Header shapes by columns, for raw records (a shape is only its column count). */
const SHAPES = new Map<number, HeaderShape>();

function shapeOf(columns: number): HeaderShape | undefined {
  if (columns === NO_SHAPE) return undefined;
  let shape = SHAPES.get(columns);
  if (!shape) SHAPES.set(columns, (shape = new HeaderShape(columns)));
  return shape;
}

/**
 * The records of a packed batch, equal field by field to those packed (no `time` key when there was none); raw
 * records are finished here, as `toRecord` would have finished them where they were packed. `decoded` is called once
 * nothing more is read from the batch's buffers, before the raw records are finished: the moment to hand them back.
 */
export function unpackRecords(p: PackedRecords, decoded?: () => void): LogRecord[] {
  const n = p.levels.length;
  // Each text is decoded on its own: a string of its own, not a slice of the batch (which a sample would keep alive).
  const buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const odd = new Map(p.odd);
  const str = (k: number): string =>
    odd.get(k) ?? buf.toString('utf8', k === 0 ? 0 : (p.ends[k - 1] as number), p.ends[k] as number);
  const out = new Array<LogRecord>(n);
  /** Raw records, finished once every text is decoded (and the buffers may be handed back). */
  const raws: Array<[number, RawRecord, string, HeaderShape | undefined]> = [];
  for (let i = 0; i < n; i++) {
    const source = p.sourceNames[p.sources[i] as number] as string;
    const text = str(2 * i);
    const whole = p.whole[i];
    if (whole === RAW) {
      const raw: RawRecord = { lines: text.split('\n'), physicalLines: p.lines[i] as number };
      raws.push([i, raw, source, shapeOf(p.columns[i] as number)]);
      continue;
    }
    const rec: LogRecord = {
      // A slice of its own text (one string decoded per record, not a text joined from two).
      message: whole === SUFFIX ? text.slice(p.heads[i] as number) : str(2 * i + 1),
      text,
      level: LEVELS[p.levels[i] as number] as Level,
      lines: p.lines[i] as number,
      source,
    };
    const t = p.times[i] as number;
    if (!Number.isNaN(t)) rec.time = t;
    out[i] = rec;
  }
  decoded?.();
  for (const [i, raw, source, shape] of raws) out[i] = toRecord(raw, source, shape);
  return out;
}
