import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GobDecoder } from './decoder.ts';
import { warmUpGob } from './warmup.ts';
import { WARMUP_STREAM_BASE64 } from './warmupCorpus.ts';

const golden = readFileSync(new URL('../testdata/golden/H-P_stream_7.bin', import.meta.url));

describe('gob warm-up corpus', () => {
  it('is the golden broker stream without its 4-byte broker id, byte for byte', () => {
    expect(Buffer.from(WARMUP_STREAM_BASE64, 'base64').equals(golden.subarray(4))).toBe(true);
  });

  it('decodes completely: every request header and body of the recorded conversation', () => {
    const d = new GobDecoder();
    d.push(golden.subarray(4));
    const methods: unknown[] = [];
    let values = 0;
    for (let v = d.next(); v; v = d.next()) {
      values++;
      const m = (v.value as { ServiceMethod?: unknown } | null)?.ServiceMethod;
      if (m !== undefined) methods.push(m);
    }
    expect(methods).toContain('Plugin.Run');
    expect(methods).toContain('Plugin.Resume');
    expect(values).toBeGreaterThan(2 * methods.length - 1);
    expect(warmUpGob(2)).toBe(values);
  });
});
