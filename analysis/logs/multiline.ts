/**
 * @module analysis/logs/multiline — groups the physical lines of one source into records: Java/Python stack traces,
 * Go panics with goroutine dumps and indented continuations become one event.
 */

/** Limits that keep one record bounded whatever the input. */
export interface MultilineLimits {
  /** Physical lines per record before a new record is forced. */
  maxLines: number;
  /** Characters of text kept per record (the rest is dropped, the line count still grows). */
  maxChars: number;
}

export const DEFAULT_MULTILINE_LIMITS: MultilineLimits = { maxLines: 400, maxChars: 16 * 1024 };

/** A grouped record before level and message extraction. */
export interface RawRecord {
  lines: string[];
  physicalLines: number;
}

/** Lines that open a trace block, after which blank lines and Go frame lines continue the record. */
const BLOCK_START =
  /^(?:panic: |fatal error: |Traceback \(most recent call last\):|goroutine \d+ \[|SIGSEGV|Exception in thread )/;
/** Lines that always continue the previous record. */
const CONTINUATION =
  /^(?:[ \t]+\S|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)|\[signal |created by |goroutine \d+ \[|exit status \d+)/;
/** An exception line following a log line: `java.lang.NullPointerException: …`, `ValueError: …`. */
const EXCEPTION_LINE = /^(?:[a-zA-Z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Throwable|Panic)(?::\s|$)/;
/** A Go stack frame function line: `main.handler(0x1, 0x2)` or `net/http.(*conn).serve(...)`. */
const GO_FRAME = /^[\w./*()-]+\.[\w*()]+\(.*\)$/;

/** Groups lines into records, one source at a time. Feed lines with {@link push}; call {@link flush} at the end. */
export class MultilineGrouper {
  readonly #limits: MultilineLimits;
  #current: RawRecord | undefined;
  #chars = 0;
  #inBlock = false;

  constructor(limits: Partial<MultilineLimits> = {}) {
    this.#limits = { ...DEFAULT_MULTILINE_LIMITS, ...limits };
  }

  /** Adds one physical line; returns the previous record when this line starts a new one. */
  push(line: string): RawRecord | undefined {
    const cur = this.#current;
    if (cur && cur.physicalLines < this.#limits.maxLines && this.#continues(line)) {
      cur.physicalLines++;
      if (this.#chars < this.#limits.maxChars && line.trim() !== '') {
        const kept = line.slice(0, this.#limits.maxChars - this.#chars);
        cur.lines.push(kept);
        this.#chars += kept.length;
      }
      if (BLOCK_START.test(line)) this.#inBlock = true;
      return undefined;
    }
    const done = this.#current;
    const head = line.slice(0, this.#limits.maxChars);
    this.#current = { lines: [head], physicalLines: 1 };
    this.#chars = head.length;
    this.#inBlock = BLOCK_START.test(line);
    return done;
  }

  /** Returns the record in progress, if any. */
  flush(): RawRecord | undefined {
    const done = this.#current;
    this.#current = undefined;
    this.#inBlock = false;
    return done;
  }

  #continues(line: string): boolean {
    if (CONTINUATION.test(line) || EXCEPTION_LINE.test(line)) return true;
    if (!this.#inBlock) return false;
    return line.trim() === '' || GO_FRAME.test(line);
  }
}
