import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHub } from './testing/fakeGitHub.ts';
import {
  CONTEXT,
  REPO,
  TOKENS,
  githubReporter,
  githubValidator,
  promoteVerdict,
  rollbackVerdict,
  startFakeGitHub,
  tempDir,
} from './testing/harness.ts';
import { PolicySchema, type Policy, type PolicyInput } from './types.ts';
import { parseMarker } from './marker.ts';

const policy = (p: Partial<PolicyInput> = {}): Policy => PolicySchema.parse({ repo: REPO, ...p });
const signal = (): AbortSignal => AbortSignal.timeout(20_000);

let fake: FakeGitHub;

beforeAll(async () => {
  await githubValidator();
}, 120_000);

afterEach(async () => {
  // Every request we sent and every answer the fake gave must match GitHub's OpenAPI description.
  expect(fake.violations).toEqual([]);
  await fake.close();
});

/** Reports the default rollback verdict with the default policy. */
const reportRollback = (
  reporter: ReturnType<typeof githubReporter>['reporter'],
): ReturnType<typeof reporter.report> => reporter.report(rollbackVerdict(), CONTEXT, policy(), signal());

/** The fake answers the next `operationId` call as GitHub answers a rate-limited one (`retry-after` in seconds). */
function rateLimitNext(
  f: FakeGitHub,
  limit: { status: 403 | 429; operationId: string; retryAfterS: number; message: string },
): void {
  f.failNext(1, {
    status: limit.status,
    operationId: limit.operationId,
    headers: { 'retry-after': String(limit.retryAfterS) },
    body: {
      message: limit.message,
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      status: String(limit.status),
    },
  });
}

/** A rollback for another reason than {@link rollbackVerdict}'s panic: a failing journey (its own fingerprint). */
const JOURNEY_FAILS = {
  verdict: 'rollback' as const,
  confidence: 0.8,
  reasons: [
    {
      kind: 'journey' as const,
      summary: 'checkout journey fails at pay',
      severity: 0.9,
      veto: false,
      evidence: { source: 'checkout-pay' },
    },
  ],
};

const creates = (f: FakeGitHub): number =>
  f.requests.filter((r) => r.operationId === 'issues/create' && r.status === 201).length;

