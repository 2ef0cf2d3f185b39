import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import { LOCAL_REPO, PolicyFileSchema, policyFor } from './config.ts';

describe('policyFor', () => {
  const file = PolicyFileSchema.parse({
    defaults: { repo: 'acme/shop', labels: ['canary'] },
    rollouts: {
      'shop/*': { handoff: { mode: 'labels', labels: ['jules'] } },
      'shop/checkout': { handoff: { mode: 'copilot', baseBranch: 'release' }, verifyWithinMs: 600_000 },
      'payments/ledger': { repo: 'acme/ledger', closeOnFix: false },
    },
  });
  it.each([
    [
      'most specific wins',
      'shop/checkout',
      {},
      { repo: 'acme/shop', handoff: { mode: 'copilot', baseBranch: 'release' }, verifyWithinMs: 600_000 },
    ],
    ['namespace wildcard', 'shop/cart', {}, { handoff: { mode: 'labels', labels: ['jules'] } }],
    [
      'own repo and closeOnFix',
      'payments/ledger',
      {},
      { repo: 'acme/ledger', closeOnFix: false, handoff: { mode: 'none' } },
    ],
    [
      'flags win, undefined flags do not erase',
      'payments/ledger',
      { repo: undefined, closeOnFix: true },
      { repo: 'acme/ledger', closeOnFix: true },
    ],
  ])('%s', (_name, rollout, overrides, expected) => {
    expect(policyFor(file, rollout, overrides)).toMatchObject(expected);
  });

  it('falls back to the local outbox repo, and names the rollout in errors', () => {
    expect(policyFor(PolicyFileSchema.parse({}), 'a/b', {}).repo).toBe(LOCAL_REPO);
    const bad = PolicyFileSchema.parse({ rollouts: { 'a/b': { repo: 'acme/x', labels: ['ok'] } } });
    expect(() => policyFor(bad, 'a/b', { verifyWithinMs: -1 })).toThrow(ConfigError);
    expect(() => policyFor(bad, 'a/b', { verifyWithinMs: -1 })).toThrow(/policy for a\/b: verifyWithinMs/);
  });
});
