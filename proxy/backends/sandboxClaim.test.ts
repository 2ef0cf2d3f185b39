import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SandboxCluster,
  settlingDeletes,
  startSandboxCluster,
} from '../../lib/testing/kube/sandboxCluster.ts';
import { KubeApi } from '../k8s/kubeApi.ts';
import { runBackendContract } from './contract.case.ts';
import { SandboxClaimBackend, type SandboxClaimBackendOptions } from './sandboxClaim.ts';
import { BackendError } from './types.ts';

const EXT = { group: 'extensions.agents.x-k8s.io', version: 'v1beta1', plural: 'sandboxclaims' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let cluster: SandboxCluster;
let nsCounter = 0;

beforeAll(async () => {
  cluster = await startSandboxCluster(11);
}, 1_200_000);
afterAll(async () => {
  await cluster?.stop();
});

function backend(namespace: string, over: Partial<SandboxClaimBackendOptions> = {}): SandboxClaimBackend {
  return new SandboxClaimBackend({
    api: new KubeApi(cluster.admin),
    namespace,
    labelKey: 'playwright-id',
    warmPool: 'playwright',
    port: cluster.sandboxPort,
    wsPath: '/',
    readyTimeoutMs: 10_000,
    replica: 'proxy-a',
    ...over,
  });
}

async function freshNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${++nsCounter}`;
  await cluster.namespace(ns);
  return ns;
}

async function claims(ns: string): Promise<
  {
    metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
    spec: Record<string, unknown>;
  }[]
> {
  const custom = cluster.admin.makeApiClient(CustomObjectsApi);
  const res = (await custom.listNamespacedCustomObject({ ...EXT, namespace: ns })) as { items: never[] };
  return res.items;
}

describe('SandboxClaimBackend against a real kube-apiserver', () => {
  let current = '';
  runBackendContract({
    name: 'sandboxClaim (agent-sandbox CRDs, controller played by the fixture)',
    create: async () => {
      current = await freshNamespace('contract');
      return settlingDeletes(backend(current));
    },
    // Claims, Sandboxes and their pods left in the case's namespace (the garbage collector's part removes them).
    leftovers: async () => {
      const custom = cluster.admin.makeApiClient(CustomObjectsApi);
      const sb = (await custom.listNamespacedCustomObject({
        group: 'agents.x-k8s.io',
        version: 'v1beta1',
        plural: 'sandboxes',
        namespace: current,
      })) as { items: unknown[] };
      return sb.items.length;
    },
    skip: [
      {
        reason:
          'claims are cluster resources that outlive the proxy by design (the next replica adopts them)',
        tests: ['close leaves nothing behind'],
      },
    ],
  });

  it('creates a claim named and labelled deterministically, with the pod label in an allowed domain', async () => {
    const ns = await freshNamespace('shape');
    const b = backend(ns);
    const ep = await b.ensure('alpha', AbortSignal.timeout(20_000));
    expect(ep.port).toBe(cluster.sandboxPort);
    expect(ep.host).toMatch(/^127\.11\./);
    const [claim] = await claims(ns);
    expect(claim?.metadata.name).toBe('pw-alpha');
    expect(claim?.metadata.labels).toMatchObject({
      'playwright-proxy/managed': 'true',
      'app.kubernetes.io/managed-by': 'rollout-sentinel',
      'playwright-id': 'alpha',
    });
    expect(claim?.spec).toMatchObject({
      warmPoolRef: { name: 'playwright' },
      additionalPodMetadata: { labels: { 'sandbox.users.io/playwright-id': 'alpha' } },
    });
    const body = await (await fetch(`http://${ep.host}:${ep.port}/`)).text();
    expect(body).toContain('at ' + ep.host);
  });

  it('a missing warm pool fails at once as Misconfigured, naming the pool, and leaves no claim', async () => {
    const ns = await freshNamespace('nopool');
    const b = backend(ns, { warmPool: 'does-not-exist', readyTimeoutMs: 20_000 });
    const t0 = performance.now();
    const err = await b.ensure('beta', AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({
      reason: 'Misconfigured',
      message: expect.stringContaining('WarmPoolNotFound'),
    });
    expect((err as Error).message).toContain('does-not-exist');
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(await claims(ns)).toEqual([]);
  });

  it('a claim stuck not-ready ends in Timeout with the reason from its status', async () => {
    const ns = await freshNamespace('stuck');
    cluster.claimBehaviour.set('pw-gamma', {
      kind: 'hold',
      reason: 'SandboxNotReady',
      message: 'image pull backoff',
    });
    const b = backend(ns, { readyTimeoutMs: 1500 });
    const err = await b.ensure('gamma', AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    cluster.claimBehaviour.delete('pw-gamma');
    expect(err).toMatchObject({ reason: 'Timeout' });
    expect((err as Error).message).toMatch(
      /not ready after 2s: Ready=False reason=SandboxNotReady: image pull backoff/,
    );
    expect(await claims(ns)).toEqual([]);
  });

  it('rejects a malformed status (pod IP that is not an IP) clearly', async () => {
    const ns = await freshNamespace('malformed');
    cluster.claimBehaviour.set('pw-delta', { kind: 'hold', reason: 'SandboxNotReady', message: 'starting' });
    const b = backend(ns);
    const pending = b.ensure('delta', AbortSignal.timeout(20_000)).catch((e: unknown) => e);
    const custom = cluster.admin.makeApiClient(CustomObjectsApi);
    await waitFor(async () => (await claims(ns)).length === 1);
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...EXT,
        namespace: ns,
        name: 'pw-delta',
        body: {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'DependenciesReady',
                message: 'ok',
                lastTransitionTime: new Date().toISOString(),
              },
            ],
            sandbox: { name: 'x', podIPs: ['not-an-ip'] },
          },
        },
      },
      MERGE,
    );
    const err = await pending;
    cluster.claimBehaviour.delete('pw-delta');
    expect(err).toMatchObject({ reason: 'Failed', message: expect.stringContaining('malformed status') });
  });

  it('a claim deleted out of band while waiting is recreated, and one deleted while in use is replaced on the next ensure', async () => {
    const ns = await freshNamespace('oob');
    cluster.claimBehaviour.set('pw-eps', { kind: 'hold', reason: 'SandboxNotReady', message: 'starting' });
    const b = backend(ns);
    const pending = b.ensure('eps', AbortSignal.timeout(20_000));
    await waitFor(async () => (await claims(ns)).length === 1);
    const custom = cluster.admin.makeApiClient(CustomObjectsApi);
    cluster.claimBehaviour.delete('pw-eps');
    await custom.deleteNamespacedCustomObject({ ...EXT, namespace: ns, name: 'pw-eps' });
    const ep = await pending;
    expect(ep.host).toMatch(/^127\./);
    // In use: deleted again behind the proxy's back; the old endpoint stops answering, the next ensure gets a new one.
    await custom.deleteNamespacedCustomObject({ ...EXT, namespace: ns, name: 'pw-eps' });
    await waitFor(
      async () =>
        await fetch(`http://${ep.host}:${ep.port}/`)
          .then(() => false)
          .catch(() => true),
    );
    const ep2 = await b.ensure('eps', AbortSignal.timeout(20_000));
    expect(ep2.host).not.toBe(ep.host);
  });

  it('resumes its watch across an API server restart without losing the event that happened meanwhile', async () => {
    const ns = await freshNamespace('restart');
    cluster.claimBehaviour.set('pw-zeta', { kind: 'hold', reason: 'SandboxNotReady', message: 'starting' });
    const b = backend(ns, { readyTimeoutMs: 120_000 });
    const pending = b.ensure('zeta', AbortSignal.timeout(150_000));
    await waitFor(async () => (await claims(ns)).length === 1);
    await new Promise((r) => setTimeout(r, 300)); // the backend's watch is established
    await cluster.fx.restart();
    // Bind right away: the proxy's watch is still reconnecting, so it must resume from its last resourceVersion.
    cluster.claimBehaviour.delete('pw-zeta');
    await cluster.claims.resync();
    const ep = await pending;
    expect(ep.host).toMatch(/^127\.11\./);
  }, 200_000);

  it('RBAC forbidden names the verb and the resource', async () => {
    const ns = await freshNamespace('rbac');
    const token = await cluster.serviceAccountToken(ns, 'no-rights');
    const b = new SandboxClaimBackend({
      api: new KubeApi(cluster.fx.kubeConfig({ token })),
      namespace: ns,
      labelKey: 'playwright-id',
      warmPool: 'playwright',
      port: cluster.sandboxPort,
      wsPath: '/',
      readyTimeoutMs: 5000,
      replica: 'r',
    });
    const err = await b.ensure('eta', AbortSignal.timeout(10_000)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'Forbidden' });
    expect((err as Error).message).toMatch(
      /cannot get resource "sandboxclaims" in API group "extensions\.agents\.x-k8s\.io"/,
    );
    await expect(b.list()).rejects.toMatchObject({
      reason: 'Forbidden',
      message: expect.stringContaining('cannot list resource "sandboxclaims"'),
    });
  });

  it('adopts existing claims after a restart: list() finds them and ensure() returns without creating', async () => {
    const ns = await freshNamespace('adopt');
    const first = backend(ns);
    const ep = await first.ensure('theta', AbortSignal.timeout(20_000));
    await first.touch('theta', Date.now());
    await first.close();
    const binds = cluster.claims.binds;
    const second = backend(ns, { replica: 'proxy-b' });
    const listed = await second.list();
    expect(listed.map((r) => r.id)).toEqual(['theta']);
    expect(listed[0]?.lastActiveMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await second.ensure('theta', AbortSignal.timeout(20_000))).toEqual(ep);
    expect(cluster.claims.binds).toBe(binds);
    const [claim] = await claims(ns);
    expect(claim?.metadata.annotations?.['rollout-sentinel.io/last-active-holder']).toBe('proxy-a');
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
