/** @module proxy/k8s/karsSandboxes — the KARS KarsSandbox shape, its readiness rules and the sandbox-pod stage. */
import { type Endpoint } from '../backends/types.ts';
import { type CrKind } from './crBackend.ts';
import { type KubeApi, type KubeObject } from './kubeApi.ts';
import { KARS_SANDBOXES, PODS, collectionPath } from './resources.ts';
import { type Verdict, waitForAny } from './waitFor.ts';

/** What the KARS backend needs beyond the common options. */
export interface KarsOptions {
  /** The Playwright sandbox image (runtime BYO). */
  image: string;
  /** Same-namespace `InferencePolicy` name; omitted from the spec when unset. */
  inferenceRef?: string;
  port: number;
  wsPath: string;
  /**
   * `serviceDns`: `pw-<id>.<status.namespace>.svc.<clusterDomain>` (the reference; NetworkPolicies block pod IPs);
   * `podIp`: the sandbox pod's IP (clusters without the per-sandbox Service, and tests).
   */
  endpoint: 'serviceDns' | 'podIp';
  clusterDomain: string;
  /** Chromium flags passed as CHROMIUM_ARGS. */
  chromiumArgs: string;
}

interface KarsSandbox extends KubeObject {
  status?: {
    phase?: unknown;
    namespace?: unknown;
    conditions?: { type?: string; reason?: string; message?: string }[];
  };
}

interface Pod extends KubeObject {
  status?: { phase?: string; podIP?: string };
}

/** Where the sandbox lives once the CR is Running. */
export interface KarsPlacement {
  namespace: string;
  name: string;
}

const PENDING = new Set(['Pending', 'Creating', 'Terminating', '']);

function conditionText(s: KarsSandbox): string {
  const c = Array.isArray(s.status?.conditions) ? s.status.conditions.find((x) => x?.reason) : undefined;
  return c ? ` (${c.type ?? 'condition'} ${c.reason}${c.message ? `: ${c.message}` : ''})` : '';
}

/** Readiness of a KarsSandbox: `status.phase == Running` and `status.namespace` set; Failed/Degraded are terminal. */
export function checkKars(obj: KubeObject | undefined): Verdict<KarsPlacement> & { misconfigured?: boolean } {
  if (!obj) return { state: 'gone', reason: 'the KarsSandbox was deleted' };
  if (obj.metadata.deletionTimestamp) return { state: 'gone', reason: 'the KarsSandbox is being deleted' };
  const s = obj as KarsSandbox;
  const phase: unknown = s.status?.phase ?? '';
  if (phase !== 'Running') return notRunning(s, phase);
  const ns = s.status?.namespace;
  if (typeof ns !== 'string' || ns === '')
    return { state: 'pending', reason: 'phase Running but status.namespace is empty' };
  return { state: 'ready', value: { namespace: ns, name: obj.metadata.name } };
}

/** {@link checkKars} of a sandbox not Running (yet): terminal on Failed/Degraded or a malformed phase, else pending. */
function notRunning(s: KarsSandbox, phase: unknown): Verdict<KarsPlacement> & { misconfigured?: boolean } {
  if (typeof phase !== 'string')
    return { state: 'failed', reason: `malformed status: phase is ${JSON.stringify(phase)}` };
  if (phase === 'Failed' || phase === 'Degraded') {
    const text = `phase ${phase}${conditionText(s)}`;
    return { state: 'failed', reason: text, misconfigured: /NotFound|Invalid/.test(text) };
  }
  return {
    state: 'pending',
    reason: PENDING.has(phase)
      ? `phase ${phase || '(none yet)'}${conditionText(s)}`
      : `unknown phase ${phase}`,
  };
}

/** The KarsSandbox kind for {@link CrBackend}; resolves the endpoint once a sandbox pod runs. */
export function karsKind(o: KarsOptions, api: KubeApi): CrKind<KarsPlacement & { endpoint?: Endpoint }> {
  return {
    resource: KARS_SANDBOXES,
    kindName: 'KarsSandbox',
    build: () => ({
      apiVersion: `${KARS_SANDBOXES.group}/${KARS_SANDBOXES.version}`,
      kind: 'KarsSandbox',
      spec: {
        runtime: {
          kind: 'BYO',
          byo: {
            image: o.image,
            command: ['node', '/server.js'],
            contractVersion: 'v1',
            env: [
              { name: 'PORT', value: String(o.port) },
              { name: 'PW_WS_PATH', value: o.wsPath },
              { name: 'NODE_PATH', value: '/usr/local/lib/node_modules' },
              { name: 'PLAYWRIGHT_BROWSERS_PATH', value: '/ms-playwright' },
              { name: 'CHROMIUM_ARGS', value: o.chromiumArgs },
            ],
          },
        },
        // Chromium needs a writable root (profile, crashpad); KARS defaults readOnlyRootFilesystem to true.
        sandbox: {
          isolation: 'standard',
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: false,
        },
        ...(o.inferenceRef ? { inferenceRef: { name: o.inferenceRef } } : {}),
        networkPolicy: { defaultDeny: false, egressMode: 'Learn' },
      },
    }),
    check: checkKars,
    finish: async (placed, signal, onPending) => {
      const ip = await waitForAny<Pod, string>({
        api,
        path: collectionPath(PODS, placed.namespace),
        labelSelector: 'kars.azure.com/component=sandbox',
        signal,
        check: (pods) => {
          const running = pods.find(
            (p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp,
          );
          if (running?.status?.podIP) return { state: 'ready', value: running.status.podIP };
          const reason = `KarsSandbox Running; waiting for a Running sandbox pod in ${placed.namespace} (${pods.length} pod(s) seen)`;
          onPending(reason);
          return { state: 'pending', reason };
        },
      });
      const host = o.endpoint === 'podIp' ? ip : `${placed.name}.${placed.namespace}.svc.${o.clusterDomain}`;
      return { ...placed, endpoint: { host, port: o.port, wsPath: o.wsPath } };
    },
  };
}
