/** `sentinel journey` as a user runs it: the real binary, a browser server, the fault app; exit codes and output. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserServer } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../lib/chromium.ts';
import { SHOP_SPEC_YAML, startFaultApp, type FaultApp } from './testing/faultApp.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'sentinel.js');
let server: BrowserServer;
let healthy: FaultApp;
let broken: FaultApp;
let dir: string;
let spec: string;

function sentinel(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'journey', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `compare` of the shop spec, 3 runs per side, through `browserWs` (default: the test's browser server). */
function compareArgs(canary: string, stable: string, browserWs = server.wsEndpoint()): string[] {
  return [
    'compare',
    '--spec',
    spec,
    '--canary',
    canary,
    '--stable',
    stable,
    '--browser-ws',
    browserWs,
    '--repeat',
    '3',
  ];
}

beforeAll(async () => {
  server = await chromium.launchServer({ executablePath: findChromium(), host: '127.0.0.1' });
  healthy = await startFaultApp();
  broken = await startFaultApp({ faults: ['missingElement'] });
  dir = mkdtempSync(join(tmpdir(), 'journey-cli-'));
  spec = join(dir, 'shop.yaml');
  // Healthy steps take milliseconds, but a loaded CI machine can stretch one past the shipped 3 s and fail a healthy
  // run; the broken side waits out every step timeout, so this is also what the regression cases cost (3 runs × 2).
  writeFileSync(spec, SHOP_SPEC_YAML.replace('stepTimeoutMs: 3000', 'stepTimeoutMs: 5000'));
});

afterAll(async () => {
  await server?.close();
  await healthy?.close();
  await broken?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sentinel journey', () => {
  it('run, all passing → exit 0 and a table of steps with pass rate and p50/p95', async () => {
    const r = await sentinel(
      'run',
      '--spec',
      spec,
      '--base-url',
      healthy.url,
      '--browser-ws',
      server.wsEndpoint(),
      '--repeat',
      '2',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend\s+journey\s+step\s+pass\s+p50 ms\s+p95 ms/);
    expect(r.stdout).toMatch(/direct\s+add to cart\s+\(journey\)\s+100%/);
    expect(r.stdout).toMatch(/3\. click role=button "Add to cart"\s+100%\s+\d+\s+\d+/);
  }, 60_000);

  it('compare with a regression → exit 1, the verdict and why; --json is one object', async () => {
    const args = compareArgs(broken.url, healthy.url);
    const table = await sentinel(...args);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/verdict: regression — 3 runs per side/);
    expect(table.stdout).toMatch(
      /REGRESSION direct \/ add to cart: pass rate 0 % on the canary vs 100 % on the stable/,
    );
    const json = await sentinel(...args, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'regression',
      repeat: 3,
      backends: [{ backend: 'direct' }],
    });
  }, 90_000);

  it('compare healthy vs healthy → exit 0', async () => {
    const r = await sentinel(...compareArgs(healthy.url, healthy.url));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/verdict: no_regression/);
  }, 90_000);

  it('the browser server unreachable → exit 2 (inconclusive)', async () => {
    const r = await sentinel(...compareArgs(healthy.url, healthy.url, 'ws://127.0.0.1:1/'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/verdict: inconclusive/);
  }, 60_000);

  it.each([
    [
      'a missing flag',
      ['compare', '--spec', 'x.yaml', '--canary', 'http://a'],
      /--stable\) = \(unset\): required/,
    ],
    [
      'an unreadable spec',
      ['run', '--spec', '/nonexistent.yaml', '--base-url', 'http://a'],
      /\/nonexistent\.yaml is not a valid journey spec:\n {2}- the file cannot be read: ENOENT/,
    ],
    ['an unknown subcommand', ['frobnicate'], /unknown subcommand "frobnicate"/],
    [
      '--backend without --proxy',
      ['run', '--spec', 'x', '--base-url', 'http://a', '--backend', 'local'],
      /--backend needs --proxy/,
    ],
  ])('%s → exit 3 with a message', async (_n, args, message) => {
    const r = await sentinel(...args);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
  });

  it('a bad spec → exit 3 naming journey, step and field', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'journeys:\n  - name: j\n    steps:\n      - { action: click, locator: { xpath: "//a" } }\n',
    );
    const r = await sentinel('run', '--spec', bad, '--base-url', healthy.url);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/journey "j" step 1 \(click\) field "locator": unknown field "xpath"/);
  });

  it('schema prints the committed JSON Schema', async () => {
    const r = await sentinel('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).title).toBe('rollout-sentinel journey spec');
  });
});