describe('Reporter against a GitHub REST fake validated with the OpenAPI description', () => {
  it('files the first failure with labels, marker, facts and the fix criteria', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const r = await reporter.report(rollbackVerdict(), CONTEXT, policy({ labels: ['sev2'] }), signal());
    expect(r).toMatchObject({ action: 'created', author: 'template', handoff: { status: 'none' } });
    const [issue] = fake.issues(REPO);
    expect(issue?.labels).toEqual(['rollout-sentinel', 'sev2']);
    expect(fake.requests.every((q) => q.headers['x-github-api-version'] === '2022-11-28')).toBe(true);
    expect(fake.requests[0]?.headers['authorization']).toMatch(/^token ghp_/);
    expect(issue?.title).toMatch(/^\[rollout-sentinel\] shop\/checkout: canary rolled back — canary panics/);
    expect(parseMarker(issue?.body)).toMatchObject({
      rollout: 'shop/checkout',
      fp: expect.stringMatching(/^rsfp-/),
    });
    for (const needle of [
      'sha256:0123456789abcdef',
      '6d4f9c7b8',
      '5c8b7a6f4',
      'checkout-7-analysis',
      '### What a fix must satisfy',
      'index out of range',
    ]) {
      expect(issue?.body).toContain(needle);
    }
  });

  it('comments on the open issue when the same failure repeats (lease), and after a restart (search)', async () => {
    fake = await startFakeGitHub();
    const stateDir = tempDir('repeat');
    const first = githubReporter(fake, { stateDir }).reporter;
    await first.report(rollbackVerdict(0), CONTEXT, policy(), signal());
    const again = await first.report(rollbackVerdict(1), CONTEXT, policy(), signal());
    expect(again).toMatchObject({ action: 'commented', via: 'lease', occurrence: 2 });
    // A new process with no lease (another node) must find the issue through search.
    const other = githubReporter(fake, { stateDir: tempDir('other') }).reporter;
    expect(await other.report(rollbackVerdict(2), CONTEXT, policy(), signal())).toMatchObject({
      action: 'commented',
      via: 'search',
    });
    expect(fake.issues(REPO)).toHaveLength(1);
    expect(fake.issues(REPO)[0]?.comments).toHaveLength(2);
  });

  it('files anew when the leased issue was closed by a person or deleted', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const first = await reporter.report(rollbackVerdict(0), CONTEXT, policy(), signal());
    if (first.action !== 'created') throw new Error('setup failed');
    fake.issues(REPO)[0]!.state = 'closed';
    const second = await reporter.report(rollbackVerdict(1), CONTEXT, policy(), signal());
    expect(second).toMatchObject({ action: 'created', issue: { number: 2 } });
    fake.deleteIssue(REPO, 2);
    expect(await reporter.report(rollbackVerdict(2), CONTEXT, policy(), signal())).toMatchObject({
      action: 'created',
      issue: { number: 3 },
    });
    // GitHub answered 410 Gone for the deleted issue; the record now names issue 3, and the next report follows it.
    expect(fake.requests.some((r) => r.operationId === 'issues/get' && r.status === 410)).toBe(true);
    expect(await reporter.report(rollbackVerdict(3), CONTEXT, policy(), signal())).toMatchObject({
      action: 'commented',
      via: 'lease',
      issue: { number: 3 },
    });
  });

  it('files a different failure of the same rollout as a second issue', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    await reportRollback(reporter);
    expect(await reporter.report(JOURNEY_FAILS, CONTEXT, policy(), signal())).toMatchObject({
      action: 'created',
    });
    expect(fake.issues(REPO)).toHaveLength(2);
  });

  it('files exactly one issue for 20 repeated and 5 concurrent failures, even while search lags', async () => {
    fake = await startFakeGitHub({ searchLagMs: 60_000 });
    const stateDir = tempDir('dupes');
    // Two reporters sharing a lease folder stand for two processes (the file lock is what serializes them).
    const a = githubReporter(fake, { stateDir }).reporter;
    const b = githubReporter(fake, { stateDir }).reporter;
    const concurrent = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => (i % 2 ? a : b).report(rollbackVerdict(i), CONTEXT, policy(), signal())),
    );
    expect(concurrent.filter((r) => r.action === 'created')).toHaveLength(1);
    for (let i = 0; i < 20; i++) await a.report(rollbackVerdict(100 + i), CONTEXT, policy(), signal());
    expect(fake.issues(REPO)).toHaveLength(1);
    expect(creates(fake)).toBe(1);
    expect(fake.issues(REPO)[0]?.comments).toHaveLength(24);
  });

  it('relies on search once the lease expired', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake, { leaseTtlMs: 0 });
    for (let i = 0; i < 5; i++) await reporter.report(rollbackVerdict(i), CONTEXT, policy(), signal());
    expect(creates(fake)).toBe(1);
    expect(
      fake.requests.filter((r) => r.operationId === 'search/issues-and-pull-requests').length,
    ).toBeGreaterThanOrEqual(5);
  });

  it('explains a token without issues permission and files nothing', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake, { token: TOKENS.readOnly });
    const r = await reportRollback(reporter);
    expect(r).toMatchObject({ action: 'failed', error: { code: 'GitHubPermissionDenied' } });
    if (r.action !== 'failed') throw new Error('unreachable');
    expect(r.error.message).toContain('Resource not accessible by personal access token');
    expect(r.error.hint).toMatch(/Issues: Read and write/);
    expect(fake.issues(REPO)).toHaveLength(0);
  });

  it('explains a bad token (401) without throwing', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake, { token: 'ghp_' + 'revoked'.padEnd(36, '0') });
    expect(await reportRollback(reporter)).toMatchObject({
      action: 'failed',
      error: { code: 'GitHubBadCredentials' },
    });
  });

  it('retries a secondary rate limit after retry-after and then files', async () => {
    fake = await startFakeGitHub();
    rateLimitNext(fake, {
      status: 403,
      operationId: 'issues/create',
      retryAfterS: 1,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    });
    const { reporter } = githubReporter(fake);
    const started = Date.now();
    expect(await reportRollback(reporter)).toMatchObject({
      action: 'created',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.requests.filter((r) => r.operationId === 'issues/create').map((r) => r.status)).toEqual([
      403, 201,
    ]);
  });

  it('gives up on a rate limit that asks for a longer wait than allowed, and says so', async () => {
    fake = await startFakeGitHub();
    rateLimitNext(fake, {
      status: 429,
      operationId: 'search/issues-and-pull-requests',
      retryAfterS: 3600,
      message: 'API rate limit exceeded',
    });
    const { reporter } = githubReporter(fake);
    const r = await reportRollback(reporter);
    expect(r).toMatchObject({
      action: 'failed',
      error: { code: 'GitHubRateLimited', message: expect.stringContaining('3600 s') },
    });
  });

  it('works against a GitHub Enterprise Server base URL (/api/v3)', async () => {
    fake = await startFakeGitHub({ prefix: '/api/v3' });
    expect(fake.baseUrl).toMatch(/\/api\/v3$/);
    const { reporter } = githubReporter(fake);
    expect(await reportRollback(reporter)).toMatchObject({
      action: 'created',
    });
    expect(fake.issues(REPO)).toHaveLength(1);
  });

  it('ignores inconclusive verdicts', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    expect(
      await reporter.report(
        { verdict: 'inconclusive', confidence: 0.5, reasons: [] },
        CONTEXT,
        policy(),
        signal(),
      ),
    ).toMatchObject({ action: 'skipped' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('hand-off to coding agents', () => {
  it('refuses Copilot assignment with an installation token and explains why, without a silent REST call', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake, { token: TOKENS.installation });
    const r = await reporter.report(
      rollbackVerdict(),
      CONTEXT,
      policy({ handoff: { mode: 'copilot', baseBranch: 'main' } }),
      signal(),
    );
    expect(r).toMatchObject({
      action: 'created',
      handoff: { mode: 'copilot', status: 'failed', error: { code: 'CopilotNeedsUserToken' } },
    });
    if (r.action !== 'created') throw new Error('unreachable');
    expect(r.handoff.error?.message).toMatch(/installation token/);
    expect(r.handoff.error?.hint).toMatch(/fine-grained PAT/);
    expect(fake.requests.some((q) => q.operationId === 'issues/add-assignees')).toBe(false);
    // The explanation is also on the issue, so people see why no agent picked it up.
    expect(fake.issues(REPO)[0]?.comments[0]?.body).toMatch(/Hand-off \(copilot\) failed/);
  });

  it('assigns Copilot with agent_assignment using a user token', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const h = { mode: 'copilot' as const, baseBranch: 'main', customInstructions: 'Keep the fix minimal.' };
    const r = await reporter.report(rollbackVerdict(), CONTEXT, policy({ handoff: h }), signal());
    expect(r).toMatchObject({ action: 'created', handoff: { status: 'requested' }, started: 'pending' });
    const assign = fake.requests.find((q) => q.operationId === 'issues/add-assignees');
    expect(JSON.parse(assign?.body ?? '{}')).toEqual({
      assignees: ['copilot-swe-agent[bot]'],
      agent_assignment: {
        target_repo: REPO,
        base_branch: 'main',
        custom_instructions: 'Keep the fix minimal.',
      },
    });
    expect(fake.issues(REPO)[0]?.assignees).toEqual(['Copilot']);
  });

  it('labels for Jules and verifies the agent started from its comment', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    // The "agent" answers shortly after the label appears.
    const timer = setInterval(() => {
      const i = fake.issues(REPO)[0];
      if (i?.labels.includes('jules') && i.comments.length === 0)
        fake.addComment(REPO, i.number, 'google-labs-jules[bot]', "I'm on it");
    }, 10);
    try {
      const r = await reporter.report(
        rollbackVerdict(),
        CONTEXT,
        policy({ handoff: { mode: 'labels', labels: ['jules'] }, verifyWithinMs: 3_000 }),
        signal(),
      );
      expect(r).toMatchObject({
        action: 'created',
        handoff: { mode: 'labels', status: 'requested' },
        started: 'started',
      });
    } finally {
      clearInterval(timer);
    }
    expect(fake.issues(REPO)[0]?.labels).toContain('jules');
  });

  it('reports an OpenHands hand-off that never started, on the issue too', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const r = await reporter.report(
      rollbackVerdict(),
      CONTEXT,
      policy({ handoff: { mode: 'openhands' }, verifyWithinMs: 150 }),
      signal(),
    );
    expect(r).toMatchObject({ action: 'created', handoff: { status: 'requested' }, started: 'not_started' });
    const issue = fake.issues(REPO)[0];
    expect(issue?.labels).toContain('fix-me');
    expect(issue?.comments.at(-1)?.body).toMatch(/no agent activity/);
  });

  it('counts a linked pull request as the agent having started', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const timer = setInterval(() => {
      const i = fake.issues(REPO)[0];
      if (i && i.prs.length === 0 && i.assignees.includes('alice'))
        fake.linkPullRequest(REPO, i.number, { number: 99, merged: false, author: 'alice' });
    }, 10);
    try {
      const r = await reporter.report(
        rollbackVerdict(),
        CONTEXT,
        policy({ handoff: { mode: 'assignees', assignees: ['alice'] }, verifyWithinMs: 3_000 }),
        signal(),
      );
      expect(r).toMatchObject({ started: 'started' });
    } finally {
      clearInterval(timer);
    }
  });
});

