/** @module lib/testing/kube/karsController — plays the KARS controller against the real API server. */
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startInformerLoop, type InformerLoop } from './informerLoop.ts';

const KARS = { group: 'kars.azure.com', version: 'v1alpha1', plural: 'karssandboxes' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The parts of a KarsSandbox the controller reads. */
export interface KarsSandboxObject extends KubernetesObject {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: Date };
  status?: { phase?: string };
}

/** How the controller treats one sandbox (default: run at once). */
export type KarsBehaviour =
  | { kind: 'run' }
  | { kind: 'hold'; phase: 'Pending' | 'Creating' }
  | { kind: 'fail'; phase: 'Failed' | 'Degraded'; reason: string; message: string }
  /** Running, but the sandbox pod never starts. */
  | { kind: 'noPod' };

export interface KarsControllerOptions {
  kc: KubeConfig;
  podIp(s: KarsSandboxObject): string | Promise<string>;
  onPodDeleted?(s: KarsSandboxObject): void | Promise<void>;
  behaviour?(s: KarsSandboxObject): KarsBehaviour;
}

/**
 * For each new KarsSandbox: creates namespace `kars-<name>` and a sandbox pod labelled
 * `kars.azure.com/component=sandbox` there (Running, with an IP), then sets `status.phase: Running` and
 * `status.namespace`. On deletion it deletes the pod; the namespace is left (no namespace controller runs here, so a
 * deleted namespace would stay Terminating and block the next sandbox of the same name).
 */
export class KarsController {
  readonly #opts: KarsControllerOptions;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #busy = new Set<string>();
  #loop: InformerLoop | undefined;

  constructor(opts: KarsControllerOptions) {
    this.#opts = opts;
    this.#custom = opts.kc.makeApiClient(CustomObjectsApi);
    this.#core = opts.kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    this.#loop = startInformerLoop<KarsSandboxObject>(
      this.#opts.kc,
      `/apis/${KARS.group}/${KARS.version}/${KARS.plural}`,
      () => this.#custom.listClusterCustomObject({ ...KARS }) as Promise<never>,
      { onUpsert: (s) => this.#kick(s), onDelete: (s) => void this.#collect(s) },
    );
    await this.#loop.synced;
  }

  async stop(): Promise<void> {
    await this.#loop?.stop();
  }

  #kick(s: KarsSandboxObject): void {
    if (s.metadata.deletionTimestamp || s.status?.phase || this.#busy.has(s.metadata.uid)) return;
    this.#busy.add(s.metadata.uid);
    this.#reconcile(s)
      .catch(() => undefined)
      .finally(() => this.#busy.delete(s.metadata.uid));
  }

  async #setStatus(s: KarsSandboxObject, status: Record<string, unknown>): Promise<void> {
    await this.#custom.patchNamespacedCustomObjectStatus(
      { ...KARS, namespace: s.metadata.namespace, name: s.metadata.name, body: { status } },
      MERGE,
    );
  }

  async #reconcile(s: KarsSandboxObject): Promise<void> {
    const b = this.#opts.behaviour?.(s) ?? { kind: 'run' };
    if (b.kind === 'hold') return this.#setStatus(s, { phase: b.phase });
    const at = new Date().toISOString();
    if (b.kind === 'fail') {
      const conditions = [
        { type: 'Ready', status: 'False', reason: b.reason, message: b.message, lastTransitionTime: at },
      ];
      return this.#setStatus(s, { phase: b.phase, conditions });
    }
    const ns = `kars-${s.metadata.name}`;
    await this.#core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
    if (b.kind === 'run') await this.#createPod(s, ns);
    await this.#setStatus(s, { phase: 'Running', namespace: ns, sandboxPod: s.metadata.name });
  }

  async #createPod(s: KarsSandboxObject, ns: string): Promise<void> {
    const ip = await this.#opts.podIp(s);
    const name = s.metadata.name;
    await this.#core
      .deleteNamespacedPod({ namespace: ns, name, gracePeriodSeconds: 0 })
      .catch(() => undefined);
    await this.#core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name, labels: { 'kars.azure.com/component': 'sandbox', 'kars.azure.com/sandbox': name } },
        spec: {
          serviceAccountName: 'sandbox',
          containers: [{ name: 'runtime', image: 'playwright-sandbox:test' }],
        },
      },
    });
    await this.#core.patchNamespacedPodStatus(
      { name, namespace: ns, body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } } },
      MERGE,
    );
  }

  async #collect(s: KarsSandboxObject): Promise<void> {
    const ns = `kars-${s.metadata.name}`;
    await this.#core
      .deleteNamespacedPod({ namespace: ns, name: s.metadata.name, gracePeriodSeconds: 0 })
      .catch(() => undefined);
    await this.#opts.onPodDeleted?.(s);
  }
}
