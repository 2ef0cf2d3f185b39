/** @module analysis/eval/corpus — loads the labelled eval corpus (one folder per case) and scores verdicts against it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PodEvidenceSchema } from '../logs/types.ts';
import { VerdictKindSchema, type VerdictKind } from '../types.ts';

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');

const JourneySchema = z.object({
  name: z.string(),
  canary: z.object({ passed: z.boolean(), durationMs: z.number().optional(), error: z.string().optional() }),
  stable: z
    .object({ passed: z.boolean(), durationMs: z.number().optional(), error: z.string().optional() })
    .optional(),
});

const CaseFileSchema = z.object({
  expected: VerdictKindSchema,
  description: z.string(),
  pods: z.array(PodEvidenceSchema).optional(),
  journeys: z.array(JourneySchema).optional(),
});

/** One labelled case. */
export interface EvalCase {
  name: string;
  dir: string;
  expected: VerdictKind;
  description: string;
  stableFile: string;
  canaryFile: string;
  pods: z.infer<typeof PodEvidenceSchema>[];
  journeys: z.infer<typeof JourneySchema>[];
}

function logFile(dir: string, side: string): string {
  const gz = join(dir, `${side}.log.gz`);
  return existsSync(gz) ? gz : join(dir, `${side}.log`);
}

/** Reads every case folder under `dir`, sorted by name. */
export function loadCorpus(dir = CORPUS_DIR): EvalCase[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'case.json')))
    .map((d) => {
      const folder = join(dir, d.name);
      const file = CaseFileSchema.parse(JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')));
      return {
        name: d.name,
        dir: folder,
        expected: file.expected,
        description: file.description,
        stableFile: logFile(folder, 'stable'),
        canaryFile: logFile(folder, 'canary'),
        pods: file.pods ?? [],
        journeys: file.journeys ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Totals over a set of (expected, actual) verdicts. Rates are over all cases. */
export interface EvalTotals {
  cases: number;
  accuracy: number;
  /** Expected promote (or inconclusive) but judged rollback. */
  falseRollbackRate: number;
  /** Expected rollback (or inconclusive) but judged promote: the dangerous error. */
  falsePromoteRate: number;
  /** Judged inconclusive. */
  inconclusiveRate: number;
  /** Judged inconclusive where promote or rollback was expected (a corpus with low-traffic cases has others). */
  unwarrantedInconclusiveRate: number;
}

/** Scores verdicts. */
export function totals(results: ReadonlyArray<{ expected: VerdictKind; actual: VerdictKind }>): EvalTotals {
  const n = results.length || 1;
  const count = (f: (r: { expected: VerdictKind; actual: VerdictKind }) => boolean): number =>
    results.filter(f).length / n;
  return {
    cases: results.length,
    accuracy: count((r) => r.actual === r.expected),
    falseRollbackRate: count((r) => r.actual === 'rollback' && r.expected !== 'rollback'),
    falsePromoteRate: count((r) => r.actual === 'promote' && r.expected !== 'promote'),
    inconclusiveRate: count((r) => r.actual === 'inconclusive'),
    unwarrantedInconclusiveRate: count((r) => r.actual === 'inconclusive' && r.expected !== 'inconclusive'),
  };
}
