/** @module lib/testing/cluster/argoCrds — Argo Rollouts' own CRDs, from the argo-rollouts module's `manifests/crds`. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import { parseAllDocuments } from 'yaml';
import { run } from '../kube/kubeFixture.ts';

/** The Argo Rollouts release the cluster runs (controller, CRDs, plugin protocol). */
export const ARGO_ROLLOUTS_MODULE = 'github.com/argoproj/argo-rollouts@v1.10.2';

/** Downloads (Go module cache) the argo-rollouts module and returns its directory. */
export async function argoModuleDir(): Promise<string> {
  // The module declares `go 1.26.10`: with an older local go, go refuses to extract it unless it may fetch that one.
  const out = await run(
    'env',
    ['GOTOOLCHAIN=go1.26.10', 'go', 'mod', 'download', '-json', ARGO_ROLLOUTS_MODULE],
    {
      timeoutMs: 5 * 60_000,
    },
  );
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${ARGO_ROLLOUTS_MODULE} failed: ${info.Error ?? out}`);
  return info.Dir;
}

/** The five CRDs (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment), unchanged. */
export async function argoCrds(): Promise<V1CustomResourceDefinition[]> {
  const dir = join(await argoModuleDir(), 'manifests', 'crds');
  const out: V1CustomResourceDefinition[] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('-crd.yaml')).sort()) {
    for (const d of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      const crd = d.toJS() as V1CustomResourceDefinition;
      if (crd?.kind === 'CustomResourceDefinition') out.push(crd);
    }
  }
  return out;
}

/** The test API server's self-signed certificate is not verified (loopback only). */
const INSECURE = new Agent({ connect: { rejectUnauthorized: false } });

/** Installs Argo's CRDs and waits until the API server serves them. */
export async function installArgoCrds(kc: KubeConfig, timeoutMs = 60_000): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = await argoCrds();
  const server = kc.getCurrentCluster()?.server;
  const token = kc.getCurrentUser()?.token;
  if (!server || !token)
    throw new Error('installArgoCrds needs a KubeConfig with a server and a bearer token');
  for (const body of crds) {
    // Raw JSON, not client-node's typed model: its serializer drops `x-kubernetes-int-or-string` and
    // `x-kubernetes-preserve-unknown-fields`, which Argo's schemas rely on (the API server then rejects them).
    const res = await fetch(`${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher: INSECURE,
    });
    if (!res.ok && res.status !== 409) {
      throw new Error(`creating CRD ${body.metadata?.name}: ${res.status} ${await res.text()}`);
    }
    await res.body?.cancel().catch(() => undefined);
  }
  const names = crds.map((c) => c.metadata?.name ?? '');
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
