/** The report page as HTML: escaping, what each section shows, and that bad input is refused by name. */
import { describe, expect, it } from 'vitest';
import { pageFromCanaryVerdict } from './fromCanaryVerdict.ts';
import { renderReportPage } from './render.ts';
import { sampleRollback } from './testing/sample.ts';
import type { ReportPageInput } from './types.ts';

describe('renderReportPage', () => {
  it('puts verdict and confidence first, then the reasons in plain sentences', () => {
    const html = renderReportPage(sampleRollback());
    const verdictAt = html.indexOf('<h1>ROLLBACK</h1>');
    expect(verdictAt).toBeGreaterThan(0);
    expect(html.indexOf('confidence 99 %')).toBeGreaterThan(verdictAt);
    expect(html.indexOf('Roll back: the canary behaves worse')).toBeGreaterThan(verdictAt);
    expect(html).toContain('Journey &quot;checkout&quot; failed on the canary');
  });

  it('escapes every piece of analysis text (templates, samples, errors, the LLM) and links only http(s)', () => {
    const input = sampleRollback();
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    input.reasons[1]!.evidence!.template = evil;
    input.reasons[1]!.evidence!.samples = [evil];
    input.journeys![0]!.failures![0]!.error = evil;
    input.llm = { provider: 'gemini', model: 'gemini-2.5-flash', verdict: 'rollback' };
    input.llmExplanation = evil;
    input.issue = { action: 'created', url: 'javascript:alert(3)' };
    const html = renderReportPage(input);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('href="javascript:');
    expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBe(4);
  });

  it('fetches nothing: no external URL in src/href of resources, and a CSP that forbids it', () => {
    const html = renderReportPage(sampleRollback('data:image/png;base64,iVBORw0KGgo='));
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(?:link|script)\b/);
    expect(html).not.toMatch(/src="https?:/);
    expect(html).toContain('<img alt="screenshot of the failed canary run" src="data:image/png;base64,');
  });

  it('shows a journey chart with one bar pair per timed step, and omits it when nothing was timed', () => {
    const html = renderReportPage(sampleRollback());
    const svg = /<svg class="chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain('open a book');
    // Two rects (p50, p95) per side per step: 4 steps × 2 sides × 2.
    expect(svg.match(/<rect /g)).toHaveLength(16);
    const untimed = sampleRollback();
    untimed.journeys![0]!.steps = [{ name: 'x' }];
    expect(renderReportPage(untimed)).not.toContain('<svg class="chart"');
  });

  it('says when no LLM ran, and shows model, verdict and tokens when one did', () => {
    expect(renderReportPage(sampleRollback())).toContain('No LLM ran');
    const input: ReportPageInput = {
      ...sampleRollback(),
      llm: { provider: 'gemini', model: 'gemini-2.5-flash', verdict: 'rollback', confidence: 0.9 },
      tokens: { input: 1234, output: 56, rawLogs: 89_370 },
      llmExplanation: 'Checkout dereferences a missing shipping class.',
    };
    const html = renderReportPage(input);
    expect(html).toContain('gemini-2.5-flash said <b>rollback</b> (confidence 90 %)');
    expect(html).toContain('1,234 in / 56 out');
    expect(html).toContain('Checkout dereferences a missing shipping class.');
  });

  it('renders a promote without templates or journeys, and an inconclusive naming what was missing', () => {
    const promote = renderReportPage({
      title: 't',
      generatedAt: 'now',
      verdict: 'promote',
      confidence: 0.84,
      reasons: [{ kind: 'other', summary: 'No significant difference.', severity: 0 }],
    });
    expect(promote).toContain('<h1>PROMOTE</h1>');
    expect(promote).not.toContain('data-testid="templates"');
    expect(promote).not.toContain('data-testid="journeys"');
    const inconclusive = renderReportPage({
      title: 't',
      generatedAt: 'now',
      verdict: 'inconclusive',
      confidence: 0.7,
      reasons: [{ kind: 'insufficient_data', summary: 'Only 12 canary lines (need 100).', severity: 1 }],
    });
    expect(inconclusive).toContain('cannot decide');
    expect(inconclusive).toContain('Only 12 canary lines (need 100).');
  });

  it('refuses input that is not a page input, naming the field', () => {
    expect(() => renderReportPage({ ...sampleRollback(), confidence: 2 })).toThrow(/confidence/);
  });
});

describe('pageFromCanaryVerdict', () => {
  it('shows what an inconclusive canary verdict was missing, its journeys and the closed issue', () => {
    const html = renderReportPage(
      pageFromCanaryVerdict({
        verdict: 'inconclusive',
        confidence: 0,
        reasons: [],
        missing: ['no canary pods (label rollouts-pod-template-hash=abc in namespace shop)'],
        infrastructure: false,
        journeys: [
          {
            name: 'checkout',
            backend: 'local',
            passRate: { stable: 1, canary: 0.5 },
            runs: { stable: 4, canary: 4 },
            steps: [{ name: 'open', stable: { p50: 10, p95: 20 }, canary: { p50: 12, p95: 30 } }],
            failures: [],
          },
        ],
        evidence: {
          pods: { stable: 2, canary: 0 },
          lines: { stable: 10, canary: 0 },
          templates: 1,
          warnings: [],
        },
        report: { action: 'closed', outboxFile: '/tmp/outbox/issue-0001.md' },
        artifacts: { traces: [], screenshots: [] },
        rollout: {
          name: 'cart',
          namespace: 'shop',
          canaryPodTemplateHash: 'abc',
          stablePodTemplateHash: 'def',
        },
        durationMs: 5,
      }),
    );
    expect(html).toContain('<h1>INCONCLUSIVE</h1>');
    expect(html).toContain('no canary pods (label rollouts-pod-template-hash=abc in namespace shop)');
    expect(html).toContain('shop/cart — canary abc vs stable def');
    expect(html).toContain('(2/4 passed)');
    expect(html).toContain('Closed <a href="/tmp/outbox/issue-0001.md">');
  });
});
