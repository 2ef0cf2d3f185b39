/** @module analysis/report/testing/verdicts — sample verdicts and rollout context for tests. */
import type { Reason, Verdict } from '../../types.ts';
import type { ReportInput, RolloutContext } from '../types.ts';

export const CONTEXT: RolloutContext = {
  rollout: 'checkout',
  namespace: 'shop',
  revision: '7',
  image: 'ghcr.io/acme/checkout@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  canaryPodTemplateHash: '6d4f9c7b8',
  stablePodTemplateHash: '5c8b7a6f4',
  analysisRun: 'checkout-7-analysis',
  links: { AnalysisRun: 'https://argo.example.com/rollouts/shop/checkout' },
};

/** A rollback verdict; `variant` changes counts/samples but not the failure, so the fingerprint must not change. */
export function rollbackVerdict(variant = 0, extra: Reason[] = []): ReportInput {
  const verdict: Verdict = {
    verdict: 'rollback',
    confidence: 0.93,
    reasons: [
      {
        kind: 'critical',
        summary: `canary panics: index out of range (${12 + variant} times)`,
        severity: 1,
        veto: true,
        evidence: {
          template: 'panic: runtime error: index out of range [<*>] with length <*>',
          counts: { stable: 0, canary: 12 + variant },
          totals: { stable: 4000 + variant, canary: 900 + variant },
          samples: [
            `2026/11/21 20:0${variant % 10}:01 panic: runtime error: index out of range [0] with length 0`,
          ],
          source: `checkout-6d4f9c7b8-x${variant}`,
        },
      },
      {
        kind: 'error_rate',
        summary: '5xx responses rose from 0.1 % to 9 %',
        severity: 0.7,
        veto: false,
        evidence: { counts: { stable: 4, canary: 81 }, totals: { stable: 4000, canary: 900 } },
      },
      ...extra,
    ],
  };
  return verdict;
}

export function promoteVerdict(reasons: Reason[] = []): ReportInput {
  return { verdict: 'promote', confidence: 0.9, reasons };
}
