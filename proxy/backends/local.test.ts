import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { LOCAL_DEFAULTS } from '../config.ts';
import { runBackendContract } from './contract.case.ts';
import { LocalBackend } from './local.ts';
import { pidsMentioning } from './local/processes.ts';
import { waitFor } from '../testing/testProxy.ts';

const roots: string[] = [];

/** Processes of any backend this file created, plus sandbox folders still on disk. */
async function leftovers(): Promise<number> {
  let n = 0;
  for (const root of roots) {
    n += pidsMentioning(root).length;
    if (existsSync(root)) n += readdirSync(root).length;
  }
  return n;
}

runBackendContract({
  name: 'local',
  create: () => {
    const b = new LocalBackend({ ...LOCAL_DEFAULTS }, { log: silentLogger });
    roots.push(b.rootDir);
    return b;
  },
  leftovers,
  skip: [
    {
      reason: 'single-process backend: no shared activity record',
      tests: ['touch is reflected in list lastActiveMs'],
    },
  ],
});

describe('local backend specifics', () => {
  let backend: LocalBackend | undefined;
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    expect(await leftovers()).toBe(0);
  });

  it('hands out warm-pool members and refills the pool', async () => {
    backend = new LocalBackend({ ...LOCAL_DEFAULTS, warmPool: 1 }, { log: silentLogger });
    roots.push(backend.rootDir);
    await backend.waitForPool(AbortSignal.timeout(60_000));
    expect(backend.processCount).toBe(1);
    expect(await backend.list()).toEqual([]); // pool members belong to no tenant
    const started = performance.now();
    await backend.ensure('pooled', AbortSignal.timeout(60_000));
    const tookMs = performance.now() - started;
    await backend.waitForPool(AbortSignal.timeout(60_000));
    expect(backend.processCount).toBe(2);
    expect((await backend.list()).map((r) => r.id)).toEqual(['pooled']);
    // A pooled ensure only hands over a running server (~0 ms); a launch takes 0.6–2 s here.
    expect(tookMs).toBeLessThan(500);
  });

  it('detects a crashed browser: the tenant disappears from list() and gets a fresh server', async () => {
    backend = new LocalBackend({ ...LOCAL_DEFAULTS }, { log: silentLogger });
    roots.push(backend.rootDir);
    const first = await backend.ensure('crash', AbortSignal.timeout(60_000));
    const chromiums = pidsMentioning(backend.rootDir).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--user-data-dir'),
    );
    expect(chromiums.length).toBeGreaterThan(0);
    for (const pid of chromiums) process.kill(pid, 'SIGKILL');
    const b = backend;
    expect(await waitFor(async () => (await b.list()).length === 0, 10_000)).toBe(true);
    const second = await backend.ensure('crash', AbortSignal.timeout(60_000));
    expect(second).not.toEqual(first);
    expect(backend.processCount).toBe(1);
  });
});
