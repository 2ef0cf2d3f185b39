/**
 * @module demo/app/shopLog — the shop's log file, in a common Java/Node house format:
 * `2026-12-02 03:04:05.678 [worker-3] INFO  shop.http - GET /book/7 200 12ms rid=3f9c0a1e7b2d4c68`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

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

/** Appends lines to one pod's log file. */
export class ShopLog {
  readonly #out: WriteStream;
  readonly #now: () => Date;

  constructor(path: string, now: () => Date = () => new Date()) {
    this.#out = createWriteStream(path, { flags: 'a' });
    this.#now = now;
  }

  /** Writes one record; `trace` lines (a stack trace) are appended below it as one multi-line record. */
  write(level: ShopLevel, a: { thread: string; logger: string; message: string; trace?: string }): void {
    const head = formatLine({ at: this.#now(), level, ...a });
    this.#out.write(a.trace ? `${head}\n${a.trace}\n` : `${head}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(resolve));
  }
}
