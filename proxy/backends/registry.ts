/** @module proxy/backends/registry — backend kind → factory; the one place backends are constructed. */
import { LocalBackend } from './local.ts';
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
