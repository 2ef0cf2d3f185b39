/**
 * @module proxy/bench/scenarios — cold / warm / restore through an in-process proxy on the local backend, and the
 * `direct` baseline (same client, straight to a browser server). Warm runs of every target are interleaved, so the
 * proxy's overhead is a ratio measured side by side on the same machine at the same time.
 */
import { componentLogger, type Logger } from '../../lib/log.ts';
import { startProxy, type RunningProxy } from '../app.ts';
import { LocalBackend } from '../backends/local.ts';
import { LOCAL_DEFAULTS } from '../config.ts';
import { rawRequest, upgradeRequest } from '../testing/testProxy.ts';
import { attempt, measureClient, through } from './client.ts';
import { benchProxyConfig, loopbackEntry } from './proxyConfig.ts';
import { quantile, summarise, type BenchRow, type Sample } from './stats.ts';

export interface ScenarioOptions {
  iterations: number;
  /** Warm-pool size of the pooled variant (0 = run only the pool-less variant). */
  warmPool: number;
  pageUrl: string;
  timeoutMs: number;
  chromiumPath: string | undefined;
  wsCompression: 'off' | 'playwright';
  log: Logger;
}

/** A proxy on its own local backend, for one variant (`local`, `local+pool2`). */
interface Target {
  name: string;
  proxy: RunningProxy;
  backend: LocalBackend;
}

async function startTarget(name: string, warmPool: number, opts: ScenarioOptions): Promise<Target> {
  const cfg = {
    ...LOCAL_DEFAULTS,
    warmPool,
    allowLoopback: loopbackEntry(opts.pageUrl),
    ...(opts.chromiumPath ? { chromiumPath: opts.chromiumPath } : {}),
  };
  const backend = new LocalBackend(cfg, { log: opts.log });
  const proxy = await startProxy(
    benchProxyConfig({
      wsCompression: opts.wsCompression,
      shutdownSandboxes: 'delete',
      drainTimeoutMs: 1000,
      allowLoopback: loopbackEntry(opts.pageUrl),
    }),
    {
      log: opts.log,
      backend,
      defaultMetrics: false,
    },
  );
  return { name, proxy, backend };
}

/** cold: a tenant with no sandbox (with a pool: the pool is full first, as it would be in steady state). */
async function cold(t: Target, opts: ScenarioOptions): Promise<BenchRow> {
  const samples: Sample[] = [];
  let failures = 0;
  for (let i = 0; i < opts.iterations; i++) {
    await t.backend.waitForPool(AbortSignal.timeout(120_000));
    const id = `cold-${i}`;
    failures += await attempt(samples, () => through(t.proxy, id, opts), opts.log);
    await t.proxy.sessions.remove(id);
  }
  return summarise(t.name, 'cold', samples, failures);
}

/** restore: the sandbox is removed out of band (behind the proxy's back), then the tenant reconnects. */
async function restore(t: Target, opts: ScenarioOptions): Promise<BenchRow> {
  const samples: Sample[] = [];
  let failures = 0;
  const id = 'restore';
  await through(t.proxy, id, opts);
  for (let i = 0; i < opts.iterations; i++) {
    await t.backend.delete(id);
    await t.backend.waitForPool(AbortSignal.timeout(120_000));
    failures += await attempt(samples, () => through(t.proxy, id, opts), opts.log);
  }
  await t.proxy.sessions.remove(id);
  return summarise(t.name, 'restore', samples, failures);
}

/** warm for every target and the direct baseline, interleaved per iteration (rotating the order). */
async function warmInterleaved(
  targets: Target[],
  direct: LocalBackend,
  opts: ScenarioOptions,
): Promise<BenchRow[]> {
  const ep = await direct.ensure('direct', AbortSignal.timeout(120_000));
  const directUrl = `ws://${ep.host}:${ep.port}${ep.wsPath}`;
  const runs: { name: string; run: () => Promise<Sample> }[] = [
    {
      name: 'direct',
      run: () => measureClient(directUrl, { pageUrl: opts.pageUrl, timeoutMs: opts.timeoutMs }),
    },
    ...targets.map((t) => ({ name: t.name, run: () => through(t.proxy, 'warm', opts) })),
  ];
  // Prime: create the sandboxes and warm both sides' code paths; not measured. Then let the warm pools refill, so
  // no browser launches in the background while warm runs are timed.
  for (const r of runs) await r.run();
  for (const t of targets) await t.backend.waitForPool(AbortSignal.timeout(120_000));
  const samples = new Map(runs.map((r) => [r.name, [] as Sample[]]));
  const failures = new Map(runs.map((r) => [r.name, 0]));
  // Warm runs are cheap (~0.1 s) and their ratio to direct is the figure that matters, on a noisy shared machine:
  // five times the iterations.
  for (let i = 0; i < opts.iterations * 5; i++) {
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(i + k) % runs.length] as (typeof runs)[number];
      const failed = await attempt(samples.get(r.name) as Sample[], r.run, opts.log);
      failures.set(r.name, (failures.get(r.name) ?? 0) + failed);
    }
  }
  return runs.map((r) => summarise(r.name, 'warm', samples.get(r.name) ?? [], failures.get(r.name) ?? 0));
}

/** How long the proxy takes to refuse an upgrade without a tenant id (median and p95 over `n`, ms). */
async function rejectLatency(t: Target, n: number): Promise<{ median: number; p95: number; status: number }> {
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < n; i++) {
    const reply = await rawRequest(t.proxy.server.dataPort, upgradeRequest());
    status = reply.status;
    times.push(reply.ms);
  }
  return { median: quantile(times, 0.5) ?? NaN, p95: quantile(times, 0.95) ?? NaN, status };
}

/** The default bench's results: the table rows and the rejection latency. */
export interface ScenarioResults {
  rows: BenchRow[];
  reject: { median: number; p95: number; status: number };
}

/** Every row of the default bench. Starts and stops its own proxies and backends. */
export async function runScenarios(opts: ScenarioOptions): Promise<ScenarioResults> {
  const log = componentLogger(opts.log, 'proxy.bench');
  const o = { ...opts, log };
  const direct = new LocalBackend(
    {
      ...LOCAL_DEFAULTS,
      allowLoopback: loopbackEntry(opts.pageUrl),
      ...(opts.chromiumPath ? { chromiumPath: opts.chromiumPath } : {}),
    },
    { log },
  );
  const targets: Target[] = [];
  try {
    targets.push(await startTarget('local', 0, o));
    if (opts.warmPool > 0) targets.push(await startTarget(`local+pool${opts.warmPool}`, opts.warmPool, o));
    const rows: BenchRow[] = [];
    const reject = await rejectLatency(targets[0] as Target, 50);
    const warm = await warmInterleaved(targets, direct, o);
    rows.push(warm[0] as BenchRow);
    for (const [i, t] of targets.entries()) {
      log.info({ target: t.name }, 'cold and restore');
      rows.push(await cold(t, o), warm[i + 1] as BenchRow, await restore(t, o));
    }
    return { rows, reject };
  } finally {
    await Promise.allSettled([...targets.map((t) => t.proxy.close()), direct.close()]);
  }
}
