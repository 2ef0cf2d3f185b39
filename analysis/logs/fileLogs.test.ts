import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.ts';
import { Readable } from 'node:stream';
import { fileSource, streamLineBatches } from './fileLogs.ts';
import { readRecordBatches, readRecordsSync } from './records.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-filelogs-'));

/** Lines of varied length (some CRLF, a trace) spanning many 64 KB read chunks. */
function sample(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0)
      out.push(
        `2026-01-01T00:00:00Z ERROR boom ${i}`,
        'java.lang.IllegalStateException: x',
        '\tat a.B.c(B.java:1)',
      );
    else
      out.push(
        `2026-01-01T00:00:0${i % 10}Z INFO request ${i} ${'x'.repeat(i % 300)} status=200 duration=${i % 50}ms`,
      );
  }
  return out;
}

async function collect<T>(it: AsyncIterable<readonly T[]>): Promise<{ items: T[]; batches: number }> {
  const items: T[] = [];
  let batches = 0;
  for await (const b of it) {
    batches++;
    items.push(...b);
  }
  return { items, batches };
}

describe('batched file reading', () => {
  const lines = sample(20_000);
  const path = join(dir, 'big.log');
  writeFileSync(path, lines.map((l, i) => (i % 5 === 0 ? `${l}\r` : l)).join('\n'));

  it('gives the same lines as a batch per chunk and one at a time, CR stripped, lines across chunks whole', async () => {
    const src = await fileSource(path);
    const { items, batches } = await collect(src.batches as AsyncIterable<readonly string[]>);
    expect(items).toEqual(lines);
    expect(batches).toBeGreaterThan(10);
    const one: string[] = [];
    for await (const l of (await fileSource(path)).lines) one.push(l);
    expect(one).toEqual(lines);
  });

  it('judges the same records from batches as from the lines in memory', async () => {
    const { items } = await collect(readRecordBatches(await fileSource(path)));
    const expected = [...readRecordsSync(path, lines)];
    expect(items).toEqual(expected);
    expect(items.some((r) => r.lines === 3)).toBe(true);
  });

  it('passes on exactly maxLines lines, then fails naming the cap', async () => {
    const src = await fileSource(path, { maxLines: 12_345, maxLinesOption: 'TEST_CAP (--cap)' });
    const seen: string[] = [];
    const err = await (async () => {
      try {
        for await (const b of src.batches as AsyncIterable<readonly string[]>) seen.push(...b);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(AnalysisError);
    expect((err as AnalysisError).message).toMatch(
      /more than 12345 lines, the cap set by TEST_CAP \(--cap\)/,
    );
    expect(seen).toEqual(lines.slice(0, 12_345));
  });
});

describe('lines split from bytes', () => {
  it('gives the same lines however the bytes are chunked: CRLF, multi-byte and invalid bytes split across chunks (a last line keeps its CR)', async () => {
    const bytes = Buffer.concat([
      Buffer.from('plain\r\nprix 3 €\r\n😀 emoji\nbad '),
      Buffer.from([0xff]),
      Buffer.from(' byte\n\nlast\r'),
    ]);
    const expected = ['plain', 'prix 3 €', '😀 emoji', 'bad \ufffd byte', '', 'last\r'];
    for (const size of [1, 2, 3, 5, 7, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const { items } = await collect(streamLineBatches(Readable.from(chunks)));
      expect(items, `chunks of ${size} bytes`).toEqual(expected);
    }
  });
});
