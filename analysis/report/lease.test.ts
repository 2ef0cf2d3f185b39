import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseStore } from './lease.ts';
import { tempDir } from './testing/harness.ts';

const sig = (): AbortSignal => AbortSignal.timeout(10_000);

describe('LeaseStore', () => {
  it('serializes one fingerprint across two stores sharing a folder, but not different fingerprints', async () => {
    const dir = tempDir('lease');
    const a = new LeaseStore({ dir });
    const b = new LeaseStore({ dir });
    let inside = 0;
    let maxInside = 0;
    const work = async (): Promise<void> => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 20));
      inside--;
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).withLock('rsfp-1', sig(), work)));
    expect(maxInside).toBe(1);
    maxInside = 0;
    await Promise.all(['rsfp-1', 'rsfp-2', 'rsfp-3'].map((fp) => a.withLock(fp, sig(), work)));
    expect(maxInside).toBe(3);
  });

  it('expires leases after the TTL and breaks a stale lock left by a crashed process', async () => {
    const dir = tempDir('lease-ttl');
    // Records dated now and two TTLs ago (no sleeping: a loaded machine must not turn a fresh lease stale).
    const ttlMs = 60_000;
    const store = new LeaseStore({ dir, ttlMs, staleLockMs: 1_000, lockWaitMs: 5_000 });
    await store.put({ fp: 'rsfp-x', number: 3, url: 'u', at: Date.now(), occurrences: 1 });
    expect(await store.get('rsfp-x')).toMatchObject({ number: 3 });
    await store.put({ fp: 'rsfp-x', number: 3, url: 'u', at: Date.now() - 2 * ttlMs, occurrences: 1 });
    expect(await store.get('rsfp-x')).toBeUndefined();
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, 'rsfp-y.lock');
    writeFileSync(lock, '99999');
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(lock, old, old);
    expect(await store.withLock('rsfp-y', sig(), async () => 'ran')).toBe('ran');
  });

  it('gives up on a live lock after lockWaitMs with a clear error', async () => {
    const dir = tempDir('lease-held');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rsfp-z.lock'), String(process.pid));
    const store = new LeaseStore({ dir, lockWaitMs: 200 });
    await expect(store.withLock('rsfp-z', sig(), async () => 'never')).rejects.toMatchObject({
      code: 'LeaseLockTimeout',
    });
  });
});
