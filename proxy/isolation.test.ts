/**
 * Cross-tenant and host-escape attempts against a real proxy on the local backend, with real Chromium (issue 13,
 * targets: zero successes). A victim tenant holds a page whose URL carries a secret query token and a session
 * cookie; an attacker with a valid token of its own tries every path to the victim's browser, to the proxy's ports
 * and to the host. Each row is one path; each must fail, and the controls show the same calls succeed where allowed.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import { mintTenantToken } from '../lib/tenantToken.ts';
import { LocalBackend } from './backends/local.ts';
import { LOCAL_DEFAULTS } from './config.ts';
import { tenantHeaders } from './testing/tenantKey.ts';
import { rawRequest, startTestProxy, testConfig, upgradeRequest } from './testing/testProxy.ts';
import type { AddressInfo } from 'node:net';
import type { RunningProxy } from './app.ts';

const SECRET = `victim-query-secret-${process.pid}`;
const COOKIE = `victim-cookie-${process.pid}`;
const ADMIN_TOKEN = `admin-token-${process.pid}-0123456789abcdef`;

let site: Server;
let siteUrl = '';
/** A loopback service that is not allow-listed and counts every request that reaches it. */
let recorder: Server;
let recorderUrl = '';
let recorderHits = 0;
let proxy: RunningProxy;
let backend: LocalBackend;
let adminDir: string;
let victim: Browser;
let attacker: Browser;
let attackerContext: BrowserContext;
let attackerPage: Page;
/** Where the victim's browser server listens (the proxy's internal endpoint). */
let victimServer = '';

function connect(url: string, headers: Record<string, string>): Promise<Browser> {
  return chromium.connect(url, { headers, timeout: 30_000 });
}

/** Whatever the attacker obtained (body, title, error message): it must never hold a victim marker. */
function leaked(text: string): boolean {
  return text.includes(SECRET) || text.includes(COOKIE);
}

/** Runs an attempt; returns what came back, or the error message. */
async function attempt(fn: () => Promise<string>): Promise<{ ok: boolean; text: string }> {
  try {
    return { ok: true, text: await fn() };
  } catch (err) {
    return { ok: false, text: err instanceof Error ? err.message : String(err) };
  }
}

