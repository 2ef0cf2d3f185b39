/** @module analysis/logs/records — turns the lines of a source into records: multi-line grouping, JSON and level. */
import { redactWithPart } from '../redact/redact.ts';
import { parseJsonLine } from './jsonLines.ts';
import { levelOfMessage, maxLevel } from './level.ts';
import { HeaderLearner, type HeaderShape } from '../templates/header.ts';
import { parseTextLine } from '../templates/line.ts';
import { MultilineGrouper, type MultilineLimits, type RawRecord } from './multiline.ts';
import type { Level, LogRecord, LogSource } from './types.ts';

/** Physical lines longer than this are cut before any processing (a 1 MB line costs no more than a 16 KB one). */
export const MAX_LINE_CHARS = 16 * 1024;

/** `kubectl logs --prefix` writes `[pod/name/container] line`. */
export const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/([^\]\s]+)\] ?/;

/** Containers of one prefixed source grouped separately; later ones share the source's own grouper (bounded memory). */
export const MAX_PREFIXED_CONTAINERS = 256;

const EXCEPTION_IN_TRACE =
  /^(?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable)(?::|$)|^panic: |^fatal error: /;

/**
 * Builds the record the judge sees from grouped raw lines. Its `message` and `text` are redacted here, before
 * anything else sees them: template mining, samples, the LLM prompt and issues only ever get redacted text.
 */
export function toRecord(raw: RawRecord, source: string, shape?: HeaderShape): LogRecord {
  const head = raw.lines[0] ?? '';
  const json = parseJsonLine(head);
  // Text lines: the header (timestamp, level, pid, thread, component) is split off; its level field decides.
  const parsed = json ? undefined : parseTextLine(head, shape);
  let message = json ? [json.message, json.error].filter(Boolean).join(' error=') : (parsed?.message ?? head);
  let level: Level = json?.level ?? parsed?.level ?? levelOfMessage(message);
  if (raw.lines.length > 1) {
    // A trace's exception line ("java.lang.NullPointerException: …", "panic: …") identifies it better than the head.
    const exc = raw.lines.slice(1).find((l) => EXCEPTION_IN_TRACE.test(l.trim()));
    if (exc) {
      message = `${message} | ${exc.trim()}`;
      level = maxLevel(level, /^(?:panic|fatal error)/.test(exc.trim()) ? 'fatal' : 'error');
    }
  }
  if (json?.error && level === 'unknown') level = 'error';
  // Text lines' timestamps are not parsed: nothing downstream needs them, and Date.parse per line is costly.
  const time = json?.time;
  const rawText = raw.lines.length === 1 ? (raw.lines[0] as string) : raw.lines.join('\n');
  // The message is scanned again only when the text's scan cannot answer for it (see redactWithPart).
  const red = redactWithPart(rawText, message);
  const rec: LogRecord = { message: red.part, text: red.text, level, lines: raw.physicalLines, source };
  if (time !== undefined) rec.time = time;
  return rec;
}

/** Receives a grouped record with its source (pod/container) and header shape: {@link toRecord}'s arguments. */
export type EmitRecord = (raw: RawRecord, source: string, shape: HeaderShape | undefined) => void;

/** One container's grouper, with the header shape it learns from its own first records. */
interface ContainerGrouper {
  lines: MultilineGrouper;
  headers: HeaderLearner<RawRecord>;
}

/**
 * Groups the lines of one source; for a `prefixed` source, one grouper per `kubectl --prefix` container. Each
 * container learns its own header shape from its first records, which are held back until then.
 */
class SourceGrouper {
  readonly #name: string;
  readonly #limits: Partial<MultilineLimits>;
  readonly #prefixed: boolean;
  readonly #groupers = new Map<string, ContainerGrouper>();

  constructor(source: Pick<LogSource, 'name' | 'prefixed'>, limits: Partial<MultilineLimits>) {
    this.#name = source.name;
    this.#limits = limits;
    this.#prefixed = source.prefixed === true;
  }

