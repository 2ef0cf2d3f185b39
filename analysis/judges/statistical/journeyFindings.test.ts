/** The judge's reading of paired journey results (journeys/ toJourneyResults → classify.ts journeyFindings). */
import { describe, expect, it } from 'vitest';
import { compareJourney, DEFAULT_THRESHOLDS, toJourneyResults } from '../../../journeys/index.ts';
import type { JourneyRun, PairedReport } from '../../../journeys/index.ts';
import { failedAt, fakeRuns, infraError } from '../../../journeys/testing/runs.ts';
import { journeyFindings } from './classify.ts';

const BASE = [100, 50, 80];

function findings(stable: JourneyRun[], canary: JourneyRun[]): ReturnType<typeof journeyFindings> {
  const c = compareJourney('j', 'local', [...stable, ...canary]);
  const report = { thresholds: DEFAULT_THRESHOLDS, backends: [{ journeys: [c] }] } as unknown as PairedReport;
  return journeyFindings(toJourneyResults(report));
}

describe('journeyFindings on paired results', () => {
  it('healthy vs healthy → nothing', () => {
    expect(findings(fakeRuns('stable', 10, BASE), fakeRuns('canary', 10, BASE))).toEqual([]);
  });
  it('a pass-rate drop → one decisive journey finding with the rate', () => {
    const f = findings(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, (i) => (i % 2 ? failedAt(2) : {})),
    );
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      decisive: true,
      reason: { kind: 'journey', evidence: { source: 'j (local)' } },
    });
    expect(f[0]?.reason.summary).toMatch(/failed on the canary in 5 of 10 runs: step 2 failed/);
  });
  it('a slower step → decisive, naming the step', () => {
    const f = findings(fakeRuns('stable', 10, BASE), fakeRuns('canary', 10, [100, 650, 80]));
    expect(f).toHaveLength(1);
    expect(f[0]?.decisive).toBe(true);
    expect(f[0]?.reason.summary).toMatch(/step 2 \(step2\) is slower on the canary/);
  });
  it('a new error → decisive', () => {
    const f = findings(
      fakeRuns('stable', 10, BASE),
      fakeRuns('canary', 10, BASE, () => ({ consoleErrors: ['boom'] })),
    );
    expect(f.map((x) => [x.decisive, x.reason.summary])).toEqual([
      [true, 'Journey "j": new console error on the canary in 10 runs, never on the stable: boom'],
    ]);
  });
  it('infrastructure errors → suspicious insufficient_data, never decisive', () => {
    const f = findings(
      fakeRuns('stable', 10, BASE, () => infraError),
      fakeRuns('canary', 10, BASE, () => infraError),
    );
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ decisive: false, suspicious: true, reason: { kind: 'insufficient_data' } });
  });
  it('single results without the new fields read as before', () => {
    expect(
      journeyFindings([{ name: 'x', canary: { passed: false, error: 'e' }, stable: { passed: true } }])[0],
    ).toMatchObject({ p: 0, decisive: true });
    expect(
      journeyFindings([{ name: 'x', canary: { passed: false }, stable: { passed: false } }])[0]?.decisive,
    ).toBe(false);
  });
});