beforeAll(async () => {
  site = createServer((req, res) => {
    if (req.url?.startsWith('/redirect?to=')) {
      res.writeHead(302, { Location: decodeURIComponent(req.url.slice('/redirect?to='.length)) });
      return res.end();
    }
    // Only the victim's account page sets the session cookie.
    const cookie = req.url?.startsWith('/account') ? { 'Set-Cookie': `session=${COOKIE}; Path=/` } : {};
    res.writeHead(200, { 'Content-Type': 'text/html', ...cookie });
    res.end('<title>site</title><p>public page');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  recorder = createServer((_req, res) => {
    recorderHits++;
    res.end('reached');
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/`;
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  adminDir = mkdtempSync(join(tmpdir(), 'sentinel-isolation-'));
  writeFileSync(join(adminDir, 'admin'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  backend = new LocalBackend(
    { ...LOCAL_DEFAULTS, allowLoopback: [new URL(siteUrl).host] },
    { log: silentLogger },
  );
  proxy = await startTestProxy(testConfig({ server: { adminTokenFile: join(adminDir, 'admin') } }), {
    backend,
  });
  victim = await connect(proxy.server.dataUrl, tenantHeaders('victim'));
  const page = await (await victim.newContext()).newPage();
  await page.goto(`${siteUrl}/account?token=${SECRET}`);
  const ep = await backend.ensure('victim', AbortSignal.timeout(5000)); // idempotent: the existing server
  victimServer = `http://${ep.host}:${ep.port}${ep.wsPath}`;
  attacker = await connect(proxy.server.dataUrl, tenantHeaders('mallory'));
  attackerContext = await attacker.newContext();
  attackerPage = await attackerContext.newPage();
  await attackerPage.goto(`${siteUrl}/`);
}, 120_000);

afterAll(async () => {
  await victim?.close().catch(() => undefined);
  await attacker?.close().catch(() => undefined);
  await proxy?.close();
  site?.close();
  recorder?.close();
  rmSync(adminDir, { recursive: true, force: true });
});

describe('identity: knowing or guessing the victim id gives nothing', () => {
  const forged = (): string => {
    const [v, , exp, sig] = mintTenantToken({ key: 'k'.repeat(40), tenant: 'mallory' }).split('.');
    return `${v}.victim.${exp}.${sig}`;
  };
  it.each([
    ['the victim id in the identity header, no token', () => ({ 'X-Playwright-Id': 'victim' }), 401],
    [
      'own token + the victim id in the identity header',
      () => ({ ...tenantHeaders('mallory'), 'X-Playwright-Id': 'victim' }),
      403,
    ],
    [
      'a token for the victim signed with a guessed key',
      () => ({ Authorization: `Bearer ${mintTenantToken({ key: 'g'.repeat(40), tenant: 'victim' })}` }),
      401,
    ],
    ['own signature pasted onto the victim id', () => ({ Authorization: `Bearer ${forged()}` }), 401],
    ['the victim id as a bearer token', () => ({ Authorization: 'Bearer victim' }), 401],
  ])('%s → refused', async (_name, headers, status) => {
    const reply = await rawRequest(proxy.server.dataPort, upgradeRequest(headers()));
    expect(reply.status).toBe(status);
    expect(leaked(reply.body)).toBe(false);
  });

  it('the admin port lists no tenant ids without the admin token; /metrics names none', async () => {
    const open = await (await fetch(`${proxy.server.adminUrl}/sandboxes`)).text();
    expect(open).not.toContain('victim');
    expect(open).not.toContain('mallory');
    expect(await (await fetch(`${proxy.server.adminUrl}/metrics`)).text()).not.toContain('victim');
    // Control: with the admin token the ids are there, so the check above is meaningful.
    const admin = await fetch(`${proxy.server.adminUrl}/sandboxes`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await admin.text()).toContain('victim');
  });
});

describe("CDP from the attacker's browser", () => {
  it('raw CDP sessions are refused by default (newBrowserCDPSession, newCDPSession)', async () => {
    const browserSession = await attempt(async () => {
      const s = await attacker.newBrowserCDPSession();
      return JSON.stringify(await s.send('Target.getTargets'));
    });
    const pageSession = await attempt(async () => {
      const s = await attackerContext.newCDPSession(attackerPage);
      return JSON.stringify(await s.send('Storage.getCookies' as 'Network.getAllCookies'));
    });
    for (const r of [browserSession, pageSession]) {
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/SandboxPolicy: new(Browser)?CDPSession refused/);
    }
  });

  it('the Playwright API sees only its own browser: contexts, pages, cookies', async () => {
    const urls = attacker.contexts().flatMap((c) => c.pages().map((p) => p.url()));
    const cookies = JSON.stringify(await attackerContext.cookies());
    expect(urls.join(' ')).not.toContain(SECRET);
    expect(leaked(cookies)).toBe(false);
    // Control: the victim's own browser does hold them.
    const mine = victim.contexts()[0] as BrowserContext;
    expect(mine.pages()[0]?.url()).toContain(SECRET);
    expect(JSON.stringify(await mine.cookies())).toContain(COOKIE);
  });
});

describe('the proxy and other sandboxes, from inside a sandbox', () => {
  const adminUrl = (): string => `${proxy.server.adminUrl}/sandboxes`;
  const dataUrl = (): string => `http://127.0.0.1:${proxy.server.dataPort}/json`;
  const localIps = (): string[] =>
    Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .filter((a) => a.family === 'IPv4' && !a.internal)
      .map((a) => a.address);

  const targets: [string, () => string][] = [
    ['a loopback service that is not allow-listed', () => recorderUrl],
    ['admin port', adminUrl],
    ['admin port as localhost', () => adminUrl().replace('127.0.0.1', 'localhost')],
    ['data port', dataUrl],
    ["the victim's browser server", () => victimServer],
    [
      'a redirect from an allowed page to the admin port',
      () => `${siteUrl}/redirect?to=${encodeURIComponent(adminUrl())}`,
    ],
  ];

  it.each(targets)('page.goto(%s) does not reach it', async (_name, url) => {
    const r = await attempt(async () => {
      const res = await attackerPage.goto(url(), { timeout: 15_000 });
      return `${res?.status()} ${await attackerPage.content()}`;
    });
    expect(leaked(r.text)).toBe(false);
    expect(r.text).not.toMatch(/"backends"|"sessions"|Browser|webSocketDebuggerUrl/);
    if (r.ok) expect(r.text).toMatch(/^403 .*SandboxPolicy/s);
  });

  it.each(targets)('fetch(%s) from page script does not reach it', async (_name, url) => {
    await attackerPage.goto(`${siteUrl}/`);
    const r = await attempt(() =>
      attackerPage.evaluate(async (u) => {
        const res = await fetch(u, { mode: 'no-cors' });
        return `${res.status} ${await res.text()}`;
      }, url()),
    );
    expect(leaked(r.text)).toBe(false);
    expect(r.text).not.toMatch(/"backends"|"sessions"|webSocketDebuggerUrl/);
  });

  /** A refusal: an error from the host's socket guard, or the guard proxy's 403 (context.request uses it too). */
  const refused = (r: { ok: boolean; text: string }): void => {
    expect(leaked(r.text)).toBe(false);
    expect(r.text).not.toMatch(/"backends"|"sessions"|webSocketDebuggerUrl/);
    expect(r.text).toMatch(r.ok ? /^403 SandboxPolicy: connecting to .* is not allowed/ : /SandboxPolicy/);
  };

  it.each(targets)(
    'context.request.get(%s) (runs in the sandbox host process) is refused',
    async (_name, url) => {
      const r = await attempt(async () => {
        const res = await attackerContext.request.get(url(), {
          headers: tenantHeaders('victim'),
          timeout: 15_000,
        });
        return `${res.status()} ${await res.text()}`;
      });
      refused(r);
    },
  );

  it("this machine's own non-loopback addresses are refused too (a 0.0.0.0 listener)", async () => {
    for (const ip of localIps()) {
      const r = await attempt(async () => {
        const res = await attackerContext.request.get(`http://${ip}:${proxy.server.adminPort}/`, {
          timeout: 10_000,
        });
        return `${res.status()} ${await res.text()}`;
      });
      refused(r);
    }
  });

  it('no request of the rows above reached the recording loopback service', async () => {
    const img = await attempt(() =>
      attackerPage.evaluate(
        (u) =>
          new Promise<string>((resolve) => {
            const d = (
              globalThis as unknown as {
                document: {
                  createElement: (t: string) => { src: string; onload: unknown; onerror: unknown };
                };
              }
            ).document;
            const i = d.createElement('img');
            i.onload = () => resolve('loaded');
            i.onerror = () => resolve('error');
            i.src = u;
          }),
        recorderUrl,
      ),
    );
    expect(img.text).toBe('error');
    expect(recorderHits).toBe(0);
  });

  it('a per-context proxy that would bypass the guard is refused', async () => {
    const r = await attempt(async () => {
      const c = await attacker.newContext({ proxy: { server: 'direct://' } });
      const p = await c.newPage();
      await p.goto(adminUrl());
      return p.content();
    });
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/SandboxPolicy: newContext refused/);
  });

  it('control: the allow-listed page is reachable by page and by context.request', async () => {
    expect((await attackerPage.goto(`${siteUrl}/`))?.status()).toBe(200);
    expect((await attackerContext.request.get(`${siteUrl}/`)).status()).toBe(200);
  });
});

describe('the host file system', () => {
  const files = (): [string, string][] => [
    ['file:///etc/hostname', 'file:///etc/hostname'],
    ['a directory listing of /tmp', 'file:///tmp/'],
    ["another tenant's profile folder", `file://${backend.rootDir}/`],
    ['view-source of a file', 'view-source:file:///etc/hostname'],
    ['FILE: in capitals', 'FILE:///etc/hostname'],
    ['chrome://version (command line, profile path)', 'chrome://version'],
  ];

  it.each([0, 1, 2, 3, 4, 5])(
    'page.goto(file case %i) is refused before it reaches the browser',
    async (i) => {
      const [name, url] = files()[i] as [string, string];
      const r = await attempt(() => attackerPage.goto(url).then(() => attackerPage.content()));
      expect(r.ok, name).toBe(false);
      expect(r.text).toMatch(/SandboxPolicy: goto refused/);
    },
  );

  it('file: inside page content (iframe, window.open) does not load', async () => {
    await attackerPage.goto(`${siteUrl}/`);
    await attackerPage.setContent('<iframe src="file:///etc/hostname"></iframe>', {
      waitUntil: 'domcontentloaded',
      timeout: 10_000,
    });
    const popup = attackerContext.waitForEvent('page', { timeout: 5000 }).catch(() => undefined);
    await attackerPage.evaluate(() => {
      (globalThis as unknown as { open: (u: string) => unknown }).open('file:///etc/hostname');
    });
    const opened = await popup;
    await attackerPage.waitForTimeout(500);
    // Chromium refuses file: from a web page ("Not allowed to load local resource"): no frame or popup gets there.
    const urls = [...attackerPage.frames().map((f) => f.url()), opened?.url() ?? ''];
    for (const u of urls) expect(u.startsWith('file:')).toBe(false);
    await opened?.close();
  });

  it('a script on a fresh about:blank page cannot navigate itself to file:', async () => {
    const fresh = await attackerContext.newPage();
    await fresh.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'file:///etc/hostname';
    });
    await fresh.waitForTimeout(500);
    expect(fresh.url().startsWith('file:')).toBe(false);
    await fresh.close();
  });

  it('context.request cannot read files', async () => {
    const r = await attempt(async () => (await attackerContext.request.get('file:///etc/hostname')).text());
    expect(r.ok).toBe(false);
  });

  it('sandbox folders are private (0700)', () => {
    expect(statSync(backend.rootDir).mode & 0o777).toBe(0o700);
    const dirs = readdirSync(backend.rootDir);
    expect(dirs.length).toBeGreaterThanOrEqual(2);
    for (const d of dirs) expect(statSync(join(backend.rootDir, d)).mode & 0o777).toBe(0o700);
  });
});

