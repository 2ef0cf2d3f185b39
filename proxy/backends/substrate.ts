/** @module proxy/backends/substrate — substrate (ate.dev) actors over the gRPC Control API, reached through atenet-router. */
import { request as httpRequest } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type Logger } from 'pino';
import { silentLogger } from '../../lib/log.ts';
import {
  type Actor,
  ControlCallError,
  ControlClient,
  type ControlClientOptions,
  RECONNECT_BACKOFF_MS,
} from '../grpc/controlClient.ts';
import { type ActivityLeases } from '../k8s/activityLeases.ts';
import { sandboxName } from '../k8s/naming.ts';
import {
  BackendError,
  type BackendErrorReason,
  type Endpoint,
  type SandboxBackend,
  type SandboxRecord,
} from './types.ts';

/** Options of {@link SubstrateBackend}. */
export interface SubstrateBackendOptions {
  control: ControlClientOptions;
  /** `ActorTemplate` the actors are created from. */
  templateNamespace: string;
  templateName: string;
  /** atenet-router `host` and `port` (the data plane). */
  routerHost: string;
  routerPort: number;
  /** Actor host suffix: the router routes `<actor>.<suffix>` (older) or `<actor>.<atespace>.<suffix>` (newer). */
  hostSuffix: string;
  /** `ResumeActor{boot: true}`: boot from the spec instead of restoring the snapshot (the reference's workaround). */
  forceBoot: boolean;
  /** Deadline of one ensure(). */
  readyTimeoutMs: number;
  /** Interval of GetActor polls and router probes: the Control API has no watch (default 200 ms). */
  pollMs?: number;
  /** WebSocket path of the browser server in the actor. */
  wsPath: string;
  /**
   * Where replicas share last activity (actors have no annotations): a Lease per actor in the proxy's namespace.
   * Without it, `touch` is absent and an idle replica cannot see another replica's traffic.
   */
  activity?: ActivityLeases;
  log?: Logger;
}

const PREFIX = 'pw-';

/**
 * How long one RPC retries UNAVAILABLE (server restarting, connection reset). While the channel waits out a reconnect
 * backoff, calls fail at once; the budget spans the longest backoff step with its 20 % jitter, so that a Control API
 * that came back is reached, and a Control API that is down still fails in about two seconds.
 */
const UNAVAILABLE_RETRY_MS = 2 * RECONNECT_BACKOFF_MS.max;
/** The pause between those retries: short, doubling, at most this. */
const UNAVAILABLE_RETRY_PAUSE_MS = { first: 100, max: 400 } as const;

/** How a Control API status reads as a {@link BackendError} (anything not listed: `Failed`); `says` names the API. */
const CONTROL_ERRORS = new Map<number, { reason: BackendErrorReason; says?: string }>([
  [GrpcStatus.UNAVAILABLE, { reason: 'Unavailable', says: 'unavailable' }],
  [GrpcStatus.DEADLINE_EXCEEDED, { reason: 'Unavailable', says: 'unavailable' }],
  [GrpcStatus.PERMISSION_DENIED, { reason: 'Forbidden', says: 'refused' }],
  [GrpcStatus.UNAUTHENTICATED, { reason: 'Forbidden', says: 'refused' }],
  [GrpcStatus.FAILED_PRECONDITION, { reason: 'Misconfigured' }],
  [GrpcStatus.INVALID_ARGUMENT, { reason: 'Misconfigured' }],
  [GrpcStatus.UNIMPLEMENTED, { reason: 'Misconfigured' }],
  [GrpcStatus.CANCELLED, { reason: 'Aborted' }],
]);

/** Whether `err` is a Control API error with status `code`. */
function isStatus(err: unknown, code: GrpcStatus): boolean {
  return err instanceof ControlCallError && err.code === code;
}

