/** @module plugin/testing/golden — loads the golden byte vectors captured from Go's encoding/gob, net/rpc and yamux. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeHeader, HEADER_BYTES, type FrameHeader } from '../goplugin/yamux.ts';
import { seededRandom } from '../../lib/random.ts';

/** The golden vectors (a copy of shared/reference/argo-plugin-golden, with its README and checksums). */
export const GOLDEN_DIR = fileURLToPath(new URL('../goplugin/testdata/golden/', import.meta.url));

export function golden(name: string): Buffer {
  return readFileSync(`${GOLDEN_DIR}/${name}`);
}

/** Splits a raw capture into yamux frames. */
export function splitFrames(bytes: Uint8Array): { header: FrameHeader; payload: Buffer }[] {
  const frames: { header: FrameHeader; payload: Buffer }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = decodeHeader(bytes, at);
    const len = header.type === 0 ? header.length : 0;
    frames.push({ header, payload: Buffer.from(bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + len)) });
    at += HEADER_BYTES + len;
  }
  return frames;
}

/** A deterministic PRNG so fuzz cases are reproducible from their seed. */
export const prng = seededRandom;
