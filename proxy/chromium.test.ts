/**
 * The proxy with the real local backend: real Chromium (playwright-core launchServer) and real WebSockets, plus the
 * `sentinel proxy` process itself for signal handling. Each test checks that no process or folder is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import { LocalBackend } from './backends/local.ts';
import { pidsMentioning } from './backends/local/processes.ts';
import { LOCAL_DEFAULTS } from './config.ts';
import { tenantHeaders, testKeyFile } from './testing/tenantKey.ts';
import { startTestProxy, testConfig, waitFor } from './testing/testProxy.ts';
import type { AddressInfo } from 'node:net';
import type { RunningProxy } from './app.ts';

let page: Server;
let pageUrl = '';
/** The page server, the one loopback service the sandboxes may reach. */
let allowLoopback: string[] = [];

beforeAll(async () => {
  page = createServer((_req, res) => res.end('<title>sentinel</title><p>hello'));
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  allowLoopback = [new URL(pageUrl).host];
});
afterAll(() => page.close());

function connect(url: string, id: string): Promise<Browser> {
  return chromium.connect(url, { headers: tenantHeaders(id), timeout: 30_000 });
}

async function title(browser: Browser): Promise<string> {
  const p = await (await browser.newContext()).newPage();
  await p.goto(pageUrl);
  return p.title();
}

/** Processes mentioning `root`, and sandbox folders (sbx-… inside each backend root) still on disk. */
function leftovers(root: string): { processes: number; folders: number } {
  const backends = existsSync(root) ? readdirSync(root).map((d) => join(root, d)) : [];
  const folders = backends.reduce((n, d) => n + (existsSync(d) ? readdirSync(d).length : 0), 0);
  return { processes: pidsMentioning(root).length, folders };
}

describe('in-process proxy on the local backend', () => {
  let proxy: RunningProxy | undefined;
  let backend: LocalBackend;

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    expect(await waitFor(() => leftovers(backend.rootDir).processes === 0)).toBe(true);
  });

  it('gives each tenant its own browser server; same tenant reuses it', async () => {
    backend = new LocalBackend({ ...LOCAL_DEFAULTS, allowLoopback }, { log: silentLogger });
    proxy = await startTestProxy(testConfig(), { backend });
    const a = await connect(proxy.server.dataUrl, 'alice');
    const b = await connect(proxy.server.dataUrl, 'bob');
    expect(await title(a)).toBe('sentinel');
    expect(await title(b)).toBe('sentinel');
    await a.close();
    const again = await connect(proxy.server.dataUrl, 'alice');
    expect(await title(again)).toBe('sentinel');
    expect((await backend.list()).map((r) => r.id).sort()).toEqual(['alice', 'bob']);
    expect(backend.processCount).toBe(2);
    await Promise.all([again.close(), b.close()]);
  });

  it('a crashed sandbox: the client is disconnected, the next connection gets a fresh sandbox', async () => {
    backend = new LocalBackend({ ...LOCAL_DEFAULTS, allowLoopback }, { log: silentLogger });
    proxy = await startTestProxy(testConfig(), { backend });
    const first = await connect(proxy.server.dataUrl, 'crashy');
    const disconnected = new Promise<void>((r) => first.once('disconnected', () => r()));
    const browsers = pidsMentioning(backend.rootDir).filter((pid) => pid !== process.pid);
    expect(browsers.length).toBeGreaterThan(0);
    for (const pid of browsers) process.kill(pid, 'SIGKILL');
    await disconnected;
    expect(await waitFor(async () => (await backend.list()).length === 0)).toBe(true);
    const second = await connect(proxy.server.dataUrl, 'crashy');
    expect(await title(second)).toBe('sentinel');
    const m = await proxy.metrics.registry.metrics();
    expect(m).toContain('playwright_sessions_created_total{backend="local",outcome="ok"} 2');
    await second.close();
  });

  it('the sandbox limit with real browsers: the third tenant gets 503, the first two work', async () => {
    backend = new LocalBackend({ ...LOCAL_DEFAULTS, allowLoopback }, { log: silentLogger });
    proxy = await startTestProxy(testConfig({ sessions: { maxSandboxes: 2 } }), { backend });
    const a = await connect(proxy.server.dataUrl, 'one');
    const b = await connect(proxy.server.dataUrl, 'two');
    const err = await connect(proxy.server.dataUrl, 'three').catch((e: Error) => e);
    expect(String(err)).toMatch(/503 Service Unavailable/);
    expect(String(err)).toMatch(/SandboxLimitReached/);
    expect(backend.processCount).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('the sentinel proxy process', () => {
  const bin = join(import.meta.dirname, '..', 'bin', 'sentinel.js');
  let child: ChildProcess | undefined;
  let root = '';

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of pidsMentioning(root)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  async function startCli(
    extraEnv: Record<string, string> = {},
  ): Promise<{ url: string; exited: Promise<number | null> }> {
    root = mkdtempSync(join(tmpdir(), 'sentinel-cli-test-'));
    child = spawn(process.execPath, [bin, 'proxy'], {
      env: {
        PATH: process.env.PATH,
        PROXY_HOST: '127.0.0.1',
        PROXY_PORT: '0',
        PROXY_ADMIN_PORT: '0',
        PROXY_LOCAL_SANDBOX_DIR: root,
        PROXY_LOCAL_ALLOW_LOOPBACK: allowLoopback.join(','),
        PROXY_IDENTITY_KEY_FILE: testKeyFile(),
        PROXY_DRAIN_TIMEOUT: '500ms',
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`proxy did not start: ${stderr}`)), 20_000);
      child?.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        const m = /data (ws:\/\/\S+)/.exec(stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    return { url, exited };
  }

  it('SIGTERM with live sessions: clients are disconnected, exit code 0, no process or folder left', async () => {
    const { url, exited } = await startCli();
    const a = await connect(url, 'live-a');
    const b = await connect(url, 'live-b');
    expect(await title(a)).toBe('sentinel');
    expect(leftovers(root).processes).toBeGreaterThanOrEqual(2);
    const gone = Promise.all([a, b].map((x) => new Promise<void>((r) => x.once('disconnected', () => r()))));
    child?.kill('SIGTERM');
    await gone;
    expect(await exited).toBe(0);
    expect(await waitFor(() => leftovers(root).processes === 0)).toBe(true);
    expect(leftovers(root).folders).toBe(0);
    expect(readdirSync(root)).toEqual([]); // a clean exit removes the backend's root folder too
  });

  it('SIGKILL of the proxy: the browser servers notice and exit on their own', async () => {
    const { url, exited } = await startCli();
    const a = await connect(url, 'orphan');
    expect(await title(a)).toBe('sentinel');
    child?.kill('SIGKILL');
    await exited;
    expect(await waitFor(() => leftovers(root).processes === 0, 10_000)).toBe(true);
    // Each host removes its own sandbox folder; only the proxy's empty root folder may remain.
    expect(await waitFor(() => leftovers(root).folders === 0, 5000)).toBe(true);
    await a.close().catch(() => undefined);
  });
});