describe('with raw CDP allowed (PROXY_ALLOW_CDP=true): still one browser per tenant', () => {
  let cdpProxy: RunningProxy;
  let a: Browser;
  let b: Browser;

  beforeAll(async () => {
    const local = new LocalBackend(
      { ...LOCAL_DEFAULTS, allowLoopback: [new URL(siteUrl).host] },
      { log: silentLogger },
    );
    cdpProxy = await startTestProxy(testConfig({ server: { allowCdp: true } }), { backend: local });
    a = await connect(cdpProxy.server.dataUrl, tenantHeaders('victim'));
    await (await (await a.newContext()).newPage()).goto(`${siteUrl}/account?token=${SECRET}`);
    b = await connect(cdpProxy.server.dataUrl, tenantHeaders('mallory'));
    await (await (await b.newContext()).newPage()).goto(`${siteUrl}/`);
  }, 120_000);

  afterAll(async () => {
    await a?.close().catch(() => undefined);
    await b?.close().catch(() => undefined);
    await cdpProxy?.close();
  });

  it('Target.getTargets and Storage.getCookies in the attacker browser show none of the victim', async () => {
    const session = await b.newBrowserCDPSession();
    const targets = JSON.stringify(await session.send('Target.getTargets'));
    const contexts = (await session.send('Target.getBrowserContexts')).browserContextIds;
    const cookies = await Promise.all(
      [undefined, ...contexts].map(async (id) =>
        JSON.stringify(await session.send('Storage.getCookies', id ? { browserContextId: id } : {})),
      ),
    );
    expect(leaked(targets)).toBe(false);
    for (const c of cookies) expect(leaked(c)).toBe(false);
    // Control: the same calls in the victim's browser do find them.
    const own = await a.newBrowserCDPSession();
    expect(JSON.stringify(await own.send('Target.getTargets'))).toContain(SECRET);
    const ownContexts = (await own.send('Target.getBrowserContexts')).browserContextIds;
    const ownCookies = await Promise.all(
      ownContexts.map(async (id) =>
        JSON.stringify(await own.send('Storage.getCookies', { browserContextId: id })),
      ),
    );
    expect(ownCookies.join(' ')).toContain(COOKIE);
  });
});