describe('loop closure', () => {
  it('closes the fixed issue of the promoted rollout only, with evidence and the fix PR', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const p = policy();
    const panic = await reporter.report(rollbackVerdict(), CONTEXT, p, signal());
    const journey = await reporter.report(JOURNEY_FAILS, CONTEXT, p, signal());
    const otherCtx = { ...CONTEXT, rollout: 'cart' };
    const otherRollout = await reporter.report(rollbackVerdict(), otherCtx, p, signal());
    if (panic.action !== 'created' || journey.action !== 'created' || otherRollout.action !== 'created')
      throw new Error('setup failed');
    fake.linkPullRequest(REPO, panic.issue.number, { number: 42, merged: true, author: 'Copilot' });

    // Revision 8 promotes; the journey failure is still present as a weak signal, the panic is gone.
    const promoted = promoteVerdict([
      {
        kind: 'journey',
        summary: 'checkout journey slow at pay',
        severity: 0.2,
        veto: false,
        evidence: { source: 'checkout-pay' },
      },
    ]);
    const r = await reporter.report(promoted, { ...CONTEXT, revision: '8' }, p, signal());
    expect(r).toMatchObject({
      action: 'closed',
      issues: [{ number: panic.issue.number }],
      kept: [{ number: journey.issue.number }],
    });

    const byNumber = new Map(fake.issues(REPO).map((i) => [i.number, i]));
    expect(byNumber.get(panic.issue.number)?.state).toBe('closed');
    expect(byNumber.get(panic.issue.number)?.stateReason).toBe('completed');
    const note = byNumber.get(panic.issue.number)?.comments.at(-1)?.body ?? '';
    expect(note).toContain('`8`');
    expect(note).toContain('https://github.com/acme/shop/pull/42 (merged)');
    expect(byNumber.get(journey.issue.number)?.state).toBe('open');
    expect(byNumber.get(otherRollout.issue.number)?.state).toBe('open');

    // The same failure after the fix is a new issue (the old one is closed).
    expect(await reporter.report(rollbackVerdict(5), CONTEXT, p, signal())).toMatchObject({
      action: 'created',
    });
  });

  it('only comments when closeOnFix is off', async () => {
    fake = await startFakeGitHub();
    const { reporter } = githubReporter(fake);
    const p = policy({ closeOnFix: false });
    await reporter.report(rollbackVerdict(), CONTEXT, p, signal());
    expect(await reporter.report(promoteVerdict(), CONTEXT, p, signal())).toMatchObject({
      action: 'resolved-comment',
    });
    expect(fake.issues(REPO)[0]?.state).toBe('open');
    expect(fake.issues(REPO)[0]?.comments.at(-1)?.body).toMatch(/Leaving open/);
  });
});
