import { describe, expect, it } from 'vitest';
import { longRuns, TOKEN_CHAR } from './entropy.ts';
import { GITLEAKS_KEYWORDS } from './gitleaks.ts';
import { KeywordScanner } from './keywordScan.ts';
import { secretCorpus } from '../report/testing/secretCorpus.ts';
import { keywordsIn, keywordsInByRegex, redact, redactWithPart } from './redact.ts';

/** A small deterministic generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sorted = (s: Set<string> | undefined): string[] => [...(s ?? [])].sort();

describe('keywordsIn: the fast scanner agrees with the regex scan', () => {
  it('on lines built from keywords, their fragments, case changes and overlaps', () => {
    const r = rng(13);
    const words = [...GITLEAKS_KEYWORDS, 'password', 'key', 'bearer', '@', '://', '-----BEGIN', 'xox', 'sk-'];
    const filler = ['a', 'e', 'y', 's', 'k', ' ', '=', '_', '-', '.', '/', 'é', 'İ', '\u212a', '0'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    for (let n = 0; n < 5000; n++) {
      let line = '';
      const parts = 1 + Math.floor(r() * 8);
      for (let p = 0; p < parts; p++) {
        let w = pick(words);
        if (r() < 0.3) w = w.slice(0, 1 + Math.floor(r() * w.length)); // a fragment
        if (r() < 0.3) w = w.toUpperCase();
        line += w + (r() < 0.5 ? pick(filler) : '');
      }
      expect(sorted(keywordsIn(line)), line).toEqual(sorted(keywordsInByRegex(line)));
    }
  });

  it('finds the longest keyword at a position and keywords inside it', () => {
    // `key` is a keyword and so is `ey` (gitleaks) inside it; `password` holds `pass`, found as part of it.
    expect(sorted(keywordsIn('API KEY set'))).toEqual(sorted(keywordsInByRegex('API KEY set')));
    expect(keywordsIn('mail bob@example.com')).toContain('@');
    expect(keywordsIn('nothing to see here 42')).toBeUndefined();
  });
});

describe('KeywordScanner', () => {
  it('reports the same long runs as longRuns, in the same pass as the keywords', () => {
    const scanner = new KeywordScanner(['key', 'ey', 'api'], TOKEN_CHAR, 32);
    const r = rng(7);
    const alphabet = 'aB3+/=_-. é:xyKEY';
    for (let n = 0; n < 2000; n++) {
      let line = '';
      const len = Math.floor(r() * 200);
      for (let i = 0; i < len; i++) line += alphabet[Math.floor(r() * alphabet.length)] as string;
      if (r() < 0.5) line += 'x'.repeat(Math.floor(r() * 60));
      expect(scanner.scan(line).runs, line).toEqual(longRuns(line, 32));
    }
  });

  it('takes the longest keyword at a position and finds overlapping ones', () => {
    const scanner = new KeywordScanner(['key', 'ey', 'api', 'apikey'], TOKEN_CHAR, 32);
    expect(sorted(scanner.scan('my APIKEY here').keywords)).toEqual(['apikey', 'ey', 'key']);
    expect(sorted(scanner.scan('a key').keywords)).toEqual(['ey', 'key']);
    expect(scanner.scan('nothing').keywords).toBeUndefined();
    // A non-ASCII letter never stands for an ASCII one (the Kelvin sign is not `k`).
    expect(scanner.scan('\u212aey').keywords).toEqual(new Set(['ey']));
  });

  it('refuses keywords it cannot match exactly', () => {
    expect(() => new KeywordScanner(['Key'], TOKEN_CHAR, 32)).toThrow(/lower-case ASCII/);
    expect(() => new KeywordScanner(['clé'], TOKEN_CHAR, 32)).toThrow(/lower-case ASCII/);
    expect(() => new KeywordScanner([''], TOKEN_CHAR, 32)).toThrow(/non-empty/);
  });
});

describe('redactWithPart', () => {
  it('redacts the part like redact when the text holds a secret', () => {
    const secret = ['AKIA', 'Z7Q3XK2M9B4T6W8Y'].join('');
    const text = `2026-01-01T00:00:00Z INFO aws key ${secret} loaded`;
    const part = `aws key ${secret} loaded`;
    const r = redactWithPart(text, part);
    expect(r.text).toBe(redact(text));
    expect(r.part).toBe(redact(part));
    expect(r.part).not.toContain(secret);
  });

  it('redacts a part that is not inside the text on its own', () => {
    const secret = ['sk_live_', 'a1B2c3D4e5F6g7H8i9J0'].join('');
    const r = redactWithPart('a plain line', `charge with ${secret}`);
    expect(r.text).toBe('a plain line');
    expect(r.part).not.toContain(secret);
  });

  it('gives every suffix of a line the answer redact gives it (secret corpus, with and without a header)', () => {
    const ordinary = [
      'request method=GET path=/api/checkout/7 status=200 duration=35ms request_id=6c43069c-43a8-4c3b-a7cf-3c25632b9240',
      'cache hit for key order:42 in session 7f3a',
      'user 42 session refreshed; api key rotated',
      'static /img/Zq4Lm8Np2Rt6Vx0Bc3Df7Gh1Jk5Mn9Pq2St6.png served',
      'foo--password hunter2secret and x--token=abc123def',
    ];
    const lines = [...secretCorpus().map((c) => c.line), ...ordinary];
    const headers = ['', '2026-11-21T18:00:00.000Z INFO  checkout ', '[pod/a/b] key=value\t'];
    let checked = 0;
    for (const opts of [{}, { ips: true }])
      for (const h of headers)
        for (const line of lines) {
          const text = h + line;
          for (let k = 1; k < text.length; k++) {
            const part = text.slice(k);
            const r = redactWithPart(text, part, opts);
            expect(r.text).toBe(redact(text, opts));
            expect(r.part, `${JSON.stringify(text)} from ${k}`).toBe(redact(part, opts));
            checked++;
          }
        }
    expect(checked).toBeGreaterThan(1000);
  });

  it('scans a part that does not follow whitespace even when the whole line had no match', () => {
    // `foo--password` is no flag (a word character before the dashes), but the part `-password hunter2secret` is one.
    const text = 'foo--password hunter2secret';
    expect(redact(text)).toBe(text);
    expect(redactWithPart(text, '-password hunter2secret').part).not.toContain('hunter2secret');
  });

  it('scans the part when a match in the whole line was found and then kept (it may hide a match in the part)', () => {
    // In the line, `token= {{xpassword=hunter2x` is one match whose value (`{{…`, a template) is kept, and the scan
    // resumes after it; the part on its own has `password=hunter2x`.
    const text = 'token= {{xpassword=hunter2x';
    const part = '{{xpassword=hunter2x';
    expect(redactWithPart(text, part).part).toBe(redact(part));
    expect(redact(part)).not.toContain('hunter2x');
  });

  it('returns a clean text and its part unchanged (same strings)', () => {
    const text = '2026-01-01T00:00:00Z INFO order 42 processed in 19ms';
    const part = 'order 42 processed in 19ms';
    const r = redactWithPart(text, part);
    expect(r.text).toBe(text);
    expect(r.part).toBe(part);
  });
});
