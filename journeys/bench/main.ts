/**
 * @module journeys/bench/main — `npm run bench:journeys`: the four figures of issue 9, printed with their targets.
 *
 *  1. a 5-step journey through the proxy (local backend, warm) vs the same journey on a direct browser server;
 *  2. wall time of 10 paired runs (canary + stable) through the local backend with a warm pool;
 *  3. the runner's peak RSS with 10 concurrent journeys (browsers run in other processes, so they are excluded);
 *  4. detection: each fault of the fault app over `--iterations` paired runs, and false regressions healthy vs healthy.
 *
 * Flags: --iterations N (paired runs per fault, default 20), --repeat N (runs per side, default 10), --seed N (the
 * throwing button's draws, default 7), --skip-detection.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { findChromium } from '../../lib/chromium.ts';
import { boolOption, defineOptions, intOption, loadOptions } from '../../lib/config.ts';
import { quantile } from '../../lib/stats/exact.ts';
import { parseJourneySpec } from '../parse.ts';
import { runPaired } from '../paired.ts';
import { runJourneys } from '../runner.ts';
import { FAULTS, SHOP_SPEC_YAML, startFaultApp, type FaultApp } from '../testing/faultApp.ts';
import { startProxyProcess, type ProxyProcess } from '../../lib/proxyProcess.ts';
import type { BrowserSource, JourneyRun } from '../types.ts';

const OPTIONS = defineOptions({
  iterations: {
    env: 'BENCH_ITERATIONS',
    flag: '--iterations',
    schema: intOption(20, 1, 1000),
    description: 'paired runs per fault',
  },
  repeat: {
    env: 'BENCH_REPEAT',
    flag: '--repeat',
    schema: intOption(10, 1, 100),
    description: 'runs per side per paired run',
  },
  seed: {
    env: 'BENCH_SEED',
    flag: '--seed',
    schema: intOption(7, 0, 2 ** 31),
    description: 'seed of the throwing button’s unlucky users (the draws replay exactly)',
  },
  skipDetection: {
    env: 'BENCH_SKIP_DETECTION',
    flag: '--skip-detection',
    boolean: true,
    schema: boolOption(false),
    description: 'skip figure 4 (the slow one)',
  },
});

// The shop journey with a shorter step timeout, so a missing element costs 1.5 s rather than 3 s per canary run.
const spec = parseJourneySpec(SHOP_SPEC_YAML.replace('stepTimeoutMs: 3000', 'stepTimeoutMs: 1500'));

const run = promisify(execFile);
const median = (xs: readonly number[]): number => quantile(xs, 0.5);
const line = (label: string, value: string, target: string, ok: boolean): void =>
  console.log(`${label.padEnd(58)} ${value.padEnd(26)} target ${target.padEnd(10)} ${ok ? 'ok' : 'MISSED'}`);

/** Runs after the first of each call (the first includes connecting and the sandbox bind). */
function warmDurations(runs: readonly JourneyRun[]): number[] {
  return runs.filter((r) => r.status === 'passed' && r.attempt > 1).map((r) => r.durationMs);
}

async function proxyVsDirect(proxyAt: BrowserSource, app: FaultApp): Promise<void> {
  const server = await chromium.launchServer({ executablePath: findChromium(), host: '127.0.0.1' });
  try {
    const direct: BrowserSource = { kind: 'direct', wsEndpoint: server.wsEndpoint() };
    const via: number[] = [];
    const dir: number[] = [];
    // Alternate blocks so both see the same load; one context at a time.
    for (let block = 0; block < 6; block++) {
      for (const [source, out] of [
        [proxyAt, via],
        [direct, dir],
      ] as const) {
        const r = await runJourneys(spec, { browser: source, baseUrl: app.url, repeat: 6, concurrency: 1 });
        out.push(...warmDurations(r.backends[0]?.runs ?? []));
      }
    }
    const ratio = median(via) / median(dir);
    line(
      '1. 5-step journey, proxy (local, warm) / direct',
      `${ratio.toFixed(3)}× (${median(via).toFixed(0)} / ${median(dir).toFixed(0)} ms, n=${via.length}/${dir.length})`,
      '≤ 1.15×',
      ratio <= 1.15,
    );
  } finally {
    await server.close();
  }
}

