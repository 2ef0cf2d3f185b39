/**
 * @module plugin/checks/canary — `kind: canary`: adapts the canary analysis (analysis/index.ts) to a measurement.
 * `value` = the verdict in short (what conditions see as `result`), `metadata` = the evidence a person reads in
 * `kubectl argo rollouts get rollout`, `message` = one line saying why. Nothing about the analysis lives here.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { z } from 'zod';
import {
  runCanaryAnalysis,
  type CanaryAnalysis,
  type CanaryVerdict,
  type JourneyRunner,
  type LogCollector,
} from '../../analysis/index.ts';
import type { CanaryCheckSchema } from '../config.ts';
import type { Check, CheckContext, CheckResult } from './types.ts';
import { describeCanary } from './canaryMetadata.ts';
import { previousMeasurementEnd } from './previousMeasurement.ts';

export type CanaryCheckConfig = z.output<typeof CanaryCheckSchema>;

/** Longest metadata value: the AnalysisRun status lives in etcd (1.5 MiB per object, for every measurement kept). */
export const MAX_METADATA_CHARS = 1024;

/** What conditions see as `result`. */
export interface CanaryCheckResult {
  verdict: CanaryVerdict['verdict'];
  confidence: number;
  reasons: string[];
  journeys: { name: string; backend: string; passRate: { stable: number; canary: number } }[];
  infrastructure: boolean;
}

export interface CanaryCheckDeps {
  /** The cluster the plugin reads pods, logs, ConfigMaps and Secrets from (in-cluster by default; loaded lazily). */
  kubeConfig: () => Promise<KubeConfig | undefined>;
  journeyRunner?: (() => Promise<JourneyRunner | undefined>) | undefined;
  /**
   * Where logs come from instead of the Kubernetes API (an in-process caller with its own pods, e.g. `sentinel demo`,
   * see plugin/inProcess.ts). Called once per measurement; undefined → the cluster's pod logs.
   */
  collector?: (() => LogCollector | undefined) | undefined;
}

/**
 * The full verdict's file name in `artifactsDir` (the measurement's `verdictFile` metadata names it): one per
 * measurement, since measurements of many AnalysisRuns may share the folder (`verdict-<run>-<metric>-<ms>.json`).
 */
export function verdictFileName(run: string, metric: string, at: Date): string {
  return `verdict-${`${run}-${metric}`.replace(/[^\w.-]+/g, '_')}-${at.getTime()}.json`;
}

/**
 * Writes the full verdict beside the journey artifacts: metadata is clipped for etcd, the file keeps every reason,
 * template and journey step for a person or a report page. Best effort: a failed write never changes the measurement.
 */
async function writeVerdictFile(
  dir: string | undefined,
  name: string,
  v: CanaryVerdict,
): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    await mkdir(dir, { recursive: true });
    const file = join(dir, name);
    await writeFile(file, `${JSON.stringify(v, null, 2)}\n`);
    return file;
  } catch {
    return undefined;
  }
}

/** The in-cluster (or $KUBECONFIG) connection, loaded on first use so an httpProbe-only plugin never pays for it. */
export async function defaultKubeConfig(): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

const clip = (s: string): string =>
  s.length <= MAX_METADATA_CHARS ? s : `${s.slice(0, MAX_METADATA_CHARS - 1)}…`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;

function reasonLines(v: CanaryVerdict): string {
  return v.reasons
    .slice(0, 3)
    .map(
      (r) =>
        `${r.kind}: ${r.summary}${r.counts ? ` (stable ${r.counts.stable} / canary ${r.counts.canary})` : ''}`,
    )
    .join('\n');
}

function journeyLines(v: CanaryVerdict): string {
  return v.journeys
    .map((j) => {
      const f = j.failures.find((x) => x.side === 'canary');
      const where = f
        ? ` — ${f.step ? `${f.step}: ` : ''}${f.error}${f.trace ? ` trace ${f.trace}` : ''}${f.screenshot ? ` screenshot ${f.screenshot}` : ''}`
        : '';
      return `${j.name} [${j.backend}] stable ${pct(j.passRate.stable)} canary ${pct(j.passRate.canary)}${where}`;
    })
    .join('\n');
}

