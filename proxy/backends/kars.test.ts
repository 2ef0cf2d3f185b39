import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxCluster,
  settlingDeletes,
  startSandboxCluster,
} from '../../lib/testing/kube/sandboxCluster.ts';
import { KubeApi } from '../k8s/kubeApi.ts';
import { runBackendContract } from './contract.case.ts';
import { KarsBackend, type KarsBackendOptions } from './kars.ts';

let cluster: SandboxCluster;
let n = 0;

beforeAll(async () => {
  cluster = await startSandboxCluster(12);
}, 1_200_000);
afterAll(async () => {
  await cluster?.stop();
});

function backend(namespace: string, over: Partial<KarsBackendOptions> = {}): KarsBackend {
  return new KarsBackend({
    api: new KubeApi(cluster.admin),
    namespace,
    labelKey: 'playwright-id',
    readyTimeoutMs: 10_000,
    replica: 'proxy-a',
    image: 'ghcr.io/example/playwright-sandbox:1.65',
    port: cluster.sandboxPort,
    wsPath: '/',
    endpoint: 'podIp',
    clusterDomain: 'cluster.local',
    chromiumArgs: '--no-sandbox',
    ...over,
  });
}

async function ns(prefix: string): Promise<string> {
  const name = `${prefix}-${++n}`;
  await cluster.namespace(name);
  return name;
}

async function karsObjects(
  namespace: string,
): Promise<{ metadata: { name: string; labels: Record<string, string> }; spec: Record<string, unknown> }[]> {
  const custom = cluster.admin.makeApiClient(CustomObjectsApi);
  const res = (await custom.listNamespacedCustomObject({
    group: 'kars.azure.com',
    version: 'v1alpha1',
    plural: 'karssandboxes',
    namespace,
  })) as { items: never[] };
  return res.items;
}

describe('KarsBackend against a real kube-apiserver', () => {
  let current = '';
  runBackendContract({
    name: 'kars (minimal KarsSandbox CRD, controller played by the fixture)',
    create: async () => {
      current = await ns('kc');
      return settlingDeletes(backend(current));
    },
    // Sandbox pods still running for this namespace's KarsSandboxes.
    leftovers: async () => (await karsObjects(current)).length,
    skip: [
      {
        reason:
          'KarsSandboxes are cluster resources that outlive the proxy by design (the next replica adopts them)',
        tests: ['close leaves nothing behind'],
      },
    ],
  });

  it('creates a BYO KarsSandbox with the image, optional inferenceRef and managed-by labels', async () => {
    const namespace = await ns('shape');
    await backend(namespace, { inferenceRef: 'playwright' }).ensure('alpha', AbortSignal.timeout(20_000));
    const [cr] = await karsObjects(namespace);
    expect(cr?.metadata.name).toBe('pw-alpha');
    expect(cr?.metadata.labels).toMatchObject({
      'playwright-proxy/managed': 'true',
      'app.kubernetes.io/managed-by': 'rollout-sentinel',
    });
    expect(cr?.spec).toMatchObject({
      runtime: {
        kind: 'BYO',
        byo: { image: 'ghcr.io/example/playwright-sandbox:1.65', contractVersion: 'v1' },
      },
      inferenceRef: { name: 'playwright' },
    });
    const namespace2 = await ns('noinf');
    await backend(namespace2).ensure('beta', AbortSignal.timeout(20_000));
    expect((await karsObjects(namespace2))[0]?.spec).not.toHaveProperty('inferenceRef');
  });

  it('resolves the Service DNS endpoint by default (NetworkPolicies block pod IPs)', async () => {
    const namespace = await ns('dns');
    const ep = await backend(namespace, { endpoint: 'serviceDns' }).ensure(
      'gamma',
      AbortSignal.timeout(20_000),
    );
    expect(ep).toEqual({
      host: 'pw-gamma.kars-pw-gamma.svc.cluster.local',
      port: cluster.sandboxPort,
      wsPath: '/',
    });
  });

  it.each([
    {
      name: 'Failed is terminal, with the condition',
      behaviour: { kind: 'fail', phase: 'Failed', reason: 'RuntimeCrashLoop', message: 'exit 1' } as const,
      reason: 'Failed',
      text: /phase Failed \(Ready RuntimeCrashLoop: exit 1\)/,
    },
    {
      name: 'Degraded InferencePolicyNotFound is Misconfigured',
      behaviour: {
        kind: 'fail',
        phase: 'Degraded',
        reason: 'InferencePolicyNotFound',
        message: 'no policy',
      } as const,
      reason: 'Misconfigured',
      text: /InferencePolicyNotFound/,
    },
    {
      name: 'stuck Creating times out with the phase',
      behaviour: { kind: 'hold', phase: 'Creating' } as const,
      reason: 'Timeout',
      text: /not ready after 2s: phase Creating/,
    },
    {
      name: 'Running without a sandbox pod times out naming the namespace',
      behaviour: { kind: 'noPod' } as const,
      reason: 'Timeout',
      text: /waiting for a Running sandbox pod in kars-pw-/,
    },
  ])('$name', async ({ behaviour, reason, text }) => {
    const namespace = await ns('fault');
    const id = `f${n}`;
    cluster.karsBehaviour.set(`pw-${id}`, behaviour);
    const err = await backend(namespace, { readyTimeoutMs: 1500 })
      .ensure(id, AbortSignal.timeout(20_000))
      .catch((e: unknown) => e);
    cluster.karsBehaviour.delete(`pw-${id}`);
    expect(err).toMatchObject({ reason });
    expect((err as Error).message).toMatch(text);
    expect(await karsObjects(namespace)).toEqual([]);
  });
});
