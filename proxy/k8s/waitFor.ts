/** @module proxy/k8s/waitFor — watch one object until a check says ready or failed, or the signal aborts. */
import { type KubeApi, type KubeObject } from './kubeApi.ts';
import { runListWatch } from './listWatch.ts';

/** What a check makes of the object's current state (`undefined` = the object does not exist). */
export type Verdict<R> =
  | { state: 'ready'; value: R }
  | { state: 'pending'; reason: string }
  | { state: 'failed'; reason: string }
  | { state: 'gone'; reason: string };

/** The object reached a terminal state (`failed`) or disappeared (`gone`). */
export class WaitFailedError extends Error {
  override name = 'WaitFailedError';
  readonly state: 'failed' | 'gone';
  constructor(state: 'failed' | 'gone', reason: string) {
    super(reason);
    this.state = state;
  }
}

/** The signal aborted first; `lastReason` is the object's last pending reason (for a 504's message). */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
  readonly lastReason: string;
  constructor(lastReason: string, cause: unknown) {
    super(`still not ready: ${lastReason}`, { cause });
    this.lastReason = lastReason;
  }
}

export interface WaitForObjectOptions<T extends KubeObject, R> {
  api: KubeApi;
  /** Collection path the object lives in. */
  path: string;
  name: string;
  signal: AbortSignal;
  check(obj: T | undefined): Verdict<R>;
  onRetry?(err: unknown, attempt: number): void;
}

/**
 * Lists and watches one object by `metadata.name` field selector and resolves with the check's value once it is
 * ready. Uses the watch, not polling; survives API server restarts and `410 Gone` (see runListWatch).
 */
export async function waitForObject<T extends KubeObject, R>(opts: WaitForObjectOptions<T, R>): Promise<R> {
  const inner = new AbortController();
  const stop = (): void => inner.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', stop, { once: true });
  let lastReason = 'not observed yet';
  let outcome: { ok: true; value: R } | { ok: false; err: Error } | undefined;
  const judge = (obj: T | undefined): void => {
    if (outcome) return;
    const v = opts.check(obj);
    if (v.state === 'ready') outcome = { ok: true, value: v.value };
    else if (v.state === 'pending') lastReason = v.reason;
    else outcome = { ok: false, err: new WaitFailedError(v.state, v.reason) };
    if (outcome) inner.abort();
  };
  try {
    await runListWatch<T>({
      api: opts.api,
      path: opts.path,
      fieldSelector: `metadata.name=${opts.name}`,
      signal: inner.signal,
      onList: (items) => judge(items[0]),
      onEvent: (type, obj) => judge(type === 'DELETED' ? undefined : obj),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
  if (outcome?.ok) return outcome.value;
  if (outcome) throw outcome.err;
  throw new WaitAbortedError(lastReason, opts.signal.reason);
}

export interface WaitForAnyOptions<T extends KubeObject, R> {
  api: KubeApi;
  path: string;
  labelSelector: string;
  signal: AbortSignal;
  /** Judges the current set of matching objects. */
  check(items: T[]): Verdict<R>;
}

/** Like {@link waitForObject}, over every object matching a label selector (e.g. "a Running pod of this sandbox"). */
export async function waitForAny<T extends KubeObject, R>(opts: WaitForAnyOptions<T, R>): Promise<R> {
  const inner = new AbortController();
  const stop = (): void => inner.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', stop, { once: true });
  const store = new Map<string, T>();
  let lastReason = 'not observed yet';
  let outcome: { ok: true; value: R } | { ok: false; err: Error } | undefined;
  const judge = (): void => {
    if (outcome) return;
    const v = opts.check([...store.values()]);
    if (v.state === 'ready') outcome = { ok: true, value: v.value };
    else if (v.state === 'pending') lastReason = v.reason;
    else outcome = { ok: false, err: new WaitFailedError(v.state, v.reason) };
    if (outcome) inner.abort();
  };
  try {
    await runListWatch<T>({
      api: opts.api,
      path: opts.path,
      labelSelector: opts.labelSelector,
      signal: inner.signal,
      onList: (items) => {
        store.clear();
        for (const o of items) store.set(o.metadata.name, o);
        judge();
      },
      onEvent: (type, obj) => {
        if (type === 'DELETED') store.delete(obj.metadata.name);
        else store.set(obj.metadata.name, obj);
        judge();
      },
    });
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
  if (outcome?.ok) return outcome.value;
  if (outcome) throw outcome.err;
  throw new WaitAbortedError(lastReason, opts.signal.reason);
}
