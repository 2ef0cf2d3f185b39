import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONAL_KINDS, REDACTION_KINDS } from '../redact/redact.ts';
import type { Reason } from '../types.ts';
import type { FakeGitHub } from './testing/fakeGitHub.ts';
import {
  CONTEXT,
  REPO,
  githubReporter,
  githubValidator,
  promoteVerdict,
  rollbackVerdict,
  startFakeGitHub,
} from './testing/harness.ts';
import { secretCorpus } from './testing/secretCorpus.ts';
import { PolicySchema } from './types.ts';
import type { IssueLlm } from './writer.ts';

const corpus = secretCorpus();
let fake: FakeGitHub | undefined;

beforeAll(async () => {
  await githubValidator();
}, 120_000);

afterEach(async () => {
  if (!fake) return;
  expect(fake.violations).toEqual([]);
  await fake.close();
  fake = undefined;
});

/** A judge bug: evidence that was never redacted, secrets in samples, templates and summaries. */
function leakyVerdict(offset = 0): ReturnType<typeof rollbackVerdict> {
  const leaky: Reason[] = corpus.map((s, i) => ({
    kind: 'new_template',
    summary: `new template ${i}: ${s.line}`,
    severity: 0.5,
    veto: false,
    evidence: {
      template: `tpl ${i} ${s.line}`,
      samples: [s.line, `again ${s.line}`],
      counts: { stable: 0, canary: 3 + offset },
      source: 'checkout-6d4f9c7b8-abcde',
    },
  }));
  return rollbackVerdict(offset, leaky);
}

async function startFake(): Promise<FakeGitHub> {
  fake = await startFakeGitHub();
  return fake;
}

function leaks(texts: string[]): string[] {
  return corpus
    .filter((s) => texts.some((t) => t.includes(s.secret) || t.includes(encodeURIComponent(s.secret))))
    .map((s) => s.kind);
}

describe('no secret from the redaction corpus reaches GitHub or the LLM', () => {
  it('covers every secret kind the redactor knows', () => {
    const secretKinds = REDACTION_KINDS.filter((k) => !OPTIONAL_KINDS.includes(k) || k === 'email');
    expect(new Set(corpus.map((s) => s.kind))).toEqual(new Set(secretKinds));
  });

  it('through create, LLM writing, hand-off, repeat comments and closure', async () => {
    const fake = await startFake();
    const prompts: string[] = [];
    // The "model" sees only redacted facts, yet answers with every secret (as if it had them from elsewhere).
    const llm: IssueLlm = {
      generate: async (req) => {
        prompts.push(req.system, req.user);
        // Short secrets only: longer opaque tokens make the writer discard the answer (tested below), and here the
        // answer must be used so that the sink's redaction is what stands between it and GitHub.
        const short = corpus.filter((s) => !/[A-Za-z0-9+/=_-]{32,}/.test(s.line));
        const body = `## Summary\nThe canary fails.\n\n${short.map((s) => `- ${s.line}`).join('\n')}`;
        return JSON.stringify({ title: `checkout fails with ${short[0]?.line}`, body });
      },
    };
    const { reporter } = githubReporter(fake, { llm });
    const handoff = { mode: 'copilot' as const, customInstructions: `use ${corpus[7]?.line}` };
    const policy = PolicySchema.parse({ repo: REPO, handoff });
    const first = await reporter.report(leakyVerdict(0), CONTEXT, policy, AbortSignal.timeout(20_000));
    expect(first).toMatchObject({ action: 'created', author: 'llm', handoff: { status: 'requested' } });
    await reporter.report(leakyVerdict(1), CONTEXT, policy, AbortSignal.timeout(20_000));
    await reporter.report(promoteVerdict(), CONTEXT, policy, AbortSignal.timeout(20_000));

    const ops = new Set(fake.requests.map((r) => r.operationId));
    for (const op of ['issues/create', 'issues/create-comment', 'issues/add-assignees', 'issues/update'])
      expect(ops).toContain(op);
    expect(leaks(fake.requests.map((r) => `${r.query}\n${r.body}`))).toEqual([]);
    expect(leaks(prompts)).toEqual([]);
    // The redactor did run (placeholders present), and the facts still made it.
    const body = fake.issues(REPO)[0]?.body ?? '';
    expect(body).toContain('[REDACTED:');
    expect(body).toContain('index out of range');
    // Sanity: the corpus really contains secrets the test would catch.
    expect(
      leaks([
        leakyVerdict(0)
          .reasons.map((r) => r.evidence?.samples?.join('\n') ?? '')
          .join('\n'),
      ]),
    ).toHaveLength(corpus.length);
  });

  it('discards an LLM answer carrying key material the redactor cannot recognise (a bare base64 key body)', async () => {
    const fake = await startFake();
    const keyBody = corpus.find((c) => c.kind === 'private_key')?.secret ?? '';
    const llm: IssueLlm = {
      generate: async () => JSON.stringify({ title: `key ${keyBody}`, body: `## Summary\nuse ${keyBody}` }),
    };
    const { reporter } = githubReporter(fake, { llm });
    const r = await reporter.report(
      leakyVerdict(0),
      CONTEXT,
      PolicySchema.parse({ repo: REPO }),
      AbortSignal.timeout(20_000),
    );
    expect(r).toMatchObject({ action: 'created', author: 'template' });
    expect(leaks(fake.requests.map((q) => q.body))).toEqual([]);
  });

  it('a PEM header without its footer in a sample cannot swallow the marker (dedupe still works)', async () => {
    const fake = await startFake();
    const { reporter } = githubReporter(fake);
    const v = (i: number): ReturnType<typeof rollbackVerdict> => {
      const x = rollbackVerdict(i);
      x.reasons[0]!.evidence!.samples = ['-----BEGIN RSA PRIVATE KEY-----', 'panic: runtime error'];
      return x;
    };
    const policy = PolicySchema.parse({ repo: REPO });
    await reporter.report(v(0), CONTEXT, policy, AbortSignal.timeout(20_000));
    const other = githubReporter(fake).reporter; // no lease: must find the issue by its marker via search
    expect(await other.report(v(1), CONTEXT, policy, AbortSignal.timeout(20_000))).toMatchObject({
      action: 'commented',
      via: 'search',
    });
    expect(fake.issues(REPO)[0]?.body).toContain('<!-- rollout-sentinel:marker');
  });
});
