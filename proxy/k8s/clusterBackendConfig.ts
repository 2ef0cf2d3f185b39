/** @module proxy/k8s/clusterBackendConfig — config schemas and env vars of the cluster backends (sandboxClaim, openShell, kars, substrate). */
import { hostname } from 'node:os';
import { z } from 'zod';
import { boolOption, defineOptions, durationOption, intOption } from '../../lib/config.ts';

/** Fields every Kubernetes-backed backend shares. */
const kube = {
  /** Namespace served; where claims/CRs live (downward API `metadata.namespace`). */
  namespace: z.string().min(1),
  /** Path of a kubeconfig; unset → in-cluster ServiceAccount. */
  kubeconfig: z.string().optional(),
  /** Tenant label key on resources (and, domain-prefixed, on sandbox pods). */
  labelKey: z.string().min(1),
  /** This replica's name, recorded with the last-activity annotation. */
  replica: z.string().min(1),
  /** The backend's own readiness deadline (keep it below ENSURE_TIMEOUT so its reason reaches the client). */
  readyTimeoutMs: z.number().int().positive(),
  /** `touch()` writes the last-activity annotation at most this often per sandbox; keep it well below IDLE_TTL. */
  touchIntervalMs: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  httpPort: z.number().int().min(1).max(65535).optional(),
  wsPath: z.string().startsWith('/'),
};

export const SandboxClaimBackendConfigSchema = z.object({
  kind: z.literal('sandboxClaim'),
  ...kube,
  warmPool: z.string().min(1),
});
export const OpenShellBackendConfigSchema = z.object({
  kind: z.literal('openShell'),
  ...kube,
  warmPool: z.string().min(1),
});
export const KarsBackendConfigSchema = z.object({
  kind: z.literal('kars'),
  ...kube,
  image: z.string().min(1),
  inferenceRef: z.string().optional(),
  endpoint: z.enum(['serviceDns', 'podIp']),
  clusterDomain: z.string().min(1),
  chromiumArgs: z.string(),
});
export const SubstrateBackendConfigSchema = z.object({
  kind: z.literal('substrate'),
  apiEndpoint: z.string().min(1),
  apiShape: z.enum(['actorId', 'actorRef']),
  atespace: z.string().optional(),
  tls: z.enum(['insecure', 'tls', 'tls-skip-verify']),
  caFile: z.string().optional(),
  routerHost: z.string().min(1),
  routerPort: z.number().int().min(1).max(65535),
  templateNamespace: z.string().min(1),
  templateName: z.string().min(1),
  hostSuffix: z.string().min(1),
  forceBoot: z.boolean(),
  readyTimeoutMs: z.number().int().positive(),
  wsPath: z.string().startsWith('/'),
  /** Namespace of the per-actor activity Leases (multi-replica safe reaping); unset = activity not shared. */
  activityNamespace: z.string().optional(),
  kubeconfig: z.string().optional(),
  labelKey: z.string().min(1),
  replica: z.string().min(1),
  touchIntervalMs: z.number().int().positive(),
});

export type SandboxClaimBackendConfig = z.infer<typeof SandboxClaimBackendConfigSchema>;
export type OpenShellBackendConfig = z.infer<typeof OpenShellBackendConfigSchema>;
export type KarsBackendConfig = z.infer<typeof KarsBackendConfigSchema>;
export type SubstrateBackendConfig = z.infer<typeof SubstrateBackendConfigSchema>;

const port = (def: number): z.ZodType<number> => intOption(def, 1, 65535);

/** Env vars shared by the Kubernetes backends (names kept from the reference proxy). */
function kubeOptions(defaultReady: string) {
  return {
    namespace: {
      env: 'POD_NAMESPACE',
      schema: z.string({ error: 'required: set it from the downward API (metadata.namespace)' }),
      description: 'namespace served; sandbox resources are created here',
    },
    kubeconfig: {
      env: 'KUBECONFIG',
      schema: z.string().optional(),
      description: 'kubeconfig path (default: the in-cluster ServiceAccount)',
    },
    labelKey: {
      env: 'PLAYWRIGHT_LABEL_KEY',
      schema: z.string().default('playwright-id'),
      description: 'tenant label key on resources and client pods',
    },
    replica: {
      env: 'POD_NAME',
      schema: z.string().default(hostname()),
      description: "this replica's name (downward API metadata.name), recorded with last activity",
    },
    readyTimeoutMs: {
      env: 'SANDBOX_READY_TIMEOUT',
      schema: durationOption(defaultReady),
      description: "the backend's readiness deadline; keep it below ENSURE_TIMEOUT",
    },
    touchIntervalMs: {
      env: 'SANDBOX_TOUCH_INTERVAL',
      schema: durationOption('10s'),
      description:
        'how often last activity is written to a sandbox resource at most; keep it well below IDLE_TTL',
    },
    port: {
      env: 'SANDBOX_PORT',
      schema: port(9222),
      description: 'Playwright WebSocket port in the sandbox',
    },
    httpPort: {
      env: 'SANDBOX_MCP_PORT',
      schema: z.coerce.number().int().min(1).max(65535).optional(),
      description: 'MCP/HTTP port in the sandbox when it differs from SANDBOX_PORT',
    },
    wsPath: {
      env: 'SANDBOX_WS_PATH',
      schema: z.string().startsWith('/').default('/'),
      description: "the browser server's WebSocket path",
    },
  };
}

