/** @module analysis/report/rateLimit — retries on GitHub's primary and secondary rate limits, bounded in count and time. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../lib/log.ts';

export interface RateLimitOptions {
  /** Retries after a rate-limit answer (default 3). */
  maxRetries?: number;
  /** Longest single wait GitHub may ask for before we give up instead (default 120 s). */
  maxWaitMs?: number;
  /** Wait when a secondary limit gives no `retry-after` (GitHub docs: at least one minute). */
  defaultSecondaryWaitMs?: number;
  log?: Logger;
}

/** The shape of an Octokit error we look at. */
interface HttpErrorLike {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** How long GitHub asks us to wait, or undefined when the error is not a rate limit. */
export function rateLimitWaitMs(
  err: unknown,
  now: number,
  defaultSecondaryWaitMs: number,
): number | undefined {
  const e = err as HttpErrorLike;
  if (e.status !== 403 && e.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return Number(retryAfter) * 1000;
  if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
    return Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - now) + 1000;
  }
  const message = JSON.stringify(e.response?.data ?? '').toLowerCase();
  if (message.includes('secondary rate limit') || e.status === 429) return defaultSecondaryWaitMs;
  return undefined;
}

/** The error thrown when the limit persists, carrying how long GitHub asked to wait. */
export class RateLimitExhausted extends Error {
  override name = 'RateLimitExhausted';
  readonly waitMs: number;
  constructor(waitMs: number, cause: unknown) {
    super(`rate limited; GitHub asks to wait ${waitMs} ms`, { cause });
    this.waitMs = waitMs;
  }
}

type RequestFn = (options: Record<string, unknown>) => Promise<unknown>;

/**
 * An Octokit `hook.wrap('request', …)` handler: on 403/429 rate-limit answers, waits what GitHub asks
 * (`retry-after`, or until `x-ratelimit-reset`) and retries, at most `maxRetries` times and never longer than
 * `maxWaitMs` per wait. The request's own AbortSignal (`request.signal`) cancels the wait.
 */
export function rateLimitHook(
  opts: RateLimitOptions = {},
): (request: RequestFn, options: Record<string, unknown>) => Promise<unknown> {
  const maxRetries = opts.maxRetries ?? 3;
  const maxWaitMs = opts.maxWaitMs ?? 120_000;
  const defaultWait = opts.defaultSecondaryWaitMs ?? 60_000;
  return async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (err) {
        const waitMs = rateLimitWaitMs(err, Date.now(), defaultWait);
        if (waitMs === undefined) throw err;
        if (attempt >= maxRetries || waitMs > maxWaitMs) throw new RateLimitExhausted(waitMs, err);
        opts.log?.warn(
          { waitMs, attempt: attempt + 1, url: options['url'] },
          'GitHub rate limit: waiting before retry',
        );
        const signal = (options['request'] as { signal?: AbortSignal } | undefined)?.signal;
        await sleep(waitMs, undefined, signal ? { signal } : undefined);
      }
    }
  };
}
