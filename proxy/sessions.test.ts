import { describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import { ProxyError } from './errors.ts';
import { SessionManager, defaultMayReap, type ReapCheck } from './sessions.ts';
import { FakeBackend } from './testing/fakeSandbox.ts';
import type { SessionConfig } from './config.ts';

const CFG: SessionConfig = {
  idleTtlMs: 1000,
  idleCheckIntervalMs: 3_600_000, // passes are driven by the tests
  maxSandboxes: 10,
  ensureTimeoutMs: 5000,
  shutdownSandboxes: 'delete',
};

function manager(backend: FakeBackend, over: Partial<SessionConfig> = {}, mayReap?: ReapCheck) {
  let now = 1_000_000;
  const m = new SessionManager({
    backend,
    config: { ...CFG, ...over },
    log: silentLogger,
    now: () => now,
    ...(mayReap ? { mayReap } : {}),
  });
  return { m, advance: (ms: number) => (now += ms), now: () => now };
}

describe('defaultMayReap', () => {
  const ctx = { nowMs: 10_000, idleTtlMs: 1000 };
  it.each([
    [
      'idle here, no shared record',
      { lastActiveMs: 8000, sharedLastActiveMs: undefined, activeConns: 0 },
      true,
    ],
    [
      'idle here, recently active elsewhere',
      { lastActiveMs: 8000, sharedLastActiveMs: 9500, activeConns: 0 },
      false,
    ],
    ['idle everywhere', { lastActiveMs: 8000, sharedLastActiveMs: 8500, activeConns: 0 }, true],
    ['active here', { lastActiveMs: 9800, sharedLastActiveMs: undefined, activeConns: 0 }, false],
    ['connection open', { lastActiveMs: 1, sharedLastActiveMs: undefined, activeConns: 1 }, false],
  ])('%s → %s', (_name, c, expected) => {
    expect(defaultMayReap({ id: 'x', ...c }, ctx)).toBe(expected);
  });
});

describe('SessionManager', () => {
  it('one waiter leaving does not abort a creation others still wait for; the last one leaving does', async () => {
    const backend = new FakeBackend({ ensureDelayMs: 300 });
    const { m } = manager(backend);
    const a = new AbortController();
    const b = new AbortController();
    const pa = m.open('t', a.signal).catch((e: unknown) => e);
    const pb = m.open('t', b.signal);
    a.abort();
    expect(await pa).toMatchObject({ code: 'RequestAborted' });
    const lease = await pb;
    expect(backend.abortedEnsures).toEqual([]);
    lease.release();
    const c = new AbortController();
    const pc = m.open('u', c.signal).catch((e: unknown) => e);
    c.abort();
    expect(await pc).toBeInstanceOf(ProxyError);
    await new Promise((r) => setTimeout(r, 20));
    expect(backend.abortedEnsures).toEqual(['u']);
    expect(m.snapshot().map((s) => s.id)).toEqual(['t']);
    await m.close();
  });

  it('a failed creation is forgotten, so the next caller retries (and the limit is not consumed)', async () => {
    const backend = new FakeBackend();
    let fail = true;
    const ensure = backend.ensure.bind(backend);
    backend.ensure = async (id, signal) => {
      if (fail) throw new Error('backend down');
      return ensure(id, signal);
    };
    const { m } = manager(backend, { maxSandboxes: 1 });
    await expect(m.open('t', AbortSignal.timeout(1000))).rejects.toMatchObject({ code: 'Internal' });
    expect(m.size).toBe(0);
    fail = false;
    const lease = await m.open('other', AbortSignal.timeout(1000));
    expect(lease.endpoint.port).toBeGreaterThan(0);
    lease.release();
    await m.close();
  });

  it('reaping goes through the overridable check, with the shared lastActiveMs from list()', async () => {
    const backend = new FakeBackend();
    const asked: unknown[] = [];
    const { m, advance } = manager(backend, {}, (c) => {
      asked.push({ id: c.id, shared: c.sharedLastActiveMs });
      return c.id === 'b';
    });
    for (const id of ['a', 'b']) (await m.open(id, AbortSignal.timeout(1000))).release();
    await backend.touch('a', 42);
    advance(5000);
    await m.reapOnce();
    expect(asked).toEqual([
      { id: 'a', shared: 42 },
      { id: 'b', shared: undefined },
    ]);
    expect((await backend.list()).map((r) => r.id)).toEqual(['a']);
    await m.close();
  });

  it('another replica touching a sandbox keeps it alive here (default check)', async () => {
    const backend = new FakeBackend();
    const { m, advance, now } = manager(backend);
    (await m.open('shared', AbortSignal.timeout(1000))).release();
    advance(5000);
    await backend.touch('shared', now() - 100); // the other replica served it 100 ms ago
    await m.reapOnce();
    expect(backend.sandboxes.has('shared')).toBe(true);
    advance(2000);
    await m.reapOnce();
    expect(backend.sandboxes.has('shared')).toBe(false);
    await m.close();
  });

  it('a failed delete keeps the session and is retried on the next pass', async () => {
    const backend = new FakeBackend();
    const del = backend.delete.bind(backend);
    let failures = 1;
    backend.delete = async (id) => {
      if (failures-- > 0) throw new Error('API server unavailable');
      return del(id);
    };
    const { m, advance } = manager(backend);
    (await m.open('x', AbortSignal.timeout(1000))).release();
    advance(5000);
    await m.reapOnce();
    expect(m.size).toBe(1);
    expect(backend.sandboxes.has('x')).toBe(true);
    await m.reapOnce();
    expect(m.size).toBe(0);
    expect(backend.sandboxes.has('x')).toBe(false);
    await m.close();
  });

  it('adopts sandboxes that list() reports and forgets ones that vanished', async () => {
    const backend = new FakeBackend();
    await backend.ensure('old', AbortSignal.timeout(1000));
    const { m } = manager(backend);
    await m.start();
    expect(m.snapshot()).toMatchObject([{ id: 'old', state: 'adopted' }]);
    await backend.crash('old');
    await m.reapOnce();
    expect(m.size).toBe(0);
    await m.close();
  });

  it('refuses new connections once draining', async () => {
    const { m } = manager(new FakeBackend());
    expect(await m.drain(100)).toBe(true);
    await expect(m.open('late', AbortSignal.timeout(1000))).rejects.toMatchObject({ code: 'ShuttingDown' });
    await m.close();
  });
});
