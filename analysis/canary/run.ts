/**
 * @module analysis/canary/run — the canary analysis: resolve references → (journeys ∥ logs and events of both
 * ReplicaSets) → judge → verdict → issue or loop closure. Every entry point (plugin, `sentinel canary`,
 * `sentinel serve`) calls {@link runCanaryAnalysis}; nothing about the analysis lives in an entry point.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { collectRequest, analyze, type AnalysisRequest } from '../analyze.ts';
import { AnalysisError } from '../errors.ts';
import { POLICY_NAMES, type PolicyName } from '../judges/combine.ts';
import { GeminiClient } from '../judges/llm/geminiClient.ts';
import { LlmJudge } from '../judges/llm/llmJudge.ts';
import { DEFAULT_SIDECARS, KubernetesLogCollector, podTemplateHashSelector } from '../logs/kubernetesLogs.ts';
import { FileLogCollector } from '../logs/fileCollector.ts';
import type { LogCollector } from '../logs/types.ts';
import type { RolloutContext } from '../report/types.ts';
import type { JudgeResult } from '../types.ts';
import { summarizeJourneys, type JourneyRunner, type JourneySummary } from './journeys.ts';
import { apiErrorLine } from './kubeRefs.ts';
import { prepare, type Prepared } from './prepare.ts';
import { reportVerdict } from './report.ts';
import { toCanaryVerdict } from './verdict.ts';
import type { CanaryAnalysis, CanaryVerdict } from './types.ts';

/** The issue body's name for the link to the verdict report page (`report.pageUrl`). */
export const REPORT_PAGE_LINK = 'verdict report page';

/** What the analysis runs with; entry points supply what they have. */
export interface CanaryDeps {
  /** The cluster (in-cluster ServiceAccount, a kubeconfig, or the test fixture). */
  kubeConfig?: KubeConfig | undefined;
  /** Overrides log collection (logs from files in the CLI without a cluster; tests). Default: the Kubernetes API. */
  collector?: LogCollector | undefined;
  journeyRunner?: JourneyRunner | undefined;
  log?: Logger | undefined;
  now?: () => Date;
}

/** Progress events for a terminal or a log. */
export type CanaryProgress =
  | { stage: 'prepared' }
  | { stage: 'evidence'; pods: { stable: number; canary: number }; warnings: number }
  | { stage: 'journeys'; runs: number }
  | { stage: 'judged'; verdict: string; confidence: number }
  | { stage: 'reported'; action: string };

export interface CanaryRunOptions {
  signal: AbortSignal;
  /** End of the previous measurement of this AnalysisRun (the log window starts there, bounded by `maxWindow`). */
  previousMeasurementAt?: Date | undefined;
  onProgress?: ((p: CanaryProgress) => void) | undefined;
}

/** The label selector of one side's pods: its own selector, else its pod-template-hash label. */
function selectorOf(side: CanaryAnalysis['canary']): string {
  return side.selector ?? podTemplateHashSelector(side.podTemplateHash);
}

/** Start of the log window. */
export function logWindowStart(a: CanaryAnalysis, now: Date, previous: Date | undefined): Date {
  const { window, firstWindow, maxWindow } = a.logs;
  const start =
    window === 'since-last-measurement' && previous ? previous.getTime() : now.getTime() - firstWindow;
  return new Date(Math.max(start, now.getTime() - maxWindow));
}

function collectorFor(a: CanaryAnalysis, deps: CanaryDeps, since: Date, log: Logger): LogCollector {
  if (deps.collector) return deps.collector;
  if (a.logs.files) return new FileLogCollector(a.logs.files);
  if (!deps.kubeConfig) {
    throw new AnalysisError(
      'LogCollectionFailed',
      'No Kubernetes connection to read the pods of the canary and stable.',
      {
        hint: 'Run in the cluster (the plugin) or with a kubeconfig (KUBECONFIG), or give log files to `sentinel canary`.',
      },
    );
  }
  return new KubernetesLogCollector({
    kubeConfig: deps.kubeConfig,
    namespace: a.namespace,
    selectors: {
      canary: selectorOf(a.canary),
      stable: selectorOf(a.stable),
    },
    sidecars: [...new Set([...(a.logs.sidecars ?? []), ...DEFAULT_SIDECARS])],
    since,
    limitBytes: a.logs.maxBytesPerContainer,
    maxPods: a.logs.maxPods,
    log,
  });
}

function llmFor(a: CanaryAnalysis, key: string | undefined, log: Logger): LlmJudge | undefined {
  if (a.llm.provider === 'none' || !key) return undefined;
  const client = new GeminiClient({
    apiKey: key,
    model: a.llm.model,
    baseUrl: a.llm.baseUrl,
    timeoutMs: a.llm.timeout,
    log,
  });
  return new LlmJudge({
    client,
    maxInputTokens: a.llm.maxInputTokens,
    rollout: `${a.namespace}/${a.rollout}`,
    log,
  });
}

