import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.ts';
import { fileSource } from './fileLogs.ts';
import { RecordPacker, packRecords, transferables, unpackRecords } from './recordBatch.ts';
import {
  cgroupCpuQuota,
  MIN_READER_HEAP_MB,
  readerThreads,
  WORKER_BATCH_RECORDS,
  workerSource,
} from './recordWorker.ts';
import { groupRecords, readRecordBatches, toRecord } from './records.ts';
import type { ReaderStats } from './recordWorkerThread.ts';
import type { LogRecord, LogSource } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-record-worker-'));

/**
 * A prefixed log with what the reader does per record: header shapes learned per container, traces grouped, JSON
 * lines with times, secrets redacted, CRLF, a line over the length cap, and an unprefixed line.
 */
function sample(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const pod = `[pod/shop-${i % 3}/app] `;
    if (i % 97 === 0)
      out.push(
        `${pod}2026-01-01T00:00:00Z ERROR boom ${i} password=hunter${i}xyz`,
        `${pod}java.lang.IllegalStateException: x`,
        `${pod}\tat a.B.c(B.java:1)`,
      );
    else if (i % 31 === 0)
      out.push(
        `${pod}{"level":"warn","msg":"slow ${i}","ts":"2026-01-01T00:00:0${i % 10}Z","token":"ghp_${'a1B2'.repeat(9)}"}`,
      );
    else if (i % 1999 === 0) out.push(`no prefix ${'y'.repeat(20_000)}`);
    else
      out.push(
        `${pod}2026-01-01T00:00:0${i % 10}Z INFO request ${i} GET /api/cart/${i} 200 ${i % 50}ms${i % 5 === 0 ? '\r' : ''}`,
      );
  }
  return `${out.join('\n')}\n`;
}

async function records(source: LogSource): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const b of readRecordBatches(source)) out.push(...b);
  return out;
}

