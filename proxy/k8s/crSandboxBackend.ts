/** @module proxy/k8s/crSandboxBackend — the {@link SandboxBackend} face every custom-resource backend shares. */
import { type Endpoint, type SandboxBackend, type SandboxRecord } from '../backends/types.ts';
import { CrBackend, type CrBackendOptions, type CrKind } from './crBackend.ts';

/**
 * A {@link SandboxBackend} whose sandboxes are one custom resource per tenant, handled by a {@link CrBackend}:
 * `delete`, `list` and `touch` are the CR's; `ensure` waits for the CR and returns {@link endpointOf} what it became.
 * `close` releases nothing: every watch belongs to an `ensure()` call and ends with it, and sandboxes outlive the proxy.
 */
export abstract class CrSandboxBackend<R> implements SandboxBackend {
  abstract readonly kind: string;
  protected readonly cr: CrBackend<R>;

  constructor(opts: CrBackendOptions, kind: CrKind<R>) {
    this.cr = new CrBackend(opts, kind);
  }

  /** The endpoint of tenant `id`'s ready resource; throws a `BackendError` when the resource names none. */
  protected abstract endpointOf(id: string, ready: R): Endpoint;

  async ensure(id: string, signal: AbortSignal): Promise<Endpoint> {
    return this.endpointOf(id, await this.cr.ensure(id, signal));
  }

  delete(id: string, signal?: AbortSignal): Promise<void> {
    return this.cr.delete(id, signal);
  }

  list(signal?: AbortSignal): Promise<SandboxRecord[]> {
    return this.cr.list(signal);
  }

  touch(id: string, atMs: number, signal?: AbortSignal): Promise<void> {
    return this.cr.touch(id, atMs, signal);
  }

  async close(): Promise<void> {}
}
