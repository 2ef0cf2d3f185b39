import { request } from 'node:http';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxCluster, startSandboxCluster } from '../../lib/testing/kube/sandboxCluster.ts';
import { silentLogger } from '../../lib/log.ts';
import { startProxy, type RunningProxy } from '../app.ts';
import { SandboxClaimBackend } from '../backends/sandboxClaim.ts';
import { loadConfig } from '../config.ts';
import { KubeApi } from '../k8s/kubeApi.ts';
import { PodIndex } from '../k8s/podIndex.ts';
import { PodLabelIdentity } from './podLabel.ts';
import { TokenIdentity } from './token.ts';

const NS = 'pw-identity';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
// A fake secret, built at run time (never a realistic token in the repository).
const TOKEN = ['synthetic', 'checker', String(process.pid)].join('-');

let cluster: SandboxCluster;
let proxy: RunningProxy;
let identity: PodLabelIdentity;
let index: PodIndex;

async function clientPod(name: string, ip: string, labels: Record<string, string>): Promise<void> {
  const core = cluster.admin.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name, labels },
      spec: { serviceAccountName: 'client', containers: [{ name: 'c', image: 'client:test' }] },
    },
  });
  await core.patchNamespacedPodStatus(
    { name, namespace: NS, body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } } },
    MERGE,
  );
}

interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** GET / through the proxy from `from` (a client pod's IP on loopback). */
function get(from: string, headers: Record<string, string> = {}): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxy.server.dataPort,
        path: '/',
        localAddress: from,
        headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  cluster = await startSandboxCluster(14);
  await cluster.namespace(NS);
  await clientPod('client-alpha', '127.14.200.1', { 'playwright-id': 'alpha' });
  await clientPod('client-beta', '127.14.200.2', { 'playwright-id': 'beta' });
  await clientPod('client-nolabel', '127.14.200.3', { app: 'curl' });
  const api = new KubeApi(cluster.admin);
  index = new PodIndex({ api, namespace: NS, labelKey: 'playwright-id' });
  index.start();
  identity = new PodLabelIdentity({
    index,
    labelKey: 'playwright-id',
    maxIdLength: 63,
    token: new TokenIdentity({ tokens: [TOKEN], header: 'X-Playwright-Id', maxIdLength: 63 }),
  });
  const config = loadConfig({
    env: { PROXY_HOST: '127.0.0.1', PROXY_PORT: '0', PROXY_ADMIN_PORT: '0', PROXY_IDENTITY: 'fixed' },
  });
  config.identity = {
    mode: 'podLabel',
    namespace: NS,
    labelKey: 'playwright-id',
    header: 'X-Playwright-Id',
    maxIdLength: 63,
  };
  const backend = new SandboxClaimBackend({
    api,
    namespace: NS,
    labelKey: 'playwright-id',
    warmPool: 'playwright',
    port: cluster.sandboxPort,
    wsPath: '/',
    readyTimeoutMs: 10_000,
    replica: 'proxy-a',
  });
  proxy = await startProxy(config, { log: silentLogger, backend, identity, defaultMetrics: false });
}, 1_200_000);

afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
});

describe('pod-label identity through the proxy (real API server)', () => {
  it('reports readiness once the informer has synced', async () => {
    // `ready()` is a synchronous probe; wait for the informer's first list before asserting on it.
    await index.synced;
    expect(identity.ready()).toBe(true);
    const res = await fetch(`${proxy.server.adminUrl}/readyz`);
    expect(res.status).toBe(200);
  });

  it('routes each labelled pod to its own sandbox, and a header cannot pick another tenant', async () => {
    const a = await get('127.14.200.1');
    const b = await get('127.14.200.2', { 'X-Playwright-Id': 'alpha' });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const sandboxOf = (r: Reply): string => /sandbox (\S+) at/.exec(r.body)?.[1] ?? '';
    expect(sandboxOf(a)).not.toBe('');
    expect(sandboxOf(b)).not.toBe(sandboxOf(a));
    expect(cluster.claims.bound.get('pw-alpha')).toBe(sandboxOf(a));
    expect(cluster.claims.bound.get('pw-beta')).toBe(sandboxOf(b));
    // alpha again: same sandbox (sticky), beta never sees alpha's.
    expect(sandboxOf(await get('127.14.200.1'))).toBe(sandboxOf(a));
  });

  it.each([
    {
      name: 'an unlabelled pod',
      from: '127.14.200.3',
      text: /client pod pw-identity\/client-nolabel \(127\.14\.200\.3\) is not labelled with playwright-id/,
    },
    {
      name: 'an IP with no pod',
      from: '127.14.200.4',
      text: /no pod in namespace pw-identity has IP 127\.14\.200\.4/,
    },
  ])('rejects $name with a fast 403 naming the reason', async ({ from, text }) => {
    const r = await get(from);
    expect(r.status).toBe(403);
    expect(r.body).toMatch(text);
    expect(r.ms).toBeLessThan(2000);
  });

  it('identifies a pod labelled after the proxy started (informer update)', async () => {
    await clientPod('client-late', '127.14.200.5', {});
    expect((await get('127.14.200.5')).status).toBe(403);
    const core = cluster.admin.makeApiClient(CoreV1Api);
    await core.patchNamespacedPod(
      { name: 'client-late', namespace: NS, body: { metadata: { labels: { 'playwright-id': 'late' } } } },
      MERGE,
    );
    const until = Date.now() + 10_000;
    let r = await get('127.14.200.5');
    // The negative answer is cached for a few seconds; the informer update replaces it.
    while (r.status !== 200 && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 100));
      r = await get('127.14.200.5');
    }
    expect(r.status).toBe(200);
    expect(r.body).toContain(cluster.claims.bound.get('pw-late') ?? 'missing');
  });

  it.each([
    { name: 'a valid token picks its tenant by header', auth: `Bearer ${TOKEN}`, status: 200 },
    { name: 'a wrong token is refused', auth: 'Bearer nope', status: 401 },
    { name: 'a token from a labelled pod is still checked', auth: 'Basic x', status: 401 },
  ])('token callers: $name', async ({ auth, status }) => {
    const r = await get('127.14.200.3', { Authorization: auth, 'X-Playwright-Id': 'checker' });
    expect(r.status).toBe(status);
    if (status === 200) expect(cluster.claims.bound.get('pw-checker')).toBeDefined();
  });
});
