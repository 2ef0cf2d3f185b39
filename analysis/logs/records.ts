/** @module analysis/logs/records — turns the lines of a source into records: multi-line grouping, JSON and level. */
import { redact } from '../redact/redact.ts';
import { parseJsonLine } from './jsonLines.ts';
import { detectLevel, maxLevel } from './level.ts';
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
export function toRecord(raw: RawRecord, source: string): LogRecord {
  const head = raw.lines[0] ?? '';
  const json = parseJsonLine(head);
  let message = json ? [json.message, json.error].filter(Boolean).join(' error=') : head;
  let level: Level = json?.level ?? detectLevel(head);
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
  const rawText = raw.lines.join('\n');
  const text = redact(rawText);
  return {
    message: message === rawText ? text : redact(message),
    text,
    level,
    lines: raw.physicalLines,
    source,
    ...(time === undefined ? {} : { time }),
  };
}

/** Groups the lines of one source; for a `prefixed` source, one grouper per `kubectl --prefix` container. */
class SourceGrouper {
  readonly #name: string;
  readonly #limits: Partial<MultilineLimits>;
  readonly #prefixed: boolean;
  readonly #groupers = new Map<string, MultilineGrouper>();

  constructor(source: Pick<LogSource, 'name' | 'prefixed'>, limits: Partial<MultilineLimits>) {
    this.#name = source.name;
    this.#limits = limits;
    this.#prefixed = source.prefixed === true;
  }

  /** Adds one physical line; returns a finished record when this line closes one. */
  push(rawLine: string): LogRecord | undefined {
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
    if (!g) this.#groupers.set(name, (g = new MultilineGrouper(this.#limits)));
    const done = g.push(line);
    return done ? toRecord(done, name) : undefined;
  }

  /** The records still in progress, one per container. */
  *flush(): Generator<LogRecord> {
    for (const [name, g] of this.#groupers) {
      const last = g.flush();
      if (last) yield toRecord(last, name);
    }
  }
}

/** Reads a source's lines and yields its records in order. Long lines are cut; nothing else is dropped. */
export async function* readRecords(
  source: LogSource,
  limits: Partial<MultilineLimits> = {},
): AsyncGenerator<LogRecord> {
  const grouper = new SourceGrouper(source, limits);
  for await (const line of source.lines) {
    const done = grouper.push(line);
    if (done) yield done;
  }
  yield* grouper.flush();
}

/** Synchronous variant for in-memory lines (the benchmark and tests). */
export function* readRecordsSync(
  name: string,
  lines: Iterable<string>,
  limits: Partial<MultilineLimits> = {},
  opts: { prefixed?: boolean } = {},
): Generator<LogRecord> {
  const grouper = new SourceGrouper({ name, prefixed: opts.prefixed ?? false }, limits);
  for (const line of lines) {
    const done = grouper.push(line);
    if (done) yield done;
  }
  yield* grouper.flush();
}
