import { describe, expect, it } from 'vitest';
import { markdownTable, quantile, summarise } from './stats.ts';

describe('bench stats', () => {
  it.each([
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10, 1, 5], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 9.55],
    [[], 0.5, undefined],
  ])('quantile(%j, %d) = %s', (values, q, expected) => {
    if (expected === undefined) expect(quantile(values, q)).toBeUndefined();
    else expect(quantile(values, q)).toBeCloseTo(expected, 9);
  });

  it('summarises samples into medians and p95, and marks failures', () => {
    const s = (t: number) => ({ connect_ms: t, newPage_ms: 1, goto_ms: 2, total_ms: t + 3 });
    const row = summarise('local', 'warm', [s(10), s(20), s(30)], 1);
    expect(row).toMatchObject({ backend: 'local', scenario: 'warm', result: 'FAIL (3/4 ok)', iterations: 4 });
    expect(row.connect_ms).toBe(20);
    expect(row.total_ms_p95).toBe(32);
    expect(summarise('direct', 'warm', [], 2).total_ms).toBeNull();
  });

  it('prints the markdown table with the issue columns', () => {
    const row = summarise(
      'local',
      'cold',
      [{ connect_ms: 100.4, newPage_ms: 50, goto_ms: 20, total_ms: 170.6 }],
      0,
    );
    expect(markdownTable([row])).toBe(
      '| backend | scenario | result | connect_ms | newPage_ms | goto_ms | total_ms |\n' +
        '|---|---|---|---:|---:|---:|---:|\n' +
        '| local | cold | PASS | 100 | 50 | 20 | 171 |\n',
    );
  });
});
