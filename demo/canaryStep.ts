/**
 * @module demo/canaryStep — the demo's one call into the product: one measurement of the plugin's `kind: canary`
 * check, driven in-process through the provider's Run/Resume (plugin/inProcess.ts) exactly as the Argo Rollouts
 * controller drives it (journeys through the proxy ∥ the pods' logs → judge → verdict → issue or loop closure), then
 * its report page. The verdict is the measurement's (phase, value, metadata); the full verdict the check writes beside
 * its artifacts feeds the report page. The only demo file importing the product at runtime (eslint.config.mjs names it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CanaryAnalysisInput, CanaryVerdict } from '../analysis/index.ts';
import { pageFromCanaryVerdict, writeReportPage } from '../analysis/report/page/index.ts';
import {
  analysisRun,
  canaryMetric,
  inProcessProvider,
  measure,
  type CanaryCheckResult,
  type Measurement,
} from '../plugin/inProcess.ts';
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
  /** The proxy credential (a signed tenant token), by reference, as a cluster's AnalysisTemplate gives it. */
  proxyToken?: { file: string };
  repeat: number;
  runDir: string;
  /** `analysis-1-v2`: names the report page and the artifacts folder. */
  label: string;
  report: CanaryAnalysisInput['report'];
  llm?: CanaryAnalysisInput['llm'];
  signal: AbortSignal;
}

export interface CanaryStepResult {
  /** The completed measurement the provider returned (what the controller would store in the AnalysisRun). */
  measurement: Measurement;
  /** Its value: the verdict in short, what success/failure conditions see as `result`. */
  result: CanaryCheckResult;
  /** The full verdict the check wrote beside its artifacts (metadata `verdictFile`). */
  verdict: CanaryVerdict;
  reportPage: string;
  /** The measurement, as JSON in the run folder. */
  measurementFile: string;
  verdictFile: string;
}

/**
 * How often the demo "controller" resumes: the template's `resumeAfter` (5 s by default in a cluster, where RPCs cost
 * something). In-process a Resume costs microseconds, and polling often keeps the loop from idling after a verdict.
 */
const RESUME_AFTER = '250ms';

/** Why a measurement has no verdict to show: its phase and message (an Error measurement says what went wrong). */
export class MeasurementWithoutVerdict extends Error {
  override name = this.constructor.name;
}

/**
 * The measurement's value (`result` of the conditions). The plugin clips a value over 2 KiB for etcd, which leaves
 * invalid JSON: then the same fields from the full verdict.
 */
function valueOf(m: Measurement, v: CanaryVerdict): CanaryCheckResult {
  try {
    return JSON.parse(m.value ?? '') as CanaryCheckResult;
  } catch {
    return {
      verdict: v.verdict,
      confidence: v.confidence,
      reasons: v.reasons.slice(0, 3).map((r) => r.summary),
      journeys: v.journeys.map((j) => ({ name: j.name, backend: j.backend, passRate: j.passRate })),
      infrastructure: v.infrastructure,
    };
  }
}

/** Runs one measurement of the shop's canary and writes it, its verdict and report page into the run folder. */
export async function analyzeCanary(i: CanaryStepInput): Promise<CanaryStepResult> {
  const reportPage = join(i.runDir, `${i.label}.html`);
  const block = {
    rollout: 'shop',
    namespace: 'demo',
    canary: { podTemplateHash: i.canary.hash, url: i.urls.canary },
    stable: { podTemplateHash: i.stable.hash, url: i.urls.stable },
    journeys: {
      inline: i.journeysSpec,
      proxy: i.proxyUrl,
      ...(i.proxyToken ? { proxyToken: i.proxyToken } : {}),
      backends: ['local'],
      repeat: i.repeat,
      timeout: '3m',
    },
    logs: { window: 'fixed' as const },
    ...(i.llm ? { llm: i.llm } : {}),
    // The issue links the report page this step writes once the verdict is in.
    ...(i.report ? { report: { ...i.report, pageUrl: pathToFileURL(reportPage).href } } : {}),
    artifactsDir: join(i.runDir, 'artifacts', i.label),
    resumeAfter: RESUME_AFTER,
  };
  const provider = inProcessProvider({ collector: () => new PodLogCollector(i.logs) });
  try {
    const measurement = await measure(
      provider,
      {
        run: analysisRun({ name: `shop-${i.canary.hash}-${i.label}`, namespace: 'demo', rollout: 'shop' }),
        metric: canaryMetric('canary', block),
      },
      { signal: i.signal },
    );
    const measurementFile = join(i.runDir, `${i.label}.measurement.json`);
    await writeFile(measurementFile, `${JSON.stringify(measurement, null, 2)}\n`);
    const checkVerdict = measurement.metadata?.verdictFile;
    if (!measurement.value || !checkVerdict)
      throw new MeasurementWithoutVerdict(
        `the canary measurement ended ${measurement.phase} without a verdict: ${measurement.message ?? '(no message)'} (${measurementFile})`,
      );
    const verdict = JSON.parse(await readFile(checkVerdict, 'utf8')) as CanaryVerdict;
    const title = `demo/shop — canary ${i.canary.version} (${i.canary.hash}) vs stable ${i.stable.version} (${i.stable.hash})`;
    await writeReportPage(reportPage, pageFromCanaryVerdict(verdict, { title }));
    verdict.artifacts.reportPage = reportPage;
    // The run folder's copy, beside its page (the artifacts copy is the plugin's, as the check wrote it).
    const verdictFile = join(i.runDir, `${i.label}.json`);
    await writeFile(verdictFile, `${JSON.stringify(verdict, null, 2)}\n`);
    const result = valueOf(measurement, verdict);
    return { measurement, result, verdict, reportPage, measurementFile, verdictFile };
  } finally {
    provider.close();
  }
}
