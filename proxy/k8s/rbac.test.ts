import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type SandboxCluster, startSandboxCluster } from '../../lib/testing/kube/sandboxCluster.ts';
import { KarsBackend } from '../backends/kars.ts';
import { OpenShellBackend } from '../backends/openShell.ts';
import { SandboxClaimBackend } from '../backends/sandboxClaim.ts';
import { type SandboxBackend } from '../backends/types.ts';
import { SubstrateBackend } from '../backends/substrate.ts';
import { ControlServer, FakeRouter } from '../grpc/testing/controlServer.ts';
import { ActivityLeases } from './activityLeases.ts';
import { type KubeCallRecord, KubeApi } from './kubeApi.ts';
import { PodIndex } from './podIndex.ts';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy', 'proxy');

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  subjects?: { kind: string; name: string; namespace?: string }[];
}

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => d.toJS() as Doc);
}

/** `group/resource:verb` of a recorded call (`/api/v1/namespaces/x/pods` → `/pods:list`). */
function permission(rec: KubeCallRecord): string {
  const parts = rec.path.split('/').filter(Boolean);
  const [group, rest] = parts[0] === 'api' ? ['', parts.slice(2)] : [parts[1] ?? '', parts.slice(3)];
  const afterNs = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  return `${group}/${afterNs[0]}:${rec.verb}`;
}

function granted(all: Doc[]): Set<string> {
  const rules = all
    .filter((x) => x.kind === 'Role' || x.kind === 'ClusterRole')
    .flatMap((d) => d.rules ?? []);
  return new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    ),
  );
}

let cluster: SandboxCluster;
let control: ControlServer;
let router: FakeRouter;
let upstream: Server;

beforeAll(async () => {
  cluster = await startSandboxCluster(15);
  upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
  control = new ControlServer({
    shape: 'actorId',
    templates: ['pw/playwright'],
    transitionMs: 5,
    upstreamFor: () => addr,
  });
  await control.start();
  router = new FakeRouter(control, 'actors.test');
  await router.start();
}, 1_200_000);
afterAll(async () => {
  await control?.stop();
  await router?.stop();
  upstream?.close();
  await cluster?.stop();
});

/** Applies the ServiceAccount and one backend's RBAC into `ns` as the admin (the way kustomize would). */
async function applyRbac(ns: string, file: string): Promise<Doc[]> {
  const admin = new KubeApi(cluster.admin);
  const all = [...docs('serviceaccount.yaml'), ...docs(file)];
  const paths: Record<string, string> = {
    ServiceAccount: `/api/v1/namespaces/${ns}/serviceaccounts`,
    Role: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
    RoleBinding: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
    ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  };
  for (const d of all) {
    const body = structuredClone(d);
    if (d.kind.startsWith('Cluster')) body.metadata.name = `${d.metadata.name}-${ns}`;
    if (d.kind === 'ClusterRoleBinding') {
      (body as unknown as { roleRef: { name: string } }).roleRef.name += `-${ns}`;
      for (const s of body.subjects ?? []) s.namespace = ns;
    }
    await admin.request({
      method: 'POST',
      path: paths[d.kind] ?? '',
      body,
      signal: AbortSignal.timeout(10_000),
    });
  }
  return all;
}

interface Case {
  name: string;
  file: string;
  pool?: string;
  backend?: (api: KubeApi, ns: string) => SandboxBackend;
}

const common = (api: KubeApi, ns: string) => ({
  api,
  namespace: ns,
  labelKey: 'playwright-id',
  readyTimeoutMs: 10_000,
  replica: 'proxy-0',
  port: cluster.sandboxPort,
  wsPath: '/',
});

const CASES: Case[] = [
  {
    name: 'sandboxClaim',
    file: 'rbac-sandboxclaim.yaml',
    backend: (api, ns) => new SandboxClaimBackend({ ...common(api, ns), warmPool: 'playwright' }),
  },
  {
    name: 'openShell',
    file: 'rbac-openshell.yaml',
    pool: 'playwright-openshell',
    backend: (api, ns) => new OpenShellBackend({ ...common(api, ns), warmPool: 'playwright-openshell' }),
  },
  {
    name: 'kars',
    file: 'rbac-kars.yaml',
    backend: (api, ns) =>
      new KarsBackend({
        ...common(api, ns),
        image: 'img',
        endpoint: 'podIp',
        clusterDomain: 'cluster.local',
        chromiumArgs: '',
      }),
  },
  {
    name: 'substrate (identity + activity Leases)',
    file: 'rbac-substrate.yaml',
    backend: (api, ns) =>
      new SubstrateBackend({
        control: { address: `127.0.0.1:${control.port}`, shape: 'actorId', tls: { mode: 'insecure' } },
        templateNamespace: 'pw',
        templateName: 'playwright',
        routerHost: '127.0.0.1',
        routerPort: router.port,
        hostSuffix: 'actors.test',
        forceBoot: false,
        readyTimeoutMs: 10_000,
        pollMs: 10,
        wsPath: '/',
        activity: new ActivityLeases({ api, namespace: ns, labelKey: 'playwright-id', replica: 'proxy-0' }),
      }),
  },
];

