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

/**
 * {@link mask} by the rules alone, applied to the whole message: the reference the shortcuts of {@link mask} are held to
 * (exported for the test that compares them).
 */
export function maskByRules(message: string): string {
  if (!HAS_DIGIT.test(message) && !message.includes('/')) return message;
  let out = message;
  // Each rule names a character its matches must contain: a cheap `includes` skips most regexes on most lines.
  for (const [re, needs, by] of MASKS)
    if (needs === '' || out.includes(needs)) out = out.replace(re, by ?? WILDCARD);
  return out;
}

/*
 * Shortcuts: whole tokens whose masked form is known without running the rules. Each shape below was checked against
 * every rule in order (and `maskByRules` is the reference a test compares with on real and generated logs): no rule
 * matches across whitespace except a date with a time after a space, which none of these shapes can form, and the
 * rules look at most one character beyond a match, where a token has whitespace or the text's end.
 */
/** An optional `key=` of letters and `_` only (no digit, `.` or `-` an earlier rule could match inside). */
const KEY = '(?:[A-Za-z_]+=)?';
/** `id=3f2b8c1e-9d4a-4b6f-8e2a-1c0d9e8f7a6b`, `3f2b…`: the UUID rule takes the UUID. */
const UUID_TOKEN = new RegExp(
  `^${KEY}[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`,
);
/** `path=/api/order/42`, `/a/b/`: two or more slashes, non-empty word segments: the path rule takes it whole. */
const PATH_TOKEN = new RegExp(`^${KEY}\\/(?:\\w+\\/)+\\w*$`);
/** A word the hex-number or the hex-run rule takes whole (`0x1f`, `deadbeef42`). */
const HEX_WORD = /^0[xX][0-9a-fA-F]+$|^(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}$/;
/** A word the quantity rule takes whole (`12ms`, `512MB`; `%` is not a word character). */
const QUANTITY_WORD = /^\d+(?:ns|us|µs|ms|s|m|h|d|[KMGT]i?B|[kKMG]|B)$/;

/** What a token's characters are, for the shortcuts. */
const DIGIT = 1;
const LETTER = 2;
const UNDERSCORE = 4;
const EQUALS = 8;
/** `/`, `:` or `-`: characters the UUID, IPv6, MAC and path rules need besides digits. */
const TRIGGER = 16;
const OTHER = 32;

/** Whitespace (a regex's `\s`): separates tokens. */
const SPACE = 64;

/** The class of each ASCII character. */
const ASCII_CLASS = new Uint8Array(128).fill(OTHER);
for (const [chars, cls] of [
  ['0123456789', DIGIT],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', LETTER],
  ['_', UNDERSCORE],
  ['=', EQUALS],
  ['/:-', TRIGGER],
  [' \t\n\v\f\r', SPACE],
] as const)
  for (const ch of chars) ASCII_CLASS[ch.charCodeAt(0)] = cls;

function charClass(c: number): number {
  if (c < 128) return ASCII_CLASS[c] as number;
  return isWideSpace(c) ? SPACE : OTHER;
}

/** True for the characters beyond ASCII of a regex's `\s` (ECMAScript WhiteSpace and LineTerminator). */
function isWideSpace(c: number): boolean {
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The token's `key=` (none when `eq` is -1) and a wildcard for its value. */
function keyedWildcard(token: string, eq: number): string {
  return eq < 0 ? WILDCARD : token.slice(0, eq + 1) + WILDCARD;
}

/** `key=value` with a key of letters and `_` and a value of word characters with a digit: the pair rule's `key=<*>`. */
function keyWordValue(token: string): string | undefined {
  const eq = token.indexOf('=');
  if (eq <= 0 || eq === token.length - 1) return undefined;
  for (let i = 0; i < eq; i++)
    if ((charClass(token.charCodeAt(i)) & (LETTER | UNDERSCORE)) === 0) return undefined;
  return keyedWildcard(token, eq);
}

const ALL_DIGITS = /^\d+$/;

/**
 * A word (letters, digits, `_`) with a digit. Inside a word only its start and end are `\b`s and the number and quantity
 * rules' look-behinds hold only at its start: a rule takes the whole word or nothing, except the number rule on a word
 * starting with digits followed by `_` (`42_x` → `<*>_x`), left to the rules.
 */
function word(token: string): string | undefined {
  if (HEX_WORD.test(token)) return WILDCARD;
  const first = token.charCodeAt(0);
  if (first < 48 || first > 57) return token;
  return ALL_DIGITS.test(token) || QUANTITY_WORD.test(token) ? WILDCARD : undefined;
}

/** A token's masked form by a shortcut, or undefined when the rules must decide. `seen`: its character classes. */
function shortcut(token: string, seen: number): string | undefined {
  // No digit and none of `/ : -`: no rule matches (UUIDs, IPv6 and MAC addresses without a digit need `-` or `:`).
  if ((seen & (DIGIT | TRIGGER)) === 0) return token;
  if ((seen & (TRIGGER | OTHER)) === 0) {
    if ((seen & EQUALS) === 0) return word(token);
    // Word characters, one `=`, a digit: the pair rule (or a hex rule on the whole value first, with the same result).
    return token.indexOf('=') === token.lastIndexOf('=') ? keyWordValue(token) : undefined;
  }
  if ((seen & OTHER) !== 0) return undefined;
  const eq = token.indexOf('=');
  if (UUID_TOKEN.test(token)) return keyedWildcard(token, eq);
  if (
    PATH_TOKEN.test(token) &&
    !token
      .slice(eq + 1)
      .split('/')
      .some((seg) => HEX_WORD.test(seg))
  )
    return keyedWildcard(token, eq);
  return undefined;
}

/**
 * Masks variable parts of `message` with {@link WILDCARD}: the rules above, in order. Messages made only of tokens of
 * a few common shapes (words, numbers, `key=value`, UUIDs, simple paths, quantities) are masked token by token without
 * running them; any other message goes through all of them.
 */
export function mask(message: string): string {
  if (!HAS_DIGIT.test(message) && !message.includes('/')) return message;
  let out = '';
  /** Where the text not yet copied to `out` starts. */
  let copied = 0;
  let start = -1;
  let seen = 0;
  const n = message.length;
  for (let i = 0; i <= n; i++) {
    const cls = i < n ? charClass(message.charCodeAt(i)) : SPACE;
    if (cls !== SPACE) {
      if (start < 0) {
        start = i;
        seen = 0;
      }
      seen |= cls;
      continue;
    }
    if (start < 0) continue;
    const token = message.slice(start, i);
    const masked = shortcut(token, seen);
    if (masked === undefined) return maskByRules(message);
    if (masked !== token) {
      out += message.slice(copied, start) + masked;
      copied = i;
    }
    start = -1;
  }
  return copied === 0 ? message : out + message.slice(copied);
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
