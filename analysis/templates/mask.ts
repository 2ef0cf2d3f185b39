/** @module analysis/templates/mask — replaces variable parts of a log message (numbers, hex, UUIDs, IPs, paths, timestamps) by `<*>`. */

/** The wildcard that stands for a variable in a template. */
export const WILDCARD = '<*>';

/**
 * Masking rules, applied in order to the whole message before tokenizing. Each removes a kind of value that varies
 * between occurrences of one event, so the parse tree sees the constant skeleton. Order matters: longer, more specific
 * shapes (timestamps, UUIDs, IPs) before bare numbers.
 */
const MASKS: ReadonlyArray<readonly [RegExp, string, string?]> = [
  // ISO-8601 / RFC 3339 timestamps and dates, and clock times.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '-'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, ':'],
  // UUIDs.
  [/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, '-'],
  // IPv4 with optional port, and IPv6.
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '.'],
  [/(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])/g, ':'],
  // MAC addresses.
  [/\b(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}\b/g, ':'],
  // Hex: 0x… and long runs of hex digits that contain a digit (ids, hashes).
  [/\b0[xX][0-9a-fA-F]+\b/g, '0'],
  [/\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b/g, ''],
  // Absolute file paths with two or more segments.
  [/(?<![\w.])\/(?:[\w.@~+-]+\/)+[\w.@~+-]*/g, '/'],
  // Values of key=value pairs that hold a digit (`rid=x7`, `user=u42`, `req=a1b2`): logfmt-style variables.
  [/(\b[A-Za-z_][\w.-]*=)(?!<\*>)[^\s,;&"'=]*\d[^\s,;&"']*/g, '=', `$1${'<*>'}`],
  // Quantities with a unit: 12ms, 1.5s, 512MB, 99%.
  [/(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|[KMGT]i?B|[kKMG]|B|%)(?![\w])/g, ''],
  // Numbers (integers, decimals, signed) not glued to letters or digits.
  [/(?<![A-Za-z_\d])[-+]?\d+(?:\.\d+)?(?![A-Za-z\d])/g, ''],
];

const HAS_DIGIT = /\d/;

/** Masks variable parts of `message` with {@link WILDCARD}. */
export function mask(message: string): string {
  if (!HAS_DIGIT.test(message) && !message.includes('/')) return message;
  let out = message;
  // Each rule names a character its matches must contain: a cheap `includes` skips most regexes on most lines.
  for (const [re, needs, by] of MASKS)
    if (needs === '' || out.includes(needs)) out = out.replace(re, by ?? WILDCARD);
  return out;
}

/** Whitespace and `|` (a field separator in many formats: `time|component|pid|message`). */
const SPLIT = /[\s|]+/;

/** A token made only of wildcards and separators, such as `<*>,<*>` or `<*>:<*>`: a list of values. */
const WILDCARD_LIST = /^<\*>(?:[,;:/|_.-]+<\*>)+$/;

/** Splits a (masked) message into tokens on whitespace and `|`; empty messages give no tokens. */
export function tokenize(message: string): string[] {
  const trimmed = message.trim();
  if (trimmed === '') return [];
  return trimmed.split(SPLIT).map((t) => (WILDCARD_LIST.test(t) ? WILDCARD : t));
}

/** True when a token still contains a digit after masking (e.g. `blk_<*>`, `user42`): a likely variable. */
export function hasDigit(token: string): boolean {
  return HAS_DIGIT.test(token);
}
