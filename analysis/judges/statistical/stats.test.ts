import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, binomialUpperTail, lnGamma, rateIncreasePValue } from './stats.ts';

function exactUpperTail(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = k; i <= n; i++)
    s += Math.exp(
      lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log(1 - p),
    );
  return s;
}

describe('statistics', () => {
  it.each([
    [5, 10, 0.5],
    [0, 10, 0.3],
    [9, 10, 0.5],
    [30, 100, 0.2],
    [3, 1000, 0.001],
    [700, 1000, 0.65],
  ])('binomial upper tail P(X≥%i | n=%i, p=%f) matches direct summation', (k, n, p) => {
    expect(binomialUpperTail(k, n, p)).toBeCloseTo(k === 0 ? 1 : exactUpperTail(k, n, p), 8);
  });

  it('known values', () => {
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 10);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 10);
  });

  it('rate test: same rates are not significant, a tripled rate is', () => {
    expect(rateIncreasePValue(50, 50, 10_000, 10_000)).toBeGreaterThan(0.4);
    expect(rateIncreasePValue(50, 150, 10_000, 10_000)).toBeLessThan(1e-6);
    // Rates, not counts: 10× the lines with 10× the errors is no increase.
    expect(rateIncreasePValue(500, 50, 100_000, 10_000)).toBeGreaterThan(0.4);
  });

  it('Benjamini-Hochberg', () => {
    const adj = benjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
    [0.04, 0.16 / 3, 0.16 / 3, 0.5].forEach((want, i) => expect(adj[i]).toBeCloseTo(want, 10));
  });
});
