/** @module analysis/judges/contract.case — the behaviour every Judge must show; each judge's test runs it. */
import { describe, expect, it } from 'vitest';
import { isVerdict } from '../types.ts';
import { ComparisonBuilder } from './statistical/preprocess.ts';
import type { Judge } from './types.ts';

function healthy(n: number, seed: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `INFO request path=/items/${(i * 13 + seed) % 500} status=200 duration=${20 + ((i + seed) % 25)}ms`,
  );
}

function input(stable: string[], canary: string[]) {
  const b = new ComparisonBuilder();
  b.addLines('stable', 'stable', stable);
  b.addLines('canary', 'canary', canary);
  return { comparison: b.build() };
}

/** Runs the shared Judge contract against `create()`. */
export function runJudgeContract(opts: { name: string; create: () => Judge | Promise<Judge> }): void {
  describe(`Judge contract: ${opts.name}`, () => {
    it('empty input gives inconclusive, not a throw', async () => {
      const v = await (await opts.create()).judge(input([], []), {});
      expect(isVerdict(v)).toBe(true);
      expect(v.verdict).toBe('inconclusive');
    });

    it('a canary with zero lines gives inconclusive', async () => {
      const v = await (await opts.create()).judge(input(healthy(300, 1), []), {});
      expect(v.verdict).toBe('inconclusive');
    });

    it('always returns a valid Verdict, the same one for the same input', async () => {
      const j = await opts.create();
      const a = await j.judge(input(healthy(300, 1), healthy(300, 2)), {});
      const b = await j.judge(input(healthy(300, 1), healthy(300, 2)), {});
      expect(isVerdict(a)).toBe(true);
      expect(b.verdict).toBe(a.verdict);
      expect(b.confidence).toBe(a.confidence);
    });

    it('rejects promptly when the signal is already aborted', async () => {
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await expect(
        (await opts.create()).judge(input(healthy(100, 1), healthy(100, 2)), { signal: ac.signal }),
      ).rejects.toThrow();
    });
  });
}
