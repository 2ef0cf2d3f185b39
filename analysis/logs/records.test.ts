import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fileSource, readLogFile } from './fileLogs.ts';
import { parseJsonLine } from './jsonLines.ts';
import { detectLevel, levelFromField } from './level.ts';
import { MAX_LINE_CHARS, readRecords, readRecordsSync } from './records.ts';
import { httpStatus, latencyMs, Reservoir } from './signals.ts';

const records = (lines: string[]) => [...readRecordsSync('src', lines)];

describe('multi-line grouping', () => {
  it.each([
    {
      name: 'Java stack trace with Caused by and … more',
      lines: [
        'ERROR handler failed',
        'java.lang.IllegalStateException: bad',
        '\tat a.B.c(B.java:1)',
        'Caused by: java.io.IOException: x',
        '\t... 12 more',
        'INFO next',
      ],
      want: [5, 1],
    },
    {
      name: 'Go panic with blank lines and goroutine dumps',
      lines: [
        'panic: boom',
        '',
        'goroutine 1 [running]:',
        'main.main()',
        '\t/src/main.go:3 +0x1',
        '',
        'goroutine 2 [select]:',
        'main.w(0x1)',
        'INFO after',
      ],
      want: [8, 1],
    },
    {
      name: 'Python traceback',
      lines: [
        'Traceback (most recent call last):',
        '  File "a.py", line 1, in <module>',
        '    x()',
        'KeyError: 1',
        'INFO ok',
      ],
      want: [4, 1],
    },
    { name: 'plain lines stay separate', lines: ['INFO a', 'INFO b', '', 'INFO c'], want: [1, 1, 1, 1] },
  ])('$name', ({ lines, want }) => {
    expect(records(lines).map((r) => r.lines)).toEqual(want);
  });

  it('a trace takes the exception line into its message and error level', () => {
    const [r] = records([
      'handler failed',
      'java.lang.NullPointerException: x is null',
      '\tat a.B.c(B.java:1)',
    ]);
    expect(r?.message).toBe('handler failed | java.lang.NullPointerException: x is null');
    expect(r?.level).toBe('error');
    const [p] = records(['panic: boom', 'goroutine 1 [running]:']);
    expect(p?.level).toBe('fatal');
  });

  it('bounds a record: 400 lines at most, 16 KB of text', () => {
    const lines = [
      'ERROR start',
      ...Array.from({ length: 1000 }, (_, i) => `\tat frame${i}(${'x'.repeat(100)})`),
    ];
    const rs = records(lines);
    expect(rs.reduce((n, r) => n + r.lines, 0)).toBe(1001);
    expect(rs[0]?.lines).toBe(400);
    expect(rs[0]?.text.length).toBeLessThanOrEqual(16 * 1024 + 400);
  });
});

