/**
 * @module analysis/logs/kubernetesLogs — log evidence from Kubernetes: every pod of the stable and canary ReplicaSets,
 * every container except sidecars, the previous container's log after a restart, a window aligned with the analysis,
 * byte limits, and pod status and warning events as evidence of their own.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { errorMessage } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { AnalysisError } from '../errors.ts';
import type { LogCollector, LogSource, PodEvidence, Side, SideLogs } from './types.ts';

/** Which pods make up each side, and how much to read. */
export interface KubernetesLogsOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Label selectors per side, e.g. `rollouts-pod-template-hash=6b9f7c`. */
  selectors: Record<Side, string>;
  /** Containers to skip (service-mesh and logging sidecars). */
  sidecars?: readonly string[];
  /** Start of the analysis window; logs before it are not read. */
  since?: Date | undefined;
  /** Byte limit per container log (the API's `limitBytes`). */
  limitBytes?: number;
  /** Pods read per side at most. */
  maxPods?: number;
  log?: Logger;
}

export const DEFAULT_SIDECARS = [
  'istio-proxy',
  'istio-init',
  'linkerd-proxy',
  'linkerd-init',
  'envoy',
  'vault-agent',
  'vault-agent-init',
  'fluent-bit',
  'fluentd',
  'cloudsql-proxy',
];

/** Select pods of a Rollout's ReplicaSet by its pod-template hash (as Argo Rollouts labels them). */
export function podTemplateHashSelector(hash: string): string {
  return `rollouts-pod-template-hash=${hash}`;
}

const WAITING_OR_TERMINATED = (pod: V1Pod): string[] => {
  const reasons = new Set<string>();
  for (const cs of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    for (const r of [
      cs.state?.waiting?.reason,
      cs.state?.terminated?.reason,
      cs.lastState?.terminated?.reason,
    ]) {
      if (r && r !== 'Completed' && r !== 'ContainerCreating' && r !== 'PodInitializing') reasons.add(r);
    }
  }
  if (pod.status?.reason) reasons.add(pod.status.reason); // Evicted, …
  return [...reasons];
};

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** Reads logs and pod evidence through the Kubernetes API. Safe to call concurrently for both sides. */
export class KubernetesLogCollector implements LogCollector {
  readonly #o: Required<Omit<KubernetesLogsOptions, 'since'>> & { since: Date | undefined };
  readonly #core: CoreV1Api;

  constructor(opts: KubernetesLogsOptions) {
    this.#o = {
      sidecars: DEFAULT_SIDECARS,
      limitBytes: 5 * 1024 * 1024,
      maxPods: 20,
      log: silentLogger,
      since: undefined,
      ...opts,
    };
    this.#core = opts.kubeConfig.makeApiClient(CoreV1Api);
  }

  async collect(side: Side, opts: { signal?: AbortSignal | undefined } = {}): Promise<SideLogs> {
    const { namespace } = this.#o;
    let pods: V1Pod[];
    try {
      pods = (await this.#core.listNamespacedPod({ namespace, labelSelector: this.#o.selectors[side] }))
        .items;
    } catch (err) {
      throw new AnalysisError(
        'LogCollectionFailed',
        `Listing ${side} pods (${this.#o.selectors[side]}) in ${namespace} failed: ${errorMessage(err).slice(0, 300)}`,
        {
          hint: 'Check the plugin RBAC: it needs get/list on pods, pods/log and events in the namespace.',
          cause: err,
        },
      );
    }
    const out: SideLogs = { sources: [], pods: [], warnings: [] };
    for (const pod of pods.slice(0, this.#o.maxPods)) {
      opts.signal?.throwIfAborted();
      const name = pod.metadata?.name ?? '?';
      out.pods.push(await this.#evidence(pod, side, out.warnings));
      for (const c of pod.spec?.containers ?? []) {
        if (this.#o.sidecars.includes(c.name)) continue;
        const status = pod.status?.containerStatuses?.find((s) => s.name === c.name);
        if ((status?.restartCount ?? 0) > 0)
          await this.#read(out, { pod: name, container: c.name, previous: true });
        await this.#read(out, { pod: name, container: c.name, previous: false });
      }
    }
    if (pods.length > this.#o.maxPods)
      out.warnings.push(`${pods.length - this.#o.maxPods} ${side} pods not read (limit ${this.#o.maxPods}).`);
    return out;
  }

  async #read(out: SideLogs, t: { pod: string; container: string; previous: boolean }): Promise<void> {
    const since = this.#o.since;
    try {
      const text = await this.#core.readNamespacedPodLog({
        name: t.pod,
        namespace: this.#o.namespace,
        container: t.container,
        previous: t.previous,
        limitBytes: this.#o.limitBytes,
        // client-node's typed request has no sinceTime; sinceSeconds from the window start selects the same lines.
        ...(since && !t.previous
          ? { sinceSeconds: Math.max(1, Math.ceil((Date.now() - since.getTime()) / 1000)) }
          : {}),
      });
      const source: LogSource = {
        name: `${t.pod}/${t.container}${t.previous ? ' (previous)' : ''}`,
        lines: lines(String(text ?? '')),
      };
      out.sources.push(source);
    } catch (err) {
      const msg = `Reading ${t.previous ? 'previous ' : ''}log of ${t.pod}/${t.container} failed: ${errorMessage(err).slice(0, 200)}`;
      this.#o.log.warn({ pod: t.pod, container: t.container }, msg);
      out.warnings.push(msg);
    }
  }

  async #evidence(pod: V1Pod, side: Side, warnings: string[]): Promise<PodEvidence> {
    const name = pod.metadata?.name ?? '?';
    const evidence: PodEvidence = {
      pod: name,
      side,
      phase: pod.status?.phase,
      ready: pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      restarts: (pod.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0),
      reasons: WAITING_OR_TERMINATED(pod),
      events: [],
    };
    try {
      const events = await this.#core.listNamespacedEvent({
        namespace: this.#o.namespace,
        fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`,
      });
      evidence.events = events.items
        .filter((e) => e.type === 'Warning')
        .map((e) => ({ reason: e.reason ?? 'Unknown', message: e.message ?? '', count: e.count ?? 1 }));
      // OOMKilled and restarts also show up as events (kubelet "OOMKilling", "BackOff").
      if (events.items.some((e) => e.reason === 'OOMKilling')) evidence.reasons.push('OOMKilled');
    } catch (err) {
      warnings.push(`Reading events of ${name} failed: ${errorMessage(err).slice(0, 200)}`);
    }
    return evidence;
  }
}
