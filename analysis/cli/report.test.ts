import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHub } from '../report/testing/fakeGitHub.ts';
import { FakeGemini } from '../testing/fakeGemini.ts';
import {
  CONTEXT,
  REPO,
  TOKENS,
  rollbackVerdict,
  startFakeGitHub,
  tempDir,
} from '../report/testing/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/sentinel.js', import.meta.url));
const run = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process with a clean environment (no ambient GitHub token). */
async function sentinel(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const r = await run(process.execPath, [BIN, 'report', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function verdictFile(dir: string, withContext = true): string {
  const path = join(dir, 'verdict.json');
  // What `sentinel judge --json` prints, plus fields the reporter must ignore.
  const v = {
    ...rollbackVerdict(),
    tokens: { input: 1200, output: 80 },
    llm: 'gemini-2.5-flash',
    ...(withContext ? { context: CONTEXT } : {}),
  };
  writeFileSync(path, JSON.stringify(v));
  return path;
}

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub({ prefix: '/api/v3' });
}, 120_000);
afterAll(async () => {
  expect(fake.violations).toEqual([]);
  await fake.close();
});

describe('sentinel report', () => {
  it('--dry-run previews into the outbox, and a repeat comments instead of filing again', async () => {
    const dir = tempDir('cli-dry');
    const args = [
      '--verdict',
      verdictFile(dir),
      '--dry-run',
      '--outbox',
      join(dir, 'outbox'),
      '--state-dir',
      join(dir, 'state'),
    ];
    const first = await sentinel(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/filed file:\/\/.*issue-0001\.md/);
    expect(first.stdout).toContain('### What a fix must satisfy');
    const second = await sentinel(args);
    expect(second.stdout).toMatch(/same failure already open: commented on file:/);
    expect(readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.md'))).toEqual(['issue-0001.md']);
    expect(readFileSync(join(dir, 'outbox', 'issue-0001.md'), 'utf8')).toContain(
      '**Seen again** (occurrence 2)',
    );
  });

  it('files on GitHub Enterprise with a token from a mounted file, and prints JSON', async () => {
    const dir = tempDir('cli-gh');
    const tokenFile = join(dir, 'github_token');
    writeFileSync(tokenFile, `${TOKENS.user}\n`);
    const env = {
      SENTINEL_GITHUB_TOKEN_FILE: tokenFile,
      GITHUB_API_URL: fake.baseUrl,
      SENTINEL_REPORT_STATE_DIR: join(dir, 'state'),
    };
    const r = await sentinel(
      [
        '--verdict',
        verdictFile(dir),
        '--repo',
        REPO,
        '--handoff',
        'labels',
        '--handoff-labels',
        'jules',
        '--json',
      ],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { action: string; handoff: { status: string } };
    expect(out).toMatchObject({
      action: 'created',
      handoff: { mode: 'labels', status: 'requested' },
      started: 'pending',
    });
    expect(fake.issues(REPO).at(-1)?.labels).toEqual(['rollout-sentinel', 'jules']);
  });

  it('5 concurrent processes reporting the same failure file exactly one issue', async () => {
    const dir = tempDir('cli-conc');
    const file = verdictFile(dir);
    const env = {
      GITHUB_TOKEN: TOKENS.user,
      GITHUB_API_URL: fake.baseUrl,
      SENTINEL_REPORT_STATE_DIR: join(dir, 'state'),
    };
    fake.searchLagMs = 60_000; // search cannot help: only the shared lease can
    try {
      const runs = await Promise.all(
        Array.from({ length: 5 }, () =>
          sentinel(['--verdict', file, '--repo', REPO, '--rollout', 'inventory', '--json'], env),
        ),
      );
      const actions = runs.map((r) => (JSON.parse(r.stdout) as { action: string }).action).sort();
      expect(actions).toEqual(['commented', 'commented', 'commented', 'commented', 'created']);
      const mine = fake.issues(REPO).filter((i) => i.title.includes('shop/inventory'));
      expect(mine).toHaveLength(1);
      expect(mine[0]?.comments).toHaveLength(4);
    } finally {
      fake.searchLagMs = 0;
    }
  });

  it('explains a token without issue permission, exits 4 (never 1, which means rollback), and leaves the verdict file alone', async () => {
    const dir = tempDir('cli-403');
    const file = verdictFile(dir);
    const before = readFileSync(file, 'utf8');
    const env = {
      GITHUB_TOKEN: TOKENS.readOnly,
      GITHUB_API_URL: fake.baseUrl,
      SENTINEL_REPORT_STATE_DIR: join(dir, 'state'),
    };
    const r = await sentinel(['--verdict', file, '--repo', REPO, '--rollout', 'payments'], env);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(
      'reporting failed (the verdict stands): GitHub refused to create an issue in acme/shop: Resource not accessible',
    );
    expect(r.stdout).toContain('hint: The token needs "Issues: Read and write"');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it.each([
    ['no --verdict', [], 3, /SENTINEL_REPORT_VERDICT \(--verdict\)/],
    [
      'not JSON',
      ['--verdict', '/etc/hostname'],
      3,
      /Cannot use \/etc\/hostname as a verdict: cannot read it as JSON[\s\S]*hint: Pass the JSON printed by `sentinel judge --json`/,
    ],
    ['unknown flag', ['--verdikt', 'x'], 3, /unknown flag --verdikt/],
  ])('usage error: %s', async (_name, args, code, message) => {
    const r = await sentinel(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('asks for --rollout when the verdict has no context', async () => {
    const dir = tempDir('cli-noctx');
    const r = await sentinel(['--verdict', verdictFile(dir, false), '--dry-run', '--outbox', join(dir, 'o')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/has no context\.rollout; name the rollout/);
  });

  it('lets Gemini write the issue when a key is configured, and falls back to the template when it fails', async () => {
    const gemini = await FakeGemini.start({ apiKey: 'test-key' });
    try {
      const dir = tempDir('cli-llm');
      const env = { GEMINI_API_KEY: 'test-key', SENTINEL_GEMINI_BASE_URL: gemini.url };
      gemini.enqueue({
        text: JSON.stringify({
          title: 'checkout canary panics in getColor',
          body: '## Summary\nThe canary panics when the colour is red.',
        }),
      });
      const base = ['--verdict', verdictFile(dir), '--dry-run', '--state-dir', join(dir, 'state')];
      const ok = await sentinel([...base, '--outbox', join(dir, 'a')], env);
      expect(ok.stdout).toMatch(/written by llm/);
      expect(ok.stdout).toContain('# [rollout-sentinel] checkout canary panics in getColor');
      gemini.setHandler(() => ({
        status: 400,
        error: { message: 'bad request', status: 'INVALID_ARGUMENT' },
      }));
      const fallback = await sentinel([...base, '--outbox', join(dir, 'b'), '--rollout', 'cart'], env);
      expect(fallback.code).toBe(0);
      expect(fallback.stdout).toMatch(/written by template/);
    } finally {
      await gemini.close();
    }
  });
});
