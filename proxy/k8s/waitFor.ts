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

type Outcome<R> = { ok: true; value: R } | { ok: false; err: Error };

/**
 * Runs `watch` until a verdict fed to its `judge` is ready, failed or gone, or `signal` aborts; shared by both waits.
 * `judge` takes a thunk so no check runs once the outcome is known.
 */
async function untilVerdict<R>(
  signal: AbortSignal,
  watch: (inner: AbortSignal, judge: (check: () => Verdict<R>) => void) => Promise<void>,
): Promise<R> {
  const inner = new AbortController();
  const stop = (): void => inner.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  let lastReason = 'not observed yet';
  let outcome: Outcome<R> | undefined;
  const judge = (check: () => Verdict<R>): void => {
    if (outcome) return;
    const v = check();
    if (v.state === 'ready') outcome = { ok: true, value: v.value };
    else if (v.state === 'pending') lastReason = v.reason;
    else outcome = { ok: false, err: new WaitFailedError(v.state, v.reason) };
    if (outcome) inner.abort();
  };
  try {
    await watch(inner.signal, judge);
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (outcome?.ok) return outcome.value;
  if (outcome) throw outcome.err;
  throw new WaitAbortedError(lastReason, signal.reason);
}

/**
 * Lists and watches one object by `metadata.name` field selector and resolves with the check's value once it is
 * ready. Uses the watch, not polling; survives API server restarts and `410 Gone` (see runListWatch).
 */
export function waitForObject<T extends KubeObject, R>(opts: WaitForObjectOptions<T, R>): Promise<R> {
  return untilVerdict<R>(opts.signal, (signal, judge) =>
    runListWatch<T>({
      api: opts.api,
      path: opts.path,
      fieldSelector: `metadata.name=${opts.name}`,
      signal,
      onList: (items) => judge(() => opts.check(items[0])),
      onEvent: (type, obj) => judge(() => opts.check(type === 'DELETED' ? undefined : obj)),
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    }),
  );
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
export function waitForAny<T extends KubeObject, R>(opts: WaitForAnyOptions<T, R>): Promise<R> {
  const store = new Map<string, T>();
  return untilVerdict<R>(opts.signal, (signal, judge) =>
    runListWatch<T>({
      api: opts.api,
      path: opts.path,
      labelSelector: opts.labelSelector,
      signal,
      onList: (items) => {
        store.clear();
        for (const o of items) store.set(o.metadata.name, o);
        judge(() => opts.check([...store.values()]));
      },
      onEvent: (type, obj) => {
        if (type === 'DELETED') store.delete(obj.metadata.name);
        else store.set(obj.metadata.name, obj);
        judge(() => opts.check([...store.values()]));
      },
    }),
  );
}
