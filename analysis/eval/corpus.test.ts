import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildComparison, judgeComparison } from '../analyze.ts';
import { readLogFile } from '../logs/fileLogs.ts';
import { loadCorpus, totals } from './corpus.ts';
import {
  runGenerated,
  runRealLogs,
  summarize,
  GENERATED_SEEDS,
  LOGHUB_SEEDS,
  type FamilyRow,
} from './families.ts';
import { loghubDatasets } from './loghub.ts';

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
      unwarrantedInconclusiveRate: 0,
    });
  });
});

const misses = (rows: readonly FamilyRow[]): string =>
  rows
    .filter((r) => r.expected !== r.actual)
    .map((r) => `${r.name}: expected ${r.expected}, got ${r.actual} — ${r.top.slice(0, 160)}`)
    .join('\n');

// Seed 0 is the committed corpus, judged from its files above; the other seeds are generated in memory.
const SEEDS = GENERATED_SEEDS.filter((s) => s !== 0);

describe(`generated corpus over seeds ${SEEDS.join(', ')}`, () => {
  it('every seed meets the targets: false-promote ≤ 2 %, false-rollback ≤ 5 %, inconclusive ≤ 15 %', async () => {
    const rows = await runGenerated(SEEDS);
    for (const s of summarize(rows, (r) => `seed ${r.seed}`)) {
      const m = misses(rows.filter((r) => `seed ${r.seed}` === s.key));
      expect(s.falsePromoteRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.02);
      expect(s.falseRollbackRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.05);
      expect(s.inconclusiveRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.15);
    }
  }, 120_000);
});

// The Loghub-2k samples live outside the repo (research licence): ../shared/data/loghub-2k or SENTINEL_LOGHUB_DIR.
const LOGHUB =
  process.env.SENTINEL_LOGHUB_DIR ?? resolve(import.meta.dirname, '../../../shared/data/loghub-2k');

describe.skipIf(loghubDatasets(LOGHUB).length === 0)(`real-log corpus (Loghub-2k at ${LOGHUB})`, () => {
  it(`tuned and held-out systems over seeds ${LOGHUB_SEEDS.join(', ')}: false-promote ≤ 2 %, false-rollback ≤ 5 %, unwarranted inconclusive ≤ 15 %`, async () => {
    const rows = await runRealLogs(LOGHUB);
    expect(new Set(rows.map((r) => r.family)).size).toBe(5);
    for (const s of summarize(rows, (r) => r.group)) {
      const m = misses(rows.filter((r) => r.group === s.key));
      expect(s.falsePromoteRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.02);
      expect(s.falseRollbackRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.05);
      expect(s.unwarrantedInconclusiveRate, `${s.key}\n${m}`).toBeLessThanOrEqual(0.15);
    }
  }, 120_000);
});
