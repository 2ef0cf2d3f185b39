import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loghubDatasets, parseCsv, runLoghub, runLoghubRaw } from './loghub.ts';

// The Loghub-2k samples live outside the repo (research licence): ../shared/data/loghub-2k or SENTINEL_LOGHUB_DIR.
const DIR = process.env.SENTINEL_LOGHUB_DIR ?? resolve(import.meta.dirname, '../../../shared/data/loghub-2k');
const present = loghubDatasets(DIR).length > 0;

describe('parseCsv', () => {
  it('handles quotes, escaped quotes and embedded commas', () => {
    expect(parseCsv('a,b\n1,"x ""y"", z"\n')).toEqual([
      ['a', 'b'],
      ['1', 'x "y", z'],
    ]);
  });
});

describe.skipIf(!present)(`Loghub-2k grouping accuracy (data: ${DIR})`, () => {
  it('Content column: averages at least 0.94 with the one default configuration, and no dataset collapses', () => {
    const results = runLoghub(DIR);
    const avg = results.reduce((s, r) => s + r.accuracy, 0) / results.length;
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(avg).toBeGreaterThanOrEqual(0.94);
    for (const r of results) expect(r.accuracy, r.dataset).toBeGreaterThan(0.75);
  });

  it('raw lines (headers, timestamps, levels and all, as `sentinel templates` gets them): average ≥ 0.90, each ≥ 0.75', () => {
    const results = runLoghubRaw(DIR);
    const avg = results.reduce((s, r) => s + r.accuracy, 0) / results.length;
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(avg).toBeGreaterThanOrEqual(0.9);
    for (const r of results) expect(r.accuracy, r.dataset).toBeGreaterThanOrEqual(0.75);
  });
});
