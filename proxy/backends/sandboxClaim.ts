/** @module proxy/backends/sandboxClaim — agent-sandbox: one SandboxClaim per tenant against a SandboxWarmPool. */
import { type CrBackendOptions } from '../k8s/crBackend.ts';
import { CrSandboxBackend } from '../k8s/crSandboxBackend.ts';
import { type ClaimOptions, claimKind } from '../k8s/sandboxClaims.ts';
import { type Endpoint } from './types.ts';

/** Options of {@link SandboxClaimBackend}. */
export type SandboxClaimBackendOptions = CrBackendOptions & ClaimOptions;

/**
 * Claims a warm sandbox per tenant (`extensions.agents.x-k8s.io/v1beta1` SandboxClaim `pw-<id>`, labelled
 * `playwright-proxy/managed=true` and `app.kubernetes.io/managed-by=rollout-sentinel`). Ready when the claim's
 * `Ready` condition is True and the bound sandbox reports a pod IP; the endpoint is that IP on the Playwright port.
 * Readiness is watched (410 → relist, API server restarts survived); terminal reasons fail at once; deleting the claim
 * lets the garbage collector delete the Sandbox and its pod. Existing claims are adopted on restart via `list()`.
 */
export class SandboxClaimBackend extends CrSandboxBackend<Endpoint> {
  readonly kind: string = 'sandboxClaim';

  constructor(opts: SandboxClaimBackendOptions) {
    super(opts, claimKind(opts));
  }

  protected endpointOf(_id: string, endpoint: Endpoint): Endpoint {
    return endpoint;
  }
}
