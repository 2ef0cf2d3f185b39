/** @module proxy/identity/types — the contract of a caller-identity strategy, and nothing else. */
import type { IncomingMessage } from 'node:http';
import type { TenantId } from '../backends/types.ts';

/**
 * Tells who is calling. One instance per proxy process, shared by every request.
 *
 * `resolve` returns a tenant id that has already passed {@link validateTenantId} (DNS-1123 label, length), or throws
 * a `ProxyError` (`MissingTenantId`, `InvalidTenantId`, …) — quickly: it runs before any backend call, and a missing
 * or invalid id must be answered in well under 100 ms. Safe to call concurrently. It may be async (a pod-label
 * lookup consults an informer cache) and must honour `signal`.
 */
export interface IdentityResolver {
  /** Short name for logs (`header`, `fixed`, `podLabel`, …). */
  readonly mode: string;
  resolve(req: IncomingMessage, signal?: AbortSignal): TenantId | Promise<TenantId>;
  /** Whether the resolver can serve (e.g. its informer cache has synced); `/readyz` reports it. Default true. */
  ready?(): boolean;
  /** Release watches or timers. */
  close?(): Promise<void>;
}
