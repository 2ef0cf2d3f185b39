/** @module proxy/k8s/listWatch — list then watch a collection, resuming from resourceVersion; 410 → relist. */
import { type KubeApi, KubeApiError, type KubeList, type KubeObject, type WatchEvent } from './kubeApi.ts';

/** What a list-watch loop reports to its owner. */
export interface ListWatchHandlers<T extends KubeObject> {
  /** A full list (first sync, and after every relist): the complete current state. */
  onList(items: T[]): void;
  /** A change after the list (`ADDED`, `MODIFIED`, `DELETED`). */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void;
  /** A list or watch failed and will be retried (API server restarting, network). */
  onRetry?(err: unknown, attempt: number): void;
}

export interface ListWatchOptions<T extends KubeObject> extends ListWatchHandlers<T> {
  api: KubeApi;
  /** Collection path (namespaced or cluster-wide). */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Stops the loop; the returned promise then resolves. */
  signal: AbortSignal;
  /** Server-side watch timeout; the loop re-watches from the last resourceVersion (default 240 s). */
  watchTimeoutSeconds?: number;
  /** Backoff bounds after a failure (default 100 ms → 2 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Only these errors are worth retrying; RBAC and "no such resource type" are not. */
function isPermanent(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 403 || err.status === 401 || err.status === 404);
}

/**
 * Runs list → watch → (re)watch from the last resourceVersion until `signal` aborts, the way client-go's reflector
 * does: an expired resourceVersion (`410 Gone`, https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses)
 * triggers a relist; a dropped stream or an unreachable API server triggers a bounded backoff and a re-watch from the
 * last seen version, so no event is lost across an API server restart. Permanent errors (401, 403, 404) reject.
 */
export async function runListWatch<T extends KubeObject>(opts: ListWatchOptions<T>): Promise<void> {
  const { signal } = opts;
  const minBackoff = opts.minBackoffMs ?? 100;
  const maxBackoff = opts.maxBackoffMs ?? 2000;
  const state: WatchState = { rv: undefined, failures: 0 };
  while (!signal.aborted) {
    try {
      await listAndWatch(opts, state);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof KubeApiError && err.status === 410) {
        state.rv = undefined;
        continue;
      }
      if (isPermanent(err)) throw err;
      state.failures++;
      opts.onRetry?.(err, state.failures);
      await sleep(Math.min(maxBackoff, minBackoff * 2 ** (state.failures - 1)), signal);
    }
  }
}

/** Where {@link runListWatch} is: the resourceVersion to watch from (none: list first) and failures in a row. */
interface WatchState {
  rv: string | undefined;
  failures: number;
}

/** One round: a list when there is no resourceVersion to watch from, then one watch until the server ends it. */
async function listAndWatch<T extends KubeObject>(
  opts: ListWatchOptions<T>,
  state: WatchState,
): Promise<void> {
  const { api, signal } = opts;
  const query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  if (state.rv === undefined) {
    const list = await api.request<KubeList<T>>({ method: 'GET', path: opts.path, query, signal });
    state.rv = list.metadata.resourceVersion;
    opts.onList(list.items);
  }
  await api.watch<T>(
    {
      path: opts.path,
      query: { ...query, resourceVersion: state.rv, timeoutSeconds: opts.watchTimeoutSeconds ?? 240 },
      signal,
    },
    (ev: WatchEvent<T>) => {
      state.rv = ev.object.metadata.resourceVersion ?? state.rv;
      state.failures = 0;
      if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') opts.onEvent(ev.type, ev.object);
    },
  );
}