type Evidence = { request: AnalysisRequest; warnings: string[] } | { failed: string };

async function collectEvidence(collector: LogCollector, signal: AbortSignal): Promise<Evidence> {
  try {
    return await collectRequest(collector, { signal });
  } catch (err) {
    signal.throwIfAborted();
    const cause = (err as { cause?: unknown }).cause;
    const message = err instanceof AnalysisError ? err.message : errorMessage(err);
    // client-node's message is a multi-line dump; keep "what was attempted" and the API's own one-line reason.
    const line =
      cause === undefined ? message : `${message.split(' failed: ')[0]} failed: ${apiErrorLine(cause)}`;
    return { failed: err instanceof AnalysisError && err.hint ? `${line} (${err.hint})` : line };
  }
}

async function runJourneys(
  a: CanaryAnalysis,
  p: Prepared,
  runner: JourneyRunner | undefined,
  signal: AbortSignal,
): Promise<JourneySummary | undefined> {
  if (!a.journeys || !p.journeys || !runner) return undefined;
  const outcome = await runner.run({
    specs: p.journeys.specs,
    canaryUrl: a.canary.url as string,
    stableUrl: a.stable.url as string,
    proxy: { url: a.journeys.proxy, token: p.journeys.proxyToken },
    backends: a.journeys.backends,
    repeat: a.journeys.repeat,
    artifactsDir: a.artifactsDir,
    signal: AbortSignal.any([signal, AbortSignal.timeout(a.journeys.timeout)]),
  });
  return summarizeJourneys(outcome);
}

/** Image and digest of the canary, from one of its pods (for the issue); best effort. */
async function canaryImage(
  a: CanaryAnalysis,
  kc: KubeConfig | undefined,
): Promise<Pick<RolloutContext, 'image' | 'imageDigest'>> {
  if (!kc) return {};
  try {
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
      namespace: a.namespace,
      labelSelector: selectorOf(a.canary),
      limit: 1,
    });
    const status = pods.items[0]?.status?.containerStatuses?.[0];
    const digest = /sha256:[0-9a-f]{64}/.exec(status?.imageID ?? '')?.[0];
    return { ...(status?.image ? { image: status.image } : {}), ...(digest ? { imageDigest: digest } : {}) };
  } catch {
    return {};
  }
}

function policyOf(a: CanaryAnalysis): PolicyName | undefined {
  if (a.policy === undefined) return undefined;
  if (!(POLICY_NAMES as readonly string[]).includes(a.policy)) {
    throw new AnalysisError(
      'UnknownPolicy',
      `policy "${a.policy}" is not one of ${POLICY_NAMES.join(', ')}.`,
      {
        hint: 'Remove it for the default, or use one of the listed policies.',
      },
    );
  }
  return a.policy as PolicyName;
}

/**
 * Runs one canary analysis. Rejects with an {@link AnalysisError} for configuration problems (a missing Secret or
 * ConfigMap, a spec that does not parse: the caller reports an error, not a verdict) and when `signal` aborts (all
 * work is aborted with it). Infrastructure failures (API unreachable, proxy down, LLM failing) resolve to an
 * `inconclusive` verdict with `infrastructure: true` and what was missing — never a promote or a rollback.
 */
