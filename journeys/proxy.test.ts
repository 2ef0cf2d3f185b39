/**
 * Journeys through the real proxy (`sentinel proxy --backend local`, a child process reached over the wire) with real
 * Chromium: each fault of the fault app is detected canary vs stable, none is found healthy vs healthy, and the
 * proxy's own failures (sandbox limit, proxy down) are `error`s that make the comparison inconclusive.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJourneySpec } from './parse.ts';
import { runPaired } from './paired.ts';
import { runJourneys } from './runner.ts';
import { FAULTS, SHOP_SPEC_YAML, startFaultApp, type Fault, type FaultApp } from './testing/faultApp.ts';
import { startProxyProcess, type ProxyProcess } from '../lib/proxyProcess.ts';
import type { BrowserSource } from './types.ts';

// 2 s per step instead of 3 s: a missing element costs less waiting; the slow step (800 ms) still fits.
const spec = parseJourneySpec(SHOP_SPEC_YAML.replace('stepTimeoutMs: 3000', 'stepTimeoutMs: 2000'));
let proxy: ProxyProcess;
let healthy: FaultApp;
let healthy2: FaultApp;
const faulty = new Map<Fault, FaultApp>();

function viaProxy(p: ProxyProcess = proxy): Extract<BrowserSource, { kind: 'proxy' }> {
  return { kind: 'proxy', wsEndpoint: p.dataUrl, token: p.token, backends: ['local'] };
}

/** Polls `cond` every 100 ms for at most `ms` (a bound on waiting, not a timing assertion). */
async function eventually(cond: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

beforeAll(async () => {
  healthy = await startFaultApp();
  healthy2 = await startFaultApp();
  for (const f of FAULTS) faulty.set(f, await startFaultApp({ faults: [f], slowMs: 800, seed: 1 }));
  const apps = [healthy, healthy2, ...faulty.values()];
  proxy = await startProxyProcess({
    identity: 'token',
    warmPool: 1,
    idleTtl: '2s',
    allowLoopback: apps.map((a) => a.url.replace('http://', '')),
  });
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([healthy, healthy2, ...faulty.values()].map((a) => a?.close()));
});

describe('each fault is detected through the proxy, canary vs stable', () => {
  // seed 1 makes loads 2 and 6 of the canary "unlucky" users (page error + failed journey) — 2 of 6, deterministic.
  it.each([
    [
      'throwingButton',
      /new on the canary \(2 of 6 runs\): page Cannot read properties of undefined \(reading 'items'\)/,
    ],
    ['slowStep', /step 4 \(expect testId="cart" text ~ "1 item"\) slower: p50 \d+ ms vs \d+ ms/],
    [
      'consoleError',
      /new on the canary \(6 of 6 runs\): console price widget failed to render: template missing/,
    ],
    ['xhr500', /new on the canary \(6 of 6 runs\): request GET \{baseUrl\}\/api\/price → 500/],
    [
      'missingElement',
      /pass rate 0 % on the canary vs 100 % on the stable .*step 2 \(expect testId="promo" visible\) failed/,
    ],
  ] as const)(
    '%s',
    async (fault, reason) => {
      const report = await runPaired(spec, {
        browser: viaProxy(),
        canary: faulty.get(fault)!.url,
        stable: healthy.url,
        repeat: 6,
      });
      expect(report.backends.map((b) => [b.backend, b.status])).toEqual([['local', 'ok']]);
      expect(report.backends[0]?.tenantId).toMatch(/^journey-/);
      const c = report.backends[0]!.journeys[0]!;
      expect(c.stable).toMatchObject({ runs: 6, passed: 6, errors: 0 });
      expect(c.canary.errors).toBe(0);
      expect(report.verdict).toBe('regression');
      expect(c.reasons.join('\n')).toMatch(reason);
    },
    120_000,
  );

  it('healthy vs healthy: no regression', async () => {
    const report = await runPaired(spec, {
      browser: viaProxy(),
      canary: healthy2.url,
      stable: healthy.url,
      repeat: 6,
    });
    const c = report.backends[0]!.journeys[0]!;
    expect(c.reasons).toEqual([]);
    expect(report.verdict).toBe('no_regression');
    expect([c.stable.passed, c.canary.passed]).toEqual([6, 6]);
  }, 120_000);

  it('with signed tenant tokens (header identity): the runs use the token’s own tenant and pass', async () => {
    const signed = await startProxyProcess({
      identity: 'header',
      signedTenant: 'journey-signed',
      allowLoopback: [healthy.url.replace('http://', ''), healthy2.url.replace('http://', '')],
    });
    try {
      const report = await runPaired(spec, {
        browser: viaProxy(signed),
        canary: healthy2.url,
        stable: healthy.url,
        repeat: 2,
      });
      const backend = report.backends[0]!;
      expect(backend.runs.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
      expect(backend.tenantId).toBe('journey-signed');
    } finally {
      await signed.stop();
    }
  }, 120_000);

  it('leaves no connection behind, and the idle sandboxes are reaped', async () => {
    expect(await eventually(async () => (await proxy.metric('playwright_active_connections')) === 0)).toBe(
      true,
    );
    expect(await eventually(async () => (await proxy.metric('playwright_sessions_active')) === 0)).toBe(true);
  }, 30_000);
});

describe('sentinel journey through the proxy', () => {
  it('run --proxy --token-file --backend local → exit 0, the backend in the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journey-cli-proxy-'));
    try {
      writeFileSync(join(dir, 'shop.yaml'), SHOP_SPEC_YAML);
      writeFileSync(join(dir, 'token'), `${proxy.token}\n`);
      const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'sentinel.js');
      const args = ['journey', 'run', '--spec', join(dir, 'shop.yaml'), '--base-url', healthy.url];
      args.push('--proxy', proxy.dataUrl, '--token-file', join(dir, 'token'), '--backend', 'local');
      const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(process.execPath, [bin, ...args], (err, stdout) =>
          resolve({ code: err ? Number(err.code) : 0, stdout }),
        ),
      );
      expect(r.stdout).toMatch(/local\s+add to cart\s+\(journey\)\s+100%/);
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the proxy’s failures are errors → inconclusive, never a regression', () => {
  it('at its sandbox limit (503) → every run `error` (sandbox_limit), verdict inconclusive', async () => {
    const small = await startProxyProcess({
      identity: 'token',
      maxSandboxes: 1,
      allowLoopback: [healthy.url.replace('http://', '')],
    });
    // Another tenant holds the only sandbox.
    const holder = await chromium.connect(small.dataUrl, {
      headers: { Authorization: `Bearer ${small.token}`, 'X-Playwright-Id': 'holder' },
    });
    try {
      const report = await runPaired(spec, {
        browser: viaProxy(small),
        canary: healthy.url,
        stable: healthy.url,
        repeat: 3,
      });
      expect(report.verdict).toBe('inconclusive');
      expect(report.backends[0]?.status).toBe('error');
      const kinds = new Set(report.backends[0]!.runs.map((r) => `${r.status}/${r.errorKind}`));
      expect([...kinds]).toEqual(['error/sandbox_limit']);
      expect(report.backends[0]?.journeys[0]?.outcome).toBe('inconclusive');
    } finally {
      await holder.close();
      await small.stop();
    }
  }, 60_000);

  it('the proxy down → `error` (connect), verdict inconclusive', async () => {
    const gone = await startProxyProcess();
    const source = viaProxy(gone);
    await gone.stop();
    const report = await runPaired(spec, {
      browser: source,
      canary: healthy.url,
      stable: healthy.url,
      repeat: 3,
    });
    expect(report.verdict).toBe('inconclusive');
    expect(report.backends[0]!.runs.every((r) => r.status === 'error' && r.errorKind === 'connect')).toBe(
      true,
    );
    expect(report.backends[0]!.runs[0]?.reason).toMatch(
      /could not connect to the proxy at ws:\/\/127\.0\.0\.1:\d+\/ \(backend local\): .*ECONNREFUSED/,
    );
  }, 60_000);

  it('a wrong token → `error` (connect) naming the refusal; the token is not in the report', async () => {
    const report = await runJourneys(spec, {
      browser: { ...viaProxy(), token: 'wrong-token-123' },
      baseUrl: healthy.url,
    });
    const run = report.backends[0]!.runs[0]!;
    expect(run).toMatchObject({ status: 'error', errorKind: 'connect' });
    expect(run.reason).toMatch(/401 Unauthorized/);
    expect(JSON.stringify(report)).not.toContain('wrong-token-123');
  }, 60_000);
});
