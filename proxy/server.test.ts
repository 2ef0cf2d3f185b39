import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './testing/fakeSandbox.ts';
import {
  closed,
  openWs,
  rawRequest,
  startTestProxy,
  testConfig,
  upgradeRequest,
  waitFor,
} from './testing/testProxy.ts';
import { mintTenantToken } from '../lib/tenantToken.ts';
import { tenantHeaders } from './testing/tenantKey.ts';
import type { RunningProxy } from './app.ts';

let proxy: RunningProxy | undefined;
let backend: FakeBackend;

async function start(
  over: Parameters<typeof testConfig>[0] = {},
  backendOpts: ConstructorParameters<typeof FakeBackend>[0] = {},
): Promise<RunningProxy> {
  backend = new FakeBackend(backendOpts);
  proxy = await startTestProxy(testConfig(over), { backend });
  return proxy;
}

/** Nothing left: no session, no connection through the proxy, no socket at any sandbox. */
async function expectNothingLeft(p: RunningProxy, sandboxes = 0): Promise<void> {
  expect(await waitFor(async () => (await p.server.openConnections()) === 0)).toBe(true);
  expect(await waitFor(() => p.sessions.activeConnections === 0)).toBe(true);
  expect(await backend.list()).toHaveLength(sandboxes);
  for (const sb of backend.sandboxes.values()) expect(await waitFor(() => sb.openSockets === 0)).toBe(true);
}

