/** @module analysis/eval/main — `sentinel eval`: runs the judge over the labelled corpus and prints per-case results and totals. */
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineOptions, optionsHelp } from '../../lib/config.ts';
import { EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { buildComparison, judgeComparison } from '../analyze.ts';
import { createLlmJudge, LLM_OPTIONS, loadCommandOptions, POLICY_OPTIONS } from '../config.ts';
import { GeminiClient } from '../judges/llm/geminiClient.ts';
import { LlmJudge } from '../judges/llm/llmJudge.ts';
import { readLogFile } from '../logs/fileLogs.ts';
import { CORPUS_DIR, loadCorpus, totals } from './corpus.ts';
import { existsSync } from 'node:fs';
import { formatSummary, GENERATED_SEEDS, runGenerated, runRealLogs, summarize } from './families.ts';
import { loghubDatasets, runLoghub, runLoghubRaw } from './loghub.ts';

/** Where the shared Loghub samples sit next to a checkout (`../shared/data/loghub-2k`). */
const DEFAULT_LOGHUB = resolve(import.meta.dirname, '../../../shared/data/loghub-2k');

const OPTIONS = defineOptions({
  corpus: {
    env: 'SENTINEL_EVAL_CORPUS',
    flag: '--corpus',
    schema: z.string().default(CORPUS_DIR),
    description: 'folder of labelled cases',
  },
  ...POLICY_OPTIONS,
  json: {
    env: 'SENTINEL_EVAL_JSON',
    flag: '--json',
    boolean: true,
    schema: z.enum(['true', 'false']).default('false'),
    description: 'print one JSON object',
  },
  loghub: {
    env: 'SENTINEL_LOGHUB_DIR',
    flag: '--loghub',
    schema: z.string().optional(),
    description:
      'Loghub-2k folder: also judge the real-log corpus cut from it and measure template grouping accuracy (raw lines and Content column); default ../shared/data/loghub-2k when present',
  },
  seeds: {
    env: 'SENTINEL_EVAL_SEEDS',
    flag: '--seeds',
    schema: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'a comma-separated list of seeds, e.g. 0,1,2,3,4')
      .default(GENERATED_SEEDS.join(',')),
    description: 'seeds of the generated corpus judged in memory, reported per seed and per family',
  },
  ...LLM_OPTIONS,
});

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** Runs the eval; exit code 0 when it ran (whatever the figures), 3 on bad flags. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: sentinel eval [flags]\n\n${optionsHelp(OPTIONS)}\n\n${EXIT_CODES_HELP}\n`);
    return 0;
  }
  const { options } = loadCommandOptions(OPTIONS, argv);
  const llm = createLlmJudge(options);
  const cases = loadCorpus(resolve(options.corpus));
  const rows = [];
  const promptJudge = new LlmJudge({
    client: new GeminiClient({ apiKey: 'not-used', model: 'gemini-2.5-flash' }),
  });
  for (const c of cases) {
    const comparison = await buildComparison({
      stable: await readLogFile(c.stableFile),
      canary: await readLogFile(c.canaryFile),
      pods: c.pods,
    });
    const r = await judgeComparison(comparison, { llm, policy: options.policy, journeys: c.journeys });
    // What the LLM would be sent for this case (built, not sent), to report the prompt size against the raw logs.
    const prompt = promptJudge.buildPrompt({ comparison, statistical: r.statistical, journeys: c.journeys });
    const promptTokens = Math.ceil((prompt.system.length + prompt.user.length) / 3);
    rows.push({
      name: c.name,
      expected: c.expected,
      actual: r.verdict,
      confidence: r.confidence,
      tokens: r.tokens,
      promptTokens,
      top: r.reasons[0]?.summary ?? '',
    });
    if (options.json !== 'true') {
      const mark = r.verdict === c.expected ? 'ok  ' : 'MISS';
      process.stdout.write(
        `${mark} ${c.name.padEnd(44)} expected ${c.expected.padEnd(12)} got ${r.verdict.padEnd(12)} conf ${r.confidence.toFixed(2)}  llm tokens ${r.tokens.input}/${r.tokens.output}  prompt ~${promptTokens} vs raw ~${r.tokens.rawLogs}  ${r.verdict === c.expected ? '' : r.reasons[0]?.summary.slice(0, 100)}\n`,
      );
    }
  }
  const t = totals(rows);
  const llmTokens = rows.reduce((s, r) => s + r.tokens.input + r.tokens.output, 0) / Math.max(1, rows.length);
  const promptMax = Math.max(0, ...rows.map((r) => r.promptTokens));
  const promptMean = rows.reduce((s, r) => s + r.promptTokens, 0) / Math.max(1, rows.length);
  const rawMean = rows.reduce((s, r) => s + (r.tokens.rawLogs ?? 0), 0) / Math.max(1, rows.length);
  const loghubDir = options.loghub
    ? resolve(options.loghub)
    : existsSync(DEFAULT_LOGHUB) && loghubDatasets(DEFAULT_LOGHUB).length > 0
      ? DEFAULT_LOGHUB
      : undefined;
  const loghub = loghubDir ? runLoghub(loghubDir) : undefined;
  const loghubRaw = loghubDir ? runLoghubRaw(loghubDir) : undefined;
  // The generated corpus at several seeds and the real-log corpus, per family and per seed: statistics only (hundreds
  // of cases; the LLM, when configured, is measured on the committed corpus above).
  const seeds = options.seeds.split(',').map(Number);
  const families = [...(await runGenerated(seeds)), ...(loghubDir ? await runRealLogs(loghubDir) : [])];
  const byGroup = summarize(families, (r) => r.group);
  const bySeed = summarize(families, (r) => `${r.group} seed ${r.seed}`);
  const byFamily = summarize(families, (r) => r.family);
  if (options.json === 'true') {
    process.stdout.write(
      `${JSON.stringify({ policy: options.policy, llm: llm ? 'gemini' : 'none', totals: t, llmTokensPerCase: llmTokens, promptTokensMean: promptMean, promptTokensMax: promptMax, rawLogTokensMean: rawMean, cases: rows, loghub, loghubRaw, families: { byGroup, bySeed, byFamily, misses: families.filter((r) => r.expected !== r.actual) } })}\n`,
    );
    return 0;
  }
  process.stdout.write(
    `\npolicy ${options.policy}, llm ${llm ? 'gemini' : 'none'}: ${t.cases} cases, accuracy ${pct(t.accuracy)}, false-rollback ${pct(t.falseRollbackRate)}, false-promote ${pct(t.falsePromoteRate)}, inconclusive ${pct(t.inconclusiveRate)}, LLM tokens per case ${llmTokens.toFixed(0)} (spent)\nLLM prompt per case (built, 3 chars/token): mean ~${promptMean.toFixed(0)}, max ~${promptMax} tokens; raw logs mean ~${rawMean.toFixed(0)} tokens (${(rawMean / Math.max(1, promptMean)).toFixed(0)}× more)\n`,
  );
  process.stdout.write(
    `\nStatistics only — generated corpus at seeds ${seeds.join(', ')}${loghubDir ? ` and the real-log corpus from ${loghubDir} (loghub-tune: the 5 systems the judge was tuned on; loghub-check: 3 held out)` : ' (no Loghub data found: pass --loghub DIR for the real-log corpus)'}:\n`,
  );
  process.stdout.write(formatSummary('by group', byGroup));
  process.stdout.write(formatSummary('by group and seed', bySeed));
  process.stdout.write(formatSummary('by family', byFamily));
  for (const m of families.filter((r) => r.expected !== r.actual))
    process.stdout.write(
      `MISS ${m.name}: expected ${m.expected}, got ${m.actual} — ${m.top.slice(0, 140)}\n`,
    );
  for (const [name, results] of [
    ['raw lines', loghubRaw],
    ['Content column', loghub],
  ] as const) {
    if (!results) continue;
    process.stdout.write(`\nloghub grouping accuracy, ${name}:\n`);
    for (const l of results)
      process.stdout.write(
        `  ${l.dataset.padEnd(12)} GA ${l.accuracy.toFixed(3)}  (${l.trueTemplates} true / ${l.minedTemplates} mined templates, ${l.lines} lines)\n`,
      );
    process.stdout.write(
      `  average GA ${(results.reduce((s, l) => s + l.accuracy, 0) / results.length).toFixed(4)} over ${results.length} datasets, one configuration\n`,
    );
  }
  return 0;
}
