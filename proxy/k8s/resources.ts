/** @module proxy/k8s/resources — the API types the proxy touches and their REST paths. */

/** A Kubernetes resource type, as RBAC and REST paths name it. */
export interface ResourceType {
  /** API group; `''` for the core group. */
  group: string;
  version: string;
  /** Plural resource name (`sandboxclaims`). */
  plural: string;
}

/** `extensions.agents.x-k8s.io/v1beta1` SandboxClaim (kubernetes-sigs/agent-sandbox). */
export const SANDBOX_CLAIMS: ResourceType = {
  group: 'extensions.agents.x-k8s.io',
  version: 'v1beta1',
  plural: 'sandboxclaims',
};
/** `kars.azure.com/v1alpha1` KarsSandbox (Azure/kars). */
export const KARS_SANDBOXES: ResourceType = {
  group: 'kars.azure.com',
  version: 'v1alpha1',
  plural: 'karssandboxes',
};
/** Core pods. */
export const PODS: ResourceType = { group: '', version: 'v1', plural: 'pods' };

function prefix(rt: ResourceType): string {
  return rt.group === '' ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
}

/** Collection path, namespaced when `namespace` is given, cluster-wide otherwise. */
export function collectionPath(rt: ResourceType, namespace?: string): string {
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${prefix(rt)}${ns}/${rt.plural}`;
}

/** Path of one object (and optionally a subresource such as `status`). */
export function objectPath(rt: ResourceType, namespace: string, name: string, subresource?: string): string {
  const sub = subresource ? `/${subresource}` : '';
  return `${collectionPath(rt, namespace)}/${encodeURIComponent(name)}${sub}`;
}

/** `plural.group` (or just `plural` for core), as RBAC error messages and docs name a resource. */
export function resourceName(rt: ResourceType): string {
  return rt.group === '' ? rt.plural : `${rt.plural}.${rt.group}`;
}