/** Env vars and flags of the cluster backends, for proxy/config.ts's BACKEND_OPTIONS. */
export const CLUSTER_BACKEND_OPTIONS = {
  sandboxClaim: defineOptions({
    ...kubeOptions('55s'),
    warmPool: {
      env: 'WARMPOOL_NAME',
      schema: z.string({ error: 'required with PROXY_BACKEND=sandboxClaim' }),
      description: 'SandboxWarmPool to claim sandboxes from',
    },
  }),
  openShell: defineOptions({
    ...kubeOptions('55s'),
    warmPool: {
      env: 'WARMPOOL_NAME',
      schema: z.string().default('playwright-openshell'),
      description: "OpenShell's SandboxWarmPool",
    },
  }),
  kars: defineOptions({
    ...kubeOptions('170s'),
    image: {
      env: 'KARS_SANDBOX_IMAGE',
      schema: z.string({ error: 'required with PROXY_BACKEND=kars' }),
      description: 'Playwright sandbox image (runtime BYO)',
    },
    inferenceRef: {
      env: 'KARS_INFERENCE_REF',
      schema: z.string().optional(),
      description: 'InferencePolicy name (optional)',
    },
    endpoint: {
      env: 'KARS_ENDPOINT',
      schema: z.enum(['serviceDns', 'podIp']).default('serviceDns'),
      description: 'reach sandboxes by their Service DNS name or pod IP',
    },
    clusterDomain: {
      env: 'KARS_CLUSTER_DOMAIN',
      schema: z.string().default('cluster.local'),
      description: 'cluster DNS domain for serviceDns endpoints',
    },
    chromiumArgs: {
      env: 'KARS_CHROMIUM_ARGS',
      schema: z
        .string()
        .default('--no-sandbox,--disable-setuid-sandbox,--disable-dev-shm-usage,--disable-gpu'),
      description: 'CHROMIUM_ARGS passed to the sandbox',
    },
  }),
  substrate: defineOptions({
    apiEndpoint: {
      env: 'SUBSTRATE_API_ENDPOINT',
      schema: z.string().default('api.ate-system.svc.cluster.local:443'),
      description: 'ate-api-server gRPC host:port',
    },
    apiShape: {
      env: 'SUBSTRATE_API_SHAPE',
      schema: z.enum(['actorId', 'actorRef']).default('actorId'),
      description: 'Control API wire shape: actorId (substrate ≤ 06dbd13a) or actorRef (86e138f6, atespaces)',
    },
    atespace: {
      env: 'SUBSTRATE_ATESPACE',
      schema: z.string().optional(),
      description: 'atespace of the actors (required with actorRef)',
    },
    tls: {
      env: 'SUBSTRATE_TLS',
      schema: z.enum(['insecure', 'tls', 'tls-skip-verify']).default('tls-skip-verify'),
      description: 'transport security to the Control API',
    },
    caFile: {
      env: 'SUBSTRATE_CA_FILE',
      schema: z.string().optional(),
      description: 'CA bundle (SUBSTRATE_TLS=tls)',
    },
    routerHost: {
      env: 'SUBSTRATE_ROUTER_HOST',
      schema: z.string().default('atenet-router.ate-system.svc.cluster.local'),
      description: 'atenet-router host',
    },
    routerPort: { env: 'SUBSTRATE_ROUTER_PORT', schema: port(80), description: 'atenet-router port' },
    templateNamespace: {
      env: 'SUBSTRATE_TEMPLATE_NAMESPACE',
      schema: z.string({ error: 'required with PROXY_BACKEND=substrate' }),
      description: 'ActorTemplate namespace',
    },
    templateName: {
      env: 'SUBSTRATE_TEMPLATE_NAME',
      schema: z.string({ error: 'required with PROXY_BACKEND=substrate' }),
      description: 'ActorTemplate name',
    },
    hostSuffix: {
      env: 'SUBSTRATE_HOST_SUFFIX',
      schema: z.string().default('actors.resources.substrate.ate.dev'),
      description: 'router host suffix of actors',
    },
    forceBoot: {
      env: 'SUBSTRATE_FORCE_BOOT',
      schema: boolOption(false),
      description: 'resume with boot=true (skip snapshot restore)',
    },
    readyTimeoutMs: {
      env: 'SANDBOX_READY_TIMEOUT',
      schema: durationOption('55s'),
      description: "the backend's readiness deadline; keep it below ENSURE_TIMEOUT",
    },
    wsPath: {
      env: 'SANDBOX_WS_PATH',
      schema: z.string().startsWith('/').default('/'),
      description: "the browser server's WebSocket path",
    },
    activityNamespace: {
      env: 'POD_NAMESPACE',
      schema: z.string().optional(),
      description:
        'namespace for per-actor activity Leases (replicas share last activity); unset: not shared',
    },
    kubeconfig: kubeOptions('55s').kubeconfig,
    labelKey: kubeOptions('55s').labelKey,
    replica: kubeOptions('55s').replica,
    touchIntervalMs: kubeOptions('55s').touchIntervalMs,
  }),
};
