/** @module analysis/cli/judge — `sentinel judge --stable FILE --canary FILE`: prints a verdict; exit 0 promote, 1 rollback, 2 inconclusive, 3 usage/input error. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, defineOptions, intOption, optionsHelp } from '../../lib/config.ts';
import { EXIT, EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { SHARED_OPTIONS } from '../../lib/vocabulary.ts';
import { analyze } from '../analyze.ts';
import { createLlmJudge, LLM_OPTIONS, loadCommandOptions, POLICY_OPTIONS } from '../config.ts';
import { AnalysisError } from '../errors.ts';
import { fileSource } from '../logs/fileLogs.ts';
import {
  DEFAULT_READER_THREADS,
  MIN_READER_HEAP_MB,
  READER_OLD_GENERATION_MB,
  readerThreads,
  workerSource,
} from '../logs/recordWorker.ts';
import { pageFromJudgeResult, writeReportPage } from '../report/page/index.ts';
import { PodEvidenceSchema } from '../logs/types.ts';
import { PipeWriter } from './output.ts';
import type { JudgeResult, VerdictKind } from '../types.ts';

/** Default cap on the lines of each side (see the `maxInputLines` option). */
export const DEFAULT_MAX_INPUT_LINES = 20_000_000;

export const OPTIONS = defineOptions({
  stable: {
    env: 'SENTINEL_STABLE_LOG',
    flag: '--stable',
    schema: z.string({ error: 'required: the stable log file (- for stdin)' }),
    description: 'stable log file, .gz, or - for stdin',
  },
  canary: {
    env: 'SENTINEL_CANARY_LOG',
    flag: '--canary',
    schema: z.string({ error: 'required: the canary log file (- for stdin)' }),
    description: 'canary log file, .gz, or - for stdin',
  },
  pods: {
    env: 'SENTINEL_PODS_FILE',
    flag: '--pods',
    schema: z.string().optional(),
    description: 'JSON file with pod evidence [{pod, side, restarts, reasons, events}]',
  },
  ...POLICY_OPTIONS,
  json: SHARED_OPTIONS.json,
  maxInputLines: {
    env: 'SENTINEL_MAX_INPUT_LINES',
    flag: '--max-input-lines',
    // Memory does not grow with lines (both sides are streamed); time does, about 1 s per 100k lines per side on a
    // loaded 2-core machine, so the default stops a runaway input after a few minutes instead of hours.
    schema: intOption(DEFAULT_MAX_INPUT_LINES, 1, 1_000_000_000),
    description: `lines read per side before the judge stops with exit 3 naming this cap (default ${DEFAULT_MAX_INPUT_LINES})`,
  },
  workers: {
    env: 'SENTINEL_JUDGE_WORKERS',
    flag: '--workers',
    // Reading, parsing and redacting a side costs more than mining it: a reader thread per side reads, and parses
    // while the judge's thread mines; when the judge would wait, the judge parses too (recordWorkerThread.ts). More
    // than one per side would not help (records must reach the miner in input order). Default auto
    // (DEFAULT_READER_THREADS and AUTO_MIN_CORES, logs/recordWorker.ts, with the measurements).
    schema: z
      .union([z.literal('auto'), intOption(0, 0, 2)], { error: 'expected auto or 0, 1 or 2' })
      .default(DEFAULT_READER_THREADS),
    description:
      "reader threads, one per side: auto (default) is 1 when the judge may run on 1.5 cores or more (the cores it may use, capped by its cgroup's CPU quota), else 0; 0 reads everything in the judge's thread (least CPU time and memory: 1M lines per side ~105 MB peak RSS); 1 starts the canary's reader when the judge asks for its first records, 2 as soon as the stable's has read its input. A reader shares the parsing with the judge's thread: 1M lines per side in ~0.65x the wall time for ~1.2x the CPU time, ~135 MB; the verdict is the same",
  },
  readerHeapMb: {
    env: 'SENTINEL_JUDGE_READER_HEAP_MB',
    flag: '--reader-heap-mb',
    // What a reader keeps is bounded (rules, per-container groupers, one batch); the limit makes V8 collect instead of
    // growing, which keeps the judge with its threads under its RSS budget. Past it the judge exits 4 naming it.
    schema: intOption(READER_OLD_GENERATION_MB, MIN_READER_HEAP_MB, 4_096),
    description: `old-generation heap limit of each reader thread in MB (default ${READER_OLD_GENERATION_MB})`,
  },
  html: SHARED_OPTIONS.html,
  ...LLM_OPTIONS,
});

/** Exit code of each verdict. */
export const EXIT_CODES: Record<VerdictKind, number> = {
  promote: EXIT.promote,
  rollback: EXIT.rollback,
  inconclusive: EXIT.inconclusive,
};

