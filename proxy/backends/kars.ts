/** @module proxy/backends/kars — KARS: one KarsSandbox (runtime BYO with the sandbox image) per tenant. */
import { type CrBackendOptions } from '../k8s/crBackend.ts';
import { CrSandboxBackend } from '../k8s/crSandboxBackend.ts';
import { type KarsOptions, type KarsPlacement, karsKind } from '../k8s/karsSandboxes.ts';
import { BackendError, type Endpoint } from './types.ts';

/** Options of {@link KarsBackend}. */
export type KarsBackendOptions = CrBackendOptions & KarsOptions;

/**
 * Creates `kars.azure.com/v1alpha1` KarsSandbox `pw-<id>` in the proxy's namespace; ready on `status.phase: Running`
 * with `status.namespace` set and a Running pod labelled `kars.azure.com/component=sandbox` in that namespace (both
 * watched). Failed and Degraded are terminal and reported with the CR's condition. Deleting the CR lets the KARS
 * finalizer remove the sandbox namespace.
 */
export class KarsBackend extends CrSandboxBackend<KarsPlacement & { endpoint?: Endpoint }> {
  readonly kind = 'kars';

  constructor(opts: KarsBackendOptions) {
    super(opts, karsKind(opts, opts.api));
  }

  protected endpointOf(id: string, placed: KarsPlacement & { endpoint?: Endpoint }): Endpoint {
    if (!placed.endpoint)
      throw new BackendError('Failed', `KarsSandbox for ${id} is Running but has no endpoint`);
    return placed.endpoint;
  }
}
