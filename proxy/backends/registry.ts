/** @module proxy/backends/registry — backend kind → factory; the one place backends are constructed. */
import { LocalBackend } from './local.ts';
import { KarsBackend } from './kars.ts';
import { OpenShellBackend } from './openShell.ts';
import { SandboxClaimBackend } from './sandboxClaim.ts';
import { SubstrateBackend } from './substrate.ts';
import { crOptions, substrateTls } from '../k8s/clusterBackends.ts';
import type { Logger } from '../../lib/log.ts';
import type { BackendConfig, BackendKind } from '../config.ts';
import type { SandboxBackend } from './types.ts';

/** What every backend factory gets besides its own config. */
export interface BackendDeps {
  log: Logger;
}

/** A factory for one kind, typed by that kind's config. */
export type BackendFactory<K extends BackendKind> = (
  cfg: Extract<BackendConfig, { kind: K }>,
  deps: BackendDeps,
) => SandboxBackend;

/** Every kind of the config union must be registered here, or this does not compile. */
export const BACKEND_FACTORIES = {
  local: (cfg, deps) => new LocalBackend(cfg, deps),
  sandboxClaim: (cfg, deps) =>
    new SandboxClaimBackend({ ...crOptions(cfg, deps.log), warmPool: cfg.warmPool, labelKey: cfg.labelKey }),
  openShell: (cfg, deps) =>
    new OpenShellBackend({ ...crOptions(cfg, deps.log), warmPool: cfg.warmPool, labelKey: cfg.labelKey }),
  kars: (cfg, deps) => new KarsBackend({ ...crOptions(cfg, deps.log), ...cfg }),
  substrate: (cfg, deps) =>
    new SubstrateBackend({
      control: {
        address: cfg.apiEndpoint,
        shape: cfg.apiShape,
        ...(cfg.atespace ? { atespace: cfg.atespace } : {}),
        tls: substrateTls(cfg),
      },
      ...cfg,
      log: deps.log,
    }),
} satisfies { [K in BackendKind]: BackendFactory<K> };

/** The backend for `cfg.kind`; an unknown kind (config built in code) names the valid ones. */
export function createBackend(cfg: BackendConfig, deps: BackendDeps): SandboxBackend {
  const factory = (BACKEND_FACTORIES as Record<string, BackendFactory<BackendKind> | undefined>)[cfg.kind];
  if (!factory) {
    throw new Error(
      `Unknown backend kind "${cfg.kind}"; valid kinds: ${Object.keys(BACKEND_FACTORIES).join(', ')}.`,
    );
  }
  return factory(cfg, deps);
}
