import { describe, expect, it } from 'vitest';
import { SentinelError } from '../lib/errors.ts';
import { markError } from './measurement.ts';

describe('markError', () => {
  const m = { phase: 'Running' as const, metadata: {} };
  it("gives a SentinelError's code and hint", () => {
    const err = new SentinelError('NoPods', 'No canary pods.', { hint: 'Check the hash.' });
    expect(markError(m as never, err).message).toBe('NoPods: No canary pods. Hint: Check the hash.');
  });

  it('recognises a SentinelError of another copy of lib/errors.ts (the canary payload carries its own)', () => {
    // What the payload's own SentinelError class looks like to the main bundle: same shape, another class.
    class PayloadSentinelError extends Error {
      readonly code = 'NoPods';
      describe(): string {
        return `${this.message}\n  hint: Check the hash.`;
      }
    }
    expect(markError(m as never, new PayloadSentinelError('No canary pods.')).message).toBe(
      'NoPods: No canary pods. Hint: Check the hash.',
    );
    // A Node system error has a code but is not ours: its message only.
    const sys = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(markError(m as never, sys).message).toBe('connect ECONNREFUSED');
  });
});
