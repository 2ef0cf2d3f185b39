/** @module proxy/backends/types — the contract every sandbox backend implements, and nothing else. */

/** A tenant id: a DNS-1123 label (validated by the proxy before any backend is called). */
export type TenantId = string;

/** Where a tenant's Playwright browser server listens. */
export interface Endpoint {
  /** Host to dial (an IP, a DNS name, or a router). */
  host: string;
  /** Port of the browser server's WebSocket (and of plain HTTP, unless `httpPort` is set). */
  port: number;
  /**
   * Path of the browser server's WebSocket (`launchServer({ wsPath })`). Clients connect to the proxy at `/`;
   * the proxy sends the upgrade to this path.
   */
  wsPath: string;
  /** `Host` header for requests and upgrades (e.g. a substrate actor's router host); default `host:port`. */
  hostHeader?: string;
  /** Port for plain HTTP (MCP, `/json`…) when it differs from `port`. */
  httpPort?: number;
}

/** A sandbox that exists in the backend, as `list()` reports it. */
export interface SandboxRecord {
  id: TenantId;
  /** Last activity recorded on the shared resource (ms since epoch), when the backend keeps one. */
  lastActiveMs?: number;
}

/** Why a backend call failed; the proxy maps it to an HTTP status and a stable error code. */
export type BackendErrorReason =
  /** The sandbox did not become ready before the deadline (→ 504). */
  | 'Timeout'
  /** The backend cannot serve now, e.g. API server or gRPC endpoint down (→ 503). */
  | 'Unavailable'
  /** The backend refused: RBAC forbidden, quota (→ 503, message names the verb and resource). */
  | 'Forbidden'
  /** The sandbox failed for good (terminal condition, crashed and not restartable) (→ 502). */
  | 'Failed'
  /** The backend's configuration is wrong (missing template or pool) (→ 500). */
  | 'Misconfigured'
  /** The call was aborted by its signal (client went away, shutdown). */
  | 'Aborted';

/** A backend call failed. `message` says what was attempted and what happened. */
export class BackendError extends Error {
  override name = 'BackendError';
  readonly reason: BackendErrorReason;
  constructor(reason: BackendErrorReason, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.reason = reason;
  }
}

/**
 * A provider of per-tenant browser sandboxes.
 *
 * Implementations are used by one session manager per proxy process; several proxy processes (replicas) may share
 * one backend's resources.
 */
export interface SandboxBackend {
  /** Short name for logs and metrics (`local`, `sandboxClaim`, …). */
  readonly kind: string;

  /**
   * Get-or-create the tenant's sandbox and wait until it is ready to accept a Playwright connection.
   * Idempotent: a second call for an existing, healthy sandbox returns its endpoint without creating another.
   * Safe to call concurrently for different ids; the session manager guarantees one call per id at a time.
   * Blocks until ready, until `signal` aborts (→ `BackendError('Aborted')`) or the backend's own deadline
   * (→ `BackendError('Timeout')`). A sandbox that crashed is replaced by a fresh one.
   * When aborted, anything this call created is removed again (the shared contract suite checks it). The session
   * manager passes a signal combining its deadline (`ENSURE_TIMEOUT`), shutdown, and "every waiting client left".
   */
  ensure(id: TenantId, signal: AbortSignal): Promise<Endpoint>;

  /**
   * Delete the tenant's sandbox and everything it owns. Idempotent: deleting a missing sandbox succeeds.
   * Resolves once the sandbox can no longer be reached (or deletion has been accepted by the API server).
   */
  delete(id: TenantId, signal?: AbortSignal): Promise<void>;

  /**
   * Sandboxes that exist now (for adoption on restart and for leak checks). The reaper calls it once per pass and
   * passes each record's `lastActiveMs` to its "may I reap this?" check; a sandbox missing here is forgotten.
   */
  list(signal?: AbortSignal): Promise<SandboxRecord[]>;

  /**
   * Record activity on the shared resource so other replicas do not reap a sandbox this one serves.
   * Optional: single-process backends (local) need not implement it. `atMs` may lie in the past (the last activity
   * of a sandbox without connections); keep the latest value seen, and report it as `list()`'s `lastActiveMs`.
   */
  touch?(id: TenantId, atMs: number, signal?: AbortSignal): Promise<void>;

  /**
   * Release the backend's own resources (watches, channels). Backends whose sandboxes cannot outlive the proxy
   * (local processes) stop them here. Called once, at shutdown, after the session manager has drained.
   */
  close(): Promise<void>;
}
