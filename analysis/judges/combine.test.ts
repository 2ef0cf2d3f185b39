import { describe, expect, it } from 'vitest';
import type { LlmReport, Verdict, VerdictKind } from '../types.ts';
import { combine, POLICY_NAMES, type PolicyName } from './combine.ts';

const v = (verdict: VerdictKind, veto = false): Verdict => ({
  verdict,
  confidence: 0.9,
  reasons: [{ kind: veto ? 'critical' : 'other', summary: verdict, severity: 1, veto }],
});
const ok: LlmReport = { provider: 'gemini', model: 'm' };
const failed: LlmReport = { provider: 'gemini', model: 'm', error: 'LLM judge unavailable: 429' };

describe('combine', () => {
  it.each<{
    policy: PolicyName;
    stats: Verdict;
    llm: Verdict | undefined;
    report: LlmReport;
    want: VerdictKind;
  }>([
    { policy: 'stats-decide', stats: v('promote'), llm: v('rollback'), report: ok, want: 'promote' },
    { policy: 'stats-decide', stats: v('rollback'), llm: v('promote'), report: ok, want: 'rollback' },
    { policy: 'stats-decide', stats: v('promote'), llm: undefined, report: failed, want: 'promote' },
    { policy: 'agree', stats: v('promote'), llm: v('promote'), report: ok, want: 'promote' },
    { policy: 'agree', stats: v('promote'), llm: v('rollback'), report: ok, want: 'inconclusive' },
    { policy: 'agree', stats: v('promote'), llm: undefined, report: failed, want: 'inconclusive' },
    { policy: 'llm-decide', stats: v('promote'), llm: v('rollback'), report: ok, want: 'rollback' },
    { policy: 'llm-decide', stats: v('rollback'), llm: v('promote'), report: ok, want: 'promote' },
    { policy: 'llm-decide', stats: v('promote'), llm: undefined, report: failed, want: 'inconclusive' },
    { policy: 'llm-decide', stats: v('rollback', true), llm: v('promote'), report: ok, want: 'rollback' },
    { policy: 'agree', stats: v('rollback', true), llm: v('promote'), report: ok, want: 'rollback' },
    {
      policy: 'llm-decide',
      stats: v('rollback', true),
      llm: v('inconclusive'),
      report: ok,
      want: 'rollback',
    },
  ])(
    '$policy: stats $stats.verdict + llm $llm.verdict ($report.error) → $want',
    ({ policy, stats, llm, report, want }) => {
      expect(combine(policy, stats, llm, report).verdict).toBe(want);
    },
  );

  it('without an LLM configured every policy returns the statistical verdict', () => {
    for (const p of POLICY_NAMES)
      expect(combine(p, v('rollback'), undefined, { provider: 'none' }).verdict).toBe('rollback');
  });

  it('the veto reason comes first when it overrides the LLM', () => {
    const out = combine('llm-decide', v('rollback', true), v('promote'), ok);
    expect(out.reasons[0]?.veto).toBe(true);
  });
});
