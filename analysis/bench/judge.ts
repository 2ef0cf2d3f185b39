/**
 * @module analysis/bench/judge — `npm run bench:judge`: judges 100k log lines (stable + canary together) and prints
 * timings (median of several runs), memory (heap after GC, at 100k and 400k lines side by side) and the LLM prompt
 * size against the raw logs. Figures, not assertions: run it on the target machine.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { buildComparison, judgeComparison } from '../analyze.ts';
import { rng, serviceLog, SERVICES } from '../eval/generate.ts';
import { loadLoghub, loghubDatasets } from '../eval/loghub.ts';
import { GeminiClient } from '../judges/llm/geminiClient.ts';
import { LlmJudge } from '../judges/llm/llmJudge.ts';
import { StatisticalJudge } from '../judges/statistical/statistical.ts';
import { quantile } from '../../lib/stats/exact.ts';

const T0 = Date.parse('2026-11-21T18:00:00Z');
const svc = SERVICES[0] as (typeof SERVICES)[number];

function sides(total: number, seed: number): { stable: string[]; canary: string[] } {
  const r = rng(seed);
  const stable = serviceLog({ r, svc, lines: total / 2, t0: T0, noisyTimeouts: 0.01 });
  const canary = serviceLog({ r, svc, lines: total / 2, t0: T0, noisyTimeouts: 0.01, serverErrors: 0.02 });
  return { stable, canary };
}

async function judgeOnce(lines: {
  stable: string[];
  canary: string[];
}): Promise<{ ms: number; cpuMs: number; verdict: string; templates: number; rawTokens: number }> {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const c = await buildComparison({
    stable: [{ name: 'stable', lines: lines.stable }],
    canary: [{ name: 'canary', lines: lines.canary }],
  });
  const r = await judgeComparison(c);
  const cpu = process.cpuUsage(cpu0);
  return {
    ms: performance.now() - t,
    cpuMs: (cpu.user + cpu.system) / 1000,
    verdict: r.verdict,
    templates: r.volume.templates,
    rawTokens: r.tokens.rawLogs ?? 0,
  };
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Retained heap of a Comparison built from `total` lines streamed from a generator (lines are not kept). */
async function retainedMb(total: number): Promise<{ mb: number; templates: number }> {
  const r = rng(7);
  function* gen(n: number): Generator<string> {
    for (let i = 0; i < n; i += 1000) yield* serviceLog({ r, svc, lines: 1000, t0: T0 + i * 100 });
  }
  const before = heapMb();
  const c = await buildComparison({
    stable: [{ name: 'stable', lines: gen(total / 2) }],
    canary: [{ name: 'canary', lines: gen(total / 2) }],
  });
  const after = heapMb();
  return { mb: after - before, templates: c.templates.size };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const lines = sides(100_000, 42);
  await judgeOnce(sides(10_000, 1)); // warm-up (JIT)
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await judgeOnce(lines));
  const ms = results.map((r) => r.ms);
  const cpuMs = results.map((r) => r.cpuMs);
  const first = results[0] as (typeof results)[number];
  process.stdout.write(
    `judge 100k lines (50k stable + 50k canary): median ${quantile(ms, 0.5).toFixed(0)} ms, min ${Math.min(...ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${runs} runs (CPU time median ${quantile(cpuMs, 0.5).toFixed(0)} ms; wall time suffers when the machine is shared — load average ${os.loadavg()[0]?.toFixed(1)}); verdict ${first.verdict}; ${first.templates} templates\n`,
  );

  // A harder mix: the eight Loghub-2k systems' messages (hundreds of templates), repeated to 100k lines.
  const dir = resolve(import.meta.dirname, '../../../shared/data/loghub-2k');
  const all = loghubDatasets(dir).flatMap((d) => loadLoghub(dir, d).content);
  if (all.length > 0) {
    const mixed = Array.from({ length: 100_000 }, (_, i) => all[i % all.length] as string);
    const runsMixed = [];
    for (let i = 0; i < runs; i++)
      runsMixed.push(await judgeOnce({ stable: mixed.slice(0, 50_000), canary: mixed.slice(50_000) }));
    const mixedFirst = runsMixed[0] as (typeof runsMixed)[number];
    process.stdout.write(
      `judge 100k Loghub-2k lines (8 systems mixed): median ${quantile(
        runsMixed.map((r) => r.ms),
        0.5,
      ).toFixed(0)} ms wall, ${quantile(
        runsMixed.map((r) => r.cpuMs),
        0.5,
      ).toFixed(0)} ms CPU; ${mixedFirst.templates} templates\n`,
    );
  }

  const m100 = await retainedMb(100_000);
  const m400 = await retainedMb(400_000);
  process.stdout.write(
    `retained heap after building the comparison: ${m100.mb.toFixed(1)} MB at 100k lines (${m100.templates} templates), ${m400.mb.toFixed(1)} MB at 400k lines (${m400.templates} templates)${(globalThis as { gc?: unknown }).gc ? '' : ' [run with --expose-gc for exact figures]'}\n`,
  );

  // LLM prompt size vs raw logs, built by the real judge (no call is made: buildPrompt only).
  const c = await buildComparison({
    stable: [{ name: 'stable', lines: lines.stable }],
    canary: [{ name: 'canary', lines: lines.canary }],
  });
  const stat = new StatisticalJudge().judgeSync({ comparison: c });
  const client = new GeminiClient({ apiKey: 'unused', model: 'gemini-2.5-flash' });
  const p = new LlmJudge({ client }).buildPrompt({ comparison: c, statistical: stat });
  const promptTokens = Math.ceil((p.system.length + p.user.length) / 3);
  const rawTokens = Math.ceil((c.bytes.stable + c.bytes.canary) / 3);
  process.stdout.write(
    `LLM prompt: ~${promptTokens} tokens (estimate: 3 chars/token) vs ~${rawTokens} tokens for the raw logs: ${(rawTokens / promptTokens).toFixed(0)}× smaller (${p.omitted} templates omitted)\n`,
  );
}

await main();
