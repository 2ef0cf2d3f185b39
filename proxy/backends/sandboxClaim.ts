/** @module proxy/backends/sandboxClaim — agent-sandbox: one SandboxClaim per tenant against a SandboxWarmPool. */
import { CrBackend, type CrBackendOptions } from '../k8s/crBackend.ts';
import { type ClaimOptions, claimKind } from '../k8s/sandboxClaims.ts';
import { type Endpoint, type SandboxBackend, type SandboxRecord } from './types.ts';

/** Options of {@link SandboxClaimBackend}. */
export type SandboxClaimBackendOptions = CrBackendOptions & ClaimOptions;

/**
 * Claims a warm sandbox per tenant (`extensions.agents.x-k8s.io/v1beta1` SandboxClaim `pw-<id>`, labelled
 * `playwright-proxy/managed=true` and `app.kubernetes.io/managed-by=rollout-sentinel`). Ready when the claim's
 * `Ready` condition is True and the bound sandbox reports a pod IP; the endpoint is that IP on the Playwright port.
 * Readiness is watched (410 → relist, API server restarts survived); terminal reasons fail at once; deleting the claim
 * lets the garbage collector delete the Sandbox and its pod. Existing claims are adopted on restart via `list()`.
 */
export class SandboxClaimBackend implements SandboxBackend {
  readonly kind: string = 'sandboxClaim';
  protected readonly cr: CrBackend<Endpoint>;

  constructor(opts: SandboxClaimBackendOptions) {
    this.cr = new CrBackend(opts, claimKind(opts));
  }

  ensure(id: string, signal: AbortSignal): Promise<Endpoint> {
    return this.cr.ensure(id, signal);
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

  async close(): Promise<void> {
    // Nothing to release: every watch belongs to an ensure() call and ends with it. Sandboxes outlive the proxy.
  }
}