async function failure(source: Promise<LogSource>): Promise<unknown> {
  try {
    await records(await source);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('records read on a thread of their own', () => {
  const path = join(dir, 'mixed.log');
  writeFileSync(path, sample(6_000));
  const gz = join(dir, 'mixed.log.gz');
  writeFileSync(gz, gzipSync(sample(6_000)));

  it.each([
    ['plain', path, true],
    ['gzip', gz, true],
    ['plain, every record finished by the reader', path, false],
  ])('gives exactly the records of the in-thread reader, in order (%s)', async (_, file, shareParsing) => {
    const expected = await records(await fileSource(file, { prefixed: true }));
    let stats: ReaderStats | undefined;
    const source = workerSource(file, { prefixed: true, shareParsing, onEnd: (s) => (stats = s) });
    const got = await records(await source);
    expect(got.length).toBeGreaterThan(WORKER_BATCH_RECORDS * 4);
    expect(got).toEqual(expected);
    expect(stats?.batches).toBe(Math.ceil(got.length / WORKER_BATCH_RECORDS));
    // The first batch is begun while the judge waits for it: raw, when sharing.
    if (shareParsing) expect(stats?.raw).toBeGreaterThanOrEqual(1);
    else expect(stats?.raw).toBe(0);
    // The sample exercises what it claims to: traces, JSON times, redaction, several containers.
    expect(got.some((r) => r.lines === 3)).toBe(true);
    expect(got.some((r) => r.time !== undefined)).toBe(true);
    expect(got.some((r) => r.text.includes('hunter'))).toBe(false);
    expect(new Set(got.map((r) => r.source)).size).toBe(4);
  });

  it('packs and unpacks records field by field', () => {
    const recs: LogRecord[] = [
      { message: 'a', text: 'x a', level: 'warn', lines: 2, source: 's1', time: 1.5 },
      { message: 'b', text: 'b', level: 'unknown', lines: 1, source: 's2' },
      { message: '', text: '', level: 'fatal', lines: 400, source: 's1', time: 0 },
      { message: '', text: 'only text', level: 'info', lines: 1, source: 's3' },
      { message: 'msg é ✓', text: '2026 INFO msg é ✓', level: 'info', lines: 1, source: 's3' },
      { message: 'cut', text: 'cut and more', level: 'debug', lines: 1, source: 's2' },
      // A line cut inside a character pair leaves a lone surrogate, which UTF-8 cannot carry.
      { message: 'pair \ud83d', text: 'x pair \ud83d', level: 'info', lines: 1, source: 's1' },
      { message: '😀 ok', text: '😀 ok', level: 'info', lines: 1, source: 's1' },
    ];
    expect(unpackRecords(packRecords(recs))).toEqual(recs);
    expect(Object.keys(unpackRecords(packRecords(recs))[1] as LogRecord)).not.toContain('time');
    // Packed one at a time into batches of three, as the reader thread does: the same records, batch by batch.
    const packer = new RecordPacker(3);
    const again: LogRecord[] = [];
    for (const r of recs) {
      packer.add(r);
      if (packer.size === 3) again.push(...unpackRecords(packer.take()));
    }
    if (packer.size) again.push(...unpackRecords(packer.take()));
    expect(again).toEqual(recs);
    expect(() => {
      const full = new RecordPacker(1);
      full.add(recs[0] as LogRecord);
      full.add(recs[1] as LogRecord);
    }).toThrow(/full/);
  });

  it('packs raw records that the receiving thread finishes as toRecord would where they were grouped', async () => {
    const lines = sample(400).split('\n');
    // A line cut inside a character pair: its lone surrogate crosses outside UTF-8.
    lines.splice(150, 0, `[pod/shop-1/app] 2026-01-01T00:00:00Z INFO cut \ud83d`);
    // A container whose header has words between numbers: only its learned shape (columns) tells header from message.
    for (let i = 0; i < 200; i++)
      lines.push(
        `[pod/hpc/node] ${134_000 + i} node-${i % 7} unix.hw state_change.unavailable ${1_077_804_742 + i} 1 Component ${i} down`,
      );
    const source: LogSource = { name: 'mixed', lines: lines.values(), prefixed: true };
    const expected: LogRecord[] = [];
    const columns = new Set<number>();
    const packer = new RecordPacker(64);
    const got: LogRecord[] = [];
    let n = 0;
    for await (const _ of groupRecords(source, (raw, name, shape) => {
      expected.push(toRecord(raw, name, shape));
      columns.add(shape?.columns ?? -1);
      // Raw and finished records mixed in one batch, as a reader's batches may be.
      if (n++ % 3 === 0) packer.add(toRecord(raw, name, shape));
      else packer.addRaw(raw, name, shape);
      if (packer.size === 64) got.push(...unpackRecords(packer.take()));
    }));
    if (packer.size) got.push(...unpackRecords(packer.take()));
    expect(got).toEqual(expected);
    expect(got.some((r) => r.lines === 3)).toBe(true);
    expect(got.some((r) => r.text.includes('\ud83d'))).toBe(true);
    expect([...columns].some((c) => c > 0)).toBe(true);
    expect(got.some((r) => r.message === 'Component 7 down')).toBe(true);
    expect(got.some((r) => r.text.includes('hunter'))).toBe(false);
  });

  it('packs later batches into the buffers of earlier ones handed back', () => {
    const recs: LogRecord[] = Array.from({ length: 5 }, (_, i) => ({
      message: `m ${i} é`,
      text: `2026 INFO m ${i} é`,
      level: 'info',
      lines: 1,
      source: `s${i % 2}`,
    }));
    const packer = new RecordPacker(4);
    for (const r of recs.slice(0, 4)) packer.add(r);
    const first = packer.take();
    const buffers = transferables(first);
    let decoded = false;
    expect(unpackRecords(first, () => (decoded = true))).toEqual(recs.slice(0, 4));
    expect(decoded).toBe(true);
    packer.recycle(buffers);
    packer.add(recs[4] as LogRecord);
    const second = packer.take();
    expect(transferables(second)).toEqual(buffers);
    expect(transferables(second).every((b, k) => b === buffers[k])).toBe(true);
    expect(unpackRecords(second)).toEqual(recs.slice(4));
    // Buffers of a packer of another capacity are not taken.
    const other = new RecordPacker(64);
    other.recycle(buffers);
    other.add(recs[0] as LogRecord);
    expect(transferables(other.take()).some((b, k) => b === buffers[k])).toBe(false);
  });

  it('stops at the input cap with the same error as the in-thread reader', async () => {
    const opts = { prefixed: true, maxLines: 4_321, maxLinesOption: 'TEST_CAP (--cap)' };
    const inThread = await failure(fileSource(path, opts));
    const onThread = await failure(workerSource(path, opts));
    expect(onThread).toBeInstanceOf(AnalysisError);
    expect(onThread).toMatchObject({ code: 'LogInputTooLarge', exitCode: 3 });
    expect((onThread as AnalysisError).describe()).toBe((inThread as AnalysisError).describe());
    expect((onThread as Error).message).toMatch(/more than 4321 lines, the cap set by TEST_CAP \(--cap\)/);
  });

  it('fails a corrupt .gz and a missing file with the same errors as the in-thread reader', async () => {
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, gzipSync('INFO a\n'.repeat(1000)).subarray(0, 40));
    const inThread = await failure(fileSource(cut));
    const onThread = await failure(workerSource(cut));
    expect(onThread).toMatchObject({ code: 'LogInputUnreadable', exitCode: 3 });
    expect((onThread as AnalysisError).describe()).toBe((inThread as AnalysisError).describe());
    expect((onThread as Error).message).toMatch(/cut\.log\.gz: its gzip data is truncated or corrupt/);
    await expect(workerSource(join(dir, 'missing.log'))).rejects.toMatchObject({
      code: 'LogInputUnreadable',
      exitCode: 3,
    });
  });

  it('turns a crashed reader thread into an internal error naming the input, not a hang or a verdict', async () => {
    // A 4 MB heap cannot load the reader's modules: the thread dies with ERR_WORKER_OUT_OF_MEMORY.
    const err = await failure(workerSource(path, { maxHeapMb: MIN_READER_HEAP_MB }));
    expect(err).toBeInstanceOf(AnalysisError);
    expect(err).toMatchObject({ code: 'LogCollectionFailed', exitCode: 4 });
    expect((err as AnalysisError).message).toContain(`The reader thread of log input ${path} failed`);
    expect((err as AnalysisError).hint).toMatch(/heap limit.*--workers 0/);
  });

  it('ends its thread when the reader stops early', async () => {
    const source = await workerSource(path, { prefixed: true });
    let n = 0;
    for await (const b of readRecordBatches(source)) {
      n += b.length;
      break;
    }
    expect(n).toBeGreaterThanOrEqual(WORKER_BATCH_RECORDS);
    expect(n).toBeLessThan(6_000);
  });
});

describe('readerThreads (--workers)', () => {
  it('is one reader thread for auto when the judge may use 1.5 cores or more, else none', () => {
    expect(readerThreads('auto', 1)).toBe(0);
    expect(readerThreads('auto', 1.4)).toBe(0);
    expect(readerThreads('auto', 1.5)).toBe(1);
    expect(readerThreads('auto', 2)).toBe(1);
    expect(readerThreads('auto', 16)).toBe(1);
  });

  it('is the count given, whatever the machine', () => {
    for (const n of [0, 1, 2]) {
      expect(readerThreads(n, 1)).toBe(n);
      expect(readerThreads(n, 8)).toBe(n);
    }
  });

  it("reads the cgroup's CPU quota (v2 cpu.max, else v1), Infinity when there is none", () => {
    const files = (f: Record<string, string>) => (path: string) => f[path];
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBe(Infinity);
    expect(
      cgroupCpuQuota(
        files({
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000\n',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
        }),
      ),
    ).toBe(0.5);
    expect(
      cgroupCpuQuota(
        files({
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
        }),
      ),
    ).toBe(Infinity);
    expect(cgroupCpuQuota(files({}))).toBe(Infinity);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'garbage' }))).toBe(Infinity);
  });
});