function statusName(a: Actor): string {
  return typeof a.status === 'string' ? a.status : `STATUS_${a.status}`;
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/**
 * One substrate actor per tenant (`pw-<id>`). `ensure` = GetActor → CreateActor (NotFound) → ResumeActor while
 * SUSPENDED (a restore, unless `forceBoot`) → poll until RUNNING → probe the router with the actor's Host header until it
 * stops answering 503. The reference proxy proceeds after 30 s of 503s; this one reports a Timeout instead.
 * `delete` = SuspendActor + DeleteActor (substrate deletes only suspended actors).
 */
export class SubstrateBackend implements SandboxBackend {
  readonly kind = 'substrate';
  readonly #opts: SubstrateBackendOptions;
  readonly #client: ControlClient;
  readonly #log: Logger;
  readonly touch?: (id: string, atMs: number, signal?: AbortSignal) => Promise<void>;

  constructor(opts: SubstrateBackendOptions) {
    this.#opts = opts;
    this.#client = new ControlClient(opts.control);
    this.#log = opts.log ?? silentLogger;
    const activity = opts.activity;
    if (activity)
      this.touch = (id, atMs, signal) => activity.touch(id, atMs, signal ?? AbortSignal.timeout(10_000));
  }

  /** The router Host header of an actor. */
  hostHeader(name: string): string {
    const { control, hostSuffix } = this.#opts;
    return control.shape === 'actorRef'
      ? `${name}.${control.atespace}.${hostSuffix}`
      : `${name}.${hostSuffix}`;
  }

  /** One RPC; UNAVAILABLE is retried for {@link UNAVAILABLE_RETRY_MS}, and then the last error is thrown. */
  async #rpc<T>(method: string, req: object, signal: AbortSignal): Promise<T> {
    const giveUpAt = performance.now() + UNAVAILABLE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#client.call<T>(method, req, signal);
      } catch (err) {
        const unavailable = err instanceof ControlCallError && err.code === GrpcStatus.UNAVAILABLE;
        const pause = Math.min(
          UNAVAILABLE_RETRY_PAUSE_MS.first * 2 ** attempt,
          UNAVAILABLE_RETRY_PAUSE_MS.max,
        );
        if (!unavailable || signal.aborted || performance.now() + pause > giveUpAt) throw err;
        this.#log.warn({ method, attempt }, 'substrate Control API unavailable; retrying');
        await wait(pause, signal);
      }
    }
  }

  async #get(name: string, signal: AbortSignal): Promise<Actor | undefined> {
    try {
      const res = await this.#rpc<{ actor?: Actor | null }>('GetActor', this.#client.ref(name), signal);
      if (!res.actor || typeof res.actor.actorId !== 'string') {
        throw new BackendError('Failed', `substrate GetActor ${name}: malformed response (no actor in it)`);
      }
      return res.actor;
    } catch (err) {
      if (err instanceof ControlCallError && err.code === GrpcStatus.NOT_FOUND) return undefined;
      throw err;
    }
  }

  async #getOrCreate(name: string, signal: AbortSignal, mark: { created: boolean }): Promise<Actor> {
    const existing = await this.#get(name, signal);
    if (existing) return existing;
    const req = {
      ...this.#client.ref(name),
      actorTemplateNamespace: this.#opts.templateNamespace,
      actorTemplateName: this.#opts.templateName,
    };
    // Set before the call: a create cancelled mid-flight may still have happened, and cleanup is idempotent.
    mark.created = true;
    try {
      const res = await this.#rpc<{ actor?: Actor }>('CreateActor', req, signal);
      this.#log.info({ actor: name }, 'substrate actor created');
      return (
        res.actor ??
        (await this.#get(name, signal)) ??
        Promise.reject(new Error('actor vanished after create'))
      );
    } catch (err) {
      if (err instanceof ControlCallError && err.code === GrpcStatus.ALREADY_EXISTS) {
        mark.created = false;
        const again = await this.#get(name, signal);
        if (again) return again;
      }
      throw err;
    }
  }

  async #resume(name: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#rpc('ResumeActor', { ...this.#client.ref(name), boot: this.#opts.forceBoot }, signal);
      this.#log.info({ actor: name, boot: this.#opts.forceBoot }, 'substrate actor resumed');
    } catch (err) {
      // Another replica (or the router) is resuming it already; keep polling.
      const benign = [GrpcStatus.FAILED_PRECONDITION, GrpcStatus.ABORTED];
      if (!(err instanceof ControlCallError && benign.includes(err.code))) throw err;
    }
  }

  /** Polls GetActor until RUNNING, resuming while SUSPENDED/PAUSED. Returns the last status seen on deadline. */
  async #waitRunning(
    name: string,
    signal: AbortSignal,
    seen: { status: string; created: boolean },
  ): Promise<void> {
    let actor = await this.#getOrCreate(name, signal, seen);
    for (;;) {
      seen.status = statusName(actor);
      if (seen.status === 'STATUS_RUNNING') return;
      if (seen.status === 'STATUS_SUSPENDED' || seen.status === 'STATUS_PAUSED')
        await this.#resume(name, signal);
      else if (!/^STATUS_(RESUMING|SUSPENDING|PAUSING|UNSPECIFIED)$/.test(seen.status)) {
        throw new BackendError(
          'Failed',
          `substrate actor ${name}: malformed status ${JSON.stringify(actor.status)}`,
        );
      }
      await wait(this.#opts.pollMs ?? 200, signal);
      if (signal.aborted) return;
      const next = await this.#get(name, signal);
      if (!next) throw new BackendError('Failed', `substrate actor ${name} was deleted while starting`);
      actor = next;
    }
  }

  /** HEAD through the router with the actor's Host header; any status but 503 means the workload listens. */
  #probe(hostHeader: string, signal: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      const req = httpRequest(
        {
          host: this.#opts.routerHost,
          port: this.#opts.routerPort,
          method: 'HEAD',
          path: '/',
          headers: { Host: hostHeader },
          agent: false,
          timeout: 2000,
          signal,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
  }

  /** See the class comment. An actor this call created is deleted again if the call fails: nothing leaks. */
  async ensure(id: string, callerSignal: AbortSignal): Promise<Endpoint> {
    const seen = { status: 'not created yet', probe: 0, created: false };
    try {
      return await this.#ensure(id, callerSignal, seen);
    } catch (err) {
      if (seen.created && !(err instanceof BackendError && err.reason === 'Unavailable')) {
        await this.delete(id, AbortSignal.timeout(5000)).catch((e: unknown) =>
          this.#log.warn({ tenant: id, err: String(e) }, 'substrate: cleanup after failed ensure failed'),
        );
      }
      throw err;
    }
  }

  async #ensure(
    id: string,
    callerSignal: AbortSignal,
    seen: { status: string; probe: number; created: boolean },
  ): Promise<Endpoint> {
    const name = sandboxName(id);
    if (callerSignal.aborted)
      throw new BackendError('Aborted', `substrate actor ${name}: ensure aborted before it started`);
    const timeout = AbortSignal.timeout(this.#opts.readyTimeoutMs);
    const signal = AbortSignal.any([callerSignal, timeout]);
    try {
      await this.#waitRunning(name, signal, seen);
      const routed = await this.#untilRouted(this.hostHeader(name), signal, seen);
      if (routed) return routed;
    } catch (err) {
      if (!signal.aborted) throw this.#explain(err, `ensure substrate actor ${name}`);
    }
    throw this.#notReady(name, callerSignal, seen);
  }

  /** Probes the router until it routes the actor (any answer but 503); undefined when `signal` ends first. */
  async #untilRouted(
    hostHeader: string,
    signal: AbortSignal,
    seen: { probe: number },
  ): Promise<Endpoint | undefined> {
    while (!signal.aborted) {
      const code = await this.#probe(hostHeader, signal);
      // A probe cut short by the deadline says nothing; keep the last real answer for the error message.
      if (code !== 0 || !signal.aborted) seen.probe = code;
      if (code !== 0 && code !== 503) {
        return {
          host: this.#opts.routerHost,
          port: this.#opts.routerPort,
          wsPath: this.#opts.wsPath,
          hostHeader,
        };
      }
      await wait(this.#opts.pollMs ?? 200, signal);
    }
    return undefined;
  }

  /** Why an ensure() that ran out of time failed: the caller left (Aborted), or the deadline and the last state seen. */
  #notReady(name: string, callerSignal: AbortSignal, seen: { status: string; probe: number }): BackendError {
    if (callerSignal.aborted)
      return new BackendError('Aborted', `substrate actor ${name}: ensure aborted (${seen.status})`);
    const where =
      seen.status === 'STATUS_RUNNING'
        ? `RUNNING but the router answers ${seen.probe || 'nothing'}`
        : seen.status;
    return new BackendError(
      'Timeout',
      `substrate actor ${name} not ready after ${Math.round(this.#opts.readyTimeoutMs / 1000)}s: ${where}`,
    );
  }

  #explain(err: unknown, attempted: string): BackendError {
    if (err instanceof BackendError) return err;
    if (!(err instanceof ControlCallError)) {
      return new BackendError('Failed', `${attempted}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const { reason, says } = CONTROL_ERRORS.get(err.code) ?? { reason: 'Failed' };
    const detail = says ? `substrate Control API at ${this.#opts.control.address} ${says}: ` : '';
    return new BackendError(reason, `${attempted}: ${detail}${err.message}`, { cause: err });
  }

  async delete(id: string, signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<void> {
    const name = sandboxName(id);
    const what = `delete substrate actor ${name}`;
    try {
      await this.#rpc('SuspendActor', this.#client.ref(name), signal).catch((err: unknown) => {
        if (!isStatus(err, GrpcStatus.NOT_FOUND) && !isStatus(err, GrpcStatus.FAILED_PRECONDITION)) throw err;
      });
      await this.#deleteSuspended(name, signal);
      await this.#opts.activity?.delete(id, signal);
    } catch (err) {
      throw this.#explain(err, what);
    }
  }

  /** DeleteActor refuses (FailedPrecondition) until the suspend workflow has finished: retried within `signal`. */
  async #deleteSuspended(name: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#rpc('DeleteActor', this.#client.ref(name), signal);
        this.#log.info({ actor: name }, 'substrate actor deleted');
        return;
      } catch (err) {
        if (isStatus(err, GrpcStatus.NOT_FOUND)) return;
        const retry = isStatus(err, GrpcStatus.FAILED_PRECONDITION) && attempt < 50;
        if (!retry || signal.aborted) throw err;
        await wait(this.#opts.pollMs ?? 200, signal);
      }
    }
  }

  async list(signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<SandboxRecord[]> {
    const out: SandboxRecord[] = [];
    let pageToken = '';
    for (let page = 0; page < 1000; page++) {
      let res: { actors: Actor[]; nextPageToken: string };
      try {
        res = await this.#rpc('ListActors', this.#listRequest(pageToken), signal);
      } catch (err) {
        throw this.#explain(err, 'list substrate actors');
      }
      for (const a of res.actors) if (this.#owns(a)) out.push({ id: a.actorId.slice(PREFIX.length) });
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
    if (!this.#opts.activity) return out;
    const seen = await this.#opts.activity.lastActive(signal);
    return out.map((r) => {
      const at = seen.get(r.id);
      return at === undefined ? r : { ...r, lastActiveMs: at };
    });
  }

  #listRequest(pageToken: string): object {
    const { shape, atespace } = this.#opts.control;
    return { pageSize: 500, pageToken, ...(shape === 'actorRef' ? { atespace } : {}) };
  }

  /** Whether a listed actor is one of ours: a `pw-` actor in our atespace (actors without one count as ours). */
  #owns(a: Actor): boolean {
    const { shape, atespace } = this.#opts.control;
    const inSpace = shape !== 'actorRef' || !a.atespace || a.atespace === atespace;
    return inSpace && a.actorId.startsWith(PREFIX);
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
