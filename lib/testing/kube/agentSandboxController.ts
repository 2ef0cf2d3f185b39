/** @module lib/testing/kube/agentSandboxController — plays agent-sandbox's controllers (and the GC) against the real API server. */
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startInformerLoop, type InformerLoop } from './informerLoop.ts';

const EXT = { group: 'extensions.agents.x-k8s.io', version: 'v1beta1' };
const CORE = { group: 'agents.x-k8s.io', version: 'v1beta1' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The parts of a SandboxClaim the controller reads. */
export interface Claim extends KubernetesObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    deletionTimestamp?: Date;
    labels?: Record<string, string>;
  };
  spec: { warmPoolRef: { name: string }; additionalPodMetadata?: { labels?: Record<string, string> } };
  status?: {
    sandbox?: { name?: string; podIPs?: string[] };
    conditions?: { type: string; status: string }[];
  };
}

/** How the controller treats one claim (default: bind at once). */
export type ClaimBehaviour =
  | { kind: 'bind' }
  | { kind: 'hold'; reason: string; message: string }
  | { kind: 'fail'; reason: string; message: string };

export interface AgentSandboxControllerOptions {
  kc: KubeConfig;
  /** Namespace to watch; all namespaces when unset. */
  namespace?: string;
  /** Starts the sandbox's "pod" and returns its IP (tests use distinct 127.x addresses, see LoopbackPods). */
  podIp(claim: Claim, sandbox: string): string | Promise<string>;
  /** The pod of `sandbox` was deleted (the kubelet's part: stop it). */
  onPodDeleted?(sandbox: string): void | Promise<void>;
  behaviour?(claim: Claim): ClaimBehaviour;
}

function condition(status: 'True' | 'False', reason: string, message: string): Record<string, string> {
  return { type: 'Ready', status, reason, message, lastTransitionTime: new Date().toISOString() };
}

/**
 * Binds each SandboxClaim to a fresh Sandbox + Pod as agent-sandbox's claim controller does (`status.sandbox.name`,
 * `status.sandbox.podIPs`, `Ready=True/DependenciesReady`), reports `WarmPoolNotFound` for a missing pool, and deletes
 * a claim's Sandbox and Pod when the claim goes (the garbage collector's part: no kube-controller-manager runs here).
 */
export class AgentSandboxController {
  readonly #opts: AgentSandboxControllerOptions;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #busy = new Set<string>();
  /** Claims deleted while a bind was in flight: their Sandbox is collected when the bind ends (ownerRef GC). */
  readonly #deletedWhileBusy = new Set<string>();
  /** Claim uid → its Sandbox, as the ownerReference records it. */
  readonly #sandboxOf = new Map<string, string>();
  #loop: InformerLoop | undefined;
  /** Claim name → sandbox name, for assertions. */
  readonly bound = new Map<string, string>();
  /** Number of binds performed. */
  binds = 0;

