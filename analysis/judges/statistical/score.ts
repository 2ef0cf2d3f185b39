/**
 * @module analysis/judges/statistical/score — the decision rule of the statistical judge, and what its confidence means.
 *
 * Order: (1) a critical veto decides `rollback`; (2) unusable input (no canary records, binary garbage, too little
 * canary or stable traffic) gives `inconclusive`; (3) any decisive finding gives `rollback`; (4) a suspicious but
 * not significant finding (a new error-level template seen fewer than `minCount` times) gives `inconclusive`;
 * (5) otherwise `promote`.
 *
 * Confidence, in [0, 1], is the judge's estimate that its verdict is right:
 *   - rollback: 1 − p of the strongest decisive finding (p after correction), at least 0.5, at most 0.999; 0.99 for
 *     vetoes resting on pod status or on a critical signature never seen in the stable;
 *   - promote: grows with canary volume and shrinks with near-misses: 0.55 + 0.4 · v · m, where
 *     v = min(1, canary records / (10 · minCanaryRecords)) and m = min(1, smallest corrected p of any warn+ test / 0.5);
 *   - inconclusive: how sure the judge is that the data cannot decide: 1 − canary records / minCanaryRecords for
 *     low traffic (0.9 for empty or unreadable input, 0.6 for a suspicious but too rare signal).
 */
import type { Reason, Verdict } from '../../types.ts';
import { rankReasons } from '../types.ts';
import type { Finding } from './classify.ts';
import type { StatsOptions } from './options.ts';
import type { Comparison } from './preprocess.ts';

function insufficient(summary: string, confidence: number, findings: readonly Finding[]): Verdict {
  const reason: Reason = { kind: 'insufficient_data', summary, severity: 0.5, veto: false };
  return {
    verdict: 'inconclusive',
    confidence,
    reasons: [reason, ...rankReasons(findings.map((f) => f.reason))],
  };
}

/** Why the input cannot be judged, if it cannot; undefined when it can. */
function unusable(c: Comparison, o: StatsOptions): { summary: string; confidence: number } | undefined {
  const S = c.totals.stable;
  const C = c.totals.canary;
  if (C.records === 0)
    return { summary: 'The canary produced no log records in the analysis window.', confidence: 0.9 };
  if (C.binary > C.records / 2) {
    return {
      summary: `The canary log looks like binary data (${C.binary} of ${C.records} records unreadable).`,
      confidence: 0.9,
    };
  }
  if (S.records === 0)
    return {
      summary: 'The stable produced no log records, so there is no baseline to compare with.',
      confidence: 0.9,
    };
  if (S.binary > S.records / 2) {
    return {
      summary: `The stable log looks like binary data (${S.binary} of ${S.records} records unreadable).`,
      confidence: 0.9,
    };
  }
  if (C.records < o.minCanaryRecords) {
    return {
      summary: `Too little canary traffic: ${C.records} log records, at least ${o.minCanaryRecords} are needed to compare rates (a failure on 3 % of lines would show fewer than 3 times).`,
      confidence: Math.max(0.5, 1 - C.records / o.minCanaryRecords),
    };
  }
  if (S.requests >= o.minRequests && C.requests < o.minCanaryRequests) {
    return {
      summary: `Too little canary traffic: it answered ${C.requests} requests (the stable ${S.requests}); at least ${o.minCanaryRequests} are needed to compare error rates.`,
      confidence: Math.max(0.5, 1 - C.requests / o.minCanaryRequests),
    };
  }
  if (S.records < o.minCanaryRecords) {
    return {
      summary: `Too little stable traffic for a baseline: ${S.records} records (need ${o.minCanaryRecords}).`,
      confidence: 0.7,
    };
  }
  return undefined;
}

/** Decides the verdict from the findings. `minP` is the smallest corrected p-value of any test (near-miss signal). */
export function score(c: Comparison, findings: readonly Finding[], o: StatsOptions, minP: number): Verdict {
  const vetoes = findings.filter((f) => f.reason.veto);
  if (vetoes.length > 0) {
    const strongest = Math.min(...vetoes.map((f) => f.p));
    return {
      verdict: 'rollback',
      confidence: strongest === 0 ? 0.99 : Math.max(0.5, Math.min(0.999, 1 - strongest)),
      reasons: rankReasons(findings.map((f) => f.reason)),
    };
  }
  const bad = unusable(c, o);
  if (bad) return insufficient(bad.summary, bad.confidence, findings);
  const decisive = findings.filter((f) => f.decisive);
  if (decisive.length > 0) {
    const strongest = Math.min(...decisive.map((f) => f.p));
    return {
      verdict: 'rollback',
      confidence: Math.max(0.5, Math.min(0.999, 1 - strongest)),
      reasons: rankReasons(findings.map((f) => f.reason)),
    };
  }
  const suspicious = findings.filter((f) => f.suspicious);
  if (suspicious.length > 0) {
    return {
      verdict: 'inconclusive',
      confidence: 0.6,
      reasons: rankReasons(findings.map((f) => f.reason)),
    };
  }
  const v = Math.min(1, c.totals.canary.records / (10 * o.minCanaryRecords));
  const m = Math.min(1, minP / 0.5);
  const reasons = rankReasons(findings.map((f) => f.reason));
  if (reasons.length === 0) {
    reasons.push({
      kind: 'other',
      summary: `No significant difference: ${c.totals.canary.records} canary vs ${c.totals.stable.records} stable records, ${c.templates.size} templates compared.`,
      severity: 0,
      veto: false,
      evidence: { totals: { stable: c.totals.stable.records, canary: c.totals.canary.records } },
    });
  }
  return { verdict: 'promote', confidence: 0.55 + 0.4 * v * m, reasons };
}
