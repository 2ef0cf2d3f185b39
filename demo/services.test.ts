/**
 * `sentinel demo --llm gemini --github owner/repo`: the real services switched in, here the local stand-ins that speak
 * their REST APIs (the fake Gemini checks request shapes and the API key header; the fake GitHub validates every
 * request and response against GitHub's OpenAPI description), reached through the demo's own options
 * (SENTINEL_LLM_BASE_URL, GITHUB_API_URL). The real binary, pods, proxy and Chromium, as a user runs it.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryVerdict } from '../analysis/index.ts';
import { FakeGemini } from '../analysis/testing/fakeGemini.ts';
import type { FakeGitHub } from '../analysis/report/testing/fakeGitHub.ts';
import { REPO, startFakeGitHub, TOKENS } from '../analysis/report/testing/harness.ts';
import { processesMentioning, runDemo } from './testing.ts';

const GEMINI_KEY = ['AIza', 'SyDemoServicesTestKey0123456789abcdef'].join('');
const root = mkdtempSync(join(tmpdir(), 'sentinel-demo-services-'));
let gemini: FakeGemini;
let github: FakeGitHub;

beforeAll(async () => {
  gemini = await FakeGemini.start({
    apiKey: GEMINI_KEY,
    // A model reading the evidence: the v2 canary's new TypeError means rollback; v3's clean logs mean promote.
    handler: (req) => {
      const broken = req.promptText.includes('TypeError');
      return {
        text: JSON.stringify({
          verdict: broken ? 'rollback' : 'promote',
          confidence: broken ? 0.93 : 0.81,
          summary: broken
            ? 'Checkout throws a TypeError for some carts on the canary (stand-in explanation).'
            : 'The canary behaves like the stable (stand-in explanation).',
          reasons: broken
            ? [{ summary: 'new TypeError on POST /api/checkout', templateIds: [], severity: 0.9 }]
            : [],
        }),
      };
    },
  });
  github = await startFakeGitHub();
}, 120_000);

afterAll(async () => {
  await Promise.all([gemini?.close(), github?.close()]);
  rmSync(root, { recursive: true, force: true });
});

/** Every regular file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.isFile() ? [p] : [];
  });
}

/** Both keys and both stand-ins' endpoints, as a user's environment would hold them. */
const servicesEnv = (): Record<string, string> => ({
  GEMINI_API_KEY: GEMINI_KEY,
  SENTINEL_LLM_BASE_URL: gemini.url,
  GITHUB_TOKEN: TOKENS.user,
  GITHUB_API_URL: github.baseUrl,
});

describe('sentinel demo --llm gemini --github acme/shop (local stand-ins of both APIs)', () => {
  it(
    'the LLM explains in the report, the issue is filed on GitHub, then commented on and closed; no secret anywhere',
    { timeout: 300_000 },
    async () => {
      const out = join(root, 'services');
      const r = await runDemo(out, ['--sessions', '60', '--llm', 'gemini', '--github', REPO], {
        env: servicesEnv(),
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);

      // Gemini was asked, with the key in its header (not the URL), once per analysis at least.
      const asked = gemini.requests.filter((q) => q.action === 'generateContent');
      expect(asked.length).toBeGreaterThanOrEqual(2);
      expect(asked.every((q) => q.headers['x-goog-api-key'] === GEMINI_KEY)).toBe(true);

      // The issue: created on GitHub (the outbox is not used), then commented on and closed by the promote.
      const issues = github.issues(REPO);
      expect(issues).toHaveLength(1);
      const [issue] = issues as [ReturnType<FakeGitHub['issues']>[number]];
      expect(issue).toMatchObject({ state: 'closed', author: 'sentinel-bot' });
      expect(issue.comments.length).toBeGreaterThanOrEqual(1);
      expect(issue.comments.at(-1)?.body).toMatch(/promoted/);
      expect(issue.body).toMatch(/\[verdict report page\]\(file:\/\/\S+analysis-1-v2\.html\)/);
      expect(github.violations).toEqual([]);
      const ops = github.requests.map((q) => q.operationId);
      expect(ops).toEqual(
        expect.arrayContaining(['issues/create', 'issues/create-comment', 'issues/update']),
      );
      expect(readdirSync(out)).not.toContain('outbox');

      // The verdicts carry the LLM's words and token use; the report page shows them.
      const [run] = readdirSync(join(out, 'runs')).map((d) => join(out, 'runs', d)) as [string];
      const first = JSON.parse(readFileSync(join(run, 'analysis-1-v2.json'), 'utf8')) as CanaryVerdict;
      expect(first.verdict).toBe('rollback');
      expect(first.report).toMatchObject({
        action: 'filed',
        issueUrl: expect.stringMatching(/\/issues\/1$/),
      });
      expect(first.llm).toMatchObject({
        verdict: 'rollback',
        explanation: expect.stringMatching(/TypeError/),
      });
      expect(first.llm?.tokens.input).toBeGreaterThan(0);
      const page = readFileSync(join(run, 'analysis-1-v2.html'), 'utf8');
      expect(page).toContain(
        'Checkout throws a TypeError for some carts on the canary (stand-in explanation).',
      );
      expect(page).toMatch(/tokens: [\d,]+ in \/ [\d,]+ out/);
      expect(r.stdout).toMatch(/LLM: +gemini-2\.5-flash, \d+ tokens in \/ \d+ out/);

      // No secret in any output, any file the demo left, or any request body sent to the other service.
      const secrets = [GEMINI_KEY, TOKENS.user];
      const texts = [
        r.stdout,
        r.stderr,
        ...files(out)
          .filter((f) => statSync(f).size < 20_000_000)
          .map((f) => readFileSync(f, 'latin1')),
        ...github.requests.map((q) => `${q.path}?${q.query}\n${q.body}`),
        ...gemini.requests.map((q) => JSON.stringify(q.body)),
      ];
      for (const s of secrets) expect(texts.filter((t) => t.includes(s))).toEqual([]);
      expect(files(out).some((f) => f.includes('.secrets'))).toBe(false);
      expect(processesMentioning(run)).toEqual([]);
    },
  );

  it(
    'without --llm and --github nothing leaves the machine, even with both keys and endpoints in the environment',
    { timeout: 300_000 },
    async () => {
      const before = { gemini: gemini.requests.length, github: github.requests.length };
      const out = join(root, 'offline');
      const r = await runDemo(out, ['--sessions', '60'], {
        env: servicesEnv(),
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect({ gemini: gemini.requests.length, github: github.requests.length }).toEqual(before);
      expect(readdirSync(join(out, 'outbox'))).toEqual(['issue-0001.md']);
      expect(r.stdout).not.toMatch(/^LLM:/m);
    },
  );
});
