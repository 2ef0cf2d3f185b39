/**
 * @module demo/canaryStep — the demo's one call into the product: a canary analysis of the shop, through the same
 * `runCanaryAnalysis` the plugin's `kind: canary` check runs (journeys through the proxy ∥ the pods' logs → judge →
 * verdict → issue or loop closure), then its report page. The only demo file importing the product at runtime
 * (eslint.config.mjs names it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  runCanaryAnalysis,
  type CanaryAnalysisInput,
  type CanaryVerdict,
  CanaryAnalysisSchema,
  PlaywrightJourneyRunner,
} from '../analysis/index.ts';
import { pageFromCanaryVerdict, writeReportPage } from '../analysis/report/page/index.ts';
import { PodLogCollector, type PodLog } from './podLogs.ts';
import type { ReplicaSet } from './fleet.ts';

export interface CanaryStepInput {
  stable: ReplicaSet;
  canary: ReplicaSet;
  /** The Services journeys open (the stable and the canary Service). */
  urls: { stable: string; canary: string };
  /** Where each side's log window starts (byte offsets taken before the stage's traffic). */
  logs: { stable: readonly PodLog[]; canary: readonly PodLog[] };
  journeysSpec: string;
  proxyUrl: string;
  repeat: number;
  runDir: string;
  /** `analysis-1-v2`: names the report page and the artifacts folder. */
  label: string;
  report: CanaryAnalysisInput['report'];
  llm?: CanaryAnalysisInput['llm'];
  signal: AbortSignal;
}

export interface CanaryStepResult {
  verdict: CanaryVerdict;
  reportPage: string;
  verdictFile: string;
}

/** Runs one canary analysis of the shop and writes its verdict (JSON) and report page (HTML) into the run folder. */
export async function analyzeCanary(i: CanaryStepInput): Promise<CanaryStepResult> {
  const analysis = CanaryAnalysisSchema.parse({
    rollout: 'shop',
    namespace: 'demo',
    canary: { podTemplateHash: i.canary.hash, url: i.urls.canary },
    stable: { podTemplateHash: i.stable.hash, url: i.urls.stable },
    journeys: {
      inline: i.journeysSpec,
      proxy: i.proxyUrl,
      backends: ['local'],
      repeat: i.repeat,
      timeout: '3m',
    },
    logs: { window: 'fixed' },
    ...(i.llm ? { llm: i.llm } : {}),
    ...(i.report ? { report: i.report } : {}),
    artifactsDir: join(i.runDir, 'artifacts', i.label),
  } satisfies CanaryAnalysisInput);
  const verdict = await runCanaryAnalysis(
    analysis,
    { collector: new PodLogCollector(i.logs), journeyRunner: new PlaywrightJourneyRunner() },
    { signal: i.signal },
  );
  const title = `demo/shop — canary ${i.canary.version} (${i.canary.hash}) vs stable ${i.stable.version} (${i.stable.hash})`;
  const reportPage = await writeReportPage(
    join(i.runDir, `${i.label}.html`),
    pageFromCanaryVerdict(verdict, { title }),
  );
  verdict.artifacts.reportPage = reportPage;
  const verdictFile = join(i.runDir, `${i.label}.json`);
  await writeFile(verdictFile, `${JSON.stringify(verdict, null, 2)}\n`);
  return { verdict, reportPage, verdictFile };
}
