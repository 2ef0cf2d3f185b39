import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { loadLoghubRaw, loghubDatasets } from '../eval/loghub.ts';
import { WILDCARD, mask, maskByRules } from './mask.ts';

/** Messages built from the token shapes the shortcuts know and their near misses, with varied whitespace. */
function messages(seed: number, n: number): string[] {
  const r = seededRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const run = (chars: string, len: number): string =>
    Array.from({ length: len }, () => pick([...chars])).join('');
  const hex = (len: number): string => run('0123456789abcdefABCDEF', len);
  const digits = (len: number): string => run('0123456789', len);
  const atoms: Array<() => string> = [
    () => digits(1 + Math.floor(r() * 6)),
    () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    () => hex(1 + Math.floor(r() * 12)),
    () => `0x${hex(1 + Math.floor(r() * 5))}`,
    () => run('abcdxyzQ_0159', 1 + Math.floor(r() * 10)),
    () =>
      digits(1 + Math.floor(r() * 3)) + pick(['ms', 's', 'µs', 'KiB', 'MB', 'k', 'B', '%', 'h', 'x', '_a']),
    () =>
      `/${Array.from({ length: Math.floor(r() * 4) }, () => pick([run('abc', 3), hex(9), '0x1f', '', digits(2)])).join('/')}`,
    () => `${digits(4)}-${digits(2)}-${digits(2)}`,
    () => `${digits(2)}:${digits(2)}:${digits(2)}`,
    () => `10.0.${digits(1)}.${digits(2)}`,
    () => pick(['GET', 'error', 'q', WILDCARD, '=', '-', ':', ',', '.', '(', ')']),
  ];
  const token = (): string => {
    let t = '';
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--)
      t += (t && r() < 0.3 ? pick(['=', '', '_', '-', '/', ':']) : '') + pick(atoms)();
    return r() < 0.4 ? `${pick(['id', 'path', 'a_b', 'k1', 'x.y'])}=${t}` : t;
  };
  return Array.from({ length: n }, () => {
    let m = '';
    for (let j = 1 + Math.floor(r() * 7); j > 0; j--)
      m += (m ? pick([' ', ' ', '  ', '\t', '\u00a0', ' | ']) : pick(['', ' '])) + token();
    return r() < 0.1 ? `${m} ` : m;
  });
}

describe('mask: the token shortcuts give exactly what the rules give', () => {
  it('on generated messages of the shortcut shapes and their near misses', () => {
    for (const m of messages(1, 20_000)) expect(mask(m), JSON.stringify(m)).toBe(maskByRules(m));
  });

  // The Loghub-2k samples live outside the repo (research licence): ../shared/data/loghub-2k or SENTINEL_LOGHUB_DIR.
  const loghub =
    process.env['SENTINEL_LOGHUB_DIR'] ?? resolve(import.meta.dirname, '../../../shared/data/loghub-2k');
  it.skipIf(loghubDatasets(loghub).length === 0)(
    'on every line of the development Loghub systems (whole lines: headers hold dates, times and IPs)',
    () => {
      for (const system of loghubDatasets(loghub))
        for (const line of loadLoghubRaw(loghub, system)) expect(mask(line), line).toBe(maskByRules(line));
    },
  );

  it('takes the common service-log shapes without the rules', () => {
    expect(
      mask(
        'request method=GET path=/api/order/42 status=200 duration=35ms request_id=6c43069c-43a8-4c3b-a7cf-3c25632b9240',
      ),
    ).toBe('request method=GET path=<*> status=<*> duration=<*> request_id=<*>');
    expect(mask('order 720743 processed in 19ms')).toBe('order <*> processed in <*>');
    expect(mask('user42 deadbeef42 0x1f 42_x')).toBe('user42 <*> <*> <*>_x');
  });
});