  constructor(opts: AgentSandboxControllerOptions) {
    this.#opts = opts;
    this.#custom = opts.kc.makeApiClient(CustomObjectsApi);
    this.#core = opts.kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    const { namespace } = this.#opts;
    const ns = namespace === undefined ? '' : `/namespaces/${namespace}`;
    const path = `/apis/${EXT.group}/${EXT.version}${ns}/sandboxclaims`;
    const list = (): Promise<never> =>
      (namespace === undefined
        ? this.#custom.listClusterCustomObject({ ...EXT, plural: 'sandboxclaims' })
        : this.#custom.listNamespacedCustomObject({
            ...EXT,
            namespace,
            plural: 'sandboxclaims',
          })) as Promise<never>;
    this.#loop = startInformerLoop<Claim>(this.#opts.kc, path, list, {
      onUpsert: (c) => this.#kick(c),
      onDelete: (c) => void this.#collect(c),
    });
    await this.#loop.synced;
  }

  async stop(): Promise<void> {
    await this.#loop?.stop();
  }

  #kick(claim: Claim): void {
    if (claim.metadata.deletionTimestamp || claim.status?.sandbox?.name || this.#busy.has(claim.metadata.uid))
      return;
    const ready = claim.status?.conditions?.find((c) => c.type === 'Ready');
    const behaviour = this.#opts.behaviour?.(claim) ?? { kind: 'bind' };
    if (ready && behaviour.kind !== 'bind') return;
    this.#busy.add(claim.metadata.uid);
    this.#reconcile(claim, behaviour)
      .catch(() => undefined)
      .finally(() => {
        this.#busy.delete(claim.metadata.uid);
        if (this.#deletedWhileBusy.delete(claim.metadata.uid)) void this.#collect(claim);
      });
  }

  async #setStatus(claim: Claim, status: Record<string, unknown>): Promise<void> {
    const { name, namespace } = claim.metadata;
    await this.#custom.patchNamespacedCustomObjectStatus(
      { ...EXT, namespace, plural: 'sandboxclaims', name, body: { status } },
      MERGE,
    );
  }

  async #poolExists(claim: Claim): Promise<boolean> {
    try {
      await this.#custom.getNamespacedCustomObject({
        ...EXT,
        namespace: claim.metadata.namespace,
        plural: 'sandboxwarmpools',
        name: claim.spec.warmPoolRef.name,
      });
      return true;
    } catch {
      return false;
    }
  }

  async #reconcile(claim: Claim, behaviour: ClaimBehaviour): Promise<void> {
    if (!(await this.#poolExists(claim))) {
      const msg = `SandboxWarmPool "${claim.spec.warmPoolRef.name}" not found`;
      return this.#setStatus(claim, { conditions: [condition('False', 'WarmPoolNotFound', msg)] });
    }
    if (behaviour.kind !== 'bind') {
      return this.#setStatus(claim, {
        conditions: [condition('False', behaviour.reason, behaviour.message)],
      });
    }
    const sandbox = await this.#createSandbox(claim);
    this.#sandboxOf.set(claim.metadata.uid, sandbox);
    const ip = await this.#opts.podIp(claim, sandbox);
    await this.#createPod(claim, sandbox, ip);
    // Record the binding before publishing Ready: a proxy watching the claim may serve the tenant before the status
    // write returns here, and tests compare what it served with `bound`.
    this.bound.set(claim.metadata.name, sandbox);
    this.binds++;
    await this.#setStatus(claim, {
      conditions: [condition('True', 'DependenciesReady', 'Pod is Ready; Service Exists')],
      sandbox: { name: sandbox, podIPs: [ip] },
    });
  }

  async #createSandbox(claim: Claim): Promise<string> {
    const name = `${claim.spec.warmPoolRef.name}-${Math.random().toString(36).slice(2, 7)}`;
    const body = {
      apiVersion: `${CORE.group}/${CORE.version}`,
      kind: 'Sandbox',
      metadata: {
        name,
        labels: { 'agents.x-k8s.io/claim-uid': claim.metadata.uid, 'agents.x-k8s.io/launch-type': 'warm' },
        annotations: { 'agents.x-k8s.io/pod-name': name },
        ownerReferences: [
          {
            apiVersion: `${EXT.group}/${EXT.version}`,
            kind: 'SandboxClaim',
            name: claim.metadata.name,
            uid: claim.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        podTemplate: { spec: { containers: [{ name: 'playwright', image: 'playwright-sandbox:test' }] } },
      },
    };
    await this.#custom.createNamespacedCustomObject({
      ...CORE,
      namespace: claim.metadata.namespace,
      plural: 'sandboxes',
      body,
    });
    return name;
  }

  async #createPod(claim: Claim, name: string, ip: string): Promise<void> {
    const namespace = claim.metadata.namespace;
    const labels = {
      'agents.x-k8s.io/claim-uid': claim.metadata.uid,
      ...claim.spec.additionalPodMetadata?.labels,
    };
    await this.#core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels },
        spec: {
          serviceAccountName: 'sandbox',
          automountServiceAccountToken: false,
          containers: [{ name: 'playwright', image: 'playwright-sandbox:test' }],
        },
      },
    });
    await this.#core.patchNamespacedPodStatus(
      {
        name,
        namespace,
        body: {
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        },
      },
      MERGE,
    );
  }

  /** The garbage collector's part: a deleted claim takes its Sandbox and Pod with it. */
  async #collect(claim: Claim): Promise<void> {
    if (this.#busy.has(claim.metadata.uid)) {
      this.#deletedWhileBusy.add(claim.metadata.uid);
      return;
    }
    const sandbox = this.#sandboxOf.get(claim.metadata.uid) ?? claim.status?.sandbox?.name;
    this.#sandboxOf.delete(claim.metadata.uid);
    if (this.bound.get(claim.metadata.name) === sandbox) this.bound.delete(claim.metadata.name);
    if (!sandbox) return;
    const namespace = claim.metadata.namespace;
    await this.#custom
      .deleteNamespacedCustomObject({ ...CORE, namespace, plural: 'sandboxes', name: sandbox })
      .catch(() => undefined);
    await this.#core.deleteNamespacedPod({ namespace, name: sandbox }).catch(() => undefined);
    await this.#opts.onPodDeleted?.(sandbox);
  }

  /** Re-examines every claim (after changing a behaviour). */
  async resync(): Promise<void> {
    const { namespace } = this.#opts;
    const res = (await (namespace === undefined
      ? this.#custom.listClusterCustomObject({ ...EXT, plural: 'sandboxclaims' })
      : this.#custom.listNamespacedCustomObject({ ...EXT, namespace, plural: 'sandboxclaims' }))) as {
      items: Claim[];
    };
    for (const c of res.items) this.#kick(c);
  }
}
