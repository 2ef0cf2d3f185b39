/**
 * @module lib/exitCodes — the exit-code contract of every `sentinel` command, so automation can act on it:
 * 0, 1 and 2 only for a verdict actually reached, 3 for the caller's mistake, 4 for everything else.
 */
import { ConfigError, SentinelError, errorMessage } from './errors.ts';

/**
 * The exit codes. A pipeline may map 1 to "roll back": no command exits 1 for anything but a reached rollback
 * verdict (a crash, a bad flag or a corrupt input never does).
 */
export const EXIT = {
  /** Success; for a judging command: the verdict is promote (no regression). */
  ok: 0,
  promote: 0,
  /** A reached rollback verdict (a regression). Nothing else exits 1. */
  rollback: 1,
  /** A reached verdict that is inconclusive: not enough evidence either way. */
  inconclusive: 2,
  /** Bad usage or unreadable input: unknown flag, bad value, missing or corrupt file, wrong JSON shape. */
  usage: 3,
  /** An internal error, or a service the command needed failed (the message says which). */
  internal: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One paragraph for every command's `--help`. */
export const EXIT_CODES_HELP = `exit codes:
  0  success (promote: no regression)
  1  rollback: a regression was found (only a reached verdict exits 1)
  2  inconclusive: not enough evidence either way
  3  bad usage or unreadable input (unknown flag, bad value, missing or corrupt file, wrong JSON shape)
  4  internal error, or a service the command needed failed`;

/**
 * An error that is the caller's to fix (bad input, bad environment), carrying the catalog's code, message and hint.
 * Commands throw it (or a {@link SentinelError} built with `exit: EXIT.usage`) instead of exiting themselves.
 */
export class UsageError extends SentinelError {
  readonly exitCode = EXIT.usage;
}

/** Node's error codes for a path the user gave that cannot be used: the caller's mistake, not ours. */
const USER_PATH_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);

/** The exit code for an error that reached the top of a command. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof ConfigError) return EXIT.usage;
  const code = (err as { exitCode?: unknown } | undefined)?.exitCode;
  if (code === EXIT.usage || code === EXIT.internal) return code;
  if (err instanceof SentinelError) return EXIT.internal;
  const sys = (err as { code?: unknown } | undefined)?.code;
  if (
    typeof sys === 'string' &&
    USER_PATH_CODES.has(sys) &&
    typeof (err as { path?: unknown }).path === 'string'
  )
    return EXIT.usage;
  return EXIT.internal;
}

/**
 * What to print for an error that reached the top: the catalog message and hint, or the plain message — never a
 * stack trace for the caller's mistake. An internal error adds where to look (the stack only with `debug`).
 */
export function describeFailure(err: unknown, opts: { debug?: boolean } = {}): string {
  const text = err instanceof SentinelError ? err.describe() : errorMessage(err);
  if (exitCodeOf(err) === EXIT.usage) return text;
  const stack = opts.debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  const hint = opts.debug
    ? ''
    : '\n  hint: this is a bug or an outage; rerun with SENTINEL_DEBUG=1 for the stack trace';
  return `internal error: ${text}${err instanceof SentinelError ? '' : hint}${stack}`;
}
