/** @module proxy/backends/openShell — NVIDIA OpenShell sandboxes through agent-sandbox claims, identity anchored to the claim. */
import { type CrBackendOptions } from '../k8s/crBackend.ts';
import { CrSandboxBackend } from '../k8s/crSandboxBackend.ts';
import { type ClaimOptions, claimKind } from '../k8s/sandboxClaims.ts';
import { type Endpoint } from './types.ts';

/** Options of {@link OpenShellBackend} (the warm pool is OpenShell's, default `playwright-openshell`). */
export type OpenShellBackendOptions = CrBackendOptions & Omit<ClaimOptions, 'verifyBinding'>;

/**
 * OpenShell's Kubernetes driver runs on agent-sandbox `Sandbox` CRs, so this backend uses the same claim machinery
 * against OpenShell's own warm pool and template. Beyond agent-sandbox it re-anchors identity to the claim: before
 * routing a tenant it checks that the bound Sandbox carries this claim's uid (OpenShell#1879), so a Sandbox re-bound or
 * tampered with behind the proxy's back is never served to the wrong tenant. OpenShell sandboxes start slower
 * (readiness probe delay 10 s in the reference template): give it a longer `readyTimeoutMs`.
 */
export class OpenShellBackend extends CrSandboxBackend<Endpoint> {
  readonly kind = 'openShell';

  constructor(opts: OpenShellBackendOptions) {
    super(opts, claimKind({ ...opts, verifyBinding: true }, opts.api, opts.namespace));
  }

  protected endpointOf(_id: string, endpoint: Endpoint): Endpoint {
    return endpoint;
  }
}