describe('JSON lines', () => {
  it.each([
    {
      line: '{"level":"error","msg":"charge failed","error":"card declined"}',
      want: { message: 'charge failed', level: 'error', error: 'card declined' },
    },
    {
      line: '{"level":50,"time":1700000000000,"msg":"x"}',
      want: { message: 'x', level: 'error', time: 1700000000000 },
    },
    { line: '{"severity":"WARNING","message":"slow"}', want: { message: 'slow', level: 'warn' } },
    {
      line: '{"msg":"boom","err":{"type":"TypeError","message":"x is undefined\\n at y"}}',
      want: { message: 'boom', error: 'x is undefined' },
    },
  ])('$line', ({ line, want }) => {
    expect(parseJsonLine(line)).toMatchObject(want);
  });

  it.each(['plain text', '[1,2]', '{not json}'])('%s is not a JSON record', (line) => {
    expect(parseJsonLine(line)).toBeUndefined();
  });

  it('deeply nested JSON does not throw (it parses or is treated as text)', () => {
    const nested = `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(() => parseJsonLine(nested)).not.toThrow();
    expect(parseJsonLine(nested)?.message ?? '').toBe('');
  });

  it('levels and messages of JSON records reach the judge', () => {
    const [r] = records(['{"level":"error","msg":"charge failed","error":"card declined"}']);
    expect(r).toMatchObject({ level: 'error', message: 'charge failed error=card declined' });
  });
});

describe('levels and signals', () => {
  it.each([
    ['2026-11-21T20:00:00Z ERROR x', 'error'],
    ['E1121 20:15:03.123456  1 file.go:42] failed', 'error'],
    ['W1121 20:15:03.123456  1 file.go:42] hmm', 'warn'],
    ['level=warn msg=x', 'warn'],
    ['panic: boom', 'fatal'],
    ['just words', 'unknown'],
  ])('%s → %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it('level fields', () => {
    expect(levelFromField('WARNING')).toBe('warn');
    expect(levelFromField(60)).toBe('fatal');
    expect(levelFromField(true)).toBeUndefined();
  });

  it.each([
    ['GET /x status=503 duration=12ms', 503, 12],
    ['10.0.0.1 - - "GET /a HTTP/1.1" 502 123 time: 0.25', 502, 250],
    ['{"statusCode":500,"latency_ms":42}', 500, 42],
    ['nothing here', undefined, undefined],
  ])('%s', (line, status, ms) => {
    expect(httpStatus(line)).toBe(status);
    expect(latencyMs(line)).toBe(ms);
  });

  it('the reservoir keeps a bounded, deterministic sample', () => {
    const a = new Reservoir(100, 7);
    const b = new Reservoir(100, 7);
    for (let i = 0; i < 10_000; i++) {
      a.add(i);
      b.add(i);
    }
    expect(a.values).toHaveLength(100);
    expect(a.values).toEqual(b.values);
    expect(a.seen).toBe(10_000);
  });
});

describe('file and stdin sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-files-'));

  it('splits kubectl --prefix output into one source per container', async () => {
    const p = join(dir, 'prefixed.log');
    writeFileSync(p, '[pod/a-1/app] INFO x\n[pod/a-2/app] INFO y\n[pod/a-1/app] INFO z\n');
    const sources = await readLogFile(p);
    expect(sources.map((s) => [s.name, [...(s.lines as string[])]])).toEqual([
      ['a-1/app', ['INFO x', 'INFO z']],
      ['a-2/app', ['INFO y']],
    ]);
  });

  it('streams a prefixed file, grouping multi-line records per container (a trace interleaved with another pod)', async () => {
    const p = join(dir, 'interleaved.log');
    writeFileSync(
      p,
      [
        '[pod/a-1/app] ERROR request failed',
        '[pod/b-2/app] INFO healthy',
        '[pod/a-1/app] java.lang.NullPointerException: boom',
        '[pod/a-1/app] \tat com.acme.Cart.add(Cart.java:42)',
        '[pod/b-2/app] INFO still healthy',
      ].join('\n'),
    );
    const recs = [];
    for await (const r of readRecords(await fileSource(p, { prefixed: true }))) recs.push(r);
    const a = recs.filter((r) => r.source === 'a-1/app');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ lines: 3, level: 'error' });
    expect(a[0]?.message).toContain('NullPointerException');
    // The level is header, not message (analysis/templates/line.ts).
    expect(recs.filter((r) => r.source === 'b-2/app').map((r) => [r.level, r.message])).toEqual([
      ['info', 'healthy'],
      ['info', 'still healthy'],
    ]);
  });

  it('cuts a huge line at MAX_LINE_CHARS while streaming, and fails a corrupt .gz with the file named', async () => {
    const p = join(dir, 'huge.log');
    writeFileSync(p, `${'x'.repeat(MAX_LINE_CHARS * 3)}\nINFO after\n`);
    const lines: string[] = [];
    for await (const l of (await fileSource(p)).lines) lines.push(l);
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS, 'INFO after'.length]);
    const gz = join(dir, 'cut.log.gz');
    writeFileSync(gz, gzipSync('INFO a\n'.repeat(1000)).subarray(0, 40));
    const read = async (): Promise<void> => {
      for await (const _ of (await fileSource(gz)).lines);
    };
    await expect(read()).rejects.toThrow(/cut\.log\.gz: its gzip data is truncated or corrupt/);
  });

  it('reads .gz files and stdin', async () => {
    const p = join(dir, 'x.log.gz');
    writeFileSync(p, gzipSync('INFO a\r\nINFO b\n'));
    expect([...((await readLogFile(p))[0]?.lines as string[])]).toEqual(['INFO a', 'INFO b']);
    const stdin = Readable.from(['INFO c\nINFO d\n']);
    expect([...((await readLogFile('-', { stdin }))[0]?.lines as string[])]).toEqual(['INFO c', 'INFO d']);
  });
});
