/** @module proxy/k8s/podIndex — pod IP → tenant label, from an informer on labelled pods, with a bounded diagnostic on a miss. */
import { type Logger } from 'pino';
import { silentLogger } from '../../lib/log.ts';
import { type KubeApi, type KubeList, type KubeObject } from './kubeApi.ts';
import { runListWatch } from './listWatch.ts';
import { PODS, collectionPath } from './resources.ts';

interface Pod extends KubeObject {
  status?: { podIP?: string; podIPs?: { ip?: string }[] };
}

/** The answer for one caller IP. */
export type PodLookup = { found: true; id: string } | { found: false; reason: string };

export interface PodIndexOptions {
  api: KubeApi;
  namespace: string;
  /** The tenant label key (`playwright-id`). */
  labelKey: string;
  log?: Logger;
  /** How long a negative diagnostic is remembered per IP (default 5 s), so unknown callers cannot flood the API. */
  negativeTtlMs?: number;
  /** Deadline of the one List made on a cache miss (default 1 s). */
  missListTimeoutMs?: number;
}

function ipsOf(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((x) => x.ip ?? '').filter(Boolean);
  if (pod.status?.podIP && !ips.includes(pod.status.podIP)) ips.push(pod.status.podIP);
  return ips;
}

/** `::ffff:10.0.0.1` (IPv4-mapped, as Node reports IPv4 peers on a dual-stack socket) → `10.0.0.1`. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * Watches pods in one namespace that carry the tenant label (label-existence selector, as the reference proxy does)
 * and maps their IPs to the label's value. No field selector on `status.podIP`: a watch sends no event when a pod
 * merely gets its IP. A miss is answered after at most one bounded List (by IP, without the label selector) that
 * tells "pod lacks the label" from "no such pod" — never after a 10 s poll loop as in the reference.
 */
export class PodIndex {
  readonly #opts: PodIndexOptions;
  readonly #byIp = new Map<string, { id: string; pod: string }>();
  readonly #byPod = new Map<string, string[]>();
  readonly #negative = new Map<string, { reason: string; untilMs: number }>();
  readonly #stop = new AbortController();
  readonly #log: Logger;
  #synced = false;
  readonly synced: Promise<void>;
  #resolveSynced!: () => void;
  #loop: Promise<void> | undefined;

  constructor(opts: PodIndexOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.synced = new Promise((r) => (this.#resolveSynced = r));
  }

  /** Starts the informer; `synced` resolves after the first list. */
  start(): void {
    this.#loop = runListWatch<Pod>({
      api: this.#opts.api,
      path: collectionPath(PODS, this.#opts.namespace),
      labelSelector: this.#opts.labelKey,
      signal: this.#stop.signal,
      onList: (pods) => {
        this.#byIp.clear();
        this.#byPod.clear();
        for (const p of pods) this.#upsert(p);
        if (!this.#synced) {
          this.#synced = true;
          this.#log.info({ registeredPods: this.#byPod.size }, 'identity: informer cache synced');
          this.#resolveSynced();
        }
      },
      onEvent: (type, pod) => (type === 'DELETED' ? this.#remove(pod.metadata.name) : this.#upsert(pod)),
      onRetry: (err, attempt) =>
        this.#log.warn({ err: String(err), attempt }, 'identity: pod watch interrupted'),
    }).catch((err: unknown) => this.#log.error({ err: String(err) }, 'identity: pod informer stopped'));
  }

  ready(): boolean {
    return this.#synced;
  }

  /** Registered pods (for metrics and tests). */
  get size(): number {
    return this.#byPod.size;
  }

  #remove(name: string): void {
    for (const ip of this.#byPod.get(name) ?? []) {
      if (this.#byIp.get(ip)?.pod === name) this.#byIp.delete(ip);
    }
    this.#byPod.delete(name);
  }

  #upsert(pod: Pod): void {
    this.#remove(pod.metadata.name);
    const id = pod.metadata.labels?.[this.#opts.labelKey];
    const ips = ipsOf(pod);
    if (!id || ips.length === 0 || pod.metadata.deletionTimestamp) return;
    for (const ip of ips) {
      this.#byIp.set(ip, { id, pod: pod.metadata.name });
      this.#negative.delete(ip);
    }
    this.#byPod.set(pod.metadata.name, ips);
  }

  /** The tenant of the pod with `rawIp`, or why there is none. */
  async lookup(rawIp: string, signal?: AbortSignal): Promise<PodLookup> {
    const ip = normalizeIp(rawIp);
    const hit = this.#byIp.get(ip);
    if (hit) return { found: true, id: hit.id };
    const neg = this.#negative.get(ip);
    if (neg && neg.untilMs > Date.now()) return { found: false, reason: neg.reason };
    const result = await this.#diagnose(ip, signal);
    if (!result.found)
      this.#negative.set(ip, {
        reason: result.reason,
        untilMs: Date.now() + (this.#opts.negativeTtlMs ?? 5000),
      });
    return result;
  }

  async #diagnose(ip: string, signal?: AbortSignal): Promise<PodLookup> {
    const { namespace, labelKey } = this.#opts;
    const timeout = AbortSignal.timeout(this.#opts.missListTimeoutMs ?? 1000);
    try {
      const list = await this.#opts.api.request<KubeList<Pod>>({
        method: 'GET',
        path: collectionPath(PODS, namespace),
        query: { fieldSelector: `status.podIP=${ip}` },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const pod = list.items.find((p) => !p.metadata.deletionTimestamp);
      if (!pod) return { found: false, reason: `no pod in namespace ${namespace} has IP ${ip}` };
      const id = pod.metadata.labels?.[labelKey];
      if (id) {
        this.#upsert(pod);
        return { found: true, id };
      }
      this.#log.warn({ ip, pod: pod.metadata.name }, 'identity: pod missing required label');
      return {
        found: false,
        reason: `client pod ${namespace}/${pod.metadata.name} (${ip}) is not labelled with ${labelKey}`,
      };
    } catch (err) {
      return {
        found: false,
        reason: `client ${ip} is not a known labelled pod (lookup failed: ${err instanceof Error ? err.message : String(err)})`,
      };
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}
