/** @module lib/testing/cluster/e2e/helpers — Argo objects and waits for the end-to-end scenarios. */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

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

export class Argo {
  readonly api: CustomObjectsApi;
  readonly namespace: string;
  constructor(kc: KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
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

/** Every measurement message of a run (MeasurementNotFound and friends show up here). */
export function messages(ar: J): string[] {
  return ((ar.status?.metricResults ?? []) as J[]).flatMap((mr) =>
    ((mr.measurements ?? []) as J[]).map((m) => String(m.message ?? '')).filter(Boolean),
  );
}
