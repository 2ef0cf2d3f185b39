/**
 * The runner against real Chromium (a `launchServer` browser server, no proxy) and the fault app: what a run
 * records, and each way a run can go wrong — app failures are `failed`, infrastructure failures are `error`.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserServer } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../lib/chromium.ts';
import { JourneyOptionsError } from './errors.ts';
import { parseJourneySpec } from './parse.ts';
import { runJourneys } from './runner.ts';
import { startFaultApp, SHOP_SPEC_YAML, type FaultApp } from './testing/faultApp.ts';
import type { AddressInfo } from 'node:net';
import type { JourneyRun, RunOptions } from './types.ts';

let server: BrowserServer;
let healthy: FaultApp;
let faulty: FaultApp;
let artifacts: string;

beforeAll(async () => {
  server = await chromium.launchServer({ executablePath: findChromium(), host: '127.0.0.1' });
  healthy = await startFaultApp();
  faulty = await startFaultApp({ faults: ['consoleError', 'xhr500', 'missingElement'] });
});

afterAll(async () => {
  await server?.close();
  await healthy?.close();
  await faulty?.close();
});

afterEach(() => {
  if (artifacts) rmSync(artifacts, { recursive: true, force: true });
});

function direct(): RunOptions['browser'] {
  return { kind: 'direct', wsEndpoint: server.wsEndpoint() };
}

async function runOne(yaml: string, over: Partial<RunOptions> = {}): Promise<JourneyRun> {
  const report = await runJourneys(parseJourneySpec(yaml), {
    browser: direct(),
    baseUrl: healthy.url,
    ...over,
  });
  expect(report.backends).toHaveLength(1);
  return report.backends[0]!.runs[0]!;
}

const journey = (steps: string, extra = ''): string => `journeys:\n  - name: j\n${extra}    steps:\n${steps}`;

describe('a passing run', () => {
  it('records steps, document status, timing and vitals; saves no artifacts', async () => {
    artifacts = mkdtempSync(join(tmpdir(), 'journey-art-'));
    const report = await runJourneys(parseJourneySpec(SHOP_SPEC_YAML), {
      browser: direct(),
      baseUrl: healthy.url,
      repeat: 2,
      artifactsDir: artifacts,
    });
    expect(report.backends[0]).toMatchObject({ backend: 'direct', status: 'ok' });
    const runs = report.backends[0]!.runs;
    expect(runs.map((r) => [r.status, r.attempt])).toEqual([
      ['passed', 1],
      ['passed', 2],
    ]);
    const r = runs[0]!;
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(r.steps[2]?.label).toBe('click role=button "Add to cart"');
    expect(r.steps.every((s) => s.durationMs > 0)).toBe(true);
    expect(r.documentStatus).toBe(200);
    expect(r.consoleErrors).toEqual([]);
    expect(r.failedRequests).toEqual([]);
    expect(r.navigation?.loadMs).toBeGreaterThan(0);
    expect(r.vitals?.cls).toBe(0);
    expect(r.vitals?.lcpMs).toBeGreaterThan(0);
    expect(readdirSync(artifacts)).toEqual([]);
  });
});

describe('what a failing run records', () => {
  it('console errors, failed requests as templates, the failing step, screenshot and trace', async () => {
    artifacts = mkdtempSync(join(tmpdir(), 'journey-art-'));
    const r = await runOne(SHOP_SPEC_YAML, { baseUrl: faulty.url, artifactsDir: artifacts });
    expect(r.status).toBe('failed');
    expect(r.failedStep).toBe(2);
    expect(r.reason).toMatch(
      /^step 2 \(expect testId="promo" visible\) failed: testId="promo" did not become visible within 3000 ms/,
    );
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(r.consoleErrors).toContain('price widget failed to render: template missing');
    expect(r.failedRequests).toContainEqual({ method: 'GET', template: '{baseUrl}/api/price', status: 500 });
    expect(existsSync(r.artifacts.screenshot!)).toBe(true);
    expect(existsSync(r.artifacts.trace!)).toBe(true);
    expect(r.artifacts.trace).toMatch(
      new RegExp(`^${artifacts}/direct/add-to-cart-1-[0-9a-f]{6}/trace\\.zip$`),
    );
  });

  it('a page error from a throwing handler', async () => {
    const unlucky = await startFaultApp({ faults: ['throwingButton'], throwFraction: 1 });
    try {
      const r = await runOne(SHOP_SPEC_YAML, { baseUrl: unlucky.url });
      expect(r.status).toBe('failed');
      expect(r.failedStep).toBe(4);
      expect(r.pageErrors).toEqual([
        expect.stringMatching(/Cannot read properties of undefined \(reading 'items'\)/),
      ]);
    } finally {
      await unlucky.close();
    }
  });
});

describe('bad targets and slow pages are the app’s failures', () => {
  it('the target down → failed at goto, naming the network error', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((r) => dead.close(r));
    const r = await runOne(journey('      - { action: goto, url: / }\n'), { baseUrl: url });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/step 1 \(goto \/\) failed: .*net::ERR_CONNECTION_REFUSED/);
  });

  it('a page that never finishes loading → the goto step times out', async () => {
    const r = await runOne(journey('      - { action: goto, url: /never, timeoutMs: 1000 }\n'));
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/step 1 \(goto \/never\) failed: page.goto: Timeout 1000ms exceeded/);
  });

  it('a journey that would exceed its deadline → failed, naming the deadline', async () => {
    // Each cart round trip takes 800 ms: the second no longer fits in the journey's 1500 ms.
    const slow = await startFaultApp({ faults: ['slowStep'], slowMs: 800 });
    try {
      const cart = `      - { action: goto, url: / }\n      - { action: click, locator: { css: "#add" } }\n      - { action: expect, locator: { testId: cart }, text: 1 item }\n`;
      const r = await runOne(
        journey(
          `      - { action: goto, url: / }\n${cart}${cart}${cart}`,
          '    timeoutMs: 1500\n    stepTimeoutMs: 5000\n',
        ),
        { baseUrl: slow.url },
      );
      expect(r.status).toBe('failed');
      expect(r.reason).toMatch(/journey deadline of 1500 ms exceeded (at|before) step [5-9]/);
      expect(r.durationMs).toBeLessThan(5000);
    } finally {
      await slow.close();
    }
  });
});

describe('infrastructure failures are errors, never failed journeys', () => {
  it('the whole call’s deadline → remaining runs are `error` (deadline)', async () => {
    const yaml = journey(
      '      - { action: goto, url: / }\n      - { action: waitFor, locator: { css: "#nope" }, timeoutMs: 20000 }\n',
    );
    const report = await runJourneys(parseJourneySpec(yaml), {
      browser: direct(),
      baseUrl: healthy.url,
      repeat: 3,
      concurrency: 1,
      deadlineMs: 1500,
    });
    const runs = report.backends[0]!.runs;
    expect(runs.map((r) => [r.status, r.errorKind])).toEqual([
      ['error', 'deadline'],
      ['error', 'deadline'],
      ['error', 'deadline'],
    ]);
    expect(report.backends[0]?.status).toBe('error');
    expect(report.durationMs).toBeLessThan(10_000);
  });

  it('the browser crashing mid-journey → `error` (sandbox_crash); the next run and a later call cannot reconnect → `error`', async () => {
    const own = await chromium.launchServer({ executablePath: findChromium(), host: '127.0.0.1' });
    let killed: Promise<void> | undefined;
    const app = await startFaultApp({ onHang: () => void (killed = own.kill()) });
    try {
      const yaml = journey('      - { action: goto, url: /hang, timeoutMs: 20000 }\n');
      const options = {
        browser: { kind: 'direct', wsEndpoint: own.wsEndpoint() },
        baseUrl: app.url,
        repeat: 2,
        concurrency: 1,
      } as const;
      const report = await runJourneys(parseJourneySpec(yaml), options);
      const [first, second] = report.backends[0]!.runs;
      expect(first).toMatchObject({ status: 'error', errorKind: 'sandbox_crash' });
      expect(first?.reason).toMatch(/went away during the journey \(step 1, goto \/hang\)/);
      // The next run starts while the server is still shutting down: its connection is either refused (`connect`) or
      // lost with the dying browser (`sandbox_crash`) — an infrastructure error either way, never a failed journey.
      expect(second?.status).toBe('error');
      expect(['connect', 'sandbox_crash']).toContain(second?.errorKind);
      // Once the server is gone, a run cannot connect at all.
      await killed;
      const later = (await runJourneys(parseJourneySpec(yaml), { ...options, repeat: 1 })).backends[0]!
        .runs[0];
      expect(later).toMatchObject({ status: 'error', errorKind: 'connect' });
      expect(later?.reason).toMatch(/could not connect to the browser server at ws:\/\/127\.0\.0\.1/);
    } finally {
      await app.close();
      await own.close().catch(() => undefined);
    }
  });

  it.each([
    [503, 'sandbox_limit', /at its sandbox limit \(503\)/],
    [400, 'connect', /400 Bad Request/],
  ] as const)(
    'a proxy refusing the upgrade with %i → `error` (%s); sends tenant, token, backend and extra headers',
    async (status, kind, message) => {
      const seen: Record<string, string | string[] | undefined>[] = [];
      const stub: Server = createServer();
      stub.on('upgrade', (req, socket) => {
        seen.push(req.headers);
        socket.end(
          `HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : 'Bad Request'}\r\ncontent-type: application/json\r\n\r\n{"error":"x"}`,
        );
      });
      await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
      try {
        const report = await runJourneys(parseJourneySpec(SHOP_SPEC_YAML), {
          browser: {
            kind: 'proxy',
            wsEndpoint: `ws://127.0.0.1:${(stub.address() as AddressInfo).port}/`,
            backends: ['local', 'sandboxClaim'],
            token: (tenant) => `signed-${tenant}`,
            tenantHeader: 'X-Tenant',
            headers: { 'X-Trace': 't1' },
          },
          baseUrl: healthy.url,
        });
        expect(report.backends.map((b) => [b.backend, b.status])).toEqual([
          ['local', 'error'],
          ['sandboxClaim', 'error'],
        ]);
        for (const b of report.backends) {
          expect(b.runs[0]).toMatchObject({ status: 'error', errorKind: kind });
          expect(b.runs[0]?.reason).toMatch(message);
          expect(b.runs[0]?.reason).not.toContain('signed-');
        }
        const [a, b] = [seen[0]!, seen.at(-1)!];
        expect(a['x-sentinel-backend']).toBe('local');
        expect(b['x-sentinel-backend']).toBe('sandboxClaim');
        expect(a['x-tenant']).toMatch(/^journey-[0-9a-f]{10}$/);
        expect(b['x-tenant']).not.toBe(a['x-tenant']);
        expect(a.authorization).toBe(`Bearer signed-${a['x-tenant'] as string}`);
        expect(a['x-trace']).toBe('t1');
      } finally {
        await new Promise((r) => stub.close(r));
      }
    },
  );
});

describe('a proxy that keeps refusing', () => {
  it('is asked 3 times, then the remaining runs fail at once with the same error', async () => {
    let upgrades = 0;
    const stub: Server = createServer();
    stub.on('upgrade', (_req, socket) => {
      upgrades++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    try {
      const wsEndpoint = `ws://127.0.0.1:${(stub.address() as AddressInfo).port}/`;
      const report = await runJourneys(parseJourneySpec(SHOP_SPEC_YAML), {
        browser: { kind: 'proxy', wsEndpoint },
        baseUrl: healthy.url,
        repeat: 8,
        concurrency: 1,
      });
      expect(upgrades).toBe(3);
      expect(report.backends[0]!.runs.map((r) => r.errorKind)).toEqual(Array(8).fill('sandbox_limit'));
    } finally {
      await new Promise((r) => stub.close(r));
    }
  });
});

describe('secrets and options', () => {
  it('secret values never appear in a run, and a journey using one records no trace', async () => {
    artifacts = mkdtempSync(join(tmpdir(), 'journey-art-'));
    const yaml = `variables:\n  qty: { env: SHOP_QTY }\n${journey('      - { action: goto, url: / }\n      - { action: fill, locator: { label: Quantity }, value: "{{qty}}" }\n      - { action: expect, locator: { css: "#qty" }, value: "x{{qty}}", timeoutMs: 500 }\n')}`;
    const r = await runOne(yaml, { env: { SHOP_QTY: 'pa55w0rd-42' }, artifactsDir: artifacts });
    expect(r.status).toBe('failed');
    expect(JSON.stringify(r)).not.toContain('pa55w0rd-42');
    expect(r.reason).toContain('[redacted]');
    expect(r.artifacts.screenshot).toBeDefined();
    expect(r.artifacts.trace).toBeUndefined();
  });

  it.each([
    ['a bad base URL', { baseUrl: 'shop:8080' }, /is not an http\(s\) URL/],
    ['an unknown journey', { journeys: ['nope'] }, /No journey named "nope"/],
    [
      'a bad endpoint',
      { browser: { kind: 'direct', wsEndpoint: 'http://x' } },
      /is not a ws:\/\/ or wss:\/\/ URL/,
    ],
    ['a bad repeat', { repeat: 0 }, /repeat must be an integer/],
  ] as const)('%s → JourneyOptionsError before anything runs', async (_n, over, message) => {
    const p = runJourneys(parseJourneySpec(SHOP_SPEC_YAML), {
      browser: direct(),
      baseUrl: healthy.url,
      ...over,
    } as RunOptions);
    await expect(p).rejects.toThrow(JourneyOptionsError);
    await expect(p).rejects.toThrow(message);
  });
});
