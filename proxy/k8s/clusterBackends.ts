/** @module proxy/k8s/clusterBackends — turns the cluster backends' config into backend options (used by backends/registry.ts). */
import { readFileSync } from 'node:fs';
import { type Logger } from 'pino';
import { type ControlTls } from '../grpc/controlClient.ts';
import {
  type KarsBackendConfig,
  type OpenShellBackendConfig,
  type SandboxClaimBackendConfig,
  type SubstrateBackendConfig,
} from './clusterBackendConfig.ts';
import { ActivityLeases } from './activityLeases.ts';
import { type CrBackendOptions } from './crBackend.ts';
import { kubeApiFor } from './kubeConfig.ts';

type KubeBackendConfig = SandboxClaimBackendConfig | OpenShellBackendConfig | KarsBackendConfig;

/** Common options of a Kubernetes-backed backend. */
export function crOptions(
  cfg: KubeBackendConfig,
  log: Logger,
): CrBackendOptions & { port: number; wsPath: string; httpPort?: number } {
  return {
    api: kubeApiFor(cfg.kubeconfig),
    namespace: cfg.namespace,
    labelKey: cfg.labelKey,
    readyTimeoutMs: cfg.readyTimeoutMs,
    touchIntervalMs: cfg.touchIntervalMs,
    replica: cfg.replica,
    log,
    port: cfg.port,
    wsPath: cfg.wsPath,
    ...(cfg.httpPort !== undefined ? { httpPort: cfg.httpPort } : {}),
  };
}

/** The substrate Control API's transport security. */
export function substrateTls(cfg: SubstrateBackendConfig): ControlTls {
  if (cfg.tls === 'tls')
    return cfg.caFile ? { mode: 'tls', caPem: readFileSync(cfg.caFile, 'utf8') } : { mode: 'tls' };
  return { mode: cfg.tls };
}

/** The activity Leases of a substrate backend (only when `activityNamespace` is set). */
export function activityLeases(cfg: SubstrateBackendConfig): ActivityLeases {
  return new ActivityLeases({
    api: kubeApiFor(cfg.kubeconfig),
    namespace: cfg.activityNamespace ?? 'default',
    labelKey: cfg.labelKey,
    replica: cfg.replica,
    touchIntervalMs: cfg.touchIntervalMs,
  });
}
