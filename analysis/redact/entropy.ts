/**
 * @module analysis/redact/entropy — the last layer of redaction: a long random token that no rule names (a bare
 * 40-character AWS secret key, a session secret) is recognised by its shape and its Shannon entropy.
 */
import { placeholder, type RedactionCounts } from './kinds.ts';

/**
 * What counts as a random token. The thresholds keep ordinary log words: UUIDs and hex digests (one case of letters),
 * CamelCase identifiers (few digits, low entropy) and file names (`<base64>.png`) survive.
 */
export const ENTROPY_THRESHOLDS = {
  /** Shortest run considered: AWS secret keys are 40, most API secrets 32 or more. */
  minLength: 32,
  /** Bits per character; random base64 of 32–47 characters measures 4.6–5.2, English identifiers 3.5–4.2. */
  minBitsPerChar: 4.3,
  /** From `longFrom` characters on: random base64 of 48+ measures 5.0–5.6, long CamelCase identifiers up to 4.5. */
  minBitsPerCharLong: 4.7,
  longFrom: 48,
  /** Digits a random token of this length practically always has (40 base64 characters have about 6). */
  minDigits: 3,
} as const;

/** Base64/base64url characters (`/` and `+` included: AWS keys have them), as a lookup table for the scanner. */
export const TOKEN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-')
  TOKEN_CHAR[c.charCodeAt(0)] = 1;
/** Longest run considered a token (longer runs are data blobs, left to the other rules). */
const MAX_RUN = 512;

/**
 * The runs of token characters of at least `min` characters, as [start, end) pairs: one pass over the text (a regex
 * such as /[…]{32}/ retries up to 32 characters at every position, several times slower on long log lines).
 */
export function longRuns(text: string, min: number = ENTROPY_THRESHOLDS.minLength): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c < 128 && TOKEN_CHAR[c] === 1) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) out.push([start, i]);
      start = -1;
    }
  }
  return out;
}
/** A run followed by a file extension is a (content-hashed) file name, not a secret. */
const FILE_EXTENSION =
  /^\.(?:png|jpe?g|gif|webp|svg|ico|css|js|mjs|map|json|html?|woff2?|ttf|txt|pdf|zip|gz|tar)\b/i;

/** Occurrences of each UTF-16 unit in the text being measured, and its distinct units in order of first occurrence. */
const COUNTS = new Uint32Array(65_536);
const FIRST_SEEN: number[] = [];

/** Shannon entropy of `s` in bits per character. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((COUNTS[c] as number) === 0) FIRST_SEEN.push(c);
    COUNTS[c] = (COUNTS[c] as number) + 1;
  }
  // Summed in order of first occurrence (as a Map's values would be): the same bits, to the last one, on every text.
  let h = 0;
  for (const c of FIRST_SEEN) {
    const p = (COUNTS[c] as number) / n;
    h -= p * Math.log2(p);
    COUNTS[c] = 0;
  }
  FIRST_SEEN.length = 0;
  return h;
}

const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
const SLASH = 47;

/** How many of `text`'s units in [start, end) are `unit`. */
function countIn(text: string, unit: number, start = 0, end = text.length): number {
  let n = 0;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === unit) n++;
  return n;
}

/** How many ASCII digits (a regex's `\d`) `text` has. */
function digitsIn(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** True when `token` looks like a random secret by the {@link ENTROPY_THRESHOLDS}. */
export function looksRandom(token: string): boolean {
  const t = ENTROPY_THRESHOLDS;
  // A path (`/a/b/c`) is not a token: base64 has at most a few slashes and never starts with one.
  if (token.length < t.minLength || token.charCodeAt(0) === SLASH || countIn(token, SLASH) > 3) return false;
  const minBits = token.length >= t.longFrom ? t.minBitsPerCharLong : t.minBitsPerChar;
  if (!LOWER.test(token) || !UPPER.test(token)) return false;
  if (digitsIn(token) < t.minDigits) return false;
  return shannonEntropy(token) >= minBits;
}

/** A run that is a path (`/static/img/<token>`): its segments are judged one by one. */
function pieces(text: string, start: number, end: number): Array<[number, number]> {
  if (text.charCodeAt(start) !== SLASH && countIn(text, SLASH, start, end) <= 3) return [[start, end]];
  const out: Array<[number, number]> = [];
  let from = start;
  for (const seg of text.slice(start, end).split('/')) {
    if (seg.length >= ENTROPY_THRESHOLDS.minLength) out.push([from, from + seg.length]);
    from += seg.length + 1;
  }
  return out;
}

/** Replaces every random-looking token of `text`; `runs`, when given, are `longRuns(text)` already computed. */
export function entropyRedact(
  text: string,
  counts: RedactionCounts,
  runs: ReadonlyArray<readonly [number, number]> = longRuns(text),
): string {
  let out = '';
  let last = 0;
  for (const [runStart, runEnd] of runs) {
    for (const [start, end] of pieces(text, runStart, runEnd)) {
      const run = text.slice(start, end);
      if (end - start > MAX_RUN || !looksRandom(run) || FILE_EXTENSION.test(text.slice(end, end + 6)))
        continue;
      counts.high_entropy = (counts.high_entropy ?? 0) + 1;
      out += text.slice(last, start) + placeholder('high_entropy');
      last = end;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}
