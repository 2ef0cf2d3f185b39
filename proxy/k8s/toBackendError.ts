/** @module proxy/k8s/toBackendError — turn Kubernetes client failures into the backend contract's BackendError. */
import { BackendError } from '../backends/types.ts';
import { KubeApiError, KubeUnreachableError } from './kubeApi.ts';

/**
 * Maps a failed Kubernetes call to a {@link BackendError} whose message says what was attempted and what the API
 * server said. RBAC refusals keep the API server's own text, which names the user, verb, resource and namespace.
 */
export function toBackendError(err: unknown, attempted: string): BackendError {
  if (err instanceof BackendError) return err;
  if (err instanceof KubeApiError) return fromApiError(err, attempted);
  if (err instanceof KubeUnreachableError) {
    return new BackendError('Unavailable', `${attempted}: ${err.message}`, { cause: err });
  }
  return new BackendError('Failed', `${attempted}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/** {@link toBackendError} of an answer the API server gave, by its HTTP status. */
function fromApiError(err: KubeApiError, attempted: string): BackendError {
  if (err.status === 403) {
    return new BackendError('Forbidden', `${attempted}: RBAC forbids ${err.verb}: ${err.message}`, {
      cause: err,
    });
  }
  if (err.status === 404 && err.reason === '404') {
    // A 404 without a Status body means the resource type itself is not served: the CRD is not installed.
    return new BackendError(
      'Misconfigured',
      `${attempted}: the API server does not serve ${err.path} (is the CRD installed?)`,
      { cause: err },
    );
  }
  if (err.status === 401) {
    return new BackendError('Forbidden', `${attempted}: not authenticated: ${err.message}`, { cause: err });
  }
  if (err.status >= 500 || err.status === 429) {
    return new BackendError('Unavailable', `${attempted}: API server error ${err.status}: ${err.message}`, {
      cause: err,
    });
  }
  return new BackendError('Failed', `${attempted}: ${err.status} ${err.reason}: ${err.message}`, {
    cause: err,
  });
}

/** True for failures worth retrying within a deadline: API server unreachable, 5xx, 429, a lost optimistic lock. */
export function isTransient(err: unknown): boolean {
  if (err instanceof KubeUnreachableError) return true;
  return err instanceof KubeApiError && (err.status >= 500 || err.status === 429);
}
