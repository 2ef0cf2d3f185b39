/**
 * @module proxy/bench/guardCost — what the local sandbox's network guard costs (issue 13.3): the same browser work
 * in a guarded local sandbox (Chromium routed through its host's guard, context.request through it too) and in an
 * unguarded browser server launched directly, interleaved, on one page served on loopback. Prints medians and p95.
 *
 *   node proxy/bench/guardCost.ts [rounds=30]
 */
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from '../../lib/chromium.ts';
import { silentLogger } from '../../lib/log.ts';
import { LocalBackend } from '../backends/local.ts';
import { LOCAL_DEFAULTS } from '../config.ts';
import { startPageServer } from './client.ts';
import { quantile } from './stats.ts';

const rounds = Number(process.argv[2] ?? 30);
const page = await startPageServer();
const backend = new LocalBackend(
  { ...LOCAL_DEFAULTS, allowLoopback: [new URL(page.url).host] },
  { log: silentLogger },
);
const plain = await chromium.launchServer({ executablePath: findChromium({}), host: '127.0.0.1', port: 0 });
try {
  const ep = await backend.ensure('bench', AbortSignal.timeout(60_000));
  const browsers: Record<string, Browser> = {
    guarded: await chromium.connect(`ws://${ep.host}:${ep.port}${ep.wsPath}`),
    unguarded: await chromium.connect(plain.wsEndpoint()),
  };
  const times: Record<string, { goto: number[]; request: number[] }> = {
    guarded: { goto: [], request: [] },
    unguarded: { goto: [], request: [] },
  };
  for (let i = 0; i < rounds + 3; i++) {
    for (const name of i % 2 === 0 ? ['guarded', 'unguarded'] : ['unguarded', 'guarded']) {
      const context = await (browsers[name] as Browser).newContext();
      const p = await context.newPage();
      const t0 = performance.now();
      await p.goto(page.url);
      const t1 = performance.now();
      await (await context.request.get(page.url)).body();
      const t2 = performance.now();
      await context.close();
      // The first rounds warm both browsers up; they are not counted.
      if (i < 3) continue;
      times[name]?.goto.push(t1 - t0);
      times[name]?.request.push(t2 - t1);
    }
  }
  const fmt = (v: number[]): string =>
    `median ${quantile(v, 0.5)?.toFixed(1)} ms, p95 ${quantile(v, 0.95)?.toFixed(1)} ms`;
  const out = [`guard cost, ${rounds} interleaved rounds per side, loopback page (same machine, same run):`];
  for (const [name, t] of Object.entries(times)) {
    out.push(`  ${name.padEnd(9)} goto: ${fmt(t.goto)}; context.request.get: ${fmt(t.request)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  for (const b of Object.values(browsers)) await b.close();
} finally {
  await plain.close();
  await backend.close();
  await page.close();
}
