/** Bad input: each case ends in a clear verdict (inconclusive with the reason) or a clear error; nothing crashes or hangs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from './analyze.ts';
import { AnalysisError } from './errors.ts';
import { readLogFile } from './logs/fileLogs.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-bad-'));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
const ok = (n: number, seed = 0, prefix = ''): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `${prefix}INFO GET /api/items/${(i * 7 + seed) % 900} status=200 duration=${30 + ((i + seed) % 20)}ms`,
  ).join('\n') + '\n';
const STABLE = file('stable.log', ok(400));

async function judgeFiles(stable: string, canary: string) {
  return analyze(
    { stable: await readLogFile(stable), canary: await readLogFile(canary) },
    { signal: AbortSignal.timeout(20_000) },
  );
}

describe('bad input', () => {
  it('empty logs on both sides → inconclusive with the reason', async () => {
    const r = await judgeFiles(file('e1.log', ''), file('e2.log', ''));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]?.summary).toMatch(/no log records/);
  });

  it('a canary with zero lines → inconclusive', async () => {
    const r = await judgeFiles(STABLE, file('zero.log', ''));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]?.kind).toBe('insufficient_data');
  });

  it('binary garbage as the canary → inconclusive, says the log looks binary', async () => {
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    const r = await judgeFiles(STABLE, file('garbage.bin', bytes));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]?.summary).toMatch(/binary/);
  });

  it('invalid UTF-8 is decoded with replacement characters and judged normally', async () => {
    const text = Buffer.concat([
      Buffer.from(ok(200, 1)),
      Buffer.from([0xc3, 0x28, 0xff, 0x0a]),
      Buffer.from(ok(200, 2)),
    ]);
    const r = await judgeFiles(STABLE, file('utf8.log', text));
    expect(r.verdict).toBe('promote');
    expect(r.volume.lines.canary).toBe(401);
  });

  it('1 MB lines are cut, not choked on', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    const t0 = performance.now();
    const r = await judgeFiles(
      STABLE,
      file('huge.log', `${ok(200, 3)}INFO ${huge}\nINFO ${huge}\n${ok(200, 4)}`),
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.volume.lines.canary).toBe(402);
    expect(['promote', 'inconclusive']).toContain(r.verdict);
  });

  it('deeply nested JSON lines are treated as text, without a stack overflow', async () => {
    const nested = `{"msg":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const r = await judgeFiles(STABLE, file('nested.log', `${ok(300, 5)}${nested}\n${nested}\n`));
    expect(r.verdict).toBe('promote');
  });

  it('interleaved multi-line traces from several goroutines still roll back on the panic', async () => {
    const dump = [
      'panic: send on closed channel',
      '',
      'goroutine 18 [running]:',
      'main.worker(0xc000012345)',
      '\t/src/worker.go:42 +0x1d',
      'INFO GET /api/items/1 status=200 duration=31ms',
      'goroutine 1 [chan receive]:',
      'main.main()',
      '\t/src/main.go:12 +0x2f',
      'goroutine 19 [select]:',
      'main.pump(0xc000054321)',
    ].join('\n');
    const r = await judgeFiles(STABLE, file('goroutines.log', `${ok(300, 6)}${dump}\n${ok(100, 7)}`));
    expect(r.verdict).toBe('rollback');
    expect(r.reasons[0]?.summary).toMatch(/panic/);
  });

  it('clock skew between pods does not matter: rates are compared, not timestamps', async () => {
    const skewed = ok(400, 8, '2031-01-01T00:00:00Z ');
    const r = await judgeFiles(file('s2.log', ok(400, 1, '2026-11-21T20:00:00Z ')), file('skew.log', skewed));
    expect(r.verdict).toBe('promote');
  });

  it('a missing file is a clear error naming the file', async () => {
    await expect(readLogFile(join(dir, 'nope.log'))).rejects.toThrow(AnalysisError);
    await expect(readLogFile(join(dir, 'nope.log'))).rejects.toThrow(/nope\.log/);
  });
});
