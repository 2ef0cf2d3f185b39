import { describe, expect, it } from 'vitest';
import { compareJourney, DEFAULT_THRESHOLDS, overallVerdict } from './compare.ts';
import { toJourneyResult } from './judge.ts';
import { interleave } from './paired.ts';
import { parseJourneySpec } from './parse.ts';
import { failedAt, fakeRuns, infraError } from './testing/runs.ts';
import type { JourneyRun } from './types.ts';

const BASE = [100, 50, 80];

function compare(stable: JourneyRun[], canary: JourneyRun[]): ReturnType<typeof compareJourney> {
  return compareJourney('j', 'local', [...stable, ...canary]);
}

describe('compareJourney', () => {
  it('healthy vs healthy → no_regression', () => {
    const c = compare(fakeRuns('stable', 10, BASE), fakeRuns('canary', 10, BASE));
    expect(c.outcome).toBe('no_regression');
    expect(c.reasons).toEqual([]);
    expect(c.passRatePValue).toBe(1);
    expect(c.steps.every((s) => !s.regression)).toBe(true);
  });

  it('canary failing 5 of 10 → pass-rate regression with the failure', () => {
    const c = compare(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, (i) => (i % 2 ? failedAt(2, 'button') : {})),
    );
    expect(c.outcome).toBe('regression');
    expect(c.canary).toMatchObject({ passed: 5, failed: 5, errors: 0, passRate: 0.5 });
    expect(c.passRatePValue).toBeCloseTo(252 / 15504, 10);
    expect(c.reasons[0]).toMatch(
      /pass rate 50 % on the canary vs 100 % on the stable .*step 2 failed: button/,
    );
  });

  it('canary failing 2 of 10 is not significant alone', () => {
    const c = compare(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, (i) => (i < 2 ? failedAt(3) : {})),
    );
    expect(c.outcome).toBe('no_regression');
  });

  it('a slower step → latency regression naming the step', () => {
    const c = compare(fakeRuns('stable', 10, BASE), fakeRuns('canary', 10, [100, 650, 80]));
    expect(c.outcome).toBe('regression');
    expect(c.steps.map((s) => s.regression)).toEqual([false, true, false]);
    expect(c.steps[1]).toMatchObject({ effect: 1 });
    expect(c.reasons[0]).toMatch(/step 2 \(step2\) slower: p50 \d+ ms vs \d+ ms/);
  });

  it.each([
    ['+40 ms, 1.4× (below minLatencyDeltaMs)', [100, 100, 80], [100, 140, 80]],
    ['+60 ms, 1.15× (below minLatencyRatio)', [100, 400, 80], [100, 460, 80]],
  ])('a consistent but small shift, %s, is not a regression', (_n, stableMs, canaryMs) => {
    const c = compare(fakeRuns('stable', 10, stableMs), fakeRuns('canary', 10, canaryMs));
    expect(c.steps[1]?.pValue).toBeLessThan(0.05);
    expect(c.steps[1]?.regression).toBe(false);
  });

  it('an error on the canary only, in ≥ 2 runs → regression; in 1 run → not', () => {
    const twice = compare(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, (i) => (i < 2 ? { pageErrors: ['x is undefined'] } : {})),
    );
    expect(twice.outcome).toBe('regression');
    expect(twice.newOnCanary).toEqual([{ kind: 'page', text: 'x is undefined', canaryRuns: 2 }]);
    const once = compare(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, (i) => (i < 1 ? { pageErrors: ['x is undefined'] } : {})),
    );
    expect(once.outcome).toBe('no_regression');
  });

  it('an error seen on both sides is not new', () => {
    const err = (): Partial<JourneyRun> => ({
      consoleErrors: ['favicon 404'],
      failedRequests: [{ method: 'GET', template: '{baseUrl}/favicon.ico', status: 404 }],
    });
    const c = compare(
      fakeRuns('stable', 10, BASE, (i) => (i === 3 ? err() : {})),
      fakeRuns('canary', 10, BASE, err),
    );
    expect(c.newOnCanary).toEqual([]);
    expect(c.outcome).toBe('no_regression');
  });

  it('a failed request new on the canary is named by its template and status', () => {
    const c = compare(
      fakeRuns('stable', 6, BASE),
      fakeRuns('canary', 6, BASE, () => ({
        failedRequests: [{ method: 'GET', template: '{baseUrl}/api/price', status: 500 }],
      })),
    );
    expect(c.reasons).toContain('new on the canary (6 of 6 runs): request GET {baseUrl}/api/price → 500');
  });

  it('infrastructure errors are missing data: too few valid runs → inconclusive, never regression', () => {
    const c = compare(
      fakeRuns('stable', 10, BASE, (i) => (i > 1 ? infraError : {})),
      fakeRuns('canary', 10, BASE, (i) => (i > 1 ? infraError : failedAt(1))),
    );
    expect(c.outcome).toBe('inconclusive');
    expect(c.reasons[0]).toMatch(
      /too few valid runs: stable 2, canary 2 \(need 3 each\); infrastructure: the proxy is at its sandbox limit/,
    );
    expect(c.canary.errors).toBe(8);
  });

  it('some infrastructure errors: compared over the valid runs', () => {
    const c = compare(
      fakeRuns('stable', 10, BASE, (i) => (i === 0 ? infraError : {})),
      fakeRuns('canary', 10, BASE),
    );
    expect(c.stable).toMatchObject({ passed: 9, errors: 1 });
    expect(c.outcome).toBe('no_regression');
  });
});

