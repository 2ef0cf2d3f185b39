import { describe, expect, it } from 'vitest';
import { fisherExactGreater, normalUpperTail, quantile, rankTestGreater } from './exact.ts';

describe('fisherExactGreater (canary fails more often)', () => {
  it.each([
    // Hypergeometric tails worked by hand: C(10,3)/C(20,3) = 120/1140; C(10,5)/C(20,5) = 252/15504.
    ['3 of 10 vs 0 of 10', { failed: 0, total: 10 }, { failed: 3, total: 10 }, 120 / 1140],
    ['5 of 10 vs 0 of 10', { failed: 0, total: 10 }, { failed: 5, total: 10 }, 252 / 15504],
    ['all fail vs none', { failed: 0, total: 10 }, { failed: 10, total: 10 }, 1 / 184756],
    ['nothing failed', { failed: 0, total: 10 }, { failed: 0, total: 10 }, 1],
    ['the stable fails more', { failed: 5, total: 10 }, { failed: 0, total: 10 }, 1],
    ['no canary runs', { failed: 0, total: 10 }, { failed: 0, total: 0 }, 1],
  ])('%s', (_n, stable, canary, p) => {
    expect(fisherExactGreater(stable, canary)).toBeCloseTo(p, 10);
  });

  it('equal rates give a large p', () => {
    expect(fisherExactGreater({ failed: 2, total: 10 }, { failed: 2, total: 10 })).toBeGreaterThan(0.5);
  });

  it('refuses impossible counts', () => {
    expect(() => fisherExactGreater({ failed: 0, total: 3 }, { failed: 4, total: 3 })).toThrow(/0…total/);
  });
});

describe('rankTestGreater', () => {
  it('separated samples: small p, delta 1', () => {
    const r = rankTestGreater([10, 11, 12, 13, 14, 15], [50, 51, 52, 53, 54, 55]);
    expect(r.delta).toBe(1);
    // U = 36, mean 18, sigma sqrt(36·13/12): z = 17.5 / 6.245 → p ≈ 0.0025.
    expect(r.p).toBeCloseTo(0.0025, 3);
  });
  it('the other direction: p near 1, delta −1', () => {
    const r = rankTestGreater([50, 51, 52], [1, 2, 3]);
    expect(r.delta).toBe(-1);
    expect(r.p).toBeGreaterThan(0.9);
  });
  it('identical samples: delta 0, no evidence', () => {
    const r = rankTestGreater([5, 5, 5], [5, 5, 5]);
    expect(r).toEqual({ p: 1, delta: 0 });
  });
  it('interleaved samples: delta from pair counts', () => {
    // [2,4,6] vs [1,3,5]: canary larger in 6 of 9 pairs, smaller in 3 → 1/3; [0,4,6]: 5 vs 4 → 1/9.
    expect(rankTestGreater([1, 3, 5], [2, 4, 6]).delta).toBeCloseTo(1 / 3, 10);
    expect(rankTestGreater([1, 3, 5], [0, 4, 6]).delta).toBeCloseTo(1 / 9, 10);
  });
  it('empty side', () => {
    expect(rankTestGreater([], [1])).toEqual({ p: 1, delta: 0 });
  });
  it('large tied samples (per-route latencies in the judge): detects a 1.5× shift, not an equal one', () => {
    const base = Array.from({ length: 200 }, (_, i) => 50 + (i % 20));
    expect(
      rankTestGreater(
        base,
        base.map((v) => v * 1.5),
      ).p,
    ).toBeLessThan(1e-6);
    expect(rankTestGreater(base, base).p).toBeGreaterThan(0.4);
  });
});

describe('normalUpperTail', () => {
  it.each([
    [0, 0.5],
    [1.96, 0.025],
    [-1.96, 0.975],
    [3, 0.00135],
  ])('P(Z ≥ %f) ≈ %f', (z, p) => {
    expect(normalUpperTail(z)).toBeCloseTo(p, 4);
  });
});

describe('quantile', () => {
  it('interpolates', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
