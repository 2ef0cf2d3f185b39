/** @module analysis/report/testing/harness — a FakeGitHub validated against GitHub's OpenAPI, plus reporter wiring for tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '../../redact/redact.ts';
import { type ReporterSetup, createReporter } from '../createReporter.ts';
import { FakeGitHub, type FakeToken } from './fakeGitHub.ts';
import { ensureGithubSpec } from './githubSpec.ts';
import { OpenApiValidator } from './openapiValidator.ts';

let validator: Promise<OpenApiValidator> | undefined;

/** GitHub's OpenAPI description, loaded once per test process. */
export function githubValidator(): Promise<OpenApiValidator> {
  validator ??= ensureGithubSpec().then((p) => OpenApiValidator.load(p));
  return validator;
}

const j = (...p: string[]): string => p.join('');
/** Fake tokens with GitHub's real prefixes, built at run time. */
export const TOKENS = {
  user: j('ghp_', 'fakeUserToken000000000000000000000000'),
  readOnly: j('github_pat_', 'fakeReadOnly00000000000000000000'),
  installation: j('ghs_', 'fakeInstallation000000000000000000000'),
} as const;

export const REPO = 'acme/shop';

export async function startFakeGitHub(
  opts: { prefix?: string; searchLagMs?: number } = {},
): Promise<FakeGitHub> {
  const tokens: Record<string, FakeToken> = {
    [TOKENS.user]: { login: 'sentinel-bot', kind: 'user', issuesWrite: true },
    [TOKENS.readOnly]: { login: 'reader', kind: 'user', issuesWrite: false },
    [TOKENS.installation]: { login: 'sentinel-app[bot]', kind: 'installation', issuesWrite: true },
  };
  return new FakeGitHub({
    validator: await githubValidator(),
    tokens,
    repos: [REPO, 'acme/other'],
    ...opts,
  }).start();
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `sentinel-${name}-`));
}

/** A reporter against the fake, with a fresh (or given) lease folder and the project redactor. */
export function githubReporter(
  fake: FakeGitHub,
  opts: { token?: string; stateDir?: string } & Partial<ReporterSetup> = {},
): ReturnType<typeof createReporter> {
  return createReporter({
    sink: {
      kind: 'github',
      repo: REPO,
      token: opts.token ?? TOKENS.user,
      baseUrl: fake.baseUrl,
      rateLimit: { maxWaitMs: 5_000 },
    },
    stateDir: opts.stateDir ?? tempDir('state'),
    redact: (t) => redact(t),
    verifyPollMs: 20,
    ...opts,
  });
}

export { CONTEXT, promoteVerdict, rollbackVerdict } from './verdicts.ts';
