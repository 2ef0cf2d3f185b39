/** @module lib/testing/kube/crds — install the sandbox CRDs: agent-sandbox's own (from its Go module), KARS minimal (ours). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { run } from './kubeFixture.ts';

/**
 * agent-sandbox release whose CRDs the fixture installs. The reference proxy pins v0.5.4, but the Go module proxy
 * answers `403 This module version is not available` for v0.5.4's zip; v0.5.6 has the same v1beta1 claim API.
 */
export const AGENT_SANDBOX_MODULE = 'sigs.k8s.io/agent-sandbox@v0.5.6';

const AGENT_SANDBOX_CRDS = [
  'agents.x-k8s.io_sandboxes.yaml',
  'extensions.agents.x-k8s.io_sandboxclaims.yaml',
  'extensions.agents.x-k8s.io_sandboxtemplates.yaml',
  'extensions.agents.x-k8s.io_sandboxwarmpools.yaml',
];

/** Downloads (Go module cache) the agent-sandbox module and returns its directory. */
export async function agentSandboxModuleDir(): Promise<string> {
  const out = await run('go', ['mod', 'download', '-json', AGENT_SANDBOX_MODULE], { timeoutMs: 5 * 60_000 });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${AGENT_SANDBOX_MODULE} failed: ${info.Error ?? out}`);
  return info.Dir;
}

async function loadCrds(file: string): Promise<V1CustomResourceDefinition[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  return docs
    .map((d) => d.toJS() as V1CustomResourceDefinition)
    .filter((d) => d?.kind === 'CustomResourceDefinition');
}

/**
 * The published CRDs declare a conversion webhook for their v1alpha1 versions. No webhook runs here and the proxy only
 * speaks v1beta1 (the storage version), so conversion is switched to `None`; nothing else is changed.
 */
function withoutConversionWebhook(crd: V1CustomResourceDefinition): V1CustomResourceDefinition {
  return { ...crd, spec: { ...crd.spec, conversion: { strategy: 'None' } } };
}

async function waitEstablished(api: ApiextensionsV1Api, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const crd = await api.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
}

/** Installs agent-sandbox's four CRDs and our minimal KarsSandbox CRD, and waits until they are served. */
export async function installSandboxCrds(kc: KubeConfig): Promise<string[]> {
  const dir = await agentSandboxModuleDir();
  const crds: V1CustomResourceDefinition[] = [];
  for (const f of AGENT_SANDBOX_CRDS) {
    crds.push(...(await loadCrds(join(dir, 'k8s', 'crds', f))).map(withoutConversionWebhook));
  }
  crds.push(
    ...(await loadCrds(join(import.meta.dirname, 'crds', 'kars.azure.com_karssandboxes.minimal.yaml'))),
  );
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const body of crds) {
    try {
      await api.createCustomResourceDefinition({ body });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  const names = crds.map((c) => c.metadata?.name ?? '');
  for (const n of names) await waitEstablished(api, n);
  return names;
}
