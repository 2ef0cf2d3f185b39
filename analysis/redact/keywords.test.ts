import { describe, expect, it } from 'vitest';
import { GITLEAKS_KEYWORDS } from './gitleaks.ts';
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

  it('returns a clean text and its part unchanged (same strings)', () => {
    const text = '2026-01-01T00:00:00Z INFO order 42 processed in 19ms';
    const part = 'order 42 processed in 19ms';
    const r = redactWithPart(text, part);
    expect(r.text).toBe(text);
    expect(r.part).toBe(part);
  });
});
