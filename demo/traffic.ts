/** @module demo/traffic — shoppers: the same seeded mix of browsing, carts and checkouts against each side. */
import { seededRandom } from '../lib/random.ts';

export interface TrafficOptions {
  /** Shopping sessions (each 3–6 requests). */
  sessions: number;
  /** Sessions in flight at once. */
  concurrency: number;
  /** Same seed on both sides → the same mix of pages, books and checkouts. */
  seed: number;
  /** Share of sessions that check out. */
  checkoutShare?: number;
  signal: AbortSignal;
}

export interface TrafficSummary {
  requests: number;
  /** Responses by status class: 2xx, 4xx, 5xx, and network errors as `error`. */
  byClass: Record<string, number>;
}

const BOOKS = 12;

async function hit(
  base: string,
  path: string,
  init: RequestInit & { cookie?: string },
  s: TrafficSummary,
): Promise<Response | undefined> {
  s.requests++;
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.cookie) headers.cookie = init.cookie;
    // No signal on the request itself: undici keeps one abort listener per request on a shared signal until it is
    // collected (thousands per stage); sessions check the signal between requests instead.
    const { signal, ...rest } = init;
    signal?.throwIfAborted();
    const r = await fetch(base + path, { ...rest, headers });
    await r.arrayBuffer();
    const cls = `${String(r.status)[0]}xx`;
    s.byClass[cls] = (s.byClass[cls] ?? 0) + 1;
    return r;
  } catch {
    init.signal?.throwIfAborted();
    s.byClass.error = (s.byClass.error ?? 0) + 1;
    return undefined;
  }
}

async function session(
  base: string,
  rand: () => number,
  o: TrafficOptions,
  s: TrafficSummary,
): Promise<void> {
  const signal = o.signal;
  await hit(base, '/', { signal }, s);
  const items = 1 + Math.floor(rand() * 3);
  let cookie = '';
  for (let i = 0; i < items; i++) {
    const id = 1 + Math.floor(rand() * BOOKS);
    await hit(base, `/book/${id}`, { signal }, s);
    const r = await hit(
      base,
      '/api/cart',
      { method: 'POST', body: JSON.stringify({ id }), cookie, signal },
      s,
    );
    const set = r?.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0] ?? '';
  }
  await hit(base, '/cart', { cookie, signal }, s);
  if (rand() < (o.checkoutShare ?? 0.6))
    await hit(base, '/api/checkout', { method: 'POST', cookie, signal }, s);
}

/** Runs the sessions against `base` and resolves with what came back. Rejects only when `signal` aborts. */
export async function driveTraffic(base: string, o: TrafficOptions): Promise<TrafficSummary> {
  const s: TrafficSummary = { requests: 0, byClass: {} };
  const rand = seededRandom(o.seed);
  // Draw each session's randomness up front so the mix does not depend on response timing.
  const seeds = Array.from({ length: o.sessions }, () => Math.floor(rand() * 2 ** 31));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < seeds.length) {
      o.signal.throwIfAborted();
      await session(base, seededRandom(seeds[next++] as number), o, s);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return s;
}
