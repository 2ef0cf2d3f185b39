/** @module analysis/report/page/testing/sample — a realistic page input (the demo's v2 rollback), for tests and previews. */
import type { ReportPageInput } from '../types.ts';

const TRACE = [
  '2026-12-02 05:21:17.914 [worker-3] ERROR shop.checkout - unhandled error on POST /api/checkout rid=74248aad3b46c4b7',
  "TypeError: Cannot read properties of undefined (reading 'rate')",
  '    at shippingCost (file:///app/demo/app/shop.ts:235:43)',
  '    at Array.reduce (<anonymous>)',
  '    at #checkout (file:///app/demo/app/shop.ts:209:28)',
].join('\n');

/** The rollback of the demo's v2, with one failing journey; `screenshot` is filled in by the caller. */
export function sampleRollback(screenshot?: string): ReportPageInput {
  return {
    title: 'demo/shop — canary v2 (9p96zvsghm) vs stable v1 (6gq4c2wm8k)',
    generatedAt: '2026-12-02T05:21:30.000Z',
    verdict: 'rollback',
    confidence: 0.99,
    policy: 'stats-decide',
    volume: { lines: { stable: 1059, canary: 1721 }, templates: 6 },
    reasons: [
      {
        kind: 'journey',
        summary: 'Journey "checkout" failed on the canary (0 of 3 runs) and passed on the stable (3 of 3).',
        severity: 1,
        veto: true,
      },
      {
        kind: 'new_template',
        summary:
          "New error-level log template in the canary (47×, never in the stable): ERROR shop.checkout - unhandled error on POST <*> | TypeError: Cannot read properties of undefined (reading 'rate')",
        severity: 0.95,
        veto: false,
        evidence: {
          template:
            "<*> [worker-<*>] ERROR shop.checkout - unhandled error on POST <*> rid=<*> | TypeError: Cannot read properties of undefined (reading 'rate')",
          counts: { stable: 0, canary: 47 },
          totals: { stable: 1059, canary: 1345 },
          pValue: 2.1e-12,
          samples: [TRACE],
        },
      },
      {
        kind: 'error_rate',
        summary: 'HTTP 5xx: 4.87 % of canary requests vs 0.00 % of stable requests',
        severity: 0.9,
        veto: false,
        evidence: {
          counts: { stable: 0, canary: 47 },
          totals: { stable: 966, canary: 966 },
          pValue: 7.11e-15,
        },
      },
      {
        kind: 'new_template',
        summary:
          'New warn-level log template in the canary (289×, never in the stable): slow query: recommendations',
        severity: 0.6,
        veto: false,
        evidence: {
          template:
            '<*> [worker-<*>] WARN shop.db - slow query: recommendations for book <*> took <*> (<*> queries) rid=<*>',
          counts: { stable: 0, canary: 289 },
          totals: { stable: 1059, canary: 1345 },
          pValue: 3.87e-73,
          samples: [
            '2026-12-02 05:21:17.789 [worker-8] WARN  shop.db - slow query: recommendations for book 12 took 105ms (3 queries) rid=56eff83178f52ff7',
          ],
        },
      },
    ],
    journeys: [
      {
        name: 'checkout',
        backend: 'local',
        runs: { stable: 3, canary: 3 },
        passed: { stable: 3, canary: 0 },
        steps: [
          { name: 'open the catalog', stable: { p50: 180, p95: 240 }, canary: { p50: 175, p95: 260 } },
          { name: 'open a book', stable: { p50: 60, p95: 85 }, canary: { p50: 210, p95: 260 } },
          { name: 'add to cart', stable: { p50: 90, p95: 120 }, canary: { p50: 95, p95: 130 } },
          { name: 'checkout', stable: { p50: 70, p95: 95 }, canary: { p50: 40, p95: 55 } },
        ],
        failures: [
          {
            side: 'canary',
            step: 'order confirmed',
            error:
              'expected [data-testid=order-status] to contain "confirmed", got "Checkout failed (HTTP 500), please try again"',
            ...(screenshot ? { screenshot } : {}),
            trace: 'traces/checkout-canary-1.zip',
          },
        ],
      },
    ],
    llm: { provider: 'none' },
    tokens: { input: 0, output: 0, rawLogs: 89370 },
    issue: { action: 'created', url: 'https://github.com/acme/shop/issues/42', title: 'acme/shop#42' },
  };
}
