import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/sentinel.js');
const CORPUS = resolve(import.meta.dirname, '../eval/corpus');
const dir = mkdtempSync(join(tmpdir(), 'sentinel-templates-'));

/** Runs `sentinel …` through a shell pipeline (so `| head` closes the pipe as it would for a user). */
function sh(cmd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SENTINEL_LLM: '', NODE: process.execPath },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sentinel = `"$NODE" ${JSON.stringify(BIN)}`;

function jsonRows(stdout: string): Array<{ templateId: string; template: string }> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { templateId: string; template: string });
}

describe('sentinel templates and judge on a closed output pipe', () => {
  const big = join(dir, 'big.log');
  writeFileSync(
    big,
    Array.from(
      { length: 60_000 },
      (_, i) =>
        `2026-12-02 03:04:05.678 [worker-${i % 8}] INFO  shop.http - GET /book/${i} 200 ${i % 90}ms rid=x${i}`,
    ).join('\n'),
  );

  it('`templates F --json | head` exits 0 quietly (no EPIPE stack)', () => {
    const r = sh(`${sentinel} templates ${JSON.stringify(big)} --json | head -2`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(jsonRows(r.stdout)).toHaveLength(2);
  });

  it('`templates F | head -1` exits 0 quietly', () => {
    const r = sh(`${sentinel} templates ${JSON.stringify(big)} | head -1`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('`judge … | head -1` keeps the verdict exit code and prints no stack', () => {
    const c = join(CORPUS, 'java-npe--cart-800');
    const r = sh(
      `${sentinel} judge --stable ${join(c, 'stable.log.gz')} --canary ${join(c, 'canary.log.gz')} | head -1`,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ROLLBACK/);
  });
});

describe('sentinel templates --json: one JSON line per input line, whatever the input', () => {
  it.each([
    [
      'lines that are only a header',
      '2026-12-02 03:04:05,123 INFO\n2026-12-02 03:04:06,001 WARN\nDec 10 06:55:46\n',
      3,
    ],
    [
      'a timestamp format that changes midway',
      '2026-12-02T03:04:05Z INFO a 1\n2026-12-02T03:04:06Z INFO a 2\nDec 10 06:55:46 h1 app[1]: a 3\n',
      3,
    ],
    ['mixed JSON and plain lines', '{"level":"info","msg":"a 1"}\nINFO a 2\n{"broken json\n[1,2]\n', 4],
    ['a 1 MB line', `INFO big ${'x'.repeat(1024 * 1024)}\nINFO small\n`, 2],
    ['no newline at the end', 'INFO a\nINFO b', 2],
    ['blank lines and stack traces', 'ERROR boom\n\tat a.B(B.java:1)\n\nINFO ok\n', 4],
    ['CRLF line ends', 'INFO a\r\nINFO b\r\n', 2],
  ])('%s', (_name, text, lines) => {
    const p = join(dir, `${lines}-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(p, text);
    const r = sh(`${sentinel} templates ${JSON.stringify(p)} --json`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(jsonRows(r.stdout)).toHaveLength(lines);
  });

  it('invalid UTF-8 is decoded with replacement characters, not an error', () => {
    const p = join(dir, 'bad-utf8.log');
    writeFileSync(
      p,
      Buffer.concat([
        Buffer.from('INFO a\n'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x0a]),
        Buffer.from('INFO b\n'),
      ]),
    );
    const r = sh(`${sentinel} templates ${JSON.stringify(p)} --json`);
    expect(r.code).toBe(0);
    expect(jsonRows(r.stdout)).toHaveLength(3);
  });
});