async function pairedWallTime(browser: BrowserSource, a: FaultApp, b: FaultApp): Promise<void> {
  const t0 = performance.now();
  const report = await runPaired(spec, { browser, canary: a.url, stable: b.url, repeat: 10 });
  const s = (performance.now() - t0) / 1000;
  const errors = report.backends[0]?.runs.filter((r) => r.status !== 'passed').length ?? 0;
  line(
    '2. 10 paired runs (canary + stable), local backend, warm pool',
    `${s.toFixed(1)} s (${errors} not passed)`,
    '< 30 s',
    s < 30,
  );
}

/** In a child process (see memory.ts), so the figure is the runner's alone. */
async function runnerMemory(proxy: ProxyProcess, app: FaultApp): Promise<void> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'memory.ts');
  const { stdout } = await run(process.execPath, [script, proxy.dataUrl, proxy.token, app.url]);
  const m = JSON.parse(stdout) as { beforeMb: number; peakMb: number; passed: number };
  line(
    '3. runner RSS, 10 concurrent journeys (browsers excluded)',
    `${m.peakMb.toFixed(0)} MB peak (${m.beforeMb.toFixed(0)} MB at start; ${m.passed}/10 passed)`,
    '< 200 MB',
    m.peakMb < 200,
  );
}

interface Apps {
  healthy: FaultApp;
  healthy2: FaultApp;
  faulty: Map<string, FaultApp>;
}

async function detection(
  browser: BrowserSource,
  apps: Apps,
  o: { iterations: number; repeat: number },
): Promise<void> {
  const { healthy, healthy2, faulty } = apps;
  for (const [fault, app] of faulty) {
    let hits = 0;
    let inconclusive = 0;
    const t0 = performance.now();
    for (let i = 0; i < o.iterations; i++) {
      const r = await runPaired(spec, { browser, canary: app.url, stable: healthy.url, repeat: o.repeat });
      if (r.verdict === 'regression') hits++;
      if (r.verdict === 'inconclusive') inconclusive++;
    }
    const need = Math.ceil((19 / 20) * o.iterations);
    line(
      `4. detected: ${fault}`,
      `${hits}/${o.iterations} (${inconclusive} inconclusive, ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      `≥ ${need}/${o.iterations}`,
      hits >= need,
    );
  }
  let falses = 0;
  let inconclusive = 0;
  for (let i = 0; i < o.iterations; i++) {
    const r = await runPaired(spec, { browser, canary: healthy2.url, stable: healthy.url, repeat: o.repeat });
    if (r.verdict === 'regression') {
      falses++;
      console.log(
        `   false regression: ${r.backends.flatMap((b) => b.journeys.flatMap((j) => j.reasons)).join('; ')}`,
      );
    }
    if (r.verdict === 'inconclusive') inconclusive++;
  }
  line(
    '4. false regressions, healthy vs healthy',
    `${falses}/${o.iterations} (${inconclusive} inconclusive)`,
    '0',
    falses === 0,
  );
}

/** Runs the bench; resolves to the exit code (0 even when a target is missed: the figures are the output). */
export async function main(argv: string[]): Promise<number> {
  const { options: o } = loadOptions(OPTIONS, { env: {}, argv });
  const healthy = await startFaultApp();
  const healthy2 = await startFaultApp();
  const faulty = new Map<string, FaultApp>();
  for (const f of FAULTS) faulty.set(f, await startFaultApp({ faults: [f], seed: o.seed }));
  const apps = [healthy, healthy2, ...faulty.values()];
  let proxy: ProxyProcess | undefined;
  try {
    proxy = await startProxyProcess({
      identity: 'token',
      warmPool: 2,
      allowLoopback: apps.map((a) => a.url.replace('http://', '')),
    });
    const browser: BrowserSource = {
      kind: 'proxy',
      wsEndpoint: proxy.dataUrl,
      token: proxy.token,
      backends: ['local'],
    };
    // Warm-up: the proxy's pool, Chromium's caches, this process's JIT.
    await runJourneys(spec, { browser, baseUrl: healthy.url, repeat: 3 });
    console.log(
      `journeys bench — node ${process.version}, ${new Date().toISOString()}, detection: ${o.iterations} paired runs × ${o.repeat} per side`,
    );
    await proxyVsDirect(browser, healthy);
    await pairedWallTime(browser, healthy2, healthy);
    await runnerMemory(proxy, healthy);
    if (!o.skipDetection) await detection(browser, { healthy, healthy2, faulty }, o);
    return 0;
  } finally {
    await proxy?.stop();
    await Promise.all(apps.map((a) => a.close()));
  }
}

process.exitCode = await main(process.argv.slice(2));
