import { describe, expect, it } from 'vitest';
import { golden } from '../../testing/golden.ts';
import {
  encodeTime,
  MeasurementSchema,
  measurementToGob,
  RpcErrorSchema,
  StringMapSchema,
} from '../argoCodec.ts';
import { EmptyStructSchema, ResponseSchema } from '../netrpc.ts';
import { GobDecoder } from './decoder.ts';
import { GobEncoder, GobWriter } from './encoder.ts';
import { GobString, GobUint, type GobSchema } from './types.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function roundTrip(schema: GobSchema, value: unknown): unknown {
  const d = new GobDecoder();
  d.push(new GobEncoder().encode(schema, value));
  const r = d.next();
  expect(d.buffered).toBe(0);
  return r?.value;
}

describe('gob encoder', () => {
  it.each([
    ['uint 256', (w: GobWriter) => w.uint(256), 'fe0100'],
    ['int 8', (w: GobWriter) => w.int(8), '10'],
    ['int 65', (w: GobWriter) => w.int(65), 'ff82'],
    ['int -65', (w: GobWriter) => w.int(-65), 'ff81'],
    ['int -129', (w: GobWriter) => w.int(-129), 'fe0101'],
    ['float 17', (w: GobWriter) => w.float(17), 'fe3140'],
  ])('encodes %s as in gob doc.go', (_name, write, expected) => {
    const w = new GobWriter();
    write(w);
    expect(hex(w.result())).toBe(expected);
  });

  it('encodes the Plugin.Type reply body byte-exactly as Go', () => {
    expect(hex(new GobEncoder().encode(GobString, 'RPCPlugin'))).toBe(
      `0c0c0009${Buffer.from('RPCPlugin').toString('hex')}`,
    );
  });

  it('encodes the Dispense reply (uint 1) byte-exactly as Go', () => {
    expect(hex(new GobEncoder().encode(GobUint, 1))).toBe('03060001');
  });

  it('encodes time t0 byte-exactly as Go MarshalBinary', () => {
    expect(hex(encodeTime(new Date('2026-01-02T03:04:05Z')))).toBe('010000000ee0e92ca500000000ffff');
  });

  it('encodes the same definitions Go sent for map[string]string and struct{} (ids aside)', () => {
    const map = new GobEncoder().encode(StringMapSchema, { ResolvedQuery: 'up' });
    // Go: 21 ffb1 04 01 01 11 "map[string]string" 01 ffb2 00 01 0c 01 0c 00 00 (id 89); ours uses id 65 (ff82).
    expect(hex(map)).toContain(
      `04010111${Buffer.from('map[string]string').toString('hex')}01ff8200010c010c0000`,
    );
  });

  it('round-trips a Measurement, sending each definition once per stream', () => {
    const enc = new GobEncoder();
    const m = {
      phase: 'Successful' as const,
      startedAt: new Date('2026-01-02T03:04:05Z'),
      finishedAt: new Date('2026-01-02T03:04:35Z'),
      value: '0.99',
      metadata: { query: 'up' },
    };
    const first = enc.encode(MeasurementSchema, measurementToGob(m));
    const second = enc.encode(MeasurementSchema, measurementToGob(m));
    expect(second.length).toBeLessThan(first.length);
    const d = new GobDecoder();
    d.push(Buffer.concat([first, second]));
    const a = d.next()?.value as Record<string, unknown>;
    const b = d.next()?.value as Record<string, unknown>;
    expect(a).toEqual(b);
    expect(a.Phase).toBe('Successful');
    expect(a.Message).toBeUndefined();
    // Go's own bytes for this Measurement value (P-H stream 7, seq 3) after the type id.
    const goValue = golden('P-H_stream_7.bin').toString('hex');
    const ours = hex(second).slice(hex(second).indexOf('010a'));
    expect(goValue).toContain(ours);
  });

  it.each([
    ['ascii', 'Plugin.Run'],
    ['non-ASCII', 'größe ✓ 測定'],
    ['long non-ASCII', 'ü'.repeat(100)],
    ['long ASCII', 'x'.repeat(1000)],
    ['empty', ''],
  ])('round-trips %s strings', (_name, text) => {
    expect(roundTrip(GobString, text)).toBe(text);
  });

  it('round-trips Response headers, RpcError and empty structs', () => {
    expect(roundTrip(ResponseSchema, { ServiceMethod: 'Plugin.Run', Seq: 3, Error: '' })).toEqual({
      ServiceMethod: 'Plugin.Run',
      Seq: 3,
    });
    expect(roundTrip(RpcErrorSchema, { ErrorString: 'boom' })).toEqual({ ErrorString: 'boom' });
    expect(roundTrip(RpcErrorSchema, {})).toEqual({});
    expect(roundTrip(EmptyStructSchema, {})).toEqual({});
  });
});
