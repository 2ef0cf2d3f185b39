/** @module proxy/backends/kars — KARS: one KarsSandbox (runtime BYO with the sandbox image) per tenant. */
import { CrBackend, type CrBackendOptions } from '../k8s/crBackend.ts';
import { type KarsOptions, type KarsPlacement, karsKind } from '../k8s/karsSandboxes.ts';
import { BackendError, type Endpoint, type SandboxBackend, type SandboxRecord } from './types.ts';

/** Options of {@link KarsBackend}. */
export type KarsBackendOptions = CrBackendOptions & KarsOptions;

/**
 * Creates `kars.azure.com/v1alpha1` KarsSandbox `pw-<id>` in the proxy's namespace; ready on `status.phase: Running`
 * with `status.namespace` set and a Running pod labelled `kars.azure.com/component=sandbox` in that namespace (both
 * watched). Failed and Degraded are terminal and reported with the CR's condition. Deleting the CR lets the KARS
 * finalizer remove the sandbox namespace.
 */
export class KarsBackend implements SandboxBackend {
  readonly kind = 'kars';
  readonly #cr: CrBackend<KarsPlacement & { endpoint?: Endpoint }>;

  constructor(opts: KarsBackendOptions) {
    this.#cr = new CrBackend(opts, karsKind(opts, opts.api));
  }

  async ensure(id: string, signal: AbortSignal): Promise<Endpoint> {
    const placed = await this.#cr.ensure(id, signal);
    if (!placed.endpoint)
      throw new BackendError('Failed', `KarsSandbox for ${id} is Running but has no endpoint`);
    return placed.endpoint;
  }

  delete(id: string, signal?: AbortSignal): Promise<void> {
    return this.#cr.delete(id, signal);
  }

  list(signal?: AbortSignal): Promise<SandboxRecord[]> {
    return this.#cr.list(signal);
  }

  touch(id: string, atMs: number, signal?: AbortSignal): Promise<void> {
    return this.#cr.touch(id, atMs, signal);
  }

  async close(): Promise<void> {
    // Watches end with their ensure() calls; sandboxes outlive the proxy.
  }
}
