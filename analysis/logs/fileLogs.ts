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

/**
 * Lines of a stream, decoded as UTF-8 (invalid bytes become U+FFFD, never an error), one array per chunk read: the
 * readers then pay one await per chunk (a few hundred lines), not one per line. A line longer than
 * {@link MAX_LINE_CHARS} is cut there and the rest of it skipped, so one huge line costs no more memory than a long one.
 * A stream error (missing file, corrupt gzip) rejects the iteration.
 */
export async function* streamLineBatches(stream: Readable, signal?: AbortSignal): AsyncGenerator<string[]> {
  stream.setEncoding('utf8');
  let pending = '';
  let skipping = false;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      signal?.throwIfAborted();
      const batch: string[] = [];
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        const piece = chunk.slice(start, nl > start && chunk.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
        start = nl + 1;
        if (skipping) {
          skipping = false;
          batch.push(pending);
        } else {
          const line = pending.length ? pending + piece : piece;
          batch.push(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
        }
        pending = '';
      }
      if (!skipping && start < chunk.length) {
        pending += chunk.slice(start);
        if (pending.length > MAX_LINE_CHARS) {
          pending = pending.slice(0, MAX_LINE_CHARS);
          skipping = true;
        }
      }
      if (batch.length) yield batch;
    }
    if (pending.length) yield [pending];
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
