/**
 * @module lib/testing/cluster/e2e/helpers — Argo objects and waits for the end-to-end scenarios and the cluster
 * benches (one place for what every scenario does: load a manifest, wait for a Service, a Rollout state, a new
 * AnalysisRun or a measurement, read the stable ReplicaSet).
 */
import { readFile } from 'node:fs/promises';
import {
  AppsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { SimNode } from '../simNode.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const GROUP = 'argoproj.io';
export const VERSION = 'v1alpha1';

/** Polls `probe` until it returns a value (not undefined), or throws naming `what` and the last state seen. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; periodMs?: number; describe?: () => Promise<string> },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const state = opts.describe ? await opts.describe().catch((e: unknown) => String(e)) : '';
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}${state ? `; last state: ${state}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.periodMs ?? 250));
  }
}

/** The YAML documents of a file (a deploy/ manifest), as plain objects. */
export async function yamlDocs(path: string): Promise<J[]> {
  return parseAllDocuments(await readFile(path, 'utf8'))
    .map((d) => d.toJS() as J)
    .filter(Boolean);
}

/** A Service's `address:port` on the simulated kube-proxy, once it serves the Service. */
export function serviceAddress(
  node: SimNode,
  namespace: string,
  name: string,
  timeoutMs = 15_000,
): Promise<string> {
  return until(
    `the simulated kube-proxy to serve ${namespace}/${name}`,
    async () => {
      try {
        return node.serviceAddress(namespace, name);
      } catch {
        return undefined;
      }
    },
    { timeoutMs },
  );
}

export class Argo {
  readonly api: CustomObjectsApi;
  readonly apps: AppsV1Api;
  readonly namespace: string;
  constructor(kc: KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.namespace = namespace;
  }

  create(plural: string, body: J): Promise<J> {
    return this.api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      body,
    });
  }

  get(plural: string, name: string): Promise<J> {
    return this.api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      name,
    });
  }

  async list(plural: string, labelSelector?: string): Promise<J[]> {
    const l = (await this.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      ...(labelSelector ? { labelSelector } : {}),
    })) as J;
    return l.items as J[];
  }

  /** JSON merge patch. */
  patch(plural: string, name: string, body: J): Promise<J> {
    return this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural, name, body },
      MERGE,
    );
  }

  /** Waits until the Rollout satisfies `ok` and returns it. */
  rolloutUntil(
    name: string,
    what: string,
    ok: (r: J) => boolean | Promise<boolean>,
    opts: { timeoutMs: number; periodMs?: number; describe?: () => Promise<string> },
  ): Promise<J> {
    return until(
      what,
      async () => {
        const r = await this.get('rollouts', name);
        return (await ok(r)) ? r : undefined;
      },
      { describe: () => this.describeRollout(name), ...opts },
    );
  }

  /** Waits for the Rollout to be aborted (abort set, phase Degraded) and returns it. */
  aborted(
    name: string,
    opts: { timeoutMs: number; periodMs?: number; describe?: () => Promise<string> },
  ): Promise<J> {
    return this.rolloutUntil(
      name,
      `the Rollout ${name} to abort`,
      (r) => r.status?.abort === true && r.status?.phase === 'Degraded',
      opts,
    );
  }

  /** The Rollout's state and its AnalysisRuns' measurements, for timeout messages. */
  async describeRollout(name: string): Promise<string> {
    const r = await this.get('rollouts', name);
    const runs = await this.list('analysisruns');
    return JSON.stringify({
      phase: r.status?.phase,
      message: r.status?.message,
      abort: r.status?.abort,
      step: r.status?.currentStepIndex,
      stableRS: r.status?.stableRS,
      runs: runs.map((a) => ({
        name: a.metadata.name,
        phase: a.status?.phase,
        metrics: ((a.status?.metricResults ?? []) as J[]).map((mr) => ({
          name: mr.name,
          phase: mr.phase,
          messages: ((mr.measurements ?? []) as J[]).map((m) => m.message ?? m.phase),
        })),
      })),
    });
  }

  /** The pod template of the Rollout's stable ReplicaSet (what the stable Service serves). */
  async stableTemplate(name: string): Promise<V1PodTemplateSpec | undefined> {
    const r = await this.get('rollouts', name);
    const rs = await this.apps.listNamespacedReplicaSet({
      namespace: this.namespace,
      labelSelector: `rollouts-pod-template-hash=${r.status?.stableRS}`,
    });
    return rs.items[0]?.spec?.template;
  }

  /** The names of the AnalysisRuns that exist now (to find the next one with `newRun`). */
  async runNames(): Promise<Set<string>> {
    return new Set((await this.list('analysisruns')).map((a) => a.metadata.name as string));
  }

  /** The first AnalysisRun not in `before`, if any. */
  async newRun(before: Set<string>): Promise<J | undefined> {
    return (await this.list('analysisruns')).find((a) => !before.has(a.metadata.name as string));
  }

  /** Waits until the run's first metric result satisfies `ok` (e.g. a Running measurement, two measurements). */
  metricUntil(run: string, what: string, ok: (mr: J) => boolean, timeoutMs = 60_000): Promise<J> {
    return until(
      `${what} in AnalysisRun ${run}`,
      async () => {
        const mr = (await this.get('analysisruns', run)).status?.metricResults?.[0] as J | undefined;
        return mr && ok(mr) ? mr : undefined;
      },
      { timeoutMs },
    );
  }

  /** Waits for an AnalysisRun to complete and returns it. */
  analysisRunDone(name: string, timeoutMs: number): Promise<J> {
    return until(
      `AnalysisRun ${name} to complete`,
      async () => {
        const ar = await this.get('analysisruns', name).catch(() => undefined);
        return ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(ar?.status?.phase) ? ar : undefined;
      },
      { timeoutMs, describe: async () => JSON.stringify((await this.get('analysisruns', name)).status) },
    );
  }
}

