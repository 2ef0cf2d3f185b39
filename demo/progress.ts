/** @module demo/progress — one line per stage with its duration; a spinner only when stdout is a terminal. */
import type { WriteStream } from 'node:tty';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface StageResult {
  name: string;
  ms: number;
  ok: boolean;
  note?: string;
}

/** Prints stages to `out`; keeps their durations for the summary. */
export class Progress {
  readonly #out: NodeJS.WritableStream & Partial<Pick<WriteStream, 'isTTY'>>;
  readonly stages: StageResult[] = [];
  readonly #t0 = performance.now();

  constructor(out: NodeJS.WritableStream & Partial<Pick<WriteStream, 'isTTY'>>) {
    this.#out = out;
  }

  /** Runs one stage: `fn` returns a note (shown after the duration). A failing stage prints ✗ and rethrows. */
  async stage<T>(name: string, fn: () => Promise<{ value: T; note?: string }>): Promise<T> {
    const t0 = performance.now();
    const timer = this.#out.isTTY ? this.#spin(name, t0) : undefined;
    try {
      const { value, note } = await fn();
      this.#line({ name, ms: performance.now() - t0, ok: true, ...(note ? { note } : {}) });
      return value;
    } catch (err) {
      this.#line({ name, ms: performance.now() - t0, ok: false });
      throw err;
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  /** Milliseconds since the first stage started. */
  elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  #spin(name: string, t0: number): NodeJS.Timeout {
    let i = 0;
    return setInterval(() => {
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      this.#out.write(`\r${FRAMES[i++ % FRAMES.length]} ${name} ${s}s`);
    }, 100);
  }

  #line(r: StageResult): void {
    this.stages.push(r);
    const clear = this.#out.isTTY ? '\r\x1b[2K' : '';
    const secs = `${(r.ms / 1000).toFixed(1)}s`.padStart(6);
    this.#out.write(
      `${clear}${r.ok ? '✓' : '✗'} ${r.name.padEnd(44)} ${secs}${r.note ? `  ${r.note}` : ''}\n`,
    );
  }
}
