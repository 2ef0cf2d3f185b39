import { describe, expect, it } from 'vitest';
import { CACHE_REVIEW_LOOKUPS, CACHE_SIZE, TemplateMiner, templateText } from './drain.ts';
import { groupingAccuracy } from './groupingAccuracy.ts';
import { mask, tokenize } from './mask.ts';

describe('mask', () => {
  it.each([
    ['numbers', 'took 125 ms for 3.5 items', 'took <*> ms for <*> items'],
    ['IPv4 with port', 'connect 10.0.0.12:5432 refused', 'connect <*> refused'],
    ['UUID', 'order 3f2b8c1e-9d4a-4b6f-8e2a-1c0d9e8f7a6b paid', 'order <*> paid'],
    ['hex', 'addr 0x7ffd12 hash deadbeef42', 'addr <*> hash <*>'],
    ['timestamp', 'at 2026-11-21T20:15:03.123Z done', 'at <*> done'],
    ['path', 'open /var/lib/app/data.db failed', 'open <*> failed'],
    ['words with digits stay', 'user42 logged in via http2', 'user42 logged in via http2'],
  ])('%s', (_name, input, expected) => {
    expect(mask(input)).toBe(expected);
  });

  it('collapses wildcard lists into one token', () => {
    expect(tokenize(mask('peers 10.0.0.1,10.0.0.2 up'))).toEqual(['peers', '<*>', 'up']);
  });
});

describe('TemplateMiner', () => {
  it('groups messages that differ only in variables and generalizes the template', () => {
    const m = new TemplateMiner();
    const a = m.add('login ok for user alice from 10.0.0.1');
    const b = m.add('login ok for user bob from 10.0.0.2');
    const c = m.add('payment failed: card declined');
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(templateText(a)).toBe('login ok for user <*> from <*>');
    expect(a.count).toBe(2);
    expect(a.samples).toEqual([
      'login ok for user alice from 10.0.0.1',
      'login ok for user bob from 10.0.0.2',
    ]);
  });

  it('keeps events with different constant words apart', () => {
    const m = new TemplateMiner();
    const ids = new Set(
      ['cache hit for key 1', 'cache miss for key 2', 'cache hit for key 3'].map((l) => m.add(l).id),
    );
    // "hit" and "miss" sit in the routing prefix (first depth-2 tokens), so they land in different leaves.
    expect(ids.size).toBe(2);
    const m2 = new TemplateMiner();
    expect(m2.add('connection opened').id).not.toBe(m2.add('request timed out').id);
  });

  it('match() finds without learning', () => {
    const m = new TemplateMiner();
    const c = m.add('GET /api/items 200 12ms');
    expect(m.match('GET /api/items 200 15ms')).toBe(c);
    expect(m.match('totally different line here')).toBeUndefined();
    expect(m.clusters).toHaveLength(1);
  });

  it('bounds memory by maxClusters, not lines', () => {
    const m = new TemplateMiner({ maxClusters: 10, samplesPerCluster: 2 });
    for (let i = 0; i < 5_000; i++)
      m.add(
        `event${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) % 26))} happened`,
      );
    expect(m.clusters.length).toBeLessThanOrEqual(11);
    expect(m.clusters.reduce((n, c) => n + c.count, 0)).toBe(5_000);
    expect(Math.max(...m.clusters.map((c) => c.samples.length))).toBeLessThanOrEqual(2);
  });

  it('a full cache takes no more messages; a review that finds it stale empties it, a useful one keeps it', () => {
    const m = new TemplateMiner();
    // Distinct masked messages (letters, so masking keeps them apart) fill the cache, then find it full.
    const word = (i: number): string =>
      i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)] as string);
    for (let i = 0; i < CACHE_SIZE + 10; i++) m.add(`event ${word(i)} happened`);
    expect(m.cached).toBe(CACHE_SIZE);
    // A review's worth of repeats of cached messages: the cache pays off and stays.
    for (let i = 0; i < CACHE_REVIEW_LOOKUPS; i++) m.add(`event ${word(i % 100)} happened`);
    expect(m.cached).toBe(CACHE_SIZE);
    // A review's worth of new messages: almost no hits, the cache is emptied and fills with the new mix.
    for (let i = 0; i < CACHE_REVIEW_LOOKUPS; i++) m.add(`other ${word(i)} seen`);
    expect(m.cached).toBeLessThan(CACHE_SIZE);
    expect(m.cached).toBeGreaterThan(0);
  });

  it('empty messages form their own cluster', () => {
    const m = new TemplateMiner();
    expect(m.add('').id).toBe(m.add('   ').id);
  });
});

describe('groupingAccuracy', () => {
  it.each([
    { name: 'perfect', p: ['a', 'a', 'b'], t: ['x', 'x', 'y'], ga: 1 },
    { name: 'over-merged', p: ['a', 'a', 'a'], t: ['x', 'x', 'y'], ga: 0 },
    { name: 'split', p: ['a', 'b', 'c'], t: ['x', 'x', 'y'], ga: 1 / 3 },
    { name: 'empty', p: [], t: [], ga: 1 },
  ])('$name', ({ p, t, ga }) => {
    expect(groupingAccuracy(p, t)).toBeCloseTo(ga);
  });
});
