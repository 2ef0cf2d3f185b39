/**
 * @module proxy/bench/concurrency — N tenants connecting at once to a `sentinel proxy` process (so its RSS is the
 * proxy's alone): all must pass, exactly N sandboxes must exist, the proxy's RSS is read with N idle sessions, and
 * after the idle TTL no sandbox and no sandbox process may be left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendantsOf, pidsMentioning } from '../backends/local/processes.ts';
import { testKeyFile } from '../testing/tenantKey.ts';
import { openClient } from './client.ts';
import { benchHeaders, loopbackEntry } from './proxyConfig.ts';
import { summarise, type BenchRow } from './stats.ts';

const BIN = fileURLToPath(new URL('../../bin/sentinel.js', import.meta.url));

export interface ConcurrencyOptions {
  tenants: number;
  idleTtlMs: number;
  pageUrl: string;
  timeoutMs: number;
  warmPool: number;
  maxConcurrentLaunches: number;
  /** The env the proxy process inherits (PATH, CHROMIUM_PATH, …). */
  env: Record<string, string | undefined>;
  say: (line: string) => void;
}

export interface ConcurrencyResult {
  row: BenchRow;
  tenants: number;
  passed: number;
  sandboxesAfterConnect: number;
  proxyRssMb: number;
  proxyRssBeforeMb: number;
  /** Peak RSS of the proxy over the whole check (50 tenants connecting and browsing at once included). */
  proxyRssPeakMb: number;
  sandboxProcesses: number;
  sandboxPssMb: number;
  sandboxesAfterTtl: number;
  processesAfterTtl: number;
  reapedWithinMs: number | null;
}

/** Resident set size of a process in MB: now (VmRSS), or the peak so far (`VmHWM`). */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Proportional set size (shared pages split between sharers) summed over processes, in MB. */
function pssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

async function startProxyProcess(
  o: ConcurrencyOptions,
  root: string,
): Promise<{ child: ChildProcess; data: string; admin: string }> {
  const child = spawn(process.execPath, [BIN, 'proxy'], {
    env: {
      ...o.env,
      PROXY_HOST: '127.0.0.1',
      PROXY_PORT: '0',
      PROXY_ADMIN_PORT: '0',
      IDLE_TTL: `${o.idleTtlMs}ms`,
      IDLE_CHECK_INTERVAL: '1s',
      PROXY_MAX_SANDBOXES: String(o.tenants + 10),
      ENSURE_TIMEOUT: `${o.timeoutMs}ms`,
      LOCAL_SANDBOX_DIR: root,
      LOCAL_WARM_POOL: String(o.warmPool),
      LOCAL_ALLOW_LOOPBACK: loopbackEntry(o.pageUrl).join(','),
      PROXY_IDENTITY_KEY_FILE: testKeyFile(),
      LOCAL_MAX_CONCURRENT_LAUNCHES: String(o.maxConcurrentLaunches),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const urls = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sentinel proxy did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`sentinel proxy exited with ${code}: ${stderr}`)));
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
      const m = /data (ws:\/\/\S+)\s+admin (http:\/\/\S+)/.exec(stderr);
      if (m?.[1] && m[2]) {
        clearTimeout(timer);
        resolve([m[1], m[2]]);
      }
    });
  });
  return { child, data: urls[0], admin: urls[1] };
}

async function sandboxCount(admin: string): Promise<number> {
  // Counts only: the bench needs no tenant ids, so it needs no admin token.
  const res = await fetch(`${admin}/sandboxes`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { backends: { sessions: number }[] };
  return body.backends.reduce((n, b) => n + b.sessions, 0);
}

/** Runs the concurrency check; always stops the proxy process and removes its folder. */
export async function runConcurrency(o: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const root = mkdtempSync(join(tmpdir(), 'sentinel-bench-'));
  const { child, data, admin } = await startProxyProcess(o, root);
  try {
    const pid = child.pid as number;
    const proxyRssBeforeMb = rssMb(pid);
    o.say(`${o.tenants} tenants connecting at once to ${data} …`);
    const results = await Promise.allSettled(
      Array.from({ length: o.tenants }, (_, i) =>
        openClient(data, {
          headers: benchHeaders(`tenant-${i}`),
          pageUrl: o.pageUrl,
          timeoutMs: o.timeoutMs,
        }),
      ),
    );
    const open = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const f of failed.slice(0, 3)) o.say(`  failure: ${String(f.reason).split('\n')[0]}`);
    // Every client is still connected here, so none can have been reaped: this is the number of sandboxes made.
    const sandboxesAfterConnect = await sandboxCount(admin);
    await Promise.all(open.map((c) => c.close()));
    const samples = open.map((c) => c.sample);
    // All clients have disconnected: N idle sessions. Let the proxy settle before reading its RSS.
    await new Promise((r) => setTimeout(r, 1000));
    const proxyRssMb = rssMb(pid);
    const proxyRssPeakMb = rssMb(pid, 'VmHWM');
    const sandboxPids = descendantsOf(pid);
    const sandboxPssMb = pssMb(sandboxPids);
    o.say(`waiting for the idle TTL (${o.idleTtlMs} ms) to reap every sandbox …`);
    const started = Date.now();
    let sandboxesAfterTtl = sandboxesAfterConnect;
    while (Date.now() - started < o.idleTtlMs + 60_000) {
      sandboxesAfterTtl = await sandboxCount(admin);
      if (sandboxesAfterTtl === 0 && descendantsOf(pid).length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const reapedWithinMs = sandboxesAfterTtl === 0 ? Date.now() - started : null;
    return {
      row: summarise('local', `${o.tenants} tenants at once`, samples, failed.length),
      tenants: o.tenants,
      passed: samples.length,
      sandboxesAfterConnect,
      proxyRssMb,
      proxyRssBeforeMb,
      proxyRssPeakMb,
      sandboxProcesses: sandboxPids.length,
      sandboxPssMb,
      sandboxesAfterTtl,
      processesAfterTtl: descendantsOf(pid).length + pidsMentioning(root).length,
      reapedWithinMs,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => {
      if (child.exitCode !== null) r(undefined);
      else child.once('exit', r);
      setTimeout(r, 15_000).unref();
    });
    for (const p of pidsMentioning(root)) process.kill(p, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}