function metric(p: RunningProxy, text: string): Promise<boolean> {
  return p.metrics.registry.metrics().then((m) => m.includes(text));
}

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('bad input is refused fast, before any backend call', () => {
  const otherKey = 'x'.repeat(48);
  const token = (tenant: string, ttlMs = 60_000, key?: string): Record<string, string> =>
    key
      ? { Authorization: `Bearer ${mintTenantToken({ key, tenant, ttlMs })}` }
      : tenantHeaders(tenant, ttlMs);
  it.each([
    ['no token', {}, 401, 'MissingTenantToken'],
    ['a guessed tenant id without a token', { 'X-Playwright-Id': 'alice' }, 401, 'MissingTenantToken'],
    ['a bearer that is not a tenant token', { Authorization: 'Bearer alice' }, 401, 'InvalidTenantToken'],
    ['a token signed with another key', token('alice', 60_000, otherKey), 401, 'InvalidTenantToken'],
    ['an expired token', token('alice', -1000), 401, 'InvalidTenantToken'],
    [
      'a token valid longer than PROXY_TOKEN_MAX_TTL',
      token('alice', 48 * 3_600_000),
      401,
      'InvalidTenantToken',
    ],
    [
      'a token whose tenant differs from the id header',
      { ...token('alice'), 'X-Playwright-Id': 'bob' },
      403,
      'TenantMismatch',
    ],
    ['an unknown backend', { ...token('alice'), 'X-Sentinel-Backend': 'docker' }, 400, 'UnknownBackend'],
  ])('%s → upgrade refused', async (_name, headers, status, code) => {
    const p = await start();
    const reply = await rawRequest(p.server.dataPort, upgradeRequest(headers));
    expect(reply.status).toBe(status);
    expect(JSON.parse(reply.body)).toMatchObject({ error: code });
    expect(JSON.parse(reply.body).hint).toBeTruthy();
    // Not a speed test (the bench measures that): only that nothing slow, like a lookup poll, is waited for.
    expect(reply.ms).toBeLessThan(1000);
    expect(backend.ensureCalls).toEqual([]);
    await expectNothingLeft(p);
  });

  it('an unknown backend names the valid ones', async () => {
    const p = await start();
    const reply = await rawRequest(
      p.server.dataPort,
      upgradeRequest({ ...tenantHeaders('alice'), 'X-Sentinel-Backend': 'docker' }),
    );
    expect(JSON.parse(reply.body).message).toMatch(/Backend "docker" .* valid: fake \(default fake\)/);
  });

  it('plain HTTP without a token → 401 JSON', async () => {
    const p = await start();
    const reply = await rawRequest(
      p.server.dataPort,
      'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body).error).toBe('MissingTenantToken');
  });

  it('oversized headers → 431 HeadersTooLarge, connection closed', async () => {
    const p = await start({ server: { maxHeaderBytes: 2048 } });
    const reply = await rawRequest(
      p.server.dataPort,
      upgradeRequest({ ...tenantHeaders('alice'), 'X-Big': 'x'.repeat(4096) }),
    );
    expect(reply.status).toBe(431);
    expect(JSON.parse(reply.body).error).toBe('HeadersTooLarge');
    expect(backend.ensureCalls).toEqual([]);
    expect(await metric(p, 'playwright_proxy_errors_total{kind="HeadersTooLarge",backend="none"} 1')).toBe(
      true,
    );
    await expectNothingLeft(p);
  });
});

describe('WebSocket relay', () => {
  it('relays text and binary both ways, strips the identity header, counts bytes', async () => {
    const p = await start();
    const ws = await openWs(p.server.dataUrl, 'alice');
    const echoed = new Promise<string[]>((resolve) => {
      const got: string[] = [];
      ws.on('message', (d, bin) => {
        got.push(`${bin ? 'bin' : 'txt'}:${d.toString()}`);
        if (got.length === 2) resolve(got);
      });
    });
    ws.send('hello');
    ws.send(Buffer.from('bytes'));
    expect(await echoed).toEqual(['txt:hello', 'bin:bytes']);
    const seen = backend.sandboxes.get('alice')?.seen[0] ?? {};
    expect(seen['x-playwright-id']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    ws.close(1000, 'bye');
    expect(await closed(ws)).toEqual({ code: 1000, reason: 'bye' });
    expect(await metric(p, 'playwright_bytes_transferred_total{direction="c2b",backend="fake"} 10')).toBe(
      true,
    );
    expect(await metric(p, 'playwright_bytes_transferred_total{direction="b2c",backend="fake"} 10')).toBe(
      true,
    );
    expect(await metric(p, 'playwright_requests_total{protocol="ws",code="101",backend="fake"} 1')).toBe(
      true,
    );
    await expectNothingLeft(p, 1);
  });

  it('with wsCompression=playwright: negotiates permessage-deflate and relays large messages intact', async () => {
    const p = await start({ server: { wsCompression: 'playwright' } });
    const ws = await openWs(p.server.dataUrl, 'zip');
    expect(ws.extensions).toContain('permessage-deflate');
    const big = 'playwright '.repeat(4000);
    const echoed = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send(big);
    expect(await echoed).toBe(big);
    ws.close();
    await expectNothingLeft(p, 1);
  });

  it('N concurrent first connections for one id make exactly one sandbox (single-flight)', async () => {
    const p = await start({}, { ensureDelayMs: 200 });
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openWs(p.server.dataUrl, 'bob')));
    expect(backend.ensureCalls).toEqual(['bob']);
    expect(p.sessions.activeConnections).toBe(10);
    for (const ws of sockets) ws.close();
    await expectNothingLeft(p, 1);
  });

  it('the sandbox closing its WebSocket with a code → the client gets that code and reason', async () => {
    const p = await start();
    const first = await openWs(p.server.dataUrl, 'carol');
    first.close();
    await closed(first);
    const sb = backend.sandboxes.get('carol');
    if (sb) sb.behaviour = { kind: 'closeAfterFirst', code: 4001, reason: 'sandbox says bye' };
    const ws = await openWs(p.server.dataUrl, 'carol');
    ws.send('x');
    expect(await closed(ws)).toEqual({ code: 4001, reason: 'sandbox says bye' });
    await expectNothingLeft(p, 1);
  });

  it('the sandbox dropping the connection without a close frame → 1014 UpstreamClosed', async () => {
    const p = await start();
    const first = await openWs(p.server.dataUrl, 'dave');
    first.close();
    await closed(first);
    const sb = backend.sandboxes.get('dave');
    if (sb) sb.behaviour = { kind: 'dropAfterFirst' };
    const ws = await openWs(p.server.dataUrl, 'dave');
    ws.send('x');
    const c = await closed(ws);
    expect(c.code).toBe(1014);
    expect(c.reason).toMatch(/^UpstreamClosed: /);
    await expectNothingLeft(p, 1);
  });

  it('the sandbox refusing the upgrade (not 101) → 502 UpstreamRejected, not counted as a connection', async () => {
    const p = await start();
    const first = await openWs(p.server.dataUrl, 'erin');
    first.close();
    await closed(first);
    const sb = backend.sandboxes.get('erin');
    if (sb) sb.behaviour = { kind: 'reject', status: 428 };
    const err = await openWs(p.server.dataUrl, 'erin').catch((e: { status: number; body: string }) => e);
    expect(err).toMatchObject({ status: 502 });
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({ error: 'UpstreamRejected' });
    expect((err as { body: string }).body).toContain('HTTP 428');
    expect(await metric(p, 'playwright_requests_total{protocol="ws",code="101",backend="fake"} 1')).toBe(
      true,
    );
    await expectNothingLeft(p, 1);
  });

  it('a crashed sandbox (endpoint refuses connections) → the next connection gets a fresh one', async () => {
    const p = await start();
    const first = await openWs(p.server.dataUrl, 'frank');
    const gone = closed(first);
    await backend.crash('frank');
    expect((await gone).code).toBe(1014);
    const ws = await openWs(p.server.dataUrl, 'frank');
    ws.send('again');
    expect((await new Promise((r) => ws.once('message', r)))?.toString()).toBe('again');
    expect(backend.ensureCalls).toEqual(['frank', 'frank']);
    expect(await metric(p, 'playwright_backend_dial_failures_total{backend="fake"} 1')).toBe(true);
    ws.close();
    await expectNothingLeft(p, 1);
  });
});

