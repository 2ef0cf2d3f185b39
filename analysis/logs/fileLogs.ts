/** @module analysis/logs/fileLogs — log evidence from files and stdin (CLI, tests, replaying past incidents). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AnalysisError } from '../errors.ts';
import { KUBECTL_PREFIX, MAX_LINE_CHARS } from './records.ts';
import type { LogSource } from './types.ts';

/** Options of a streamed log file. */
export interface FileSourceOptions {
  signal?: AbortSignal | undefined;
  /** Used for `-`; defaults to process.stdin. */
  stdin?: Readable | undefined;
  /**
   * Physical lines read from this input before it fails with `LogInputTooLarge` naming the cap (`undefined`: no cap).
   * Memory does not grow with lines; the cap bounds the time one judgement may take.
   */
  maxLines?: number | undefined;
  /**
   * Attribute `kubectl logs --prefix` lines to their pod/container (records grouped per container; the judge wants
   * this). Off: lines are kept as they are, in input order (`sentinel templates`).
   */
  prefixed?: boolean | undefined;
  /** Name of the option that sets `maxLines`, for the error message (e.g. `SENTINEL_MAX_INPUT_LINES (--max-input-lines)`). */
  maxLinesOption?: string | undefined;
}

/** zlib's codes for a gzip stream that is not one, is cut short or is damaged. */
const ZLIB_CODES = new Set([
  'Z_BUF_ERROR',
  'Z_DATA_ERROR',
  'Z_STREAM_ERROR',
  'Z_NEED_DICT',
  'ERR_ZLIB_INITIALIZATION_FAILED',
]);

function unreadable(path: string, err: unknown): AnalysisError {
  if (err instanceof AnalysisError) return err;
  const code = (err as { code?: unknown }).code;
  const gzip = typeof code === 'string' && ZLIB_CODES.has(code);
  const what = gzip
    ? `its gzip data is truncated or corrupt (${(err as Error).message}, ${code})`
    : (err as Error).message;
  return new AnalysisError('LogInputUnreadable', `Cannot read log file ${path}: ${what}.`, {
    hint: gzip
      ? 'Check the file with `gzip -t`; recompress it, or pass the uncompressed log.'
      : 'Pass an existing, readable file, or - for stdin.',
    cause: err,
  });
}

/** UTF-8 bytes read of a line before it is cut at {@link MAX_LINE_CHARS}: 3 bytes hold any UTF-16 unit. */
const MAX_LINE_BYTES = 3 * MAX_LINE_CHARS;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * One line's bytes decoded (invalid bytes become U+FFFD), at most {@link MAX_LINE_CHARS} characters; the CR of a CRLF
 * is dropped (a last line without a newline is kept as it is).
 */
function decodeLine(buf: Buffer, start: number, end: number, crlf = true): string {
  const stop = crlf && end > start && buf[end - 1] === CR ? end - 1 : end;
  const line = buf.toString('utf8', start, Math.min(stop, start + MAX_LINE_BYTES));
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
}

/**
 * Lines of a stream, decoded as UTF-8 (invalid bytes become U+FFFD, never an error), one array per chunk read: the
 * readers then pay one await per chunk (a few hundred lines), not one per line. The stream's bytes are split at
 * newlines and each line is decoded on its own: a line is then a string of its own, not a slice of the 64 KB chunk
 * it came from (V8 keeps a slice's whole parent alive, so a sample or a cached template would hold the chunk).
 * A line longer than {@link MAX_LINE_CHARS} is cut there and the rest of it skipped, so one huge line costs no more
 * memory than a long one. A stream error (missing file, corrupt gzip) rejects the iteration.
 */
export async function* streamLineBatches(stream: Readable, signal?: AbortSignal): AsyncGenerator<string[]> {
  /** The start of a line not ended by the last chunk (at most MAX_LINE_BYTES of it are kept). */
  let pending: Buffer | undefined;
  try {
    for await (const data of stream as AsyncIterable<Buffer | string>) {
      signal?.throwIfAborted();
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const batch: string[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
        if (pending) {
          // The line began in an earlier chunk (start is 0 here); it is kept to MAX_LINE_BYTES.
          const room = MAX_LINE_BYTES - pending.length;
          const whole = room > 0 ? Buffer.concat([pending, chunk.subarray(0, Math.min(nl, room))]) : pending;
          batch.push(decodeLine(whole, 0, whole.length));
          pending = undefined;
        } else batch.push(decodeLine(chunk, start, nl));
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start, start + MAX_LINE_BYTES);
        if (!pending) pending = Buffer.from(rest);
        else if (pending.length < MAX_LINE_BYTES)
          pending = Buffer.concat([pending, rest.subarray(0, MAX_LINE_BYTES - pending.length)]);
      }
      if (batch.length) yield batch;
    }
    if (pending?.length) yield [decodeLine(pending, 0, pending.length, false)];
  } finally {
    stream.destroy();
  }
}

