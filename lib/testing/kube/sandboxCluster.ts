/** @module lib/testing/kube/sandboxCluster — one real API server with the sandbox CRDs, the controllers' part and loopback pods. */
import { connect } from 'node:net';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Endpoint, SandboxBackend } from '../../../proxy/backends/types.ts';
import { AgentSandboxController, type Claim, type ClaimBehaviour } from './agentSandboxController.ts';
import { installSandboxCrds } from './crds.ts';
import { KarsController, type KarsBehaviour, type KarsSandboxObject } from './karsController.ts';
import { freePort, type KubeFixture, startKubeFixture } from './kubeFixture.ts';
import { LoopbackPods } from './loopbackPods.ts';

/** What a backend test needs from the cluster. */
export interface SandboxCluster {
  fx: KubeFixture;
  admin: KubeConfig;
  /** The port every fake sandbox pod listens on (the backends' `SANDBOX_PORT`). */
  sandboxPort: number;
  pods: PodRunner;
  claims: AgentSandboxController;
  kars: KarsController;
  /** Per-claim behaviour (default: bind at once); call `claims.resync()` after changing it. */
  claimBehaviour: Map<string, ClaimBehaviour>;
  karsBehaviour: Map<string, KarsBehaviour>;
  /** Creates a namespace with a SandboxWarmPool `pool` (and its template) in it. */
  namespace(name: string, pool?: string): Promise<void>;
  /** A ServiceAccount token (TokenRequest API) for `ns/name`, so tests act as the proxy's ServiceAccount. */
  serviceAccountToken(ns: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

async function createIgnoringConflict(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** Starts and stops sandbox "pods" by key; returns the pod's IP. {@link LoopbackPods} is the default. */
export interface PodRunner {
  start(key: string): Promise<string>;
  stop(key: string): Promise<void>;
  readonly running: number;
  stopAll(): Promise<void>;
}

/**
 * Starts the API server, installs the CRDs and runs the controllers' part cluster-wide. `block` picks the 127.<block>
 * address range of the loopback pods, so parallel test files never share an address. `pods`/`sandboxPort` replace
 * the plain HTTP pods (the bench uses real browser servers).
 */
export async function startSandboxCluster(
  block: number,
  opts: { pods?: PodRunner; sandboxPort?: number } = {},
): Promise<SandboxCluster> {
  const fx = await startKubeFixture();
  const admin = fx.kubeConfig();
  await installSandboxCrds(admin);
  const sandboxPort = opts.sandboxPort ?? (await freePort());
  const pods: PodRunner = opts.pods ?? new LoopbackPods({ port: sandboxPort, block });
  const claimBehaviour = new Map<string, ClaimBehaviour>();
  const karsBehaviour = new Map<string, KarsBehaviour>();
  const claims = new AgentSandboxController({
    kc: admin,
    podIp: (_c: Claim, sandbox: string) => pods.start(sandbox),
    onPodDeleted: (sandbox) => pods.stop(sandbox),
    behaviour: (c) => claimBehaviour.get(c.metadata.name) ?? { kind: 'bind' },
  });
  const kars = new KarsController({
    kc: admin,
    podIp: (s: KarsSandboxObject) => pods.start(`kars/${s.metadata.namespace}/${s.metadata.name}`),
    onPodDeleted: (s) => pods.stop(`kars/${s.metadata.namespace}/${s.metadata.name}`),
    behaviour: (s) => karsBehaviour.get(s.metadata.name) ?? { kind: 'run' },
  });
  await claims.start();
  await kars.start();
  const core = admin.makeApiClient(CoreV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  return {
    fx,
    admin,
    sandboxPort,
    pods,
    claims,
    kars,
    claimBehaviour,
    karsBehaviour,
    async namespace(name, pool = 'playwright') {
      await createIgnoringConflict(() => core.createNamespace({ body: { metadata: { name } } }));
      const ext = { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', namespace: name };
      const container = {
        name: 'playwright',
        image: 'playwright-sandbox:test',
        ports: [{ containerPort: sandboxPort }],
      };
      await createIgnoringConflict(() =>
        custom.createNamespacedCustomObject({
          ...ext,
          plural: 'sandboxtemplates',
          body: {
            apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
            kind: 'SandboxTemplate',
            metadata: { name: pool },
            spec: { podTemplate: { spec: { containers: [container] } } },
          },
        }),
      );
      await createIgnoringConflict(() =>
        custom.createNamespacedCustomObject({
          ...ext,
          plural: 'sandboxwarmpools',
          body: {
            apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
            kind: 'SandboxWarmPool',
            metadata: { name: pool },
            spec: { replicas: 2, sandboxTemplateRef: { name: pool } },
          },
        }),
      );
    },
    async serviceAccountToken(ns, name) {
      await createIgnoringConflict(() =>
        core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } }),
      );
      const tr = await core.createNamespacedServiceAccountToken({
        namespace: ns,
        name,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const token = tr.status?.token;
      if (!token) throw new Error('TokenRequest returned no token');
      return token;
    },
    async stop() {
      await claims.stop();
      await kars.stop();
      await pods.stopAll();
      await fx.stop();
    },
  };
}

/** Resolves once nothing accepts TCP connections on `host:port` any more (or `ms` pass). */
async function untilUnreachable(host: string, port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * For the shared contract suite: a Kubernetes backend's `delete()` resolves when the API server has deleted the
 * object; the pod stops afterwards (garbage collector, kubelet grace period). This wrapper also waits (≤ 5 s) for the
 * old endpoint to stop answering, which is what the contract's "delete removes the sandbox" probes.
 */
export function settlingDeletes<B extends SandboxBackend>(b: B): SandboxBackend {
  const endpoints = new Map<string, Endpoint>();
  return {
    kind: b.kind,
    async ensure(id, signal) {
      const ep = await b.ensure(id, signal);
      endpoints.set(id, ep);
      return ep;
    },
    async delete(id, signal) {
      await b.delete(id, signal);
      const ep = endpoints.get(id);
      endpoints.delete(id);
      if (ep) await untilUnreachable(ep.host, ep.port, 5000);
    },
    list: (signal) => b.list(signal),
    ...(b.touch
      ? {
          touch: (id: string, at: number, signal?: AbortSignal) =>
            (b.touch as NonNullable<B['touch']>).call(b, id, at, signal),
        }
      : {}),
    close: () => b.close(),
  };
}
