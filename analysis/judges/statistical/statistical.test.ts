import { describe, expect, it } from 'vitest';
import { runJudgeContract } from '../contract.case.ts';
import { ComparisonBuilder } from './preprocess.ts';
import { StatisticalJudge } from './statistical.ts';

runJudgeContract({ name: 'statistical', create: () => new StatisticalJudge() });

const ok = (n: number, seed = 0): string[] =>
  Array.from(
    { length: n },
    (_, i) => `INFO GET /api/items/${(i * 7 + seed) % 900} status=200 duration=${30 + ((i + seed) % 20)}ms`,
  );

function judge(stable: string[], canary: string[], pods: Parameters<ComparisonBuilder['addPods']>[0] = []) {
  const b = new ComparisonBuilder();
  b.addLines('stable', 'stable-pod', stable);
  b.addLines('canary', 'canary-pod', canary);
  b.addPods(pods);
  return new StatisticalJudge().judgeSync({ comparison: b.build() });
}

const sprinkle = (lines: string[], every: number, extra: string[]): string[] =>
  lines.flatMap((l, i) => (i % every === 0 ? [l, ...extra] : [l]));

describe('StatisticalJudge', () => {
  it.each([
    { name: 'identical behaviour', stable: ok(500), canary: ok(500, 3), want: 'promote' },
    {
      name: 'new error template',
      stable: ok(500),
      canary: sprinkle(ok(500, 1), 20, ['ERROR pricing rules missing for region eu']),
      want: 'rollback',
    },
    {
      name: 'panic (critical veto) even once',
      stable: ok(500),
      canary: [...ok(500, 1), 'panic: assignment to entry in nil map', 'goroutine 1 [running]:'],
      want: 'rollback',
    },
    {
      name: 'same errors on both sides',
      stable: sprinkle(ok(500), 25, ['ERROR upstream timeout after 1000ms']),
      canary: sprinkle(ok(500, 2), 25, ['ERROR upstream timeout after 1200ms']),
      want: 'promote',
    },
    {
      name: 'same panics on both sides (noisy stable)',
      stable: sprinkle(ok(500), 100, ['panic: worker 3 died', 'goroutine 9 [running]:']),
      canary: sprinkle(ok(500, 2), 100, ['panic: worker 7 died', 'goroutine 4 [running]:']),
      want: 'promote',
    },
    { name: 'too little canary traffic', stable: ok(500), canary: ok(10), want: 'inconclusive' },
    { name: 'no stable baseline', stable: [], canary: ok(300), want: 'inconclusive' },
  ])('$name → $want', ({ stable, canary, want }) => {
    expect(judge(stable, canary).verdict).toBe(want);
  });

  it('pod status vetoes: OOMKilled on a canary pod rolls back with logs that look fine', () => {
    const v = judge(ok(500), ok(500, 1), [
      { pod: 'c-1', side: 'canary', restarts: 1, reasons: ['OOMKilled'], events: [] },
    ]);
    expect(v.verdict).toBe('rollback');
    expect(v.reasons[0]).toMatchObject({ kind: 'critical', veto: true });
    expect(v.confidence).toBeCloseTo(0.99);
  });

  it('rollback reasons carry evidence: template, counts on each side, redacted samples, p-value', () => {
    const token = ['xox', 'b-', '1234567890-abcdefghij'].join('');
    const v = judge(ok(500), sprinkle(ok(500, 1), 20, [`ERROR slack notify failed token=${token}`]));
    const r = v.reasons.find((x) => x.kind === 'new_template');
    expect(r?.evidence?.counts).toEqual({ stable: 0, canary: 25 });
    expect(r?.evidence?.totals).toEqual({ stable: 500, canary: 525 });
    expect(r?.evidence?.pValue).toBeLessThan(0.01);
    expect(r?.evidence?.samples?.join('\n')).not.toContain(token);
    expect(v.confidence).toBeGreaterThan(0.9);
  });
});
