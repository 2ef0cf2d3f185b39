/** @module analysis/logs/records — turns the lines of a source into records: multi-line grouping, JSON and level. */
import { parseJsonLine } from './jsonLines.ts';
import { levelOfMessage, maxLevel } from './level.ts';
import { HeaderLearner, type HeaderShape } from '../templates/header.ts';
import { parseTextLine } from '../templates/line.ts';
import { MultilineGrouper, type MultilineLimits, type RawRecord } from './multiline.ts';
import type { Level, LogRecord, LogSource } from './types.ts';

/** Physical lines longer than this are cut before any processing (a 1 MB line costs no more than a 16 KB one). */
export const MAX_LINE_CHARS = 16 * 1024;

const EXCEPTION_IN_TRACE =
  /^(?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable)(?::|$)|^panic: |^fatal error: /;

/** Builds the record the judge sees from grouped raw lines. */
export function toRecord(raw: RawRecord, source: string, shape?: HeaderShape): LogRecord {
  const head = raw.lines[0] ?? '';
  const json = parseJsonLine(head);
  // Text lines: the header (timestamp, level, pid, thread, component) is split off; its level field decides.
  const text = json ? undefined : parseTextLine(head, shape);
  let message = json ? [json.message, json.error].filter(Boolean).join(' error=') : (text?.message ?? head);
  let level: Level = json?.level ?? text?.level ?? levelOfMessage(message);
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
  return {
    message,
    text: raw.lines.join('\n'),
    level,
    lines: raw.physicalLines,
    source,
    ...(time === undefined ? {} : { time }),
  };
}

/** Reads a source's lines and yields its records in order. Long lines are cut; nothing else is dropped. */
export async function* readRecords(
  source: LogSource,
  limits: Partial<MultilineLimits> = {},
): AsyncGenerator<LogRecord> {
  const grouper = new MultilineGrouper(limits);
  // The source's header shape is learned from its first records (held back until then).
  const headers = new HeaderLearner<RawRecord>((r) => r.lines[0] ?? '');
  for await (const rawLine of source.lines) {
    const line = rawLine.length > MAX_LINE_CHARS ? rawLine.slice(0, MAX_LINE_CHARS) : rawLine;
    const done = grouper.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (done) for (const r of headers.push(done)) yield toRecord(r, source.name, headers.shape);
  }
  const last = grouper.flush();
  const rest = last ? [...headers.push(last), ...headers.flush()] : headers.flush();
  for (const r of rest) yield toRecord(r, source.name, headers.shape);
}

/** Synchronous variant for in-memory lines (the benchmark and tests). */
export function* readRecordsSync(
  name: string,
  lines: Iterable<string>,
  limits: Partial<MultilineLimits> = {},
): Generator<LogRecord> {
  const grouper = new MultilineGrouper(limits);
  const headers = new HeaderLearner<RawRecord>((r) => r.lines[0] ?? '');
  for (const rawLine of lines) {
    const line = rawLine.length > MAX_LINE_CHARS ? rawLine.slice(0, MAX_LINE_CHARS) : rawLine;
    const done = grouper.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (done) for (const r of headers.push(done)) yield toRecord(r, name, headers.shape);
  }
  const last = grouper.flush();
  const rest = last ? [...headers.push(last), ...headers.flush()] : headers.flush();
  for (const r of rest) yield toRecord(r, name, headers.shape);
}
