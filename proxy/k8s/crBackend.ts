/** @module proxy/k8s/crBackend — what every custom-resource backend shares: get-or-create, watch until ready, delete, list, touch. */
import { type Logger } from 'pino';
import { silentLogger } from '../../lib/log.ts';
import { BackendError, type SandboxRecord } from '../backends/types.ts';
import { type KubeApi, KubeApiError, type KubeList, type KubeObject } from './kubeApi.ts';
import { sleep } from './listWatch.ts';
import {
  LAST_ACTIVE_ANNOTATION,
  LAST_ACTIVE_HOLDER_ANNOTATION,
  MANAGED_SELECTOR,
  TENANT_ANNOTATION,
  lastActiveMs,
  managedLabels,
  sandboxName,
} from './naming.ts';
import { collectionPath, objectPath, resourceName, type ResourceType } from './resources.ts';
import { isTransient, toBackendError } from './toBackendError.ts';
import { type Verdict, WaitAbortedError, WaitFailedError, waitForObject } from './waitFor.ts';

/** Options every custom-resource backend takes. */
export interface CrBackendOptions {
  api: KubeApi;
  /** Namespace the sandbox resources live in (the proxy's own). */
  namespace: string;
  /** Tenant label key on the resource (default `playwright-id`). */
  labelKey: string;
  /** Deadline of one `ensure()` (the backend's own; the caller's signal may end it sooner). */
  readyTimeoutMs: number;
  /** This replica's name, recorded with the last-activity annotation. */
  replica: string;
  /** `touch()` writes at most once per this interval per sandbox (default 10 s). */
  touchIntervalMs?: number;
  log?: Logger;
}

/** Per-kind behaviour a concrete backend supplies. */
export interface CrKind<R> {
  resource: ResourceType;
  kindName: string;
  /** The object to create for tenant `id` (metadata.name/labels/annotations are filled in by the caller). */
  build(id: string): { apiVersion: string; kind: string; spec: unknown };
  /** Reads readiness from the object; `failed` with `misconfigured: true` is not retried with a fresh object. */
  check(obj: KubeObject | undefined): Verdict<R> & { misconfigured?: boolean };
  /** Whether a listed object belongs to this backend (e.g. same warm pool). */
  owns?(obj: KubeObject): boolean;
  /** A second readiness stage after the object is ready (e.g. KARS: wait for the sandbox pod), within the same deadline. */
  finish?(value: R, signal: AbortSignal, onPending: (reason: string) => void, name: string): Promise<R>;
}

/** The combined deadline of an ensure(); tells the caller's abort from the backend's own timeout. */
function deadline(signal: AbortSignal, ms: number): { signal: AbortSignal; timedOut: () => boolean } {
  const timeout = AbortSignal.timeout(ms);
  return { signal: AbortSignal.any([signal, timeout]), timedOut: () => timeout.aborted && !signal.aborted };
}

/** Implements the SandboxBackend operations for one custom resource kind in one namespace. */
export class CrBackend<R> {
  readonly opts: CrBackendOptions;
  readonly kind: CrKind<R>;
  readonly log: Logger;
  readonly #touched = new Map<string, number>();

  constructor(opts: CrBackendOptions, kind: CrKind<R>) {
    this.opts = opts;
    this.kind = kind;
    this.log = opts.log ?? silentLogger;
  }

