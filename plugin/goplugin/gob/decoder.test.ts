import { describe, expect, it } from 'vitest';
import { golden, prng } from '../../testing/golden.ts';
import { decodeTime } from '../argoCodec.ts';
import { GobDecoder } from './decoder.ts';
import { type GobEncoded, GobError, InterfaceValue, type GobValue } from './types.ts';

function decodeAll(bytes: Uint8Array, chunk?: () => number): GobValue[] {
  const d = new GobDecoder();
  const out: GobValue[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = chunk ? chunk() : bytes.length;
    d.push(bytes.subarray(at, at + n));
    at += n;
    for (let r = d.next(); r; r = d.next()) out.push(r.value);
  }
  expect(d.buffered).toBe(0);
  return out;
}

const asObj = (v: GobValue | undefined): Record<string, GobValue> => v as Record<string, GobValue>;

describe('gob decoder on golden vectors from Go', () => {
  it('decodes the 8 requests of the broker stream (69 type definitions) with nothing left over', () => {
    const values = decodeAll(golden('H-P_stream_7.bin').subarray(4));
    const headers = values.filter((_, i) => i % 2 === 0);
    expect(headers).toEqual([
      { ServiceMethod: 'Plugin.InitPlugin' },
      { ServiceMethod: 'Plugin.Type', Seq: 1 },
      { ServiceMethod: 'Plugin.GetMetadata', Seq: 2 },
      { ServiceMethod: 'Plugin.Run', Seq: 3 },
      { ServiceMethod: 'Plugin.Resume', Seq: 4 },
      { ServiceMethod: 'Plugin.Run', Seq: 5 },
      { ServiceMethod: 'Plugin.GarbageCollect', Seq: 6 },
      { ServiceMethod: 'Plugin.Nope', Seq: 7 },
    ]);
    const bodies = values.filter((_, i) => i % 2 === 1);
    expect(bodies[0]).toBeNull();
    expect(bodies[7]).toBe('x');
    const run = bodies[3] as InterfaceValue;
    expect(run).toBeInstanceOf(InterfaceValue);
    expect(run.name).toBe('RunArgs');
    const meta = asObj(asObj(asObj(run.value).AnalysisRun).ObjectMeta);
    expect(meta.Name).toBe('demo-abc-2');
    expect(meta.Namespace).toBe('default');
    expect(meta.UID).toBe('1111-2222');
    expect({ ...asObj(meta.Labels) }).toEqual({ 'rollouts-pod-template-hash': 'abc' });
    const created = meta.CreationTimestamp as GobEncoded;
    expect(decodeTime(created.bytes).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    const owner = asObj((meta.OwnerReferences as GobValue[])[0]);
    expect(owner).toMatchObject({ Kind: 'Rollout', Name: 'demo', UID: '3333', Controller: true });
    const metric = asObj(asObj(run.value).Metric);
    expect(metric).toMatchObject({
      Name: 'success-rate',
      Interval: '30s',
      SuccessCondition: 'result >= 0.95',
    });
    expect(metric.Count).toEqual({ IntVal: 3 });
    const plugin = asObj(asObj(metric.Provider).Plugin);
    expect(Buffer.from(plugin['acme/ts-metric'] as Uint8Array).toString()).toBe('{"query":"up"}');
    expect((bodies[6] as InterfaceValue).name).toBe('GarbageCollectArgs');
    expect(asObj((bodies[6] as InterfaceValue).value).Limit).toBe(10);
    const resume = asObj((bodies[4] as InterfaceValue).value);
    expect(asObj(resume.Measurement)).toMatchObject({ Phase: 'Successful', Value: '0.99' });
  });

  it('records every type definition of the stream (65 standalone + 4 inline)', () => {
    const d = new GobDecoder();
    d.push(golden('H-P_stream_7.bin').subarray(4));
    while (d.next());
    expect(d.typeCount).toBe(69);
    expect(d.wireType(95)).toMatchObject({ kind: 'gobEncoder' });
    expect(d.wireType(112)).toMatchObject({ kind: 'map', key: 6, elem: 5 });
  });

  it.each([
    [
      'H-P_stream_1.bin',
      0,
      [
        { ServiceMethod: 'Dispenser.Dispense' },
        'RpcMetricProviderPlugin',
        { ServiceMethod: 'Control.Ping', Seq: 1 },
        true,
        { ServiceMethod: 'Control.Quit', Seq: 2 },
        true,
      ],
    ],
    [
      'P-H_stream_1.bin',
      0,
      [
        { ServiceMethod: 'Dispenser.Dispense' },
        1,
        { ServiceMethod: 'Control.Ping', Seq: 1 },
        {},
        { ServiceMethod: 'Control.Quit', Seq: 2 },
        {},
      ],
    ],
  ])('decodes %s exactly', (file, skip, expected) => {
    expect(decodeAll(golden(file).subarray(skip))).toEqual(expected);
  });

  it('decodes the replies Go sent, including Measurement times and the error response', () => {
    const values = decodeAll(golden('P-H_stream_7.bin').subarray(4));
    expect(values).toHaveLength(16);
    const run = asObj(values[7]);
    expect(run.Phase).toBe('Successful');
    expect(decodeTime((run.FinishedAt as GobEncoded).bytes).toISOString()).toBe('2026-01-02T03:04:35.000Z');
    expect({ ...asObj(run.Metadata) }).toEqual({ query: 'up' });
    expect(values[14]).toEqual({
      ServiceMethod: 'Plugin.Nope',
      Seq: 7,
      Error: "rpc: can't find method Plugin.Nope",
    });
  });

  it('decodes a stream fed one byte at a time, including its short final message', () => {
    const bytes = golden('H-P_stream_1.bin');
    expect(decodeAll(bytes, () => 1)).toEqual(decodeAll(bytes));
    expect(decodeAll(bytes, () => 1)).toHaveLength(6);
  });

  it.each([1, 2, 3, 7, 64])('gives identical results when fed in random chunks (seed %i)', (seed) => {
    const bytes = golden('H-P_stream_7.bin').subarray(4);
    const rnd = prng(seed);
    expect(decodeAll(bytes, () => 1 + Math.floor(rnd() * 64))).toEqual(decodeAll(bytes));
  });
});

describe('gob decoder on bad input', () => {
  const cases: [string, number[], RegExp][] = [
    ['a type definition for a reserved id', [0x05, 0x0f, 0x03, 0x01, 0x00, 0x00], /reserved id/],
    ['an empty message', [0x00], /empty message/],
    ['a value of an undefined type', [0x02, 0xff, 0x90], /undefined type id/],
    ['a huge declared message', [0xfc, 0x7f, 0xff, 0xff, 0xff], /exceeds/],
    ['a string longer than its message', [0x04, 0x0c, 0x00, 0x7f, 0x41], /exceeds the .* bytes left/],
    ['a uint of 9 bytes', [0x04, 0x06, 0x00, 0xf7, 0x01], /too large/],
  ];
  it.each(cases)('rejects %s with a GobError', (_name, bytes, message) => {
    const d = new GobDecoder();
    d.push(Uint8Array.from(bytes));
    expect(() => d.next()).toThrow(GobError);
    const again = new GobDecoder();
    again.push(Uint8Array.from(bytes));
    expect(() => again.next()).toThrow(message);
  });

  it('rejects a duplicate type definition on one stream', () => {
    const def = golden('H-P_stream_1.bin').subarray(0, 48); // Request typedef message (47 bytes + length)
    const d = new GobDecoder();
    d.push(Buffer.concat([def, def, Buffer.from([0x03, 0x02, 0x00, 0x01])]));
    expect(() => d.next()).toThrow(/duplicate type/);
  });

  it('waits for more bytes on a truncated stream and rolls back its type table', () => {
    const bytes = golden('H-P_stream_7.bin').subarray(4);
    const d = new GobDecoder();
    d.push(bytes.subarray(0, 2000));
    const got: GobValue[] = [];
    for (let r = d.next(); r; r = d.next()) got.push(r.value);
    const typesBefore = d.typeCount;
    expect(d.next()).toBeUndefined();
    expect(d.typeCount).toBe(typesBefore);
    d.push(bytes.subarray(2000));
    for (let r = d.next(); r; r = d.next()) got.push(r.value);
    expect(got).toHaveLength(16);
  });
});

describe('gob decoder fuzz (bounded, mutated golden vectors)', () => {
  it('never throws anything but GobError and never hangs on 600 mutated streams', () => {
    const base = golden('H-P_stream_7.bin').subarray(4);
    const rnd = prng(20261121);
    const deadline = Date.now() + 15_000;
    let decodedSomething = 0;
    for (let i = 0; i < 600 && Date.now() < deadline; i++) {
      const bytes = Buffer.from(base);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? Math.floor(rnd() * bytes.length) : bytes.length;
      const d = new GobDecoder({ maxMessageBytes: 1 << 20 });
      d.push(bytes.subarray(0, cut));
      try {
        for (let r = d.next(), n = 0; r && n < 100; r = d.next(), n++) decodedSomething++;
      } catch (err) {
        expect(err).toBeInstanceOf(GobError);
      }
    }
    expect(decodedSomething).toBeGreaterThan(0);
  });
});
