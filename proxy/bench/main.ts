/**
 * @module proxy/bench/main — `sentinel bench`: with no flags, starts proxies in-process on the local backend and
 * prints the cold / warm / restore table with the `direct` baseline; `--tenants 50` adds the concurrency check.
 */
import { writeFileSync } from 'node:fs';
import { optionsHelp } from '../../lib/config.ts';
import { createRootLogger } from '../../lib/log.ts';
import { startPageServer } from './client.ts';
import { runConcurrency, type ConcurrencyResult } from './concurrency.ts';
import { BENCH_OPTIONS, inheritedEnv, loadBenchConfig } from './config.ts';
import { runScenarios, type ScenarioResults } from './scenarios.ts';
import { markdownTable, type BenchRow } from './stats.ts';

const say = (line: string): void => console.error(line);

function ratios(rows: BenchRow[]): string[] {
  const find = (b: string, s: string): BenchRow | undefined =>
    rows.find((r) => r.backend === b && r.scenario === s);
  const direct = find('direct', 'warm')?.total_ms;
  const out: string[] = [];
  for (const r of rows.filter((x) => x.scenario === 'warm' && x.backend !== 'direct')) {
    if (direct && r.total_ms !== null) {
      const ratio = r.total_ms / direct;
      out.push(
        `- warm total, ${r.backend} / direct: ${ratio.toFixed(2)} (target ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'NOT met'})`,
      );
    }
    const cold = find(r.backend, 'cold')?.total_ms;
    if (cold != null && r.total_ms !== null) {
      const d = cold - r.total_ms;
      const pooled = r.backend.includes('pool');
      out.push(
        `- cold − warm, ${r.backend}: ${Math.round(d)} ms${pooled ? ` (target ≤ 150 ms: ${d <= 150 ? 'met' : 'NOT met'})` : ' (no pool: reported only)'}`,
      );
    }
  }
  return out;
}

function concurrencyLines(c: ConcurrencyResult): string[] {
  return [
    `- ${c.tenants} tenants at once: ${c.passed}/${c.tenants} passed; sandboxes after connecting: ${c.sandboxesAfterConnect} (target: exactly ${c.tenants})`,
    `- proxy RSS with ${c.sandboxesAfterConnect} idle sessions: ${c.proxyRssMb.toFixed(1)} MB (at start ${c.proxyRssBeforeMb.toFixed(1)} MB, peak ${c.proxyRssPeakMb.toFixed(1)} MB; target < 150 MB; browser-server processes excluded: ${c.sandboxProcesses} processes, ${Math.round(c.sandboxPssMb)} MB PSS)`,
    `- after the idle TTL: ${c.sandboxesAfterTtl} sandboxes, ${c.processesAfterTtl} sandbox processes left${c.reapedWithinMs !== null ? ` (all reaped ${c.reapedWithinMs} ms after the clients finished)` : ''}`,
  ];
}

/** Runs the bench; exit code 0 when every run passed, 1 otherwise. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: sentinel bench [flags]\n\nOptions (flag, env var, meaning):\n${optionsHelp(BENCH_OPTIONS)}`,
    );
    return 0;
  }
  const cfg = loadBenchConfig(argv);
  const log = createRootLogger({ level: cfg.logLevel });
  const page = await startPageServer();
  const rows: BenchRow[] = [];
  let concurrency: ConcurrencyResult | undefined;
  let reject: ScenarioResults['reject'] | undefined;
  try {
    if (!cfg.onlyTenants) {
      say(
        `bench: local backend through an in-process proxy vs direct, ${cfg.iterations} iterations per scenario …`,
      );
      const results = await runScenarios({
        iterations: cfg.iterations,
        warmPool: cfg.warmPool,
        pageUrl: page.url,
        timeoutMs: cfg.timeoutMs,
        chromiumPath: cfg.chromiumPath,
        wsCompression: cfg.wsCompression,
        log,
      });
      rows.push(...results.rows);
      reject = results.reject;
    }
    if (cfg.tenants > 0) {
      concurrency = await runConcurrency({
        tenants: cfg.tenants,
        idleTtlMs: cfg.idleTtlMs,
        pageUrl: page.url,
        timeoutMs: cfg.timeoutMs,
        warmPool: 0,
        maxConcurrentLaunches: cfg.maxConcurrentLaunches,
        env: inheritedEnv(),
        say,
      });
      rows.push(concurrency.row);
    }
  } finally {
    await page.close();
  }
  console.log(markdownTable(rows));
  const notes = [
    ...ratios(rows),
    ...(reject
      ? [
          `- upgrade without a tenant id: HTTP ${reject.status} in ${reject.median.toFixed(1)} ms median, ${reject.p95.toFixed(1)} ms p95 (target: well under 100 ms)`,
        ]
      : []),
    ...(concurrency ? concurrencyLines(concurrency) : []),
  ];
  if (notes.length > 0) console.log(`${notes.join('\n')}\n`);
  console.log('Medians in ms; p95 in the JSON rows (`*_p95`). Same machine, same run, loopback only.');
  if (cfg.json) {
    writeFileSync(
      cfg.json,
      `${JSON.stringify({ rows, reject: reject ?? null, concurrency: concurrency ?? null }, null, 2)}\n`,
    );
    say(`bench: rows written to ${cfg.json}`);
  }
  const allPassed = rows.every((r) => r.result === 'PASS');
  const concurrencyOk =
    !concurrency ||
    (concurrency.passed === concurrency.tenants &&
      concurrency.sandboxesAfterConnect === concurrency.tenants &&
      concurrency.sandboxesAfterTtl === 0 &&
      concurrency.processesAfterTtl === 0);
  return allPassed && concurrencyOk ? 0 : 1;
}