describe('sessions under pressure', () => {
  it('the sandbox limit → 503 SandboxLimitReached with Retry-After; existing tenants still served', async () => {
    const p = await start({ sessions: { maxSandboxes: 2 } });
    const a = await openWs(p.server.dataUrl, 'a1');
    const b = await openWs(p.server.dataUrl, 'a2');
    const reply = await rawRequest(p.server.dataPort, upgradeRequest(tenantHeaders('a3')));
    expect(reply.status).toBe(503);
    expect(reply.head).toMatch(/Retry-After: 1/);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'SandboxLimitReached' });
    expect(backend.ensureCalls.sort()).toEqual(['a1', 'a2']);
    const again = await openWs(p.server.dataUrl, 'a1');
    for (const ws of [a, b, again]) ws.close();
    await expectNothingLeft(p, 2);
  });

  it('ensure exceeding its deadline → 504 EnsureTimeout; the backend call is aborted; no sandbox left', async () => {
    const p = await start({ sessions: { ensureTimeoutMs: 200 } }, { ensureDelayMs: 5000 });
    const reply = await rawRequest(p.server.dataPort, upgradeRequest(tenantHeaders('slow')));
    expect(reply.status).toBe(504);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'EnsureTimeout' });
    expect(reply.ms).toBeLessThan(1500);
    expect(backend.abortedEnsures).toEqual(['slow']);
    expect(p.sessions.size).toBe(0);
    expect(
      await metric(p, 'playwright_session_ensure_duration_seconds_count{backend="fake",outcome="timeout"} 1'),
    ).toBe(true);
    await expectNothingLeft(p);
  });

  it('a client disconnecting mid-upgrade aborts the creation of its sandbox and leaves nothing', async () => {
    const p = await start({}, { ensureDelayMs: 2000 });
    await rawRequest(p.server.dataPort, upgradeRequest(tenantHeaders('quitter')), 150).catch(() => undefined);
    expect(await waitFor(() => backend.abortedEnsures.includes('quitter'))).toBe(true);
    expect(p.sessions.size).toBe(0);
    expect(await metric(p, 'playwright_proxy_errors_total{kind="RequestAborted",backend="fake"} 1')).toBe(
      true,
    );
    await expectNothingLeft(p);
  });

  it('the idle reaper deletes sandboxes without connections after the TTL, and keeps busy ones', async () => {
    const p = await start({ sessions: { idleTtlMs: 100, idleCheckIntervalMs: 50 } });
    const idle = await openWs(p.server.dataUrl, 'idle');
    idle.close();
    await closed(idle);
    const busy = await openWs(p.server.dataUrl, 'busy');
    expect(await waitFor(() => !backend.sandboxes.has('idle'), 3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect([...backend.sandboxes.keys()]).toEqual(['busy']);
    expect(backend.shared.get('busy')).toBeGreaterThan(0); // touched while busy, for other replicas
    expect(await metric(p, 'playwright_sessions_reaped_total{reason="idle",backend="fake"} 1')).toBe(true);
    busy.close();
    expect(await waitFor(() => backend.sandboxes.size === 0, 3000)).toBe(true);
  });
});

