/**
 * @module proxy/bench/main — `sentinel bench`: with no flags, starts proxies in-process on the local backend and
 * prints the cold / warm / restore table with the `direct` baseline; `--tenants 50` adds the concurrency check.
 */
import { writeFileSync } from 'node:fs';
import { optionsHelp } from '../../lib/config.ts';
import { EXIT, EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { createRootLogger, type Logger } from '../../lib/log.ts';
import { startPageServer } from './client.ts';
import { runConcurrency, type ConcurrencyResult } from './concurrency.ts';
import { BENCH_OPTIONS, inheritedEnv, loadBenchConfig, type BenchConfig } from './config.ts';
import { clusterLines, runClusterScenarios, type ClusterResults } from './clusterScenarios.ts';
import { runScenarios, type ScenarioResults } from './scenarios.ts';
import { markdownTable, type BenchRow } from './stats.ts';

const say = (line: string): void => console.error(line);

/** The target lines for one proxied warm row: ratio to direct, and cold − warm. */
function targetLines(
  r: BenchRow,
  direct: number | null | undefined,
  cold: number | null | undefined,
): string[] {
  const out: string[] = [];
  if (r.total_ms === null) return out;
  if (direct) {
    const ratio = r.total_ms / direct;
    const met = ratio <= 1.15 ? 'met' : 'NOT met';
    out.push(`- warm total, ${r.backend} / direct: ${ratio.toFixed(2)} (target ≤ 1.15: ${met})`);
  }
  if (cold != null) {
    const d = cold - r.total_ms;
    const target = r.backend.includes('pool')
      ? ` (target ≤ 150 ms: ${d <= 150 ? 'met' : 'NOT met'})`
      : ' (no pool: reported only)';
    out.push(`- cold − warm, ${r.backend}: ${Math.round(d)} ms${target}`);
  }
  return out;
}

function ratios(rows: BenchRow[]): string[] {
  const find = (b: string, s: string): BenchRow | undefined =>
    rows.find((r) => r.backend === b && r.scenario === s);
  const direct = find('direct', 'warm')?.total_ms;
  return rows
    .filter((x) => x.scenario === 'warm' && x.backend !== 'direct')
    .flatMap((r) => targetLines(r, direct, find(r.backend, 'cold')?.total_ms));
}

function concurrencyLines(c: ConcurrencyResult): string[] {
  return [
    `- ${c.tenants} tenants at once: ${c.passed}/${c.tenants} passed; sandboxes after connecting: ${c.sandboxesAfterConnect} (target: exactly ${c.tenants})`,
    `- proxy RSS with ${c.sandboxesAfterConnect} idle sessions: ${c.proxyRssMb.toFixed(1)} MB (at start ${c.proxyRssBeforeMb.toFixed(1)} MB, peak ${c.proxyRssPeakMb.toFixed(1)} MB; target < 150 MB; browser-server processes excluded: ${c.sandboxProcesses} processes, ${Math.round(c.sandboxPssMb)} MB PSS)`,
    `- after the idle TTL: ${c.sandboxesAfterTtl} sandboxes, ${c.processesAfterTtl} sandbox processes left${c.reapedWithinMs !== null ? ` (all reaped ${c.reapedWithinMs} ms after the clients finished)` : ''}`,
  ];
}

interface BenchResults {
  cluster?: ClusterResults;
  rows: BenchRow[];
  reject: ScenarioResults['reject'] | undefined;
  concurrency: ConcurrencyResult | undefined;
}

async function runAll(cfg: BenchConfig, log: Logger, pageUrl: string): Promise<BenchResults> {
  const out: BenchResults = { rows: [], reject: undefined, concurrency: undefined };
  if (!cfg.onlyTenants) {
    say(
      `bench: local backend through an in-process proxy vs direct, ${cfg.iterations} iterations per scenario …`,
    );
    const results = await runScenarios({
      iterations: cfg.iterations,
      warmPool: cfg.warmPool,
      pageUrl,
      timeoutMs: cfg.timeoutMs,
      chromiumPath: cfg.chromiumPath,
      wsCompression: cfg.wsCompression,
      log,
    });
    out.rows.push(...results.rows);
    out.reject = results.reject;
  }
  if (cfg.cluster) {
    say(`bench: cluster backends vs local in one run, ${cfg.iterations} iterations per scenario …`);
    const c = await runClusterScenarios({
      iterations: cfg.iterations,
      pageUrl,
      timeoutMs: cfg.timeoutMs,
      chromiumPath: cfg.chromiumPath,
      log,
    });
    out.rows.push(...c.rows);
    out.cluster = c;
  }
  if (cfg.tenants > 0) {
    out.concurrency = await runConcurrency({
      tenants: cfg.tenants,
      idleTtlMs: cfg.idleTtlMs,
      pageUrl,
      timeoutMs: cfg.timeoutMs,
      warmPool: 0,
      maxConcurrentLaunches: cfg.maxConcurrentLaunches,
      env: inheritedEnv(),
      say,
    });
    out.rows.push(out.concurrency.row);
  }
  return out;
}

function report({ rows, reject, concurrency, cluster }: BenchResults): void {
  console.log(markdownTable(rows));
  const rejectLine = reject
    ? [
        `- upgrade without a tenant id: HTTP ${reject.status} in ${reject.median.toFixed(1)} ms median, ${reject.p95.toFixed(1)} ms p95 (target: well under 100 ms)`,
      ]
    : [];
  const notes = [
    ...ratios(rows),
    ...rejectLine,
    ...(concurrency ? concurrencyLines(concurrency) : []),
    ...(cluster ? clusterLines(cluster) : []),
  ];
  if (notes.length > 0) console.log(`${notes.join('\n')}\n`);
  console.log('Medians in ms; p95 in the JSON rows (`*_p95`). Same machine, same run, loopback only.');
}

function passed({ rows, concurrency: c }: BenchResults): boolean {
  const concurrencyOk =
    !c ||
    (c.passed === c.tenants &&
      c.sandboxesAfterConnect === c.tenants &&
      c.sandboxesAfterTtl === 0 &&
      c.processesAfterTtl === 0);
  return rows.every((r) => r.result === 'PASS') && concurrencyOk;
}

/**
 * Runs the bench; exit code 0 when every run passed (and the concurrency check held), 4 otherwise (a run of the service
 * failed: no verdict, so never 1, which means rollback — lib/exitCodes.ts).
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: sentinel bench [flags]\n\nOptions (flag, env var, meaning):\n${optionsHelp(BENCH_OPTIONS)}\n\n${EXIT_CODES_HELP}`,
    );
    return 0;
  }
  const cfg = loadBenchConfig(argv);
  const log = createRootLogger({ level: cfg.logLevel });
  const page = await startPageServer();
  let results: BenchResults;
  try {
    results = await runAll(cfg, log, page.url);
  } finally {
    await page.close();
  }
  report(results);
  if (cfg.json) {
    const { rows, reject, concurrency } = results;
    writeFileSync(
      cfg.json,
      `${JSON.stringify({ rows, reject: reject ?? null, concurrency: concurrency ?? null }, null, 2)}\n`,
    );
    say(`bench: rows written to ${cfg.json}`);
  }
  return passed(results) ? EXIT.ok : EXIT.internal;
}
