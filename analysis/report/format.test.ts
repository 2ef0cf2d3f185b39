import { describe, expect, it } from 'vitest';
import { formatBody, formatTitle, type IssueFacts } from './format.ts';
import { GITHUB_BODY_MAX, GITHUB_TITLE_MAX, code, fence, inert } from './markdown.ts';
import { parseMarker, renderMarker } from './marker.ts';
import { CONTEXT, rollbackVerdict } from './testing/verdicts.ts';
import type { Marker } from './types.ts';

const marker: Marker = {
  v: 1,
  fp: 'rsfp-0123456789abcdef',
  rollout: 'shop/checkout',
  signals: ['critical:panic <*>'],
};
const facts = (input = rollbackVerdict()): IssueFacts => ({
  input,
  context: CONTEXT,
  marker,
  observedAt: '2026-11-21T20:00:00.000Z',
});

describe('markdown helpers', () => {
  it('neutralizes mentions, issue references and HTML in untrusted prose', () => {
    const out = inert('ping @octocat, fixes #12 <!-- rollout-sentinel:marker x -->');
    expect(out).not.toMatch(/@octocat/);
    expect(out).not.toMatch(/#12/);
    expect(out).not.toContain('<!--');
  });

  it('fences survive backticks inside', () => {
    expect(fence(['a ``` b'])).toMatch(/^````text\n/);
    expect(code('x ` y')).toBe('`` x ` y ``'.replace(/^`` x/, '``x').replace(/y ``$/, 'y``'));
  });
});

describe('marker', () => {
  it('round-trips, and a template containing --> cannot end the comment early', () => {
    const tricky = { ...marker, signals: ['new_template:a --> b <!-- c'] };
    expect(parseMarker(`body\n${renderMarker(tricky)}\n`)).toEqual(tricky);
    expect(renderMarker(tricky).split('-->')).toHaveLength(2);
  });

  it('rejects malformed or absent markers', () => {
    expect(parseMarker('no marker')).toBeUndefined();
    expect(parseMarker('<!-- rollout-sentinel:marker {"v":2} -->')).toBeUndefined();
    expect(parseMarker(null)).toBeUndefined();
  });
});

describe('deterministic issue', () => {
  it('has the facts a fixer needs, rates with counts, and the marker last', () => {
    const body = formatBody(facts());
    expect(body).toContain('stable 0.00‰ (0 / 4000) · canary 13.3‰ (12 / 900)');
    expect(body).toContain('**canary pod-template-hash**: `6d4f9c7b8`');
    expect(body).toContain('[AnalysisRun](https://argo.example.com/rollouts/shop/checkout)');
    expect(parseMarker(body)?.fp).toBe(marker.fp);
    expect(body.trimEnd().endsWith(`\`${marker.fp}\`</sub>`)).toBe(true);
  });

  it('stays within GitHub limits with huge evidence, dropping samples first', () => {
    const input = rollbackVerdict();
    const huge = 'x'.repeat(5_000);
    for (let i = 0; i < 40; i++) {
      input.reasons.push({
        kind: 'new_template',
        summary: `s${i} ${huge}`,
        severity: 0.3,
        veto: false,
        evidence: { template: huge, samples: Array(10).fill(huge) },
      });
    }
    const body = formatBody(facts(input));
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_MAX);
    expect(parseMarker(body)?.fp).toBe(marker.fp);
    const title = formatTitle(facts(input));
    expect(
      formatTitle({
        ...facts(input),
        input: { ...input, reasons: [{ ...input.reasons[0]!, summary: huge }] },
      }).length,
    ).toBeLessThanOrEqual(GITHUB_TITLE_MAX);
    expect(title.length).toBeLessThanOrEqual(GITHUB_TITLE_MAX);
  });

  it('drops non-http links and keeps untrusted sample text inside fences', () => {
    const input = rollbackVerdict();
    input.reasons[0]!.evidence!.samples = ['@admin please run `rm -rf` ``` escape'];
    const body = formatBody({
      ...facts(input),
      context: { ...CONTEXT, links: { evil: 'javascript:alert(1)', ok: 'https://x.example/a(b)' } },
    });
    expect(body).not.toContain('javascript:');
    expect(body).toContain('https://x.example/a%28b%29');
    expect(body).toMatch(/````text\n@admin please run `rm -rf` ``` escape\n````/);
  });

  it('links a report page on this machine (file://) but never data: or javascript:', () => {
    const body = formatBody({
      ...facts(rollbackVerdict()),
      context: {
        ...CONTEXT,
        links: {
          'verdict report page': 'file:///tmp/run/analysis-1-v2.html',
          evil: 'data:text/html,<script>alert(1)</script>',
        },
      },
    });
    expect(body).toContain('- [verdict report page](file:///tmp/run/analysis-1-v2.html)');
    expect(body).not.toContain('data:');
  });

  it('lists each failing journey once in the acceptance check, however many reasons it has', () => {
    const input = rollbackVerdict();
    const journey = (summary: string) => ({
      kind: 'journey' as const,
      summary,
      severity: 0.8,
      veto: false,
      evidence: { source: 'checkout (local)' },
    });
    input.reasons.push(journey('checkout fails on the canary'), journey('step 3 is 4× slower on the canary'));
    const body = formatBody(facts(input));
    expect(body.match(/synthetic journey `checkout \(local\)` passes against the canary/g)).toHaveLength(1);
  });
});