/** The evidence as measurement metadata (strings, each bounded). */
export function canaryMetadata(v: CanaryVerdict): Record<string, string> {
  const out: Record<string, string> = {
    verdict: v.verdict,
    confidence: v.confidence.toFixed(2),
    evidence: `pods stable ${v.evidence.pods.stable} / canary ${v.evidence.pods.canary}; lines stable ${v.evidence.lines.stable} / canary ${v.evidence.lines.canary}; ${v.evidence.templates} templates${v.evidence.since ? `; since ${v.evidence.since}` : ''}`,
  };
  const put = (k: string, s: string | undefined): void => {
    if (s) out[k] = clip(s);
  };
  put('reasons', reasonLines(v));
  put(
    'newTemplates',
    v.reasons
      .filter((r) => r.kind === 'new_template' && r.template)
      .map((r) => `${r.template} (canary ${r.counts?.canary ?? '?'})`)
      .join('\n'),
  );
  put('journeys', journeyLines(v));
  put('missing', v.missing.join('; '));
  put('warnings', v.evidence.warnings.slice(0, 3).join('; '));
  if (v.llm) {
    put(
      'llm',
      `${v.llm.model ?? 'llm'} ${v.llm.verdict ?? 'no verdict'}; tokens in ${v.llm.tokens.input} out ${v.llm.tokens.output}${v.llm.error ? `; error: ${v.llm.error}` : ''}`,
    );
    put('llmExplanation', v.llm.explanation);
  }
  if (v.report)
    put(
      'report',
      `${v.report.action}${v.report.issueUrl ? ` ${v.report.issueUrl}` : ''}${v.report.outboxFile ? ` ${v.report.outboxFile}` : ''}${v.report.detail ? ` (${v.report.detail})` : ''}`,
    );
  put('artifacts', [...v.artifacts.traces, ...v.artifacts.screenshots].slice(0, 6).join('\n'));
  return out;
}

/** One line saying why. */
export function canaryMessage(v: CanaryVerdict): string {
  const why = v.verdict === 'inconclusive' && v.missing.length > 0 ? v.missing[0] : v.reasons[0]?.summary;
  const issue = v.report?.issueUrl ?? v.report?.outboxFile;
  return clip(`${v.verdict} (${pct(v.confidence)})${why ? `: ${why}` : ''}${issue ? ` — ${issue}` : ''}`);
}

const DEFAULT_PHASE = { promote: 'Successful', rollback: 'Failed', inconclusive: 'Inconclusive' } as const;

/** The `canary` check. */
export class CanaryCheck implements Check<CanaryCheckConfig> {
  readonly #deps: CanaryCheckDeps;

  constructor(deps: CanaryCheckDeps) {
    this.#deps = deps;
  }

  describe(cfg: CanaryCheckConfig): Record<string, string> {
    return describeCanary(cfg);
  }

  async run(cfg: CanaryCheckConfig, ctx: CheckContext): Promise<CheckResult> {
    // Run answers the controller before any of the analysis starts (Run must return in milliseconds).
    await new Promise((resolve) => setImmediate(resolve));
    const { kind: _k, resumeAfter: _r, ...analysis } = cfg;
    const [kubeConfig, journeyRunner] = await Promise.all([
      this.#deps.kubeConfig(),
      this.#deps.journeyRunner?.(),
    ]);
    const v = await runCanaryAnalysis(
      analysis as CanaryAnalysis,
      { kubeConfig, journeyRunner, collector: this.#deps.collector?.(), log: ctx.log },
      { signal: ctx.signal, previousMeasurementAt: previousMeasurementEnd(ctx.run, ctx.metric.name) },
    );
    const result: CanaryCheckResult = {
      verdict: v.verdict,
      confidence: Math.round(v.confidence * 1000) / 1000,
      reasons: v.reasons.slice(0, 3).map((r) => r.summary.slice(0, 160)),
      journeys: v.journeys.map((j) => ({ name: j.name, backend: j.backend, passRate: j.passRate })),
      infrastructure: v.infrastructure,
    };
    ctx.log.info(
      { verdict: v.verdict, confidence: v.confidence, ms: v.durationMs, report: v.report?.action },
      'canary analysed',
    );
    const name = verdictFileName(ctx.run.name, ctx.metric.name, new Date());
    const verdictFile = await writeVerdictFile(cfg.artifactsDir, name, v);
    return {
      result,
      metadata: { ...canaryMetadata(v), ...(verdictFile ? { verdictFile } : {}) },
      message: canaryMessage(v),
      defaultPhase: DEFAULT_PHASE[v.verdict],
      // "Could not decide" (no canary pods, proxy down, API forbidden) is Inconclusive whatever the user's conditions
      // would make of it: conditions choose between promote and rollback (e.g. a confidence bar), never pass a gap.
      ...(v.verdict === 'inconclusive' ? { forcePhase: 'Inconclusive' as const } : {}),
    };
  }
}
