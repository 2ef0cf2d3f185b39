import { describe, expect, it } from 'vitest';
import { golden, prng, splitFrames } from '../testing/golden.ts';
import { decodeHeader, encodeHeader, Flag, FrameType } from './yamux.ts';

function reassemble(file: string): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const f of splitFrames(golden(file))) {
    if (f.header.type === FrameType.data)
      out.set(f.header.streamId, Buffer.concat([out.get(f.header.streamId) ?? Buffer.alloc(0), f.payload]));
  }
  return out;
}

describe('yamux framing on the golden capture', () => {
  it.each([
    ['host_to_plugin.bin', 16, 4, Flag.syn],
    ['plugin_to_host.bin', 16, 4, Flag.ack],
  ])('%s has %i frames, %i of them WindowUpdate opening/accepting streams', (file, frames, opens, flag) => {
    const f = splitFrames(golden(file));
    expect(f).toHaveLength(frames);
    const opening = f.filter((x) => x.header.type === FrameType.windowUpdate && x.header.flags === flag);
    expect(opening.map((x) => x.header.streamId)).toEqual([1, 3, 5, 7]);
    expect(opening).toHaveLength(opens);
    expect(f.every((x) => x.header.version === 0)).toBe(true);
  });

  it.each([
    ['host_to_plugin.bin', 'H-P'],
    ['plugin_to_host.bin', 'P-H'],
  ])('reassembling Data payloads of %s per stream reproduces the stream files', (file, prefix) => {
    const streams = reassemble(file);
    expect(streams.get(1)?.equals(golden(`${prefix}_stream_1.bin`))).toBe(true);
    expect(streams.get(7)?.equals(golden(`${prefix}_stream_7.bin`))).toBe(true);
    expect(streams.has(3)).toBe(false);
  });

  it('encodes headers exactly as the capture shows them', () => {
    expect(
      encodeHeader({ type: FrameType.windowUpdate, flags: Flag.syn, streamId: 1, length: 0 }).toString('hex'),
    ).toBe('000100010000000100000000');
    expect(encodeHeader({ type: FrameType.data, flags: 0, streamId: 7, length: 4 }).toString('hex')).toBe(
      '000000000000000700000004',
    );
    expect(decodeHeader(Buffer.from('000100020000000100000000', 'hex'))).toEqual({
      version: 0,
      type: 1,
      flags: 2,
      streamId: 1,
      length: 0,
    });
  });

  it('fuzz: mutated headers decode without throwing (bounded)', () => {
    const base = golden('host_to_plugin.bin');
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(base.subarray(0, 12));
      b[Math.floor(rnd() * 12)] = Math.floor(rnd() * 256);
      const h = decodeHeader(b);
      expect(h.length).toBeGreaterThanOrEqual(0);
      expect(h.streamId).toBeGreaterThanOrEqual(0);
    }
  });
});