describe('HTTP forwarding', () => {
  it('forwards method, path and body; strips hop-by-hop and identity headers both ways', async () => {
    const p = await start();
    const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: p.server.dataPort,
            path: '/json/version?x=1',
            headers: {
              ...tenantHeaders('http1'),
              'X-Sentinel-Backend': 'fake',
              Connection: 'close, x-secret-hop',
              'x-secret-hop': '1',
              'x-keep': 'k',
            },
          },
          (r) => {
            let body = '';
            r.on('data', (b: Buffer) => (body += b.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('fake');
    const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/json/version?x=1');
    expect(seen.headers['x-keep']).toBe('k');
    expect(seen.headers['x-secret-hop']).toBeUndefined();
    expect(seen.headers['x-playwright-id']).toBeUndefined();
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seen.headers['x-sentinel-backend']).toBeUndefined();
    expect(await metric(p, 'playwright_requests_total{protocol="http",code="200",backend="fake"} 1')).toBe(
      true,
    );
    await expectNothingLeft(p, 1);
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, drains, closes live WebSockets with 1001, deletes sandboxes (delete policy)', async () => {
    const p = await start({ server: { drainTimeoutMs: 300 } });
    const ws = await openWs(p.server.dataUrl, 'live');
    const wsClosed = closed(ws);
    const ready = await fetch(`${p.server.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    const closing = p.close();
    const c = await wsClosed;
    expect(c.code).toBe(1001);
    expect(c.reason).toMatch(/^ShuttingDown/);
    await closing;
    proxy = undefined;
    expect(backend.deleted).toEqual(['live']);
    expect(backend.closed).toBe(true);
    expect(await backend.list()).toEqual([]);
    await expect(openWs(p.server.dataUrl, 'late')).rejects.toThrow();
  });

  it('keep policy leaves sandboxes for the next proxy, which adopts them via list()', async () => {
    backend = new FakeBackend();
    const first = await startTestProxy(testConfig({ sessions: { shutdownSandboxes: 'keep' } }), {
      backend: Object.assign(backend, { close: async () => undefined }),
    });
    const ws = await openWs(first.server.dataUrl, 'kept');
    ws.close();
    await closed(ws);
    await first.close();
    expect(await backend.list()).toEqual([{ id: 'kept', lastActiveMs: expect.any(Number) }]);
    proxy = await startTestProxy(testConfig(), { backend });
    expect(proxy.sessions.snapshot()).toMatchObject([{ id: 'kept', state: 'adopted' }]);
    const again = await openWs(proxy.server.dataUrl, 'kept');
    expect(backend.sandboxes.size).toBe(1);
    again.close();
  });
});

describe('start-up', () => {
  it('a port in use → ListenFailed with a hint; the backend is closed again', async () => {
    const first = await start();
    const second = new FakeBackend();
    const err = await startTestProxy(testConfig({ server: { port: first.server.dataPort } }), {
      backend: second,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ListenFailed' });
    expect(String((err as Error).message)).toMatch(/EADDRINUSE/);
    expect((err as { hint: string }).hint).toMatch(/Another process uses this port/);
    expect(second.closed).toBe(true);
  });
});

describe('several backends behind one proxy (X-Sentinel-Backend)', () => {
  it('routes per header, absent → the default; sessions are per (backend, tenant); metrics carry the backend', async () => {
    const a = new FakeBackend({ kind: 'alpha' });
    const b = new FakeBackend({ kind: 'beta' });
    backend = a;
    const p = (proxy = await startTestProxy(testConfig(), { backends: [a, b] }));
    const viaDefault = await openWs(p.server.dataUrl, 'carol');
    const viaBeta = await openWs(p.server.dataUrl, 'carol', { 'X-Sentinel-Backend': 'beta' });
    const viaAlpha = await openWs(p.server.dataUrl, 'carol', { 'x-sentinel-backend': 'ALPHA' });
    expect(a.ensureCalls).toEqual(['carol']); // the second alpha connection reuses the session
    expect(b.ensureCalls).toEqual(['carol']);
    expect(a.sandboxes.size).toBe(1);
    expect(b.sandboxes.size).toBe(1);
    const m = await p.metrics.registry.metrics();
    expect(m).toContain('playwright_requests_total{protocol="ws",code="101",backend="alpha"} 2');
    expect(m).toContain('playwright_requests_total{protocol="ws",code="101",backend="beta"} 1');
    expect(m).toContain('playwright_sessions_active{backend="beta"} 1');
    for (const ws of [viaDefault, viaBeta, viaAlpha]) ws.close();
  });

  it('/readyz reports each backend; an unreachable non-default backend does not make the proxy unready', async () => {
    const a = new FakeBackend({ kind: 'alpha' });
    const b = new FakeBackend({ kind: 'beta' });
    b.listError = 'API server down';
    backend = a;
    const p = (proxy = await startTestProxy(testConfig(), { backends: [a, b] }));
    const res = await fetch(`${p.server.adminUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ready: true,
      defaultBackend: 'alpha',
      backends: { alpha: { ok: true }, beta: { ok: false, error: 'API server down' } },
    });
    a.listError = 'gone';
    await p.sessions.reapOnce();
    expect((await fetch(`${p.server.adminUrl}/readyz`)).status).toBe(503);
  });
});

describe('admin port', () => {
  it('/sandboxes without an admin token shows counts only; /metrics never names a tenant', async () => {
    const p = await start();
    const ws = await openWs(p.server.dataUrl, 'secret-tenant');
    const res = await fetch(`${p.server.adminUrl}/sandboxes`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({
      backends: [{ kind: 'fake', sessions: 1, byState: { ready: 1 } }],
    });
    expect(text).not.toContain('secret-tenant');
    expect(await p.metrics.registry.metrics()).not.toContain('secret-tenant');
    const wrong = await fetch(`${p.server.adminUrl}/sandboxes`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('secret-tenant');
    ws.close();
  });

  it('/sandboxes with the admin token lists tenants per backend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-admin-'));
    const file = join(dir, 'admin');
    writeFileSync(file, '# admin tokens\nadmin-token-for-tests-0123456789\n', { mode: 0o600 });
    try {
      const p = await start({ server: { adminTokenFile: file } });
      const ws = await openWs(p.server.dataUrl, 'listed');
      const res = await fetch(`${p.server.adminUrl}/sandboxes`, {
        headers: { Authorization: 'Bearer admin-token-for-tests-0123456789' },
      });
      expect(await res.json()).toMatchObject({
        backends: [
          { kind: 'fake', sessions: [{ id: 'listed', state: 'ready' }], backend: [{ id: 'listed' }] },
        ],
      });
      ws.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