export async function runCanaryAnalysis(
  a: CanaryAnalysis,
  deps: CanaryDeps,
  opts: CanaryRunOptions,
): Promise<CanaryVerdict> {
  const t0 = performance.now();
  const log = deps.log ?? silentLogger;
  const now = deps.now?.() ?? new Date();
  opts.signal.throwIfAborted();
  const policy = policyOf(a);
  const prepared = await prepare(
    a,
    { kubeConfig: deps.kubeConfig, namespace: a.namespace },
    deps.journeyRunner,
  );
  opts.signal.throwIfAborted();
  opts.onProgress?.({ stage: 'prepared' });
  const since = logWindowStart(a, now, opts.previousMeasurementAt);
  const collector = collectorFor(a, deps, since, log);
  // Journeys stop early when the evidence shows there is no canary to test.
  const journeysAbort = new AbortController();
  const journeysSignal = AbortSignal.any([opts.signal, journeysAbort.signal]);
  const evidenceP = collectEvidence(collector, opts.signal).then((e) => {
    if ('failed' in e || !hasCanary(e.request)) journeysAbort.abort(new Error('no canary to test'));
    const pods = 'failed' in e ? { stable: 0, canary: 0 } : countPods(e.request);
    opts.onProgress?.({ stage: 'evidence', pods, warnings: 'failed' in e ? 1 : e.warnings.length });
    return e;
  });
  const journeysP = runJourneys(a, prepared, deps.journeyRunner, journeysSignal).then(
    (j) => {
      opts.onProgress?.({
        stage: 'journeys',
        runs: j?.journeys.reduce((n, x) => n + x.runs.canary + x.runs.stable, 0) ?? 0,
      });
      return j;
    },
    (err: unknown) => {
      opts.signal.throwIfAborted();
      if (journeysAbort.signal.aborted) return undefined;
      return {
        journeys: [],
        judge: [],
        infrastructure: [`journeys: ${errorMessage(err).slice(0, 300)}`],
      } satisfies JourneySummary;
    },
  );
  const [evidence, journeys] = await Promise.all([evidenceP, journeysP]);
  const base = { analysis: a, since, journeys, started: t0 };
  const ctx = { deps, prepared, opts, started: t0 };
  if ('failed' in evidence)
    return finish(a, inconclusive(base, [`logs and events: ${evidence.failed}`], true), ctx);
  const pods = countPods(evidence.request);
  if (!hasCanary(evidence.request)) {
    const what = `no canary pods (label ${selectorOf(a.canary)} in namespace ${a.namespace})`;
    return finish(a, inconclusive({ ...base, warnings: evidence.warnings }, [what], false), ctx);
  }
  const judged = await analyze(
    { ...evidence.request, ...(journeys ? { journeys: journeys.judge } : {}) },
    { signal: opts.signal, llm: llmFor(a, prepared.llmApiKey, log), ...(policy ? { policy } : {}), log },
  );
  opts.onProgress?.({ stage: 'judged', verdict: judged.verdict, confidence: judged.confidence });
  const verdict = toCanaryVerdict({
    ...base,
    judged,
    pods,
    warnings: evidence.warnings,
    request: evidence.request,
  });
  return finish(a, verdict, { ...ctx, judged });
}

/** Whether there is a canary to judge: its pods in the cluster, or its log files. */
function hasCanary(r: AnalysisRequest): boolean {
  return (r.pods ?? []).some((p) => p.side === 'canary') || r.canary.length > 0;
}

function countPods(r: AnalysisRequest): { stable: number; canary: number } {
  const pods = r.pods ?? [];
  return {
    stable: pods.filter((p) => p.side === 'stable').length,
    canary: pods.filter((p) => p.side === 'canary').length,
  };
}

function inconclusive(
  b: {
    analysis: CanaryAnalysis;
    since: Date;
    journeys: JourneySummary | undefined;
    started: number;
    warnings?: string[];
  },
  missing: string[],
  infrastructure: boolean,
): CanaryVerdict {
  return toCanaryVerdict({
    ...b,
    missing,
    infrastructure,
    pods: { stable: 0, canary: 0 },
    warnings: b.warnings ?? [],
  });
}

/**
 * The failing canary journey's trace and screenshot, for the acceptance check (paths where the analysis ran:
 * the issue shows them as a command to replay, not as links, which must be http(s)).
 */
function failedJourneyEvidence(v: CanaryVerdict): Pick<RolloutContext, 'journeyCommand'> {
  const f = v.journeys
    .flatMap((j) => j.failures)
    .find((x) => x.side === 'canary' && (x.trace || x.screenshot));
  if (!f) return {};
  const lines = [
    ...(f.trace ? [`npx playwright show-trace ${f.trace}`] : []),
    ...(f.screenshot ? [`# screenshot of the failure: ${f.screenshot}`] : []),
  ];
  return { journeyCommand: lines.join('\n') };
}

async function finish(
  a: CanaryAnalysis,
  v: CanaryVerdict,
  ctx: {
    deps: CanaryDeps;
    prepared: Prepared;
    opts: CanaryRunOptions;
    started: number;
    judged?: JudgeResult;
  },
): Promise<CanaryVerdict> {
  const { deps, opts, judged } = ctx;
  // Only a verdict the judge itself reached is reported (a promote downgraded for missing journeys is not).
  if (judged && v.verdict === judged.verdict) {
    const context: RolloutContext = {
      rollout: a.rollout,
      namespace: a.namespace,
      canaryPodTemplateHash: a.canary.podTemplateHash,
      stablePodTemplateHash: a.stable.podTemplateHash,
      ...(await canaryImage(a, deps.kubeConfig)),
      ...failedJourneyEvidence(v),
      ...(a.report?.pageUrl ? { links: { [REPORT_PAGE_LINK]: a.report.pageUrl } } : {}),
    };
    if (context.image) v.rollout.image = context.image;
    const report = await reportVerdict({
      analysis: a,
      judged,
      context,
      githubToken: ctx.prepared.githubToken,
      signal: opts.signal,
      log: deps.log ?? silentLogger,
    });
    if (report) {
      v.report = report;
      opts.onProgress?.({ stage: 'reported', action: report.action });
    }
  }
  v.durationMs = Math.round(performance.now() - ctx.started);
  return v;
}
