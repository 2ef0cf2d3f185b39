import { describe, expect, it } from 'vitest';
import type { Reason } from '../types.ts';
import { definingSignals, fingerprint, normalizeTemplate } from './fingerprint.ts';
import { rollbackVerdict } from './testing/verdicts.ts';

const reason = (r: Partial<Reason>): Reason => ({
  kind: 'new_template',
  summary: 's',
  severity: 0.5,
  veto: false,
  ...r,
});

describe('normalizeTemplate', () => {
  it.each([
    ['numbers and ids', 'order 123 failed for 9f86d081884c7d65', 'order <*> failed for <*>'],
    ['uuid', 'user 123e4567-e89b-12d3-a456-426614174000 missing', 'user <*> missing'],
    ['ip and port', 'dial 10.0.3.7:5432 refused', 'dial <*> refused'],
    ['quoted values and case', 'Bad value "abc" for Key', 'bad value <*> for key'],
    ['redaction placeholders', 'token [REDACTED:github_token] rejected', 'token <*> rejected'],
    [
      'miner wildcards',
      'index out of range [<*>] with length <*>',
      'index out of range [<*>] with length <*>',
    ],
    ['whitespace', '  a   b\tc ', 'a b c'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeTemplate(input)).toBe(expected);
  });
});

describe('fingerprint', () => {
  it('is stable across counts, samples, pods, confidence and reason order', () => {
    const a = rollbackVerdict(0);
    const b = rollbackVerdict(7);
    b.reasons.reverse();
    b.confidence = 0.6;
    expect(fingerprint('shop/checkout', a).fp).toBe(fingerprint('shop/checkout', b).fp);
    expect(fingerprint('shop/checkout', a).fp).toMatch(/^rsfp-[0-9a-f]{16}$/);
  });

  it('differs by rollout and by failure', () => {
    const v = rollbackVerdict();
    expect(fingerprint('shop/checkout', v).fp).not.toBe(fingerprint('shop/cart', v).fp);
    const other = {
      reasons: [reason({ kind: 'critical', veto: true, evidence: { template: 'OOMKilled' } })],
    };
    expect(fingerprint('shop/checkout', other).fp).not.toBe(fingerprint('shop/checkout', v).fp);
  });

  it('keys on the strongest class: vetoes over journeys over new templates over rates', () => {
    const v = {
      reasons: [
        reason({ kind: 'error_rate', summary: 'errors up' }),
        reason({ kind: 'new_template', evidence: { template: 'cache miss <*>' } }),
        reason({ kind: 'journey', summary: 'pay fails', evidence: { source: 'checkout-pay' } }),
        reason({ kind: 'llm', summary: 'the model thinks so' }),
      ],
    };
    expect(definingSignals(v)).toEqual({ kind: 'journey', signals: ['journey:checkout-pay'] });
    expect(definingSignals({ reasons: v.reasons.slice(0, 2) })).toEqual({
      kind: 'new_template',
      signals: ['new_template:cache miss <*>'],
    });
    expect(definingSignals({ reasons: [v.reasons[3] as Reason] })).toEqual({ kind: 'unknown', signals: [] });
  });

  it('caps the signals at the five most severe, so one extra weak template does not fork the issue', () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      reason({ severity: i < 5 ? 0.9 : 0.1, evidence: { template: `tpl ${'abcdefgh'[i]}` } }),
    );
    const withExtra = [...many, reason({ severity: 0.05, evidence: { template: 'tpl z' } })];
    expect(definingSignals({ reasons: many }).signals).toHaveLength(5);
    expect(fingerprint('a/b', { reasons: many }).fp).toBe(fingerprint('a/b', { reasons: withExtra }).fp);
  });
});
