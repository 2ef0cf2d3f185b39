/** @module lib/errors — the shape of every user-facing error: a permanent name, a message, and a hint. */

/**
 * Base of the product's error catalogs (`proxy/errors.ts`, `plugin/errors.ts`, …).
 * `code` is a permanent PascalCase name that is never renamed, so it can be searched for.
 * The message says what happened and why; `hint` says what to do.
 */
export class SentinelError extends Error {
  override name = this.constructor.name;
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
  }

  /** `message`, then the hint on its own line when there is one. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The configuration is invalid; `message` names each variable, its bad value and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}
