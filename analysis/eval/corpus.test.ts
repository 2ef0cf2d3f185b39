import { describe, expect, it } from 'vitest';
import { buildComparison, judgeComparison } from '../analyze.ts';
import { readLogFile } from '../logs/fileLogs.ts';
import { loadCorpus, totals } from './corpus.ts';

describe('eval corpus, statistics only', () => {
  const cases = loadCorpus();

  it('covers every scenario the issue lists', () => {
    const scenarios = new Set(cases.map((c) => c.name.split('--')[0]));
    for (const s of [
      'healthy',
      'benign-values',
      'benign-reorder',
      'benign-new-info',
      'benign-version',
      'go-panic',
      'java-npe',
      'partial-failure-one-pod',
      'oomkilled',
      'crashloop',
      'elevated-5xx',
      'latency-regression',
      'low-traffic',
      'noisy-stable-same-errors',
    ]) {
      expect(scenarios, s).toContain(s);
    }
  });

  it('meets the targets: false-promote ≤ 2 %, false-rollback ≤ 5 %, inconclusive ≤ 15 %', async () => {
    const rows = [];
    for (const c of cases) {
      const comparison = await buildComparison({
        stable: await readLogFile(c.stableFile),
        canary: await readLogFile(c.canaryFile),
        pods: c.pods,
      });
      const r = await judgeComparison(comparison, { journeys: c.journeys });
      rows.push({ name: c.name, expected: c.expected, actual: r.verdict });
    }
    const t = totals(rows);
    const misses = rows.filter((r) => r.expected !== r.actual).map((r) => `${r.name}: ${r.actual}`);
    expect(t.falsePromoteRate, misses.join('\n')).toBeLessThanOrEqual(0.02);
    expect(t.falseRollbackRate, misses.join('\n')).toBeLessThanOrEqual(0.05);
    expect(t.inconclusiveRate).toBeLessThanOrEqual(0.15);
  });
});

describe('totals', () => {
  it('counts each kind of error over all cases', () => {
    expect(
      totals([
        { expected: 'promote', actual: 'rollback' },
        { expected: 'rollback', actual: 'promote' },
        { expected: 'inconclusive', actual: 'inconclusive' },
        { expected: 'rollback', actual: 'rollback' },
      ]),
    ).toEqual({
      cases: 4,
      accuracy: 0.5,
      falseRollbackRate: 0.25,
      falsePromoteRate: 0.25,
      inconclusiveRate: 0.25,
    });
  });
});
