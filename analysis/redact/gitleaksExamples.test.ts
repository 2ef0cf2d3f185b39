/**
 * gitleaks' own samples (rules/gitleaksExamples.json, from its rule generator at the version the rules came from):
 * every true positive, logged as an error line, loses every part of every secret gitleaks finds in it — in the
 * redacted line, in the mined templates and samples, in the verdict JSON of the whole pipeline, in the LLM judge's
 * request and in the issue written from the verdict.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, buildComparison } from '../analyze.ts';
import { GeminiClient } from '../judges/llm/geminiClient.ts';
import { LlmJudge } from '../judges/llm/llmJudge.ts';
import { formatBody, formatTitle } from '../report/format.ts';
import { CONTEXT } from '../report/testing/verdicts.ts';
import { ReportInputSchema } from '../report/types.ts';
import { FakeGemini } from '../testing/fakeGemini.ts';
import { GITLEAKS_DATA } from './gitleaks.ts';
import { redact } from './redact.ts';
import { GITLEAKS_EXAMPLES_FILE, asLogLine, gitleaksExamples } from './testing/gitleaksExamples.ts';

const examples = gitleaksExamples();

/** Rules whose generator validates no samples (they `return &r`), so the file has none for them. */
const WITHOUT_SAMPLES = ['dropbox-long-lived-api-token', 'dropbox-short-lived-api-token'];

