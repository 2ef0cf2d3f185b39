import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxCluster,
  settlingDeletes,
  startSandboxCluster,
} from '../../lib/testing/kube/sandboxCluster.ts';
import { KubeApi } from '../k8s/kubeApi.ts';
import { runBackendContract } from './contract.case.ts';
import { OpenShellBackend } from './openShell.ts';

let cluster: SandboxCluster;
let n = 0;
const POOL = 'playwright-openshell';

beforeAll(async () => {
  cluster = await startSandboxCluster(13);
}, 1_200_000);
afterAll(async () => {
  await cluster?.stop();
});

function backend(namespace: string): OpenShellBackend {
  return new OpenShellBackend({
    api: new KubeApi(cluster.admin),
    namespace,
    labelKey: 'playwright-id',
    warmPool: POOL,
    port: cluster.sandboxPort,
    wsPath: '/',
    readyTimeoutMs: 30_000, // the fake controller reconciles in milliseconds; a starved CI machine needs more
    replica: 'proxy-a',
  });
}

describe('OpenShellBackend against a real kube-apiserver', () => {
  runBackendContract({
    name: 'openShell (agent-sandbox claims on the OpenShell pool)',
    create: async () => {
      const ns = `os-${++n}`;
      await cluster.namespace(ns, POOL);
      return settlingDeletes(backend(ns));
    },
    skip: [
      {
        reason:
          'claims are cluster resources that outlive the proxy by design (the next replica adopts them)',
        tests: ['close leaves nothing behind'],
      },
    ],
  });

  it('refuses a claim whose bound Sandbox belongs to another claim (identity anchored to the claim)', async () => {
    const ns = `os-hijack`;
    await cluster.namespace(ns, POOL);
    const b = backend(ns);
    const ep = await b.ensure('alpha', AbortSignal.timeout(20_000));
    expect(ep.host).toMatch(/^127\.13\./);
    // Behind the proxy's back, the Sandbox is relabelled to another claim; the next ensure must refuse it.
    const custom = cluster.admin.makeApiClient(CustomObjectsApi);
    const claim = (await custom.getNamespacedCustomObject({
      group: 'extensions.agents.x-k8s.io',
      version: 'v1beta1',
      plural: 'sandboxclaims',
      namespace: ns,
      name: 'pw-alpha',
    })) as { status: { sandbox: { name: string } } };
    await custom.patchNamespacedCustomObject(
      {
        group: 'agents.x-k8s.io',
        version: 'v1beta1',
        plural: 'sandboxes',
        namespace: ns,
        name: claim.status.sandbox.name,
        body: { metadata: { labels: { 'agents.x-k8s.io/claim-uid': 'someone-else' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect(b.ensure('alpha', AbortSignal.timeout(20_000))).rejects.toMatchObject({
      reason: 'Failed',
      message: expect.stringContaining('carries claim-uid someone-else'),
    });
  });
});
