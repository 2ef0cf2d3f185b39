/** @module analysis/logs/fileLogs — log evidence from files and stdin (CLI, tests, replaying past incidents). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AnalysisError } from '../errors.ts';
import type { LogSource } from './types.ts';

/** `kubectl logs --prefix` writes `[pod/name/container] line`; such lines are split into one source per container. */
const KUBECTL_PREFIX = /^\[pod\/([^/\]\s]+)\/([^\]\s]+)\] ?/;

/** Lines of a stream, decoded as UTF-8 (invalid bytes become U+FFFD, never an error). */
export async function* streamLines(stream: Readable, signal?: AbortSignal): AsyncGenerator<string> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      signal?.throwIfAborted();
      yield line;
    }
  } finally {
    rl.close();
    stream.destroy();
  }
}

/**
 * Reads a whole file (or `-` for stdin) into sources: one per `kubectl --prefix` container, else one for the file.
 * Holds the lines in memory grouped by source; use {@link fileSource} to stream a single-source file instead.
 */
export async function readLogFile(
  path: string,
  opts: { signal?: AbortSignal; stdin?: Readable } = {},
): Promise<LogSource[]> {
  const input = await openInput(path, opts.stdin);
  const bySource = new Map<string, string[]>();
  const name = path === '-' ? 'stdin' : path;
  for await (const line of streamLines(input, opts.signal)) {
    const m = KUBECTL_PREFIX.exec(line);
    const key = m ? `${m[1]}/${m[2]}` : name;
    let arr = bySource.get(key);
    if (!arr) bySource.set(key, (arr = []));
    arr.push(m ? line.slice(m[0].length) : line);
  }
  return [...bySource].map(([n, lines]) => ({ name: n, lines }));
}

/** A streaming single source for a file (no prefix splitting; memory stays bounded). */
export async function fileSource(path: string, signal?: AbortSignal): Promise<LogSource> {
  const input = await openInput(path);
  return { name: path, lines: streamLines(input, signal) };
}

async function openInput(path: string, stdin?: Readable): Promise<Readable> {
  if (path === '-') return stdin ?? process.stdin;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new AnalysisError(
      'LogInputUnreadable',
      `Cannot read log file ${path}: ${(err as Error).message}.`,
      {
        hint: 'Pass an existing file, or - for stdin.',
        cause: err,
      },
    );
  }
  // Past incidents are often archived compressed: `.gz` files are decompressed on the fly.
  return path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
}
