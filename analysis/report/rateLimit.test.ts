import { describe, expect, it } from 'vitest';
import { rateLimitWaitMs } from './rateLimit.ts';

describe('rateLimitWaitMs', () => {
  const now = 1_000_000;
  const err = (status: number, headers: Record<string, string>, message = ''): unknown => ({
    status,
    response: { headers, data: { message } },
  });
  it.each([
    [
      'secondary with retry-after',
      err(403, { 'retry-after': '7' }, 'You have exceeded a secondary rate limit'),
      7_000,
    ],
    [
      'secondary without retry-after: one minute',
      err(403, {}, 'You have exceeded a secondary rate limit'),
      60_000,
    ],
    [
      'primary: until the reset',
      err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) }),
      31_000,
    ],
    ['429 without headers', err(429, {}), 60_000],
    [
      'plain permission 403 is not a rate limit',
      err(403, {}, 'Resource not accessible by integration'),
      undefined,
    ],
    ['500 is not a rate limit', err(500, { 'retry-after': '1' }), undefined],
  ])('%s', (_name, e, expected) => {
    expect(rateLimitWaitMs(e, now, 60_000)).toBe(expected);
  });
});
