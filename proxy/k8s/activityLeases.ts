/** @module proxy/k8s/activityLeases — last activity of sandboxes that are not Kubernetes objects (substrate actors), as Leases. */
import { type KubeApi, KubeApiError, type KubeList, type KubeObject } from './kubeApi.ts';
import { MANAGED_SELECTOR, TENANT_ANNOTATION, managedLabels, sandboxName } from './naming.ts';
import { collectionPath, objectPath, type ResourceType } from './resources.ts';
import { toBackendError } from './toBackendError.ts';

/** `coordination.k8s.io/v1` Lease. */
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string };
}

/** RFC 3339 with microseconds, as Lease's MicroTime requires. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface ActivityLeasesOptions {
  api: KubeApi;
  namespace: string;
  labelKey: string;
  replica: string;
  /** Renew at most this often per sandbox (default 10 s). */
  touchIntervalMs?: number;
}

/**
 * One Lease `pw-<id>` per sandbox in the proxy's namespace: `renewTime` = last activity any replica saw,
 * `holderIdentity` = that replica. Lets replicas share activity for backends without an object to annotate.
 */
export class ActivityLeases {
  readonly #o: ActivityLeasesOptions;
  readonly #touched = new Map<string, number>();

  constructor(o: ActivityLeasesOptions) {
    this.#o = o;
  }

  async touch(id: string, atMs: number, signal: AbortSignal): Promise<void> {
    if (atMs - (this.#touched.get(id) ?? 0) < (this.#o.touchIntervalMs ?? 10_000)) return;
    const name = sandboxName(id);
    const spec = { holderIdentity: this.#o.replica, renewTime: microTime(atMs) };
    const { api, namespace } = this.#o;
    try {
      try {
        await api.request({
          method: 'PATCH',
          path: objectPath(LEASES, namespace, name),
          body: { spec },
          signal,
        });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        const metadata = {
          name,
          labels: managedLabels(this.#o.labelKey, id),
          annotations: { [TENANT_ANNOTATION]: id },
        };
        const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
        await api.request({ method: 'POST', path: collectionPath(LEASES, namespace), body, signal });
      }
      this.#touched.set(id, atMs);
    } catch (err) {
      throw toBackendError(err, `record activity on Lease ${namespace}/${name}`);
    }
  }

  /** Tenant id → last activity (ms) of every managed Lease. */
  async lastActive(signal: AbortSignal): Promise<Map<string, number>> {
    const { api, namespace } = this.#o;
    try {
      const list = await api.request<KubeList<Lease>>({
        method: 'GET',
        path: collectionPath(LEASES, namespace),
        query: { labelSelector: MANAGED_SELECTOR },
        signal,
      });
      const out = new Map<string, number>();
      for (const l of list.items) {
        const id = l.metadata.annotations?.[TENANT_ANNOTATION];
        const at = Date.parse(l.spec?.renewTime ?? '');
        if (id && Number.isFinite(at)) out.set(id, at);
      }
      return out;
    } catch (err) {
      throw toBackendError(err, `list activity Leases in ${namespace}`);
    }
  }

  /** Deletes the sandbox's Lease (404 is success). */
  async delete(id: string, signal: AbortSignal): Promise<void> {
    this.#touched.delete(id);
    try {
      await this.#o.api.request({
        method: 'DELETE',
        path: objectPath(LEASES, this.#o.namespace, sandboxName(id)),
        signal,
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      throw toBackendError(err, `delete activity Lease for ${id}`);
    }
  }
}