function readPods(path: string | undefined): z.infer<typeof PodEvidenceSchema>[] {
  if (!path) return [];
  try {
    return z.array(PodEvidenceSchema).parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new AnalysisError(
      'LogInputUnreadable',
      `Cannot use pod evidence file ${path}: ${(err as Error).message.slice(0, 300)}`,
      {
        hint: 'Give a JSON array of {pod, side: "stable"|"canary", restarts, reasons: [...], events: [...]}.',
      },
    );
  }
}

/** The human-readable rendering of a result. */
export function formatResult(r: JudgeResult): string {
  const lines = [
    `${r.verdict.toUpperCase()} (confidence ${r.confidence.toFixed(2)}) — policy ${r.policy}, llm ${r.llm.provider}${r.llm.error ? ` (failed: ${r.llm.error})` : r.llm.verdict ? ` said ${r.llm.verdict}` : ''}`,
  ];
  lines.push(
    `judged ${r.volume.records.stable} stable and ${r.volume.records.canary} canary records (${r.volume.lines.stable} + ${r.volume.lines.canary} lines), ${r.volume.templates} templates`,
  );
  r.reasons.slice(0, 10).forEach((reason, i) => {
    lines.push(
      `${String(i + 1).padStart(2)}. [${reason.kind}${reason.veto ? ', veto' : ''}] ${reason.summary}`,
    );
    const e = reason.evidence;
    if (e?.counts && e.totals)
      lines.push(
        `      counts: stable ${e.counts.stable}/${e.totals.stable}, canary ${e.counts.canary}/${e.totals.canary}${e.pValue !== undefined ? `, p = ${e.pValue.toExponential(2)}` : ''}`,
      );
    for (const s of e?.samples?.slice(0, 2) ?? [])
      lines.push(`      sample: ${s.split('\n').slice(0, 3).join(' ⏎ ').slice(0, 240)}`);
  });
  lines.push(
    `tokens: LLM ${r.tokens.input} in / ${r.tokens.output} out; the raw logs would be ~${r.tokens.rawLogs ?? 0}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Runs the command. Input and usage errors are thrown to cli/sentinel.ts, which prints them and exits 3. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `usage: sentinel judge --stable FILE --canary FILE [--llm none|gemini|auto] [--policy NAME] [--json] [--html FILE]\n\nBoth logs are streamed (plain or .gz; - for stdin): memory is bounded by templates and samples, not lines.\n\n${optionsHelp(OPTIONS)}\n\n${EXIT_CODES_HELP}\n`,
    );
    return EXIT.ok;
  }
  const { options, positionals } = loadCommandOptions(OPTIONS, argv);
  if (positionals.length > 0)
    throw new ConfigError([`unexpected argument ${positionals[0]}; give files with --stable and --canary`]);
  if (options.stable === '-' && options.canary === '-')
    throw new ConfigError(['--stable and --canary cannot both be stdin (-)']);
  const llm = createLlmJudge(options);
  const signal = AbortSignal.timeout(10 * 60_000);
  // Streamed sides; `kubectl logs --prefix` lines are attributed to their pod/container.
  const cap = {
    prefixed: true,
    maxLines: options.maxInputLines,
    maxLinesOption: 'SENTINEL_MAX_INPUT_LINES (--max-input-lines)',
  };
  // stdin is always read in the judge's own thread; files on reader threads when `workers` allows.
  // Reader threads end with the judgement, whatever its outcome (one side may fail while the other reads ahead).
  const readers = new AbortController();
  // With 2, the canary's reader starts as soon as the stable's has read its input (while the judge mines the stable's
  // last batches), not before: two reader heaps alive for the whole stable side cost ~25 MB RSS and no time.
  let stableReadEnd = (): void => undefined;
  const stableRead = new Promise<void>((resolve) => (stableReadEnd = resolve));
  const workers = readerThreads(options.workers);
  const open = (path: string, side: 'stable' | 'canary'): ReturnType<typeof fileSource> =>
    workers === 0 || path === '-'
      ? fileSource(path, { ...cap, signal })
      : workerSource(path, {
          ...cap,
          signal: AbortSignal.any([signal, readers.signal]),
          start: workers === 1 ? 'when-read' : side === 'stable' ? 'now' : stableRead,
          onReadEnd: side === 'stable' ? stableReadEnd : undefined,
          maxHeapMb: options.readerHeapMb,
        });
  let result: JudgeResult;
  try {
    const request = {
      stable: [await open(options.stable, 'stable')],
      canary: [await open(options.canary, 'canary')],
      pods: readPods(options.pods),
    };
    result = await analyze(request, { llm, policy: options.policy, signal });
  } finally {
    readers.abort();
  }
  // A closed output pipe (`| head`) ends output quietly; the exit code still carries the verdict.
  await new PipeWriter().write(options.json ? `${JSON.stringify(result)}\n` : formatResult(result));
  if (options.html) {
    const title = `${options.canary} vs ${options.stable}`;
    const page = await writeReportPage(options.html, pageFromJudgeResult(result, { title }));
    process.stderr.write(`sentinel judge: report page ${page}\n`);
  }
  return EXIT_CODES[result.verdict];
}
