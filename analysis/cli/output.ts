/**
 * @module analysis/cli/output — stdout for commands whose output is often piped (`sentinel templates F --json | head`):
 * when the reader goes away (EPIPE), the command stops writing and exits quietly instead of dying on an unhandled
 * stream error. Writes respect back-pressure, so output of any size streams with bounded memory.
 */
import type { Writable } from 'node:stream';

/** A line writer over a stream that notices when its reader has gone. */
export class PipeWriter {
  readonly #out: Writable;
  #closed = false;

  constructor(out: Writable = process.stdout) {
    this.#out = out;
    // EPIPE (the reader closed) ends output; other stream errors are also not worth a stack trace here.
    out.on('error', () => {
      this.#closed = true;
    });
  }

  /** True once the reader has gone: callers stop producing output. */
  get closed(): boolean {
    return this.#closed || this.#out.destroyed || this.#out.writableEnded;
  }

  /** Writes text; resolves when it may write more (drain), or at once when the reader has gone. */
  async write(text: string): Promise<void> {
    if (this.closed) return;
    if (this.#out.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#out.off('drain', done);
        this.#out.off('error', done);
        this.#out.off('close', done);
        resolve();
      };
      this.#out.on('drain', done);
      this.#out.on('error', done);
      this.#out.on('close', done);
    });
  }
}
