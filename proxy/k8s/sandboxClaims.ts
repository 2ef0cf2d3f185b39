/** @module proxy/k8s/sandboxClaims — the agent-sandbox SandboxClaim shape and its readiness rules (shared by agent-sandbox and OpenShell). */
import { isIP } from 'node:net';
import { BackendError, type Endpoint } from '../backends/types.ts';
import { type CrKind } from './crBackend.ts';
import { type KubeApi, type KubeObject } from './kubeApi.ts';
import { objectPath, type ResourceType, SANDBOX_CLAIMS } from './resources.ts';
import { type Verdict } from './waitFor.ts';

/** What a claim-based backend needs beyond the common options. */
export interface ClaimOptions {
  /** `SandboxWarmPool` to claim from. */
  warmPool: string;
  /** Tenant label key; on the pod it gets the `sandbox.users.io/` domain unless it already has one. */
  labelKey: string;
  /** Playwright WebSocket port in the sandbox. */
  port: number;
  /** WebSocket path of the browser server. */
  wsPath: string;
  /** Plain-HTTP (MCP) port when it differs from `port`. */
  httpPort?: number;
  /** Extra labels for the sandbox pod (`additionalPodMetadata`); domains must be on the controller's allow-list. */
  podLabels?: Record<string, string>;
  /**
   * Before returning the endpoint, check that the bound Sandbox carries `agents.x-k8s.io/claim-uid` = this claim's
   * uid, i.e. re-anchor the tenant's identity to the claim (NVIDIA/OpenShell#1879 security review). Needs `get` on
   * `sandboxes.agents.x-k8s.io`.
   */
  verifyBinding?: boolean;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The SandboxClaim fields the proxy reads. */
export interface SandboxClaim extends KubeObject {
  spec?: { warmPoolRef?: { name?: string } };
  status?: { conditions?: Condition[]; sandbox?: { name?: string; podIPs?: unknown } };
}

/**
 * Ready=False reasons that will not fix themselves (agent-sandbox v0.5 `sandboxclaim_controller.go`): waiting out the
 * deadline would only delay a clear error.
 */
const MISCONFIGURED = new Set([
  'TemplateNotFound',
  'WarmPoolNotFound',
  'InvalidMetadata',
  'EnvVarsInjectionRejected',
]);
/** Terminal for this claim, but a fresh claim may succeed. */
const EXPIRED = new Set(['ClaimExpired', 'SandboxExpired']);

/** agent-sandbox ≥ v0.5 rejects pod labels without a domain; a bare key gets the default allow-listed one. */
export function podLabelKey(labelKey: string): string {
  return labelKey.includes('/') ? labelKey : `sandbox.users.io/${labelKey}`;
}

function describe(c: Condition | undefined): string {
  if (!c) return 'no Ready condition yet (the agent-sandbox controller has not reconciled the claim)';
  return `Ready=${c.status ?? '?'} reason=${c.reason ?? '?'}${c.message ? `: ${c.message}` : ''}`;
}

type ClaimVerdict = Verdict<Endpoint> & { misconfigured?: boolean };

function endpointOf(claim: SandboxClaim, o: ClaimOptions): ClaimVerdict {
  const ips = claim.status?.sandbox?.podIPs;
  if (ips === undefined || (Array.isArray(ips) && ips.length === 0)) {
    return { state: 'pending', reason: 'Ready=True but status.sandbox.podIPs is empty' };
  }
  const ip = Array.isArray(ips) ? ips[0] : undefined;
  if (typeof ip !== 'string' || isIP(ip) === 0) {
    return {
      state: 'failed',
      reason: `malformed status: status.sandbox.podIPs[0] is ${JSON.stringify(ip)}, not an IP`,
    };
  }
  const ep: Endpoint = { host: ip, port: o.port, wsPath: o.wsPath };
  if (o.httpPort !== undefined) ep.httpPort = o.httpPort;
  return { state: 'ready', value: ep };
}

/** Readiness of a claim: `Ready=True` plus the bound sandbox's first pod IP. */
export function checkClaim(obj: KubeObject | undefined, o: ClaimOptions): ClaimVerdict {
  if (!obj) return { state: 'gone', reason: 'the SandboxClaim was deleted' };
  if (obj.metadata.deletionTimestamp) return { state: 'gone', reason: 'the SandboxClaim is being deleted' };
  const claim = obj as SandboxClaim;
  const conditions = claim.status?.conditions;
  if (conditions !== undefined && !Array.isArray(conditions)) {
    return { state: 'failed', reason: 'malformed status: status.conditions is not a list' };
  }
  const ready = conditions?.find((c) => c?.type === 'Ready');
  if (ready?.status === 'True') return endpointOf(claim, o);
  return notReady(ready);
}

/** {@link checkClaim} of a claim not Ready (yet): its Ready condition's reason says terminal or pending. */
function notReady(ready: Condition | undefined): ClaimVerdict {
  const reason = ready?.reason ?? '';
  if (MISCONFIGURED.has(reason)) return { state: 'failed', reason: describe(ready), misconfigured: true };
  if (EXPIRED.has(reason)) return { state: 'failed', reason: describe(ready) };
  return { state: 'pending', reason: describe(ready) };
}

const SANDBOXES: ResourceType = { group: 'agents.x-k8s.io', version: 'v1beta1', plural: 'sandboxes' };

/** Checks that the claim's bound Sandbox was adopted by this very claim (its claim-uid label). */
async function verifyBinding(
  api: KubeApi,
  namespace: string,
  claimName: string,
  signal: AbortSignal,
): Promise<void> {
  const claim = await api.request<SandboxClaim>({
    method: 'GET',
    path: objectPath(SANDBOX_CLAIMS, namespace, claimName),
    signal,
  });
  const sandbox = claim.status?.sandbox?.name;
  if (!sandbox)
    throw new BackendError('Failed', `SandboxClaim ${namespace}/${claimName} is ready but names no sandbox`);
  const sb = await api.request<KubeObject>({
    method: 'GET',
    path: objectPath(SANDBOXES, namespace, sandbox),
    signal,
  });
  const owner = sb.metadata.labels?.['agents.x-k8s.io/claim-uid'];
  if (owner !== claim.metadata.uid) {
    throw new BackendError(
      'Failed',
      `Sandbox ${namespace}/${sandbox} is bound to SandboxClaim ${claimName} but carries claim-uid ${owner ?? '(none)'}, not ${claim.metadata.uid}: refusing to route the tenant to it`,
    );
  }
}

/** The SandboxClaim kind for {@link CrBackend} (`api` and `namespace` are needed only with `verifyBinding`). */
export function claimKind(o: ClaimOptions, api?: KubeApi, namespace?: string): CrKind<Endpoint> {
  const finish =
    o.verifyBinding && api && namespace
      ? async (ep: Endpoint, signal: AbortSignal, _p: unknown, name?: string): Promise<Endpoint> => {
          await verifyBinding(api, namespace, name ?? '', signal);
          return ep;
        }
      : undefined;
  return {
    ...(finish ? { finish } : {}),
    resource: SANDBOX_CLAIMS,
    kindName: 'SandboxClaim',
    build: (id) => ({
      apiVersion: `${SANDBOX_CLAIMS.group}/${SANDBOX_CLAIMS.version}`,
      kind: 'SandboxClaim',
      spec: {
        warmPoolRef: { name: o.warmPool },
        additionalPodMetadata: { labels: { ...o.podLabels, [podLabelKey(o.labelKey)]: id } },
      },
    }),
    check: (obj) => checkClaim(obj, o),
    owns: (obj) => (obj as SandboxClaim).spec?.warmPoolRef?.name === o.warmPool,
  };
}
