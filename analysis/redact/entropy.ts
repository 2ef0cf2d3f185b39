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
  /** Bits per character; random base64 of 32–64 characters measures 4.6–5.5, English identifiers 3.5–4.2. */
  minBitsPerChar: 4.3,
  /** Digits a random token of this length practically always has (40 base64 characters have about 6). */
  minDigits: 3,
} as const;

/** Runs of base64/base64url characters; `/` and `+` included (AWS keys have them). */
const RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{32,512}(?![A-Za-z0-9+/=_-])/g;
/** A run followed by a file extension is a (content-hashed) file name, not a secret. */
const FILE_EXTENSION =
  /^\.(?:png|jpe?g|gif|webp|svg|ico|css|js|mjs|map|json|html?|woff2?|ttf|txt|pdf|zip|gz|tar)\b/i;

/** Shannon entropy of `s` in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** True when `token` looks like a random secret by the {@link ENTROPY_THRESHOLDS}. */
export function looksRandom(token: string): boolean {
  const t = ENTROPY_THRESHOLDS;
  // A path (`/a/b/c`) is not a token: base64 has at most a few slashes and never starts with one.
  if (token.length < t.minLength || token.startsWith('/') || token.split('/').length > 4) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token)) return false;
  if ((token.match(/\d/g)?.length ?? 0) < t.minDigits) return false;
  return shannonEntropy(token) >= t.minBitsPerChar;
}

/** Replaces every random-looking token of `text`. */
export function entropyRedact(text: string, counts: RedactionCounts): string {
  RUN.lastIndex = 0;
  return text.replace(RUN, (run: string, offset: number) => {
    if (!looksRandom(run) || FILE_EXTENSION.test(text.slice(offset + run.length, offset + run.length + 6)))
      return run;
    counts.high_entropy = (counts.high_entropy ?? 0) + 1;
    return placeholder('high_entropy');
  });
}
