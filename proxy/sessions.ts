/**
 * @module proxy/sessions — tenant → sandbox: single-flight ensure, connection counting, idle reaping, adoption,
 * and shutdown. One manager per proxy process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../lib/errors.ts';
import {
  BackendError,
  type Endpoint,
  type SandboxBackend,
  type SandboxRecord,
  type TenantId,
} from './backends/types.ts';
import { ProxyError, toProxyError } from './errors.ts';
import type { Logger } from '../lib/log.ts';
import type { SessionConfig } from './config.ts';
import type { ProxyMetrics } from './metrics.ts';

/** What the reaper knows about an idle sandbox when it asks whether it may delete it. */
export interface ReapCandidate {
  id: TenantId;
  /** Last activity this process saw (ms since epoch). */
  lastActiveMs: number;
  /** Last activity recorded on the shared resource (`list()`'s `lastActiveMs`), if the backend keeps one. */
  sharedLastActiveMs: number | undefined;
  /** Client connections this process is proxying to it now. */
  activeConns: number;
}

/**
 * "May I reap this?" The reaper calls it for every sandbox without connections here. Replace it to make reaping
 * safe across replicas (e.g. check a lease). It may be async; a throw counts as "no".
 */
export type ReapCheck = (
  candidate: ReapCandidate,
  ctx: { nowMs: number; idleTtlMs: number },
) => boolean | Promise<boolean>;

/** Default: reap when no connection is open here and neither this process nor the shared record saw activity for the TTL. */
export const defaultMayReap: ReapCheck = (c, { nowMs, idleTtlMs }) =>
  c.activeConns === 0 && nowMs - Math.max(c.lastActiveMs, c.sharedLastActiveMs ?? 0) >= idleTtlMs;

export interface SessionManagerOptions {
  backend: SandboxBackend;
  config: SessionConfig;
  log: Logger;
  metrics?: ProxyMetrics;
  /** Override the reap decision (multi-replica safety). */
  mayReap?: ReapCheck;
  now?: () => number;
}

/** One tenant's view: a sandbox (maybe still being created) and the connections using it. */
interface Session {
  id: TenantId;
  endpoint: Endpoint | undefined;
  /** Client connections open (or being opened) through this proxy. */
  activeConns: number;
  lastActiveMs: number;
  /** When the endpoint was last obtained (a sandbox missing from a list() started before this is not "gone"). */
  readyAtMs: number;
  lastTouchedMs: number;
  inflight: Inflight | undefined;
  deleting: Promise<void> | undefined;
}

interface Inflight {
  promise: Promise<Endpoint>;
  controller: AbortController;
  waiters: number;
}

/** A client connection's hold on its tenant's sandbox. `release()` exactly once when the connection ends. */
export interface SessionLease {
  readonly id: TenantId;
  readonly endpoint: Endpoint;
  /** Forget `endpoint` (it failed to dial) and get a fresh one; concurrent callers share one ensure. */
  refresh(signal?: AbortSignal): Promise<Endpoint>;
  release(): void;
}

/** A row of {@link SessionManager.snapshot}, for `/sandboxes` and tests. */
export interface SessionInfo {
  id: TenantId;
  state: 'creating' | 'ready' | 'adopted' | 'deleting';
  activeConns: number;
  lastActiveMs: number;
}