/** The longest run of token characters in `s`. */
const longestRun = (s: string): string =>
  (s.match(/[A-Za-z0-9+/=_-]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');

/**
 * Rules whose gitleaks "secret" is not the credential itself, and how the test finds the credential instead. Every
 * other rule's secret is checked as gitleaks reports it.
 */
const CREDENTIAL_OF: Record<
  string,
  { reason: string; credential: (secret: string, text: string) => string }
> = {
  'kubernetes-secret-yaml': {
    reason:
      'the secret is the whole `password: value` pair; redaction keeps the name on purpose, the value must go',
    credential: (secret) => longestRun(secret),
  },
  'sonar-api-token': {
    reason:
      'v8.27.2 sets no secretGroup, so the secret gitleaks reports is its first group (`login`/`token`, part of the key name); the credential is the 40-character value',
    credential: (_secret, text) => longestRun(text),
  },
};

/** Pieces of a secret long enough to identify it: 8 characters every 4, and the last 8; a short secret whole. */
function fragments(secret: string): string[] {
  if (secret.length <= 8) return [secret];
  const out: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i += 4) out.push(secret.slice(i, i + 8));
  out.push(secret.slice(-8));
  return out;
}

const count = (hay: string, needle: string): number => hay.split(needle).length - 1;

interface Sample {
  rule: string;
  line: string;
  credentials: string[];
  /** The line with every credential cut out: the context a fragment may also come from (a key name, a URL). */
  context: string;
  generated: boolean;
}

const samples: Sample[] = examples.rules.flatMap((r) =>
  r.tps.map((t) => {
    const line = asLogLine(t.text);
    const fix = CREDENTIAL_OF[r.id];
    // Folded as the line is (a private key's secret spans lines).
    const credentials = [
      ...new Set(t.secrets.map((s) => (fix ? fix.credential(s, t.text) : s).replace(/\r?\n/g, ' '))),
    ];
    const context = credentials.reduce((l, c) => l.split(c).join('\u0000'), line);
    return { rule: r.id, line, credentials, context, generated: t.generated };
  }),
);

/** Fragments of a sample's credentials found in `out` more often than the line's context accounts for. */
function leaks(s: Sample, out: string): string[] {
  return s.credentials.flatMap((c) =>
    fragments(c)
      .filter((f) => count(out, f) > count(s.context, f))
      .map((f) => `${f} (of ${c.length} chars)`),
  );
}

describe("gitleaks' own samples", () => {
  it('are the samples of the vendored rules (same gitleaks config, MIT, every rule covered)', () => {
    expect(examples.rulesSha256).toBe(GITLEAKS_DATA.sha256);
    expect(examples.version).toMatch(/^v8\.\d+\.\d+$/);
    expect(examples.license).toMatch(/^MIT\./);
    expect(examples.sha256).toMatch(/^[0-9a-f]{64}$/);
    const ids = new Set(examples.rules.map((r) => r.id));
    const uncovered = GITLEAKS_DATA.rules.map((r) => r.id).filter((id) => !ids.has(id));
    expect(uncovered).toEqual(WITHOUT_SAMPLES);
    expect(examples.rules.every((r) => r.tps.length > 0 && r.tps.every((t) => t.secrets.length > 0))).toBe(
      true,
    );
    // The file is base64 so secret scanners stay quiet: no sample appears in it as plain text.
    const raw = readFileSync(GITLEAKS_EXAMPLES_FILE, 'utf8');
    expect(raw).not.toContain((samples[0] as Sample).credentials[0]);
    expect(createHash('sha256').update(raw).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the credential fixes apply to rules that exist', () => {
    for (const id of Object.keys(CREDENTIAL_OF)) expect(examples.rules.map((r) => r.id)).toContain(id);
  });

  it('every true positive, as a log line, loses every part of its secrets (per-rule misses listed)', () => {
    expect(samples.length).toBeGreaterThan(6000);
    const misses = new Map<string, string[]>();
    for (const s of samples) {
      const found = leaks(s, redact(s.line));
      if (found.length)
        misses.set(s.rule, [...(misses.get(s.rule) ?? []), `${found[0]} in ${JSON.stringify(s.line)}`]);
    }
    expect(Object.fromEntries(misses)).toEqual({});
  });

  it('the check is not vacuous: every credential is in its line, so an unredacted line leaks', () => {
    // Without redaction every sample leaks: the fragment check is not vacuous.
    expect(samples.filter((s) => leaks(s, s.line).length > 0).length).toBe(samples.length);
  });

  describe('through the whole pipeline', () => {
    const healthy = (n: number): string[] =>
      Array.from(
        { length: n },
        (_, i) => `INFO GET /api/items/${i % 90} status=200 duration=${20 + (i % 30)}ms`,
      );
    const request = {
      stable: [{ name: 'stable', lines: healthy(600) }],
      canary: [{ name: 'canary', lines: [...healthy(600), ...samples.map((s) => s.line)] }],
    };

    /** Every 8-character window of `text` (set lookups instead of thousands of scans of a long string). */
    function windows(text: string): Set<string> {
      const w = new Set<string>();
      for (let i = 0; i + 8 <= text.length; i++) w.add(text.slice(i, i + 8));
      return w;
    }
    /**
     * Fragments that only the credential can explain (absent from every sample's context, and from `known`: text
     * the output carries besides the samples, such as the issue's rollout context) found in `text`.
     */
    function leaked(text: string, known = ''): string[] {
      const w = windows(text);
      const contexts = [known, ...samples.map((s) => s.context)].join('\n');
      const ctx = windows(contexts);
      const out: string[] = [];
      for (const s of samples)
        for (const c of s.credentials)
          for (const f of fragments(c))
            if (f.length === 8 ? w.has(f) && !ctx.has(f) : text.includes(f) && !contexts.includes(f))
              out.push(`${s.rule}: ${f}`);
      return [...new Set(out)];
    }

    it('leaves no part of a secret in templates or samples', async () => {
      const c = await buildComparison(request);
      const mined = [
        ...c.miner.clusters.map((cl) => JSON.stringify(cl)),
        ...[...c.templates.values()].flatMap((t) => [...t.samples.stable, ...t.samples.canary]),
      ].join('\n');
      expect(mined).toContain('[REDACTED:gitleaks:');
      expect(leaked(mined)).toEqual([]);
    });

    it('leaves no part of a secret in the verdict JSON or the issue written from it', async () => {
      const verdict = await analyze(request);
      const json = JSON.stringify(verdict);
      // The samples must reach the verdict as evidence, or this proves nothing.
      expect(verdict.verdict).toBe('rollback');
      expect(json).toContain('[REDACTED:');
      expect(leaked(json)).toEqual([]);
      const facts = {
        input: ReportInputSchema.parse(verdict),
        context: CONTEXT,
        marker: { v: 1 as const, fp: 'rsfp-0123456789abcdef', rollout: 'shop/checkout', signals: [] },
        observedAt: '2026-12-02T08:00:00.000Z',
      };
      const issue = `${formatTitle(facts)}\n${formatBody(facts)}`;
      expect(issue).toContain('[REDACTED:');
      expect(leaked(issue, JSON.stringify(facts.context))).toEqual([]);
    });

    describe("the LLM judge's request", () => {
      let gemini: FakeGemini;
      beforeAll(async () => {
        gemini = await FakeGemini.start({ apiKey: 'test-key' });
        gemini.setHandler(() => ({ status: 500, error: { status: 'INTERNAL', message: 'recording only' } }));
      });
      afterAll(async () => {
        await gemini.close();
      });

      it('leaves no part of a secret in what is sent to the model', async () => {
        const client = new GeminiClient({
          apiKey: 'test-key',
          model: 'gemini-2.5-flash',
          baseUrl: gemini.url,
          backoffMs: 5,
          attempts: 1,
        });
        await analyze(request, { llm: new LlmJudge({ client }) });
        const sent = gemini.requests.map((r) => JSON.stringify(r.body)).join('\n');
        expect(sent).toContain('[REDACTED:');
        expect(leaked(sent)).toEqual([]);
      });
    });
  });
});
