/**
 * @module plugin/inProcess — the plugin's metric provider for a caller in the same process (`sentinel demo`): the very
 * `CheckProvider` the go-plugin server wraps, with the checks the plugin ships, driven the way Argo Rollouts' controller
 * drives it — `Run` (answers `Running` + `resumeAt` at once), then `Resume` at `resumeAt` until the measurement is
 * complete, `Terminate` when the caller gives up. The one plugin module other folders may import at runtime
 * (eslint.config.mjs): the demo then shows the same `kind: canary` code path a cluster runs, minus the wire.
 */
import { randomUUID } from 'node:crypto';
import type { JourneyRunner, LogCollector } from '../analysis/index.ts';
import type { CanaryAnalysisInput } from '../analysis/index.ts';
import { COMPLETED_PHASES, type AnalysisRun, type Measurement, type Metric } from './argoTypes.ts';
import { CheckProvider } from './checkProvider.ts';
import { defaultChecks } from './checks/registry.ts';
import type { CanaryCheckResult } from './checks/canary.ts';
import { PLUGIN_NAME } from './errors.ts';
import { createPluginLogger, type Logger } from './log.ts';
import type { MetricProvider } from './provider.ts';

export type { AnalysisRun, Measurement, Metric, MetricProvider, CanaryCheckResult };
export { PLUGIN_NAME };

export interface InProcessProviderOptions {
  /** Logs of the canary and stable pods (files, not the Kubernetes API). */
  collector: () => LogCollector | undefined;
  /** Default: the plugin's own (Playwright through the sandbox proxy). */
  journeyRunner?: () => Promise<JourneyRunner | undefined>;
  /** Default: silent (the caller prints its own progress). */
  log?: Logger;
}

/** The plugin's provider with its shipped checks, reading logs from `collector` and no cluster. */
export function inProcessProvider(o: InProcessProviderOptions): MetricProvider {
  return new CheckProvider({
    checks: defaultChecks({
      kubeConfig: async () => undefined,
      collector: o.collector,
      ...(o.journeyRunner ? { journeyRunner: o.journeyRunner } : {}),
    }),
    log: o.log ?? createPluginLogger({ level: 'silent' }),
  });
}

/** The `kind: canary` block of an AnalysisTemplate, as a user writes it under `provider.plugin`. */
export type CanaryBlock = CanaryAnalysisInput & { resumeAfter?: string };

/**
 * A Metric as the controller passes it: `provider.plugin["rollout-sentinel/canary"]` holds the block's JSON bytes
 * (`json.RawMessage`, `{{args.*}}` already resolved), conditions as written in the template (empty → the verdict's
 * default phase).
 */
export function canaryMetric(
  name: string,
  block: CanaryBlock,
  conditions: { successCondition?: string; failureCondition?: string } = {},
): Metric {
  return {
    name,
    successCondition: conditions.successCondition ?? '',
    failureCondition: conditions.failureCondition ?? '',
    plugin: { [PLUGIN_NAME]: new TextEncoder().encode(JSON.stringify({ kind: 'canary', ...block })) },
    raw: {},
  };
}

/** An AnalysisRun as the controller passes it, owned by its Rollout. */
export function analysisRun(o: { name: string; namespace: string; rollout: string }): AnalysisRun {
  return {
    name: o.name,
    namespace: o.namespace,
    uid: randomUUID(),
    labels: {},
    annotations: {},
    ownerReferences: [{ kind: 'Rollout', name: o.rollout, uid: randomUUID() }],
    raw: {},
  };
}

function sleepUntil(at: Date | undefined, signal: AbortSignal): Promise<void> {
  const ms = Math.max(0, (at?.getTime() ?? Date.now()) - Date.now());
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One measurement, as the controller takes it: Run, then Resume at each `resumeAt` until the phase is completed.
 * `onMeasurement` sees every measurement the provider returns (the Running ones included). When `signal` aborts, the
 * measurement is terminated (its background work aborted) and the promise rejects with the signal's reason.
 */
export async function measure(
  provider: MetricProvider,
  call: { run: AnalysisRun; metric: Metric },
  o: { signal: AbortSignal; onMeasurement?: (m: Measurement) => void },
): Promise<Measurement> {
  let m = await provider.run(call.run, call.metric);
  o.onMeasurement?.(m);
  try {
    while (!COMPLETED_PHASES.has(m.phase)) {
      await sleepUntil(m.resumeAt, o.signal);
      m = await provider.resume(call.run, call.metric, m);
      o.onMeasurement?.(m);
    }
    return m;
  } catch (err) {
    if (!COMPLETED_PHASES.has(m.phase)) await provider.terminate(call.run, call.metric, m);
    throw err;
  }
}