describe('deploy/proxy RBAC, exercised as the proxy ServiceAccount against a real API server', () => {
  it.each(CASES)(
    '$name: every call the proxy makes is allowed, and every granted permission is used',
    async (c) => {
      const ns = `rbac-${c.file.replace(/^rbac-|\.yaml$/g, '')}`;
      await cluster.namespace(ns, c.pool ?? 'playwright');
      const rbac = await applyRbac(ns, c.file);
      const token = await cluster.serviceAccountToken(ns, 'playwright-proxy');
      const calls: KubeCallRecord[] = [];
      const api = new KubeApi(cluster.fx.kubeConfig({ token }), { onRequest: (r) => calls.push(r) });

      // Identity: informer sync, a miss and its diagnostic List.
      const index = new PodIndex({ api, namespace: ns, labelKey: 'playwright-id' });
      index.start();
      await index.synced;
      expect(await index.lookup('127.15.250.1')).toMatchObject({
        found: false,
        reason: expect.stringContaining('no pod'),
      });
      await index.close();

      // The backend's whole life cycle: ensure, record activity, list, delete.
      const b = c.backend?.(api, ns);
      if (b) {
        await b.ensure('alpha', AbortSignal.timeout(20_000));
        const at = Date.now() + 60_000;
        await b.touch?.('alpha', at);
        const listed = await b.list();
        expect(listed.map((r) => r.id)).toEqual(['alpha']);
        expect(listed[0]?.lastActiveMs).toBeGreaterThanOrEqual(at - 1000);
        await b.delete('alpha');
        await b.close();
        // Nothing left behind: no managed Lease (substrate's activity record) survives the delete.
        const leases = await new KubeApi(cluster.admin).request<{ items: unknown[] }>({
          method: 'GET',
          path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
          query: { labelSelector: 'app.kubernetes.io/managed-by=rollout-sentinel' },
          signal: AbortSignal.timeout(5000),
        });
        expect(leases.items).toEqual([]);
      }

      const forbidden = calls.filter((r) => r.status === 403 || r.status === 401);
      expect(forbidden).toEqual([]);
      const used = new Set(calls.map(permission));
      expect([...used].sort()).toEqual([...granted(rbac)].sort());
    },
  );

  it('denies what the proxy does not need (reading secrets, deleting pods)', async () => {
    const ns = 'rbac-sandboxclaim';
    const token = await cluster.serviceAccountToken(ns, 'playwright-proxy');
    const api = new KubeApi(cluster.fx.kubeConfig({ token }));
    for (const [method, path] of [
      ['GET', `/api/v1/namespaces/${ns}/secrets`],
      ['DELETE', `/api/v1/namespaces/${ns}/pods/x`],
      ['GET', `/api/v1/namespaces/${ns}/pods/x`],
    ] as const) {
      await expect(api.request({ method, path, signal: AbortSignal.timeout(5000) })).rejects.toMatchObject({
        status: 403,
      });
    }
  });

  it('the Deployment, Service, PodDisruptionBudget and NetworkPolicy pass server-side validation (dry run)', async () => {
    const admin = new KubeApi(cluster.admin);
    const ns = 'playwright';
    await cluster.namespace(ns);
    const paths: Record<string, string> = {
      Deployment: `/apis/apps/v1/namespaces/${ns}/deployments`,
      Service: `/api/v1/namespaces/${ns}/services`,
      PodDisruptionBudget: `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
      NetworkPolicy: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
    };
    for (const f of ['deployment.yaml', 'service.yaml', 'pdb.yaml', 'networkpolicy.yaml']) {
      for (const d of docs(f)) {
        const res = await admin.request<Doc>({
          method: 'POST',
          path: paths[d.kind] ?? '',
          query: { dryRun: 'All' },
          body: d,
          signal: AbortSignal.timeout(10_000),
        });
        expect(res.metadata.name).toBe(d.metadata.name);
      }
    }
  });
});
