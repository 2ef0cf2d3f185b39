/**
 * @module analysis/cli/canary — `sentinel canary --config FILE`: runs the canary analysis once (a CI promotion gate,
 * a Kargo verification, a Flagger pre-promotion hook). Progress on stderr, a summary (or `--json`) on stdout;
 * exit 0 promote, 1 rollback, 2 inconclusive, 3 usage or configuration, 4 internal error.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { defineOptions, durationOption, optionsHelp } from '../../lib/config.ts';
import { EXIT } from '../../lib/exitCodes.ts';
import { componentLogger, createRootLogger } from '../../lib/log.ts';
import { SHARED_OPTIONS } from '../../lib/vocabulary.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadCanaryAnalysis } from '../canary/parse.ts';
import { usesCluster } from '../canary/prepare.ts';
import { PlaywrightJourneyRunner } from '../canary/playwrightRunner.ts';
import { runCanaryAnalysis, type CanaryProgress } from '../canary/run.ts';
import type { CanaryAnalysis, CanaryVerdict } from '../canary/types.ts';
import { loadCommandOptions } from '../config.ts';
import { AnalysisError } from '../errors.ts';
// The shared exit-code paragraph of every --help (an import of its own, apart from the lines other branches touch).
import { EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { pageFromCanaryVerdict, writeReportPage } from '../report/page/index.ts';

export const OPTIONS = defineOptions({
  config: {
    env: 'SENTINEL_CANARY_CONFIG',
    flag: '--config',
    schema: z.string({ error: 'required: the canary analysis file (YAML or JSON)' }),
    description:
      "canary analysis file: the plugin block's fields (rollout, canary, stable, journeys, logs, llm, report)",
  },
  timeout: {
    env: 'SENTINEL_CANARY_TIMEOUT',
    flag: '--timeout',
    schema: durationOption('15m'),
    description: 'deadline of the whole analysis (e.g. 10m)',
  },
  json: SHARED_OPTIONS.json,
  html: SHARED_OPTIONS.html,
});

/** Exit codes: the shared contract (lib/exitCodes.ts), the same numbers as `sentinel judge` and `sentinel journey`. */
export const CANARY_EXIT = EXIT;

const USAGE = `usage: sentinel canary --config FILE [--json] [--timeout 15m] [--html FILE]\n\n${optionsHelp(OPTIONS)}\n\n${EXIT_CODES_HELP}\n`;

function progressLine(p: CanaryProgress): string {
  switch (p.stage) {
    case 'prepared':
      return 'references resolved; collecting logs and running journeys';
    case 'evidence':
      return `evidence: ${p.pods.stable} stable / ${p.pods.canary} canary pods${p.warnings ? `, ${p.warnings} warnings` : ''}`;
    case 'journeys':
      return `journeys: ${p.runs} runs`;
    case 'judged':
      return `judged: ${p.verdict} (${Math.round(p.confidence * 100)}%)`;
    case 'reported':
      return `report: ${p.action}`;
  }
}

/** The readable summary. */
export function summary(v: CanaryVerdict): string {
  const lines = [
    `${v.verdict.toUpperCase()} (confidence ${Math.round(v.confidence * 100)}%) — ${v.rollout.namespace}/${v.rollout.name} canary ${v.rollout.canaryPodTemplateHash} vs stable ${v.rollout.stablePodTemplateHash}`,
    ...v.missing.map((m) => `  missing: ${m}`),
    ...v.reasons
      .slice(0, 5)
      .map(
        (r) =>
          `  ${r.kind}: ${r.summary}${r.counts ? ` (stable ${r.counts.stable} / canary ${r.counts.canary})` : ''}`,
      ),
    ...v.journeys.map(
      (j) =>
        `  journey ${j.name} [${j.backend}]: stable ${Math.round(j.passRate.stable * 100)}% / canary ${Math.round(j.passRate.canary * 100)}% passed`,
    ),
    `  evidence: ${v.evidence.pods.stable}+${v.evidence.pods.canary} pods, ${v.evidence.lines.stable}+${v.evidence.lines.canary} lines, ${v.evidence.templates} templates`,
  ];
  if (v.llm)
    lines.push(
      `  llm: ${v.llm.model ?? ''} ${v.llm.verdict ?? v.llm.error ?? ''} (${v.llm.tokens.input} tokens in)`,
    );
  if (v.report)
    lines.push(
      `  report: ${v.report.action} ${v.report.issueUrl ?? v.report.outboxFile ?? ''} ${v.report.detail ?? ''}`.trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options } = loadCommandOptions(OPTIONS, argv);
  const deadline = options.timeout;
  let analysis: CanaryAnalysis;
  try {
    analysis = await loadCanaryAnalysis(options.config);
  } catch (err) {
    if (!(err instanceof AnalysisError)) throw err;
    process.stderr.write(`sentinel canary: ${err.code}: ${err.describe()}\n`);
    return CANARY_EXIT.usage;
  }
  // The page is published where --html writes it: the issue links it unless the config says where it is served.
  if (options.html && analysis.report && !analysis.report.pageUrl)
    analysis.report.pageUrl = pathToFileURL(resolve(options.html)).href;
  // Logs from files and nothing else from a cluster: no kubeconfig is needed (a pipeline step).
  let kubeConfig: KubeConfig | undefined;
  if (usesCluster(analysis)) {
    const { KubeConfig } = await import('@kubernetes/client-node');
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
  }
  const log = componentLogger(createRootLogger({ level: 'warn' }), 'analysis');
  try {
    const v = await runCanaryAnalysis(
      analysis,
      { kubeConfig, journeyRunner: new PlaywrightJourneyRunner(), log },
      {
        signal: AbortSignal.timeout(deadline),
        onProgress: (p) => process.stderr.write(`canary: ${progressLine(p)}\n`),
      },
    );
    if (options.html) {
      v.artifacts.reportPage = await writeReportPage(options.html, pageFromCanaryVerdict(v));
      process.stderr.write(`canary: report page ${v.artifacts.reportPage}\n`);
    }
    process.stdout.write(options.json ? `${JSON.stringify(v)}\n` : summary(v));
    return CANARY_EXIT[v.verdict];
  } catch (err) {
    if (err instanceof AnalysisError) {
      process.stderr.write(`sentinel canary: ${err.code}: ${err.describe()}\n`);
      return CANARY_EXIT.usage;
    }
    process.stderr.write(`sentinel canary: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return CANARY_EXIT.internal;
  }
}