  /**
   * Adds one physical line; `emit` gets each record this line finished (none while a header shape is learned), with
   * its source and header shape: what {@link toRecord} needs to finish it.
   */
  push(rawLine: string, emit: EmitRecord): void {
    let line = rawLine.length > MAX_LINE_CHARS ? rawLine.slice(0, MAX_LINE_CHARS) : rawLine;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let name = this.#name;
    if (this.#prefixed && line.startsWith('[pod/')) {
      const m = KUBECTL_PREFIX.exec(line);
      if (m) {
        line = line.slice(m[0].length);
        const key = `${m[1]}/${m[2]}`;
        if (this.#groupers.has(key) || this.#groupers.size < MAX_PREFIXED_CONTAINERS) name = key;
      }
    }
    let g = this.#groupers.get(name);
    if (!g) {
      g = {
        lines: new MultilineGrouper(this.#limits),
        headers: new HeaderLearner<RawRecord>((r) => r.lines[0] ?? ''),
      };
      this.#groupers.set(name, g);
    }
    const done = g.lines.push(line);
    if (!done) return;
    const headers = g.headers;
    const ready = headers.push(done);
    for (let i = 0; i < ready.length; i++) emit(ready[i] as RawRecord, name, headers.shape);
  }

  /** Emits the records still in progress or held back, per container. */
  flush(emit: EmitRecord): void {
    for (const [name, g] of this.#groupers) {
      const last = g.lines.flush();
      const rest = last ? [...g.headers.push(last), ...g.headers.flush()] : g.headers.flush();
      for (const r of rest) emit(r, name, g.headers.shape);
    }
  }
}

/**
 * Groups a source's lines into records and hands each, unfinished, to `emit` (the reader thread decides where each is
 * finished, recordWorkerThread.ts). Yields after each chunk of input (and once after the last records), so the caller
 * can post what it has before more is read.
 */
export async function* groupRecords(
  source: LogSource,
  emit: EmitRecord,
  limits: Partial<MultilineLimits> = {},
): AsyncGenerator<void> {
  const grouper = new SourceGrouper(source, limits);
  if (source.batches) {
    for await (const batch of source.batches) {
      for (const line of batch) grouper.push(line, emit);
      yield;
    }
  } else {
    for await (const line of source.lines) {
      grouper.push(line, emit);
      yield;
    }
  }
  grouper.flush(emit);
  yield;
}

/**
 * Reads a source's lines and yields its records in order, in arrays (one per chunk of a batched source, one per
 * finished record otherwise): one await per chunk, not per record. Long lines are cut; nothing else is dropped.
 */
export async function* readRecordBatches(
  source: LogSource,
  limits: Partial<MultilineLimits> = {},
): AsyncGenerator<LogRecord[]> {
  if (source.records) {
    // Read on a thread of its own with the default limits (recordWorker.ts).
    yield* source.records;
    return;
  }
  const grouper = new SourceGrouper(source, limits);
  let out: LogRecord[] = [];
  const finish: EmitRecord = (raw, name, shape) => out.push(toRecord(raw, name, shape));
  if (source.batches) {
    for await (const batch of source.batches) {
      for (const line of batch) grouper.push(line, finish);
      if (out.length) {
        yield out;
        out = [];
      }
    }
  } else {
    for await (const line of source.lines) {
      grouper.push(line, finish);
      if (out.length) {
        yield out;
        out = [];
      }
    }
  }
  grouper.flush(finish);
  if (out.length) yield out;
}

/** Reads a source's lines and yields its records in order. Long lines are cut; nothing else is dropped. */
export async function* readRecords(
  source: LogSource,
  limits: Partial<MultilineLimits> = {},
): AsyncGenerator<LogRecord> {
  for await (const batch of readRecordBatches(source, limits)) yield* batch;
}

/** Synchronous variant for in-memory lines (the benchmark and tests). */
export function* readRecordsSync(
  name: string,
  lines: Iterable<string>,
  limits: Partial<MultilineLimits> = {},
  opts: { prefixed?: boolean } = {},
): Generator<LogRecord> {
  const grouper = new SourceGrouper({ name, prefixed: opts.prefixed ?? false }, limits);
  const out: LogRecord[] = [];
  const finish: EmitRecord = (raw, source, shape) => out.push(toRecord(raw, source, shape));
  for (const line of lines) {
    grouper.push(line, finish);
    yield* out;
    out.length = 0;
  }
  grouper.flush(finish);
  yield* out;
}
