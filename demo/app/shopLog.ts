/**
 * @module demo/app/shopLog — the shop's log file, in a common Java/Node house format:
 * `2026-12-02 03:04:05.678 [worker-3] INFO  shop.http - GET /book/7 200 12ms rid=3f9c0a1e7b2d4c68`.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export type ShopLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local-time timestamp with milliseconds, as logback and log4j print it. */
export function timestamp(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** One formatted line (no trailing newline); `extra` lines (a stack trace) follow it verbatim. */
export function formatLine(a: {
  at: Date;
  thread: string;
  level: ShopLevel;
  logger: string;
  message: string;
}): string {
  return `${timestamp(a.at)} [${a.thread}] ${a.level.padEnd(5)} ${a.logger} - ${a.message}`;
}

/** `--log-file` values meaning the process's own stdout (a container's log). */
export const STDOUT_PATHS: readonly string[] = ['-', '/dev/stdout'];

/**
 * Appends lines to one pod's log file, or to stdout for `-` / `/dev/stdout` (deploy/examples/shop). Stdout is written
 * directly rather than by opening `/dev/stdout`: that open fails (ENXIO) when stdout is a socket, as it is for a
 * child process spawned with Node's `stdio: 'pipe'` and for some container runtimes.
 */
export class ShopLog {
  readonly #out: Writable;
  readonly #stdout: boolean;
  readonly #now: () => Date;

  constructor(path: string, now: () => Date = () => new Date()) {
    this.#stdout = STDOUT_PATHS.includes(path);
    this.#out = this.#stdout ? process.stdout : createWriteStream(path, { flags: 'a' });
    this.#now = now;
  }

  /** Writes one record; `trace` lines (a stack trace) are appended below it as one multi-line record. */
  write(level: ShopLevel, a: { thread: string; logger: string; message: string; trace?: string }): void {
    const head = formatLine({ at: this.#now(), level, ...a });
    this.#out.write(a.trace ? `${head}\n${a.trace}\n` : `${head}\n`);
  }

  /** Flushes and closes the file (stdout is flushed, never closed). */
  close(): Promise<void> {
    if (this.#stdout) return new Promise((resolve) => this.#out.write('', () => resolve()));
    return new Promise((resolve) => this.#out.end(resolve));
  }
}