describe('overallVerdict', () => {
  it.each([
    [['no_regression', 'regression', 'inconclusive'], true, 'regression'],
    [['no_regression', 'inconclusive'], true, 'inconclusive'],
    [['no_regression'], false, 'inconclusive'],
    [[], true, 'inconclusive'],
    [['no_regression', 'no_regression'], true, 'no_regression'],
  ] as const)('%j (backends ok: %s) → %s', (outcomes, ok, verdict) => {
    expect(
      overallVerdict(
        outcomes.map((outcome) => ({ outcome })),
        ok,
      ),
    ).toBe(verdict);
  });
});

describe('toJourneyResult (what the judge reads)', () => {
  const alpha = DEFAULT_THRESHOLDS.alpha;
  it('pass-rate regression → canary failed, stable passed, with counts and p', () => {
    const r = toJourneyResult(
      compare(
        fakeRuns('stable', 10, BASE),
        fakeRuns('canary', 10, BASE, (i) => (i % 2 ? failedAt(2) : {})),
      ),
      alpha,
    );
    expect(r).toMatchObject({
      name: 'j',
      backend: 'local',
      canary: { passed: false, passes: 5, runs: 10, errors: 0 },
      stable: { passed: true, passes: 10, runs: 10 },
    });
    expect(r.canary.error).toMatch(/step 2 failed/);
    expect(r.passRatePValue).toBeLessThan(alpha);
    expect(r.inconclusive).toBeUndefined();
  });
  it('failing everywhere alike → both failed (not decisive)', () => {
    const r = toJourneyResult(
      compare(
        fakeRuns('stable', 5, BASE, () => failedAt(1)),
        fakeRuns('canary', 5, BASE, () => failedAt(1)),
      ),
      alpha,
    );
    expect([r.canary.passed, r.stable?.passed]).toEqual([false, false]);
  });
  it('latency and new errors travel in steps and newOnCanary', () => {
    const r = toJourneyResult(
      compare(
        fakeRuns('stable', 10, BASE),
        fakeRuns('canary', 10, [100, 650, 80], () => ({ consoleErrors: ['boom'] })),
      ),
      alpha,
    );
    expect(r.canary.passed).toBe(true);
    expect(r.steps?.filter((s) => s.regression).map((s) => s.step)).toEqual([2]);
    expect(r.newOnCanary).toEqual([{ kind: 'console', text: 'boom', canaryRuns: 10 }]);
  });
  it('inconclusive carries the reason', () => {
    const r = toJourneyResult(
      compare(
        fakeRuns('stable', 3, BASE, () => infraError),
        fakeRuns('canary', 3, BASE, () => infraError),
      ),
      alpha,
    );
    expect(r.inconclusive).toMatch(/too few valid runs/);
  });
});

describe('interleave', () => {
  it('pairs canary and stable per repeat and journey, alternating who goes first', () => {
    const spec = parseJourneySpec(
      'journeys:\n  - { name: a, steps: [{ action: goto, url: / }] }\n  - { name: b, steps: [{ action: goto, url: / }] }\n',
    );
    const order = interleave(spec.journeys, 'http://c', 'http://s', 3).map(
      (t) => `${t.attempt}${t.journey.name}${t.side?.[0]}`,
    );
    expect(order).toEqual([
      '1ac',
      '1as',
      '1bc',
      '1bs',
      '2as',
      '2ac',
      '2bs',
      '2bc',
      '3ac',
      '3as',
      '3bc',
      '3bs',
    ]);
  });
});
