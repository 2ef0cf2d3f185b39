import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rng, serviceLog, SERVICES } from '../eval/generate.ts';

const BIN = resolve(import.meta.dirname, '../../bin/sentinel.js');
const CORPUS = resolve(import.meta.dirname, '../eval/corpus');
const dir = mkdtempSync(join(tmpdir(), 'sentinel-judge-workers-'));

function judge(
  args: string[],
  workers: number | 'auto',
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'judge', ...args, '--workers', String(workers)], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SENTINEL_LLM: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The verdict JSON without its duration, the one field that differs between two runs of the same judgement. */
function verdictJson(stdout: string): string {
  const v = JSON.parse(stdout) as Record<string, unknown>;
  delete v['durationMs'];
  return JSON.stringify(v);
}

/** A service log as `kubectl logs --prefix` would give it for three pods (several containers per side). */
function podLog(seed: number, serverErrors: number): string {
  const lines = serviceLog({
    r: rng(seed),
    svc: SERVICES[0] as (typeof SERVICES)[number],
    lines: 9_000,
    t0: Date.parse('2026-11-21T18:00:00Z'),
    noisyTimeouts: 0.01,
    serverErrors,
  });
  return `${lines.map((l, i) => `[pod/checkout-${i % 3}/app] ${l}`).join('\n')}\n`;
}

describe('sentinel judge --workers', () => {
  const stable = join(dir, 'stable.log');
  const canary = join(dir, 'canary.log.gz');
  writeFileSync(stable, podLog(1, 0.003));
  writeFileSync(canary, gzipSync(podLog(2, 0.03)));
  const corpus = (name: string): string[] => [
    '--stable',
    join(CORPUS, name, 'stable.log.gz'),
    '--canary',
    join(CORPUS, name, 'canary.log.gz'),
  ];

  it.each([
    ['prefixed service logs, 5xx canary', ['--stable', stable, '--canary', canary], 1],
    ['java-npe corpus pair', corpus('java-npe--cart-800'), 1],
    ['healthy corpus pair', corpus('healthy--cart-800'), 0],
  ] as const)(
    'gives the byte-identical verdict JSON on reader threads and in one thread (%s)',
    (_, args, code) => {
      const sequential = judge([...args, '--json'], 0);
      expect(sequential.code).toBe(code);
      for (const workers of [1, 2, 'auto'] as const) {
        const threaded = judge([...args, '--json'], workers);
        expect(threaded.code).toBe(code);
        expect(verdictJson(threaded.stdout)).toBe(verdictJson(sequential.stdout));
      }
    },
  );

  it('stops at the input cap with the same message and exit 3 on reader threads', () => {
    const args = ['--stable', stable, '--canary', canary, '--max-input-lines', '5000'];
    const sequential = judge(args, 0);
    const threaded = judge(args, 2);
    expect(sequential.code).toBe(3);
    expect(threaded.code).toBe(3);
    expect(threaded.stderr).toBe(sequential.stderr);
    expect(threaded.stderr).toMatch(/more than 5000 lines, the cap set by SENTINEL_MAX_INPUT_LINES/);
  });

  it('fails a corrupt .gz with the same message and exit 3 on reader threads', () => {
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, gzipSync(podLog(3, 0)).subarray(0, 2_000));
    const args = ['--stable', stable, '--canary', cut];
    const sequential = judge(args, 0);
    const threaded = judge(args, 2);
    expect(sequential.code).toBe(3);
    expect(threaded.code).toBe(3);
    expect(threaded.stderr).toBe(sequential.stderr);
    expect(threaded.stderr).toContain('cut.log.gz: its gzip data is truncated or corrupt');
  });

  it('exits 4 with a message naming the input, not a stack trace, when a reader thread dies', () => {
    const r = judge(['--stable', stable, '--canary', canary, '--reader-heap-mb', '4'], 2);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`internal error: The reader thread of log input ${stable} failed`);
    expect(r.stderr).toContain('--workers 0');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