/** The container of a `sentinel.test/app:<version>` pod (testApp.ts; a version containing `broken` fails /healthz). */
export function appContainer(version: string): J {
  return {
    name: 'app',
    image: `sentinel.test/app:${version}`,
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
  };
}

/** An httpProbe metric of the plugin (the kind it ships with today). */
export function probeMetric(name: string, url: string, extra: J = {}, plugin: J = {}): J {
  return {
    name,
    successCondition: 'result.status == 200',
    provider: {
      plugin: {
        'rollout-sentinel/canary': { kind: 'httpProbe', url, timeout: '5s', resumeAfter: '200ms', ...plugin },
      },
    },
    ...extra,
  };
}

/** A standalone AnalysisRun (as a Rollout's analysis step would create one). */
export function analysisRun(name: string, metrics: J[], extra: J = {}): J {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'AnalysisRun',
    metadata: { name },
    spec: { metrics, ...extra },
  };
}

/**
 * A standalone run of `count` httpProbe measurements at 1 s against `url`, past measurement retention (10): the
 * GarbageCollect case (Argo garbage-collects on every reconcile once a metric holds more than 10). Returns the
 * completed run.
 */
export async function runPastRetention(argo: Argo, name: string, url: string, count = 14): Promise<J> {
  await argo.create(
    'analysisruns',
    analysisRun(name, [probeMetric('health', url, { count, interval: '1s' }, { resumeAfter: '50ms' })]),
  );
  return argo.analysisRunDone(name, 120_000);
}

/** Every measurement message of a run (MeasurementNotFound and friends show up here). */
export function messages(ar: J): string[] {
  return ((ar.status?.metricResults ?? []) as J[]).flatMap((mr) =>
    ((mr.measurements ?? []) as J[]).map((m) => String(m.message ?? '')).filter(Boolean),
  );
}

/** A metric result whose newest measurement is Running (a check in flight). */
export const running = (mr: J): boolean => mr.measurements?.at(-1)?.phase === 'Running';
/** A metric result with at least `n` finished measurements. */
export const counted =
  (n: number) =>
  (mr: J): boolean =>
    (mr.count ?? 0) >= n;
