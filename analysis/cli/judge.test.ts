import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGemini } from '../testing/fakeGemini.ts';
import { isJudgeResult } from '../types.ts';

const BIN = resolve(import.meta.dirname, '../../bin/sentinel.js');
const CORPUS = resolve(import.meta.dirname, '../eval/corpus');
const dir = mkdtempSync(join(tmpdir(), 'sentinel-cli-'));

function sentinel(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SENTINEL_LLM: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const pair = (name: string): string[] => [
  '--stable',
  join(CORPUS, name, 'stable.log.gz'),
  '--canary',
  join(CORPUS, name, 'canary.log.gz'),
];

describe('sentinel judge', () => {
  it.each([
    { name: 'healthy--cart-800', code: 0, verdict: 'promote' },
    { name: 'java-npe--cart-800', code: 1, verdict: 'rollback' },
    { name: 'low-traffic--cart-800', code: 2, verdict: 'inconclusive' },
  ])('$name → exit $code with one JSON object', ({ name, code, verdict }) => {
    const r = sentinel('judge', ...pair(name), '--json');
    expect(r.code).toBe(code);
    const out = JSON.parse(r.stdout) as unknown;
    expect(isJudgeResult(out)).toBe(true);
    expect(out).toMatchObject({ verdict, llm: { provider: 'none' }, tokens: { input: 0, output: 0 } });
  });

  it('prints a readable verdict with reasons and evidence', () => {
    const r = sentinel('judge', ...pair('java-npe--cart-800'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ROLLBACK \(confidence [01]\.\d\d\)/);
    expect(r.stdout).toContain('NullPointerException');
    expect(r.stdout).toMatch(/counts: stable 0\/\d+, canary \d+\/\d+/);
  });

  it('--html writes the report page next to the usual output, same verdict and exit code', () => {
    const html = join(dir, 'page', 'report.html');
    const r = sentinel('judge', ...pair('java-npe--cart-800'), '--html', html);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ROLLBACK/);
    expect(r.stderr).toContain(`report page ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<h1>ROLLBACK</h1>');
    expect(page).toContain('NullPointerException');
    expect(page).toContain('No LLM ran');
  });

  it.each([
    { name: 'missing --stable', args: ['--canary', 'x'], err: /SENTINEL_STABLE_LOG \(--stable\)/ },
    {
      name: 'unknown flag',
      args: ['--stable', 'a', '--canary', 'b', '--bogus'],
      err: /unknown flag --bogus/,
    },
    {
      name: 'bad policy',
      args: ['--stable', 'a', '--canary', 'b', '--policy', 'yolo'],
      err: /allowed values: stats-decide, agree, llm-decide/,
    },
    {
      name: 'missing file',
      args: ['--stable', join(dir, 'none.log'), '--canary', join(dir, 'none.log')],
      err: /Cannot read log file/,
    },
    {
      name: 'gemini without a key',
      args: ['--stable', 'a', '--canary', 'b', '--llm', 'gemini'],
      err: /needs GEMINI_API_KEY/,
    },
  ])('$name → exit 3 with a clear message', ({ args, err }) => {
    const r = sentinel('judge', ...args);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(err);
  });
});

describe('sentinel templates', () => {
  it('--json prints one object per physical line, in input order; a multi-line record shares its template', () => {
    const log = [
      'INFO user 1 logged in',
      'ERROR boom',
      '\tat a.B.c(B.java:1)',
      '\tat a.B.d(B.java:2)',
      'INFO user 2 logged in',
    ].join('\n');
    const path = join(dir, 't.log');
    writeFileSync(path, `${log}\n`);
    const r = sentinel('templates', path, '--json');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { templateId: string; template: string });
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({ templateId: rows[4]?.templateId, template: 'user <*> logged in' });
    expect(rows[1]).toEqual(rows[2]);
    expect(rows[2]).toEqual(rows[3]);
    expect(rows[1]?.templateId).not.toBe(rows[0]?.templateId);
  });

  it('without --json prints templates with counts, most frequent first', () => {
    const path = join(dir, 't2.log');
    writeFileSync(path, 'a b 1\na b 2\na b 3\nc d e\n');
    const r = sentinel('templates', path);
    expect(r.stdout.split('\n')[0]).toMatch(/^\s+3\s+T\w+\s+a b <\*>$/);
  });

  it('no file → exit 3', () => {
    expect(sentinel('templates').code).toBe(3);
  });
});

describe('sentinel judge --llm gemini (against the local Gemini fake)', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await FakeGemini.start({ apiKey: 'key-from-file' });
  });
  afterAll(async () => {
    await fake.close();
  });

  /** Async spawn: the fake server runs in this process, so the event loop must stay free. */
  function run(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string }> {
    return new Promise((res) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => res({ code, stdout }));
    });
  }

  it('reads the key from a mounted-secret file, calls the configured endpoint, and reports the LLM', async () => {
    const keyFile = join(dir, 'gemini-key');
    writeFileSync(keyFile, 'key-from-file\n');
    fake.enqueue({
      text: JSON.stringify({
        verdict: 'rollback',
        confidence: 0.8,
        summary: 'NPEs in the canary',
        reasons: [],
      }),
    });
    const r = await run(['judge', ...pair('java-npe--cart-800'), '--llm', 'gemini', '--json'], {
      SENTINEL_GEMINI_API_KEY_FILE: keyFile,
      SENTINEL_GEMINI_BASE_URL: fake.url,
      SENTINEL_LLM_MODEL: 'gemini-test',
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { llm: unknown; tokens: { input: number; rawLogs: number } };
    expect(out.llm).toMatchObject({ provider: 'gemini', model: 'gemini-test', verdict: 'rollback' });
    expect(out.tokens.input).toBeGreaterThan(0);
    expect(out.tokens.input).toBeLessThanOrEqual(8_000);
    expect(out.tokens.rawLogs / out.tokens.input).toBeGreaterThan(5);
    expect(fake.requests.at(-1)).toMatchObject({ model: 'gemini-test', apiVersion: 'v1beta' });
  });

  it('an unreachable Gemini leaves the statistical verdict standing (stats-decide) and says why', async () => {
    const r = await run(
      ['judge', ...pair('healthy--cart-800'), '--llm', 'gemini', '--json', '--llm-timeout', '2s'],
      {
        GEMINI_API_KEY: 'k',
        SENTINEL_GEMINI_BASE_URL: 'http://127.0.0.1:9',
      },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { llm: { error?: string } };
    expect(out.llm.error).toMatch(/LLM judge unavailable/);
  });
});
