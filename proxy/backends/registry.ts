/**
 * @module proxy/backends/registry — backend kind → factory; the one place backends are constructed.
 * Factories import their backend on demand: the Kubernetes and gRPC clients cost ~90 MB of RSS, which a proxy on
 * the local backend should not pay (the proxy's RSS target is < 150 MB with 50 idle sessions).
 */
import type * as ClusterBackends from '../k8s/clusterBackends.ts';
import type { Logger } from '../../lib/log.ts';
import type { BackendConfig, BackendKind } from '../config.ts';
import type { SandboxBackend } from './types.ts';

/** Shared helpers of the cluster backends, loaded only when one of them is chosen. */
const cluster = (): Promise<typeof ClusterBackends> => import('../k8s/clusterBackends.ts');

/** What every backend factory gets besides its own config. */
export interface BackendDeps {
  log: Logger;
}

/** A factory for one kind, typed by that kind's config. */
export type BackendFactory<K extends BackendKind> = (
  cfg: Extract<BackendConfig, { kind: K }>,
  deps: BackendDeps,
) => Promise<SandboxBackend>;

/** Every kind of the config union must be registered here, or this does not compile. */
export const BACKEND_FACTORIES = {
  local: async (cfg, deps) => {
    const { LocalBackend } = await import('./local.ts');
    return new LocalBackend(cfg, deps);
  },
  sandboxClaim: async (cfg, deps) => {
    const [{ SandboxClaimBackend }, { crOptions }] = await Promise.all([
      import('./sandboxClaim.ts'),
      cluster(),
    ]);
    return new SandboxClaimBackend({
      ...crOptions(cfg, deps.log),
      warmPool: cfg.warmPool,
      labelKey: cfg.labelKey,
    });
  },
  openShell: async (cfg, deps) => {
    const [{ OpenShellBackend }, { crOptions }] = await Promise.all([import('./openShell.ts'), cluster()]);
    return new OpenShellBackend({
      ...crOptions(cfg, deps.log),
      warmPool: cfg.warmPool,
      labelKey: cfg.labelKey,
    });
  },
  kars: async (cfg, deps) => {
    const [{ KarsBackend }, { crOptions }] = await Promise.all([import('./kars.ts'), cluster()]);
    return new KarsBackend({ ...crOptions(cfg, deps.log), ...cfg });
  },
  substrate: async (cfg, deps) => {
    const [{ SubstrateBackend }, { substrateTls, activityLeases }] = await Promise.all([
      import('./substrate.ts'),
      cluster(),
    ]);
    return new SubstrateBackend({
      control: {
        address: cfg.apiEndpoint,
        shape: cfg.apiShape,
        ...(cfg.atespace ? { atespace: cfg.atespace } : {}),
        tls: substrateTls(cfg),
      },
      ...cfg,
      ...(cfg.activityNamespace ? { activity: activityLeases(cfg) } : {}),
      log: deps.log,
    });
  },
} satisfies { [K in BackendKind]: BackendFactory<K> };

/** The backend for `cfg.kind`; an unknown kind (config built in code) names the valid ones. */
export async function createBackend(cfg: BackendConfig, deps: BackendDeps): Promise<SandboxBackend> {
  const factory = (BACKEND_FACTORIES as Record<string, BackendFactory<BackendKind> | undefined>)[cfg.kind];
  if (!factory) {
    throw new Error(
      `Unknown backend kind "${cfg.kind}"; valid kinds: ${Object.keys(BACKEND_FACTORIES).join(', ')}.`,
    );
  }
  return factory(cfg, deps);
}