  #what(name: string): string {
    return `${this.kind.kindName} ${this.opts.namespace}/${name}`;
  }

  /** Retries transient API failures (unreachable, 5xx) with backoff until `signal` aborts. */
  async #retry<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted || !isTransient(err)) throw err;
        this.log.warn({ err: String(err), attempt }, `${what}: retrying`);
        await sleep(Math.min(2000, 100 * 2 ** attempt), signal);
        if (signal.aborted) throw err;
      }
    }
  }

  async #get(name: string, signal: AbortSignal): Promise<KubeObject | undefined> {
    const path = objectPath(this.kind.resource, this.opts.namespace, name);
    try {
      return await this.opts.api.request<KubeObject>({ method: 'GET', path, signal });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404 && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  async #create(
    id: string,
    name: string,
    signal: AbortSignal,
    mark: { created: boolean },
  ): Promise<KubeObject | undefined> {
    const body = {
      ...this.kind.build(id),
      metadata: {
        name,
        labels: managedLabels(this.opts.labelKey, id),
        annotations: { [TENANT_ANNOTATION]: id },
      },
    };
    const path = collectionPath(this.kind.resource, this.opts.namespace);
    // Set before the call: a create aborted mid-flight may still have happened, and cleanup is idempotent.
    mark.created = true;
    try {
      const created = await this.opts.api.request<KubeObject>({ method: 'POST', path, body, signal });
      this.log.info({ tenant: id, name }, `${this.kind.kindName} created`);
      return created;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) {
        mark.created = false;
        return this.#get(name, signal);
      }
      throw err;
    }
  }

  /** GET, else POST (409 → GET again). An object being deleted is waited out first. */
  async #getOrCreate(
    id: string,
    name: string,
    signal: AbortSignal,
    mark: { created: boolean },
  ): Promise<KubeObject | undefined> {
    const existing = await this.#get(name, signal);
    if (existing?.metadata.deletionTimestamp) {
      await this.#waitGone(name, signal);
      return this.#create(id, name, signal, mark);
    }
    return existing ?? this.#create(id, name, signal, mark);
  }

  async #waitGone(name: string, signal: AbortSignal): Promise<void> {
    const path = collectionPath(this.kind.resource, this.opts.namespace);
    await waitForObject<KubeObject, true>({
      api: this.opts.api,
      path,
      name,
      signal,
      check: (o) =>
        o
          ? { state: 'pending', reason: 'previous object still being deleted' }
          : { state: 'ready', value: true },
    });
  }

  /**
   * get-or-create, then watch until ready; one fresh object replaces a terminally failed or vanished one. When this
   * call created the object and then fails (deadline, abort, terminal state), it deletes it again: nothing leaks.
   */
  async ensure(id: string, callerSignal: AbortSignal): Promise<R> {
    const name = sandboxName(id);
    if (callerSignal.aborted)
      throw new BackendError('Aborted', `${this.#what(name)}: ensure aborted before it started`);
    const dl = deadline(callerSignal, this.opts.readyTimeoutMs);
    const t0 = performance.now();
    const mark = { created: false };
    const st = { lastReason: 'not created yet', misconfigured: false };
    try {
      const value = await this.#ensureLoop({ id, name, signal: dl.signal, mark, st });
      this.log.info({ tenant: id, ms: Math.round(performance.now() - t0) }, `${this.kind.kindName} ready`);
      return value;
    } catch (err) {
      const be = this.#explain(err, { name, dl, lastReason: st.lastReason, callerSignal });
      if (mark.created && be.reason !== 'Unavailable') {
        await this.delete(id, AbortSignal.timeout(5000)).catch((e: unknown) =>
          this.log.warn(
            { tenant: id, err: String(e) },
            `${this.kind.kindName}: cleanup after failed ensure failed`,
          ),
        );
      }
      throw be;
    }
  }

  async #ensureLoop(ctx: {
    id: string;
    name: string;
    signal: AbortSignal;
    mark: { created: boolean };
    st: { lastReason: string; misconfigured: boolean };
  }): Promise<R> {
    const { id, name, signal, mark, st } = ctx;
    for (let attempt = 0; attempt < 3; attempt++) {
      const obj = await this.#retry(`get-or-create ${name}`, signal, () =>
        this.#getOrCreate(id, name, signal, mark),
      );
      const first = this.kind.check(obj);
      if (first.state === 'failed' && !first.misconfigured && attempt === 0) {
        this.log.warn({ tenant: id, reason: first.reason }, `${this.kind.kindName} failed; replacing it`);
        await this.delete(id, signal);
        continue;
      }
      try {
        let value = await this.#wait(name, signal, (v) => {
          if (v.state === 'pending') st.lastReason = v.reason;
          st.misconfigured = v.state === 'failed' && v.misconfigured === true;
        });
        if (this.kind.finish) value = await this.kind.finish(value, signal, (r) => (st.lastReason = r), name);
        return value;
      } catch (err) {
        if (!(err instanceof WaitFailedError)) throw err;
        if (err.state === 'gone') {
          st.lastReason = err.message;
          this.log.warn({ tenant: id }, `${this.kind.kindName} deleted while waiting; recreating`);
          continue;
        }
        const reason = st.misconfigured ? 'Misconfigured' : 'Failed';
        throw new BackendError(reason, `${this.#what(name)} failed: ${err.message}`);
      }
    }
    throw new BackendError('Failed', `${this.#what(name)} kept failing or disappearing: ${st.lastReason}`);
  }

  #explain(
    err: unknown,
    ctx: { name: string; dl: { timedOut: () => boolean }; lastReason: string; callerSignal: AbortSignal },
  ): BackendError {
    const { name, dl, lastReason, callerSignal } = ctx;
    if (err instanceof BackendError && !dl.timedOut() && !callerSignal.aborted) return err;
    const reason = err instanceof WaitAbortedError ? err.lastReason : lastReason;
    if (dl.timedOut()) return this.#timedOut(name, err, reason);
    if (err instanceof WaitAbortedError || (err as Error)?.name === 'AbortError') {
      return new BackendError('Aborted', `${this.#what(name)}: ensure aborted while waiting (${reason})`, {
        cause: err,
      });
    }
    return toBackendError(err, `ensure ${this.#what(name)}`);
  }

  /** The ensure() deadline passed: Unavailable when the API server was the trouble, else Timeout with the last reason. */
  #timedOut(name: string, err: unknown, lastReason: string): BackendError {
    const secs = Math.round(this.opts.readyTimeoutMs / 1000);
    const why = isTransient(err) ? `API server unavailable (${(err as Error).message})` : lastReason;
    return new BackendError(
      isTransient(err) ? 'Unavailable' : 'Timeout',
      `${this.#what(name)} not ready after ${secs}s: ${why}`,
      { cause: err },
    );
  }

  async #wait(
    name: string,
    signal: AbortSignal,
    onVerdict: (v: Verdict<R> & { misconfigured?: boolean }) => void,
  ): Promise<R> {
    return waitForObject<KubeObject, R>({
      api: this.opts.api,
      path: collectionPath(this.kind.resource, this.opts.namespace),
      name,
      signal,
      check: (o) => {
        const v = this.kind.check(o);
        onVerdict(v);
        return v;
      },
      onRetry: (err, attempt) => this.log.warn({ err: String(err), attempt }, 'watch interrupted; resuming'),
    });
  }

  /** DELETE (404 is success); background propagation lets the garbage collector remove what the object owns. */
  async delete(id: string, signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<void> {
    const name = sandboxName(id);
    const path = objectPath(this.kind.resource, this.opts.namespace, name);
    this.#touched.delete(id);
    try {
      await this.#retry(`delete ${name}`, signal, () =>
        this.opts.api.request({ method: 'DELETE', path, query: { propagationPolicy: 'Background' }, signal }),
      );
      this.log.info({ tenant: id, name }, `${this.kind.kindName} deleted`);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404 && err.reason === 'NotFound') return;
      throw toBackendError(err, `delete ${this.#what(name)}`);
    }
  }

  /** Managed objects of this backend, with the last activity any replica recorded on them. */
  async list(signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<SandboxRecord[]> {
    const path = collectionPath(this.kind.resource, this.opts.namespace);
    try {
      const list = await this.opts.api.request<KubeList<KubeObject>>({
        method: 'GET',
        path,
        query: { labelSelector: MANAGED_SELECTOR },
        signal,
      });
      return list.items
        .filter((o) => !o.metadata.deletionTimestamp && (this.kind.owns?.(o) ?? true))
        .map((o) => ({
          id: o.metadata.annotations?.[TENANT_ANNOTATION] ?? o.metadata.labels?.[this.opts.labelKey] ?? '',
          lastActiveMs: lastActiveMs(o.metadata),
        }))
        .filter((r) => r.id !== '');
    } catch (err) {
      throw toBackendError(err, `list ${resourceName(this.kind.resource)} in ${this.opts.namespace}`);
    }
  }

  /**
   * Records activity on the shared object (annotation), at most once per `touchIntervalMs` per sandbox, so that no
   * replica reaps a sandbox another replica is serving. A missing object is not an error (it was reaped or deleted).
   */
  async touch(id: string, atMs: number, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<void> {
    const last = this.#touched.get(id) ?? 0;
    if (atMs - last < (this.opts.touchIntervalMs ?? 10_000)) return;
    const name = sandboxName(id);
    const path = objectPath(this.kind.resource, this.opts.namespace, name);
    const annotations = {
      [LAST_ACTIVE_ANNOTATION]: String(Math.round(atMs)),
      [LAST_ACTIVE_HOLDER_ANNOTATION]: this.opts.replica,
    };
    try {
      await this.opts.api.request({ method: 'PATCH', path, body: { metadata: { annotations } }, signal });
      this.#touched.set(id, atMs);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      throw toBackendError(err, `record activity on ${this.#what(name)}`);
    }
  }
}
