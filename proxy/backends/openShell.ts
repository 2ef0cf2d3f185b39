/** @module proxy/backends/openShell — NVIDIA OpenShell sandboxes through agent-sandbox claims, identity anchored to the claim. */
import { CrBackend, type CrBackendOptions } from '../k8s/crBackend.ts';
import { type ClaimOptions, claimKind } from '../k8s/sandboxClaims.ts';
import { type Endpoint, type SandboxBackend, type SandboxRecord } from './types.ts';

/** Options of {@link OpenShellBackend} (the warm pool is OpenShell's, default `playwright-openshell`). */
export type OpenShellBackendOptions = CrBackendOptions & Omit<ClaimOptions, 'verifyBinding'>;

/**
 * OpenShell's Kubernetes driver runs on agent-sandbox `Sandbox` CRs, so this backend uses the same claim machinery
 * against OpenShell's own warm pool and template. Beyond agent-sandbox it re-anchors identity to the claim: before
 * routing a tenant it checks that the bound Sandbox carries this claim's uid (OpenShell#1879), so a Sandbox re-bound or
 * tampered with behind the proxy's back is never served to the wrong tenant. OpenShell sandboxes start slower
 * (readiness probe delay 10 s in the reference template): give it a longer `readyTimeoutMs`.
 */
export class OpenShellBackend implements SandboxBackend {
  readonly kind = 'openShell';
  readonly #cr: CrBackend<Endpoint>;

  constructor(opts: OpenShellBackendOptions) {
    this.#cr = new CrBackend(opts, claimKind({ ...opts, verifyBinding: true }, opts.api, opts.namespace));
  }

  ensure(id: string, signal: AbortSignal): Promise<Endpoint> {
    return this.#cr.ensure(id, signal);
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
