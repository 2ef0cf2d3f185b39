/** @module proxy/bench/client — one measured client run, and the page it loads (served on loopback). */
import { createServer, type Server } from 'node:http';
import { chromium } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../lib/log.ts';
import type { RunningProxy } from '../app.ts';
import { benchHeaders } from './proxyConfig.ts';
import type { Sample } from './stats.ts';

/** A small page the bench serves on 127.0.0.1, so `goto_ms` measures the browser, not a network. */
export async function startPageServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const body = '<!doctype html><title>sentinel bench</title><h1>hello</h1><p>' + 'x'.repeat(2000) + '</p>';
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A measured client whose browser connection is still open. */
export interface OpenClient {
  sample: Sample;
  close(): Promise<void>;
}

/**
 * `chromium.connect` → `newContext` + `newPage` → `goto(page)`, timed per phase like the reference bench
 * (connect_ms includes identity, ensure and both WebSocket handshakes). The connection stays open until `close()`.
 */
export async function openClient(
  wsUrl: string,
  opts: { headers?: Record<string, string>; pageUrl: string; timeoutMs: number },
): Promise<OpenClient> {
  const t0 = performance.now();
  const browser = await chromium.connect(wsUrl, { headers: opts.headers ?? {}, timeout: opts.timeoutMs });
  const close = (): Promise<void> => browser.close().catch(() => undefined);
  try {
    const t1 = performance.now();
    const page = await (await browser.newContext()).newPage();
    const t2 = performance.now();
    const res = await page.goto(opts.pageUrl, { timeout: opts.timeoutMs });
    const t3 = performance.now();
    if (res?.status() !== 200) throw new Error(`page answered ${res?.status()}`);
    return {
      sample: { connect_ms: t1 - t0, newPage_ms: t2 - t1, goto_ms: t3 - t2, total_ms: t3 - t0 },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** {@link openClient}, then close the browser (untimed). */
export async function measureClient(
  wsUrl: string,
  opts: { headers?: Record<string, string>; pageUrl: string; timeoutMs: number },
): Promise<Sample> {
  const c = await openClient(wsUrl, opts);
  await c.close();
  return c.sample;
}

/** {@link measureClient} as tenant `id` through `proxy`'s data port (the bench's signed tenant headers). */
export function through(
  proxy: RunningProxy,
  id: string,
  opts: { pageUrl: string; timeoutMs: number },
): Promise<Sample> {
  return measureClient(proxy.server.dataUrl, {
    headers: benchHeaders(id),
    pageUrl: opts.pageUrl,
    timeoutMs: opts.timeoutMs,
  });
}

/** Runs `fn` and records its sample in `samples`, or logs the failure; resolves to the failures counted (0 or 1). */
export async function attempt(samples: Sample[], fn: () => Promise<Sample>, log: Logger): Promise<number> {
  try {
    samples.push(await fn());
    return 0;
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'bench iteration failed');
    return 1;
  }
}
