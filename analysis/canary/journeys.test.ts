import { describe, expect, it } from 'vitest';
import { summarizeJourneys, type JourneyRun } from './journeys.ts';

const j = (...p: string[]): string => p.join('');
const TOKEN = j('k9', 'Xy7Wv5Ut3Sr1Qp');

function runs(side: 'stable' | 'canary', results: boolean[], over: Partial<JourneyRun> = {}): JourneyRun[] {
  return results.map((passed, repeat) => ({
    journey: 'checkout',
    backend: 'local',
    side,
    repeat,
    passed,
    durationMs: 100 + repeat,
    steps: [{ name: 'pay', durationMs: 50 + repeat * 10, passed }],
    ...(passed ? {} : { error: 'boom', failedStep: 'pay' }),
    ...over,
  }));
}

describe('summarizeJourneys', () => {
  it('pass rates, step p50/p95 per side, and the judge input with the flake tolerance', () => {
    const s = summarizeJourneys({
      runs: [
        ...runs('stable', [true, true, true, true, true]),
        ...runs('canary', [true, false, false, true, true]),
      ],
    });
    expect(s.journeys[0]).toMatchObject({
      passRate: { stable: 1, canary: 0.6 },
      runs: { stable: 5, canary: 5 },
    });
    expect(s.journeys[0]?.steps[0]).toEqual({
      name: 'pay',
      stable: { p50: 70, p95: 90 },
      canary: { p50: 80, p95: 90 },
    });
    expect(s.judge[0]).toMatchObject({
      name: 'checkout [local]',
      canary: { passed: false },
      stable: { passed: true },
    });
    const flaky = summarizeJourneys({
      runs: [
        ...runs('stable', [true, true, true, true, true]),
        ...runs('canary', [true, true, false, true, true]),
      ],
    });
    expect(flaky.judge[0]?.canary.passed).toBe(true);
  });

  it('runs lost to the infrastructure are not failures: all lost → listed as infrastructure, not judged', () => {
    const s = summarizeJourneys({
      runs: [...runs('stable', [false, false]), ...runs('canary', [false, false])].map((r) => ({
        ...r,
        infrastructure: true,
        error: 'proxy refused',
      })),
    });
    expect(s.judge).toEqual([]);
    expect(s.infrastructure).toEqual(['journey "checkout" on local: proxy refused']);
    expect(s.journeys[0]?.failures).toEqual([]);
  });

  it("redacts what pages printed before anything else sees it (errors, the runner's own judge input)", () => {
    const leak = `upstream said 401 for Authorization: Bearer ${TOKEN}`;
    const s = summarizeJourneys({
      runs: runs('canary', [false], { error: leak }).concat(runs('stable', [true])),
      judge: [
        {
          name: 'checkout',
          canary: { passed: false, error: leak },
          newOnCanary: [{ kind: 'console', text: leak, canaryRuns: 5 }],
        },
      ],
    });
    expect(JSON.stringify(s)).not.toContain(TOKEN);
    expect(s.journeys[0]?.failures[0]?.error).toContain('Authorization: Bearer [REDACTED');
  });
});