/** The lines of {@link streamLineBatches}, one at a time. */
export async function* streamLines(stream: Readable, signal?: AbortSignal): AsyncGenerator<string> {
  for await (const batch of streamLineBatches(stream, signal)) yield* batch;
}

/** Rejects with `LogInputUnreadable` when `path` (not `-`) is not a readable regular file. */
export async function checkInput(path: string): Promise<void> {
  if (path === '-') return;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw unreadable(path, err);
  }
}

function openInput(path: string, stdin?: Readable): Readable {
  if (path === '-') return stdin ?? process.stdin;
  const file = createReadStream(path);
  // Past incidents are often archived compressed: `.gz` files are decompressed on the fly. A read error of the file
  // is passed on to the gunzip stream, whose iteration then rejects.
  if (!path.endsWith('.gz')) return file;
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

/** Opens the input only when the first line is asked for, so an unread source holds no stream that could fail unheard. */
async function* lazyBatches(path: string, o: FileSourceOptions): AsyncGenerator<string[]> {
  yield* streamLineBatches(openInput(path, o.stdin), o.signal);
}

async function* counted(
  path: string,
  batches: AsyncIterable<string[]>,
  opts: FileSourceOptions,
): AsyncGenerator<string[]> {
  let n = 0;
  const max = opts.maxLines ?? Infinity;
  try {
    for await (const batch of batches) {
      if (n + batch.length > max) {
        // The lines up to the cap are passed on, as they would be one by one; then the cap is named.
        if (max > n) yield batch.slice(0, max - n);
        throw new AnalysisError(
          'LogInputTooLarge',
          `Log input ${path} has more than ${max} lines, the cap set by ${opts.maxLinesOption ?? 'maxLines'}.`,
          {
            hint: 'Judge a shorter window of the logs, or raise the cap (memory does not grow with lines; time does).',
          },
        );
      }
      n += batch.length;
      yield batch;
    }
  } catch (err) {
    throw unreadable(path, err);
  }
}

async function* flatten(batches: AsyncIterable<readonly string[]>): AsyncGenerator<string> {
  for await (const batch of batches) yield* batch;
}

/**
 * A streamed source for a file (or `-` for stdin): nothing is held per line, so memory stays bounded whatever its size.
 * With `prefixed`, lines with a `kubectl logs --prefix` prefix are attributed to their pod/container by the record
 * reader. Rejects at once when the file cannot be opened; a corrupt gzip rejects the iteration, with
 * `LogInputUnreadable` naming the file.
 */
export async function fileSource(
  path: string,
  opts: FileSourceOptions | AbortSignal = {},
): Promise<LogSource> {
  const o: FileSourceOptions = opts instanceof AbortSignal ? { signal: opts } : opts;
  await checkInput(path);
  const name = path === '-' ? 'stdin' : path;
  // One stream, two views: readers that can take a chunk of lines at a time use `batches`, others `lines`.
  const batches = counted(name, lazyBatches(path, o), o);
  return { name, lines: flatten(batches), batches, prefixed: o.prefixed ?? false };
}

/**
 * Reads a whole file (or `-` for stdin) into memory: one source per `kubectl --prefix` container, else one for the
 * file. For tests and small inputs; the CLI streams with {@link fileSource}.
 */
export async function readLogFile(
  path: string,
  opts: { signal?: AbortSignal; stdin?: Readable } = {},
): Promise<LogSource[]> {
  const source = await fileSource(path, opts);
  const bySource = new Map<string, string[]>();
  for await (const line of source.lines) {
    const m = KUBECTL_PREFIX.exec(line);
    const key = m ? `${m[1]}/${m[2]}` : source.name;
    let arr = bySource.get(key);
    if (!arr) bySource.set(key, (arr = []));
    arr.push(m ? line.slice(m[0].length) : line);
  }
  return [...bySource].map(([n, lines]) => ({ name: n, lines }));
}