/** Manages every tenant's session. */
export class SessionManager {
  readonly #backend: SandboxBackend;
  readonly #cfg: SessionConfig;
  readonly #log: Logger;
  readonly #metrics: ProxyMetrics | undefined;
  readonly #mayReap: ReapCheck;
  readonly #now: () => number;
  readonly #sessions = new Map<TenantId, Session>();
  readonly #stop = new AbortController();
  #draining = false;
  /** Outcome of the last `list()` (start-up adoption or a reaper pass): `/readyz` reports it per backend. */
  #listError: string | undefined;
  #reaper: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(opts: SessionManagerOptions) {
    this.#backend = opts.backend;
    this.#cfg = opts.config;
    this.#log = opts.log;
    this.#metrics = opts.metrics;
    this.#mayReap = opts.mayReap ?? defaultMayReap;
    this.#now = opts.now ?? Date.now;
  }

  /** Adopts the backend's existing sandboxes (best effort) and starts the idle reaper. */
  async start(): Promise<void> {
    try {
      const records = await this.#backend.list(
        AbortSignal.any([this.#stop.signal, AbortSignal.timeout(10_000)]),
      );
      this.#adopt(records);
      this.#listError = undefined;
      if (records.length > 0) this.#log.info({ count: records.length }, 'adopted existing sandboxes');
    } catch (err) {
      this.#listError = errorMessage(err);
      this.#log.warn(
        { err: errorMessage(err) },
        'listing existing sandboxes failed; continuing without adoption',
      );
    }
    this.#reaper = this.#reapLoop();
  }

  /** The backend's kind (`local`, `sandboxClaim`, …). */
  get backendKind(): string {
    return this.#backend.kind;
  }

  /** Whether the backend answered its last listing (start-up or reaper pass), and the error if not. */
  health(): { ok: boolean; error?: string } {
    return this.#listError === undefined ? { ok: true } : { ok: false, error: this.#listError };
  }

  /** Number of tenants with a session (sandboxes known or being created). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Client connections open through this proxy, over all tenants. */
  get activeConnections(): number {
    let n = 0;
    for (const s of this.#sessions.values()) n += s.activeConns;
    return n;
  }

  /** Whether new connections are refused (shutdown began). */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Opens a connection for tenant `id`: gets (or creates, once for all concurrent callers) its sandbox and counts
   * the connection until `release()`. Throws ProxyError: SandboxLimitReached, EnsureTimeout, ShuttingDown,
   * RequestAborted (when `signal` aborts) or a backend error's code.
   */
  async open(id: TenantId, signal: AbortSignal): Promise<SessionLease> {
    const session = await this.#sessionFor(id);
    session.activeConns++;
    session.lastActiveMs = this.#now();
    this.#metrics?.activeConnections.inc({ backend: this.#backend.kind });
    try {
      const endpoint = session.endpoint ?? (await this.#ensure(session, signal));
      return this.#lease(session, endpoint);
    } catch (err) {
      this.#releaseConn(session);
      throw toProxyError(err);
    }
  }

  /** Deletes a tenant's sandbox now (admin, bench). Waits for connections? No: callers close those first. */
  async remove(id: TenantId, reason = 'removed'): Promise<void> {
    const s = this.#sessions.get(id);
    if (!s) {
      await this.#backend.delete(id);
      return;
    }
    await this.#delete(s, reason);
  }

  /** A row per session. */
  snapshot(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => ({
      id: s.id,
      state: s.deleting ? 'deleting' : s.inflight ? 'creating' : s.endpoint ? 'ready' : 'adopted',
      activeConns: s.activeConns,
      lastActiveMs: s.lastActiveMs,
    }));
  }

  /** One reaper pass (the loop calls it every interval; tests call it directly). */
  async reapOnce(): Promise<void> {
    const listedAtMs = this.#now();
    let records: SandboxRecord[];
    try {
      records = await this.#backend.list(AbortSignal.any([this.#stop.signal, AbortSignal.timeout(30_000)]));
      this.#listError = undefined;
    } catch (err) {
      this.#listError = errorMessage(err);
      // Without the shared view another replica's activity is unknown: reaping now could delete a busy sandbox.
      this.#log.warn({ err: errorMessage(err) }, 'reaper: listing sandboxes failed; skipping this pass');
      return;
    }
    const listed = new Map(records.map((r) => [r.id, r]));
    this.#adopt(records);
    this.#forgetVanished(listed, listedAtMs);
    await this.#touchBusy();
    const nowMs = this.#now();
    for (const s of [...this.#sessions.values()]) {
      if (s.activeConns > 0 || s.inflight || s.deleting) continue;
      const candidate = {
        id: s.id,
        lastActiveMs: s.lastActiveMs,
        sharedLastActiveMs: listed.get(s.id)?.lastActiveMs,
        activeConns: s.activeConns,
      };
      if (await this.#askMayReap(candidate, nowMs)) {
        await this.#delete(s, 'idle').catch(() => undefined);
      }
    }
  }

  /**
   * Stops accepting connections and in-flight creations; resolves `true` once every connection has ended, or
   * `false` when `timeoutMs` passed first (the caller then closes the rest).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    for (const s of this.#sessions.values())
      s.inflight?.controller.abort(new ProxyError('ShuttingDown', 'The proxy is shutting down.'));
    if (this.activeConnections === 0) return true;
    const idle = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const timeout = sleep(timeoutMs, false, { ref: false });
    return Promise.race([idle, timeout]);
  }

  /** Stops the reaper, deletes or keeps the sandboxes per `shutdownSandboxes`, then closes the backend. */
  async close(): Promise<void> {
    this.#draining = true;
    this.#stop.abort();
    await this.#reaper?.catch(() => undefined);
    const all = [...this.#sessions.values()];
    if (this.#cfg.shutdownSandboxes === 'delete') {
      await Promise.allSettled(all.map((s) => this.#delete(s, 'shutdown')));
    } else {
      // Record the last activity, so whichever proxy adopts these sandboxes reaps them on time, not early.
      const touch = this.#backend.touch?.bind(this.#backend);
      if (touch)
        await Promise.allSettled(all.map((s) => touch(s.id, s.lastActiveMs, AbortSignal.timeout(5000))));
    }
    await this.#backend.close();
  }

  // ---- internals ----

  async #sessionFor(id: TenantId): Promise<Session> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#draining)
        throw new ProxyError('ShuttingDown', 'The proxy is shutting down and accepts no new connections.');
      const existing = this.#sessions.get(id);
      if (existing?.deleting) {
        // A reap is in progress: wait for it, then start afresh.
        await existing.deleting.catch(() => undefined);
        continue;
      }
      if (existing) return existing;
      if (this.#sessions.size >= this.#cfg.maxSandboxes) {
        throw new ProxyError(
          'SandboxLimitReached',
          `All ${this.#cfg.maxSandboxes} sandboxes are in use, so no sandbox can be created for tenant "${id}".`,
        );
      }
      return this.#add(id, this.#now());
    }
    throw new ProxyError(
      'BackendUnavailable',
      `The sandbox of tenant "${id}" is being deleted again and again; retry.`,
    );
  }

  #add(id: TenantId, lastActiveMs: number): Session {
    const s: Session = {
      id,
      endpoint: undefined,
      activeConns: 0,
      lastActiveMs,
      readyAtMs: 0,
      lastTouchedMs: 0,
      inflight: undefined,
      deleting: undefined,
    };
    this.#sessions.set(id, s);
    this.#metrics?.sessionsActive.set({ backend: this.#backend.kind }, this.#sessions.size);
    return s;
  }

  #drop(s: Session): void {
    if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
    this.#metrics?.sessionsActive.set({ backend: this.#backend.kind }, this.#sessions.size);
  }

  #lease(s: Session, endpoint: Endpoint): SessionLease {
    let released = false;
    const lease = {
      id: s.id,
      endpoint,
      refresh: async (signal?: AbortSignal): Promise<Endpoint> => {
        if (s.endpoint === lease.endpoint) s.endpoint = undefined;
        const fresh = s.endpoint ?? (await this.#ensure(s, signal ?? this.#stop.signal));
        lease.endpoint = fresh;
        return fresh;
      },
      release: (): void => {
        if (released) return;
        released = true;
        this.#releaseConn(s);
      },
    };
    return lease;
  }

  #releaseConn(s: Session): void {
    s.activeConns--;
    s.lastActiveMs = this.#now();
    this.#metrics?.activeConnections.dec({ backend: this.#backend.kind });
    // A session whose creation failed and that nobody uses any more is forgotten, so the next caller retries.
    if (s.activeConns === 0 && !s.endpoint && !s.inflight && !s.deleting) this.#drop(s);
    if (this.activeConnections === 0) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  /** Single-flight ensure: the first caller starts it, later ones join; it is aborted when every caller has left. */
  async #ensure(s: Session, signal: AbortSignal): Promise<Endpoint> {
    const flight = s.inflight ?? this.#startEnsure(s);
    flight.waiters++;
    try {
      return await raceAbort(flight.promise, signal);
    } finally {
      flight.waiters--;
      if (flight.waiters === 0 && s.inflight === flight) {
        flight.controller.abort(
          new ProxyError('RequestAborted', `Every client waiting for tenant "${s.id}" left.`),
        );
      }
    }
  }

  #startEnsure(s: Session): Inflight {
    const controller = new AbortController();
    const deadline = AbortSignal.timeout(this.#cfg.ensureTimeoutMs);
    const signal = AbortSignal.any([controller.signal, deadline, this.#stop.signal]);
    const started = performance.now();
    const kind = this.#backend.kind;
    const timeoutError = (): ProxyError =>
      new ProxyError(
        'EnsureTimeout',
        `The sandbox of tenant "${s.id}" was not ready within ${this.#cfg.ensureTimeoutMs} ms (backend ${kind}).`,
      );
    const outcome = (o: string): void => {
      const seconds = (performance.now() - started) / 1000;
      this.#metrics?.ensureDuration.observe({ backend: kind, outcome: o }, seconds);
      this.#metrics?.sessionsCreated.inc({ backend: kind, outcome: o });
    };
    const promise = raceAbort(this.#backend.ensure(s.id, signal), deadline, timeoutError)
      .then((endpoint) => {
        s.endpoint = endpoint;
        s.readyAtMs = this.#now();
        outcome('ok');
        this.#log.info(
          { tenant: s.id, backend: kind, ms: Math.round(performance.now() - started) },
          'sandbox ready',
        );
        return endpoint;
      })
      .catch((err: unknown) => {
        const e = deadline.aborted
          ? timeoutError()
          : controller.signal.aborted
            ? toProxyError(controller.signal.reason)
            : toProxyError(err);
        outcome(e.code === 'EnsureTimeout' ? 'timeout' : e.code === 'RequestAborted' ? 'aborted' : 'error');
        this.#log.warn(
          { tenant: s.id, backend: kind, code: e.code, err: errorMessage(err) },
          'ensure failed',
        );
        throw e;
      })
      .finally(() => {
        if (s.inflight === flight) s.inflight = undefined;
        if (s.activeConns === 0 && !s.endpoint && !s.deleting) this.#drop(s);
      });
    // The waiters handle the rejection; this keeps an abandoned flight from being reported as unhandled.
    promise.catch(() => undefined);
    const flight: Inflight = { promise, controller, waiters: 0 };
    s.inflight = flight;
    return flight;
  }

  async #delete(s: Session, reason: string): Promise<void> {
    if (s.deleting) return s.deleting;
    const run = async (): Promise<void> => {
      try {
        await this.#backend.delete(s.id, AbortSignal.timeout(this.#cfg.ensureTimeoutMs));
        s.endpoint = undefined;
        this.#drop(s);
        this.#metrics?.sessionsReaped.inc({ reason, backend: this.#backend.kind });
        this.#log.info({ tenant: s.id, reason, idleMs: this.#now() - s.lastActiveMs }, 'sandbox deleted');
      } catch (err) {
        this.#metrics?.deleteFailures.inc({ backend: this.#backend.kind });
        this.#log.warn({ tenant: s.id, reason, err: errorMessage(err) }, 'sandbox delete failed; will retry');
        throw err;
      } finally {
        s.deleting = undefined;
      }
    };
    s.deleting = run();
    return s.deleting;
  }

  #adopt(records: SandboxRecord[]): void {
    for (const r of records) {
      if (this.#sessions.has(r.id)) continue;
      this.#add(r.id, r.lastActiveMs ?? this.#now());
    }
  }

  /** Sessions whose sandbox no longer exists (crashed, deleted out of band) are forgotten when unused. */
  #forgetVanished(listed: Map<TenantId, SandboxRecord>, listedAtMs: number): void {
    for (const s of [...this.#sessions.values()]) {
      const idle = s.activeConns === 0 && !s.inflight && !s.deleting;
      if (idle && !listed.has(s.id) && s.readyAtMs < listedAtMs) {
        this.#drop(s);
        this.#metrics?.sessionsReaped.inc({ reason: 'gone', backend: this.#backend.kind });
        this.#log.info({ tenant: s.id }, 'sandbox no longer exists; session forgotten');
      }
    }
  }

  /** Records this process's activity on the backend (shared record), so other replicas do not reap busy sandboxes. */
  async #touchBusy(): Promise<void> {
    const touch = this.#backend.touch?.bind(this.#backend);
    if (!touch) return;
    const nowMs = this.#now();
    const busy = [...this.#sessions.values()].filter(
      (s) => s.endpoint && (s.activeConns > 0 || s.lastActiveMs > s.lastTouchedMs),
    );
    await Promise.allSettled(
      busy.map(async (s) => {
        // In use now → now; otherwise the last activity seen here (touching idle ones with "now" would keep
        // them alive forever).
        const at = s.activeConns > 0 ? nowMs : s.lastActiveMs;
        try {
          await touch(s.id, at, AbortSignal.timeout(10_000));
          s.lastTouchedMs = at;
        } catch (err) {
          this.#log.warn(
            { tenant: s.id, err: errorMessage(err) },
            'recording activity on the backend failed',
          );
        }
      }),
    );
  }

  async #askMayReap(candidate: ReapCandidate, nowMs: number): Promise<boolean> {
    try {
      return await this.#mayReap(candidate, { nowMs, idleTtlMs: this.#cfg.idleTtlMs });
    } catch (err) {
      this.#log.warn(
        { tenant: candidate.id, err: errorMessage(err) },
        'reap check failed; keeping the sandbox',
      );
      return false;
    }
  }

  async #reapLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await sleep(this.#cfg.idleCheckIntervalMs, undefined, { signal });
      } catch {
        return;
      }
      await this.reapOnce().catch((err: unknown) =>
        this.#log.error({ err: errorMessage(err) }, 'reaper pass failed'),
      );
    }
  }
}

/** Resolves or rejects with `promise`, or rejects as soon as `signal` aborts (with `onAbort()` or the reason). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort?: () => unknown): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, onAbort));
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(abortError(signal, onAbort));
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

function abortError(signal: AbortSignal, onAbort?: () => unknown): unknown {
  if (onAbort) return onAbort();
  const r: unknown = signal.reason;
  if (r instanceof ProxyError || r instanceof BackendError) return r;
  return new ProxyError('RequestAborted', 'The client went away before its sandbox was ready.', { cause: r });
}
