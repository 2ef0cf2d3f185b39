/** @module proxy/grpc/testing/controlServer — an in-process substrate Control API (gRPC) and atenet-router, for tests and the bench. */
import { createServer, type Server as NetServer, connect, type Socket } from 'node:net';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { type ActorShape, loadAteapi } from '../controlClient.ts';

interface ActorState {
  name: string;
  atespace: string;
  status: string;
  version: number;
  /** Upstream `host:port` the router forwards this actor's traffic to while RUNNING. */
  upstream?: string;
  /** Times the actor was resumed with boot=true / false. */
  boots: number;
  restores: number;
}

/** A fault to inject into the next `count` calls of `method`. */
export interface InjectedFault {
  method: string;
  code: number;
  count: number;
  details?: string;
}

export interface ControlServerOptions {
  shape: ActorShape;
  /** Templates that exist (`namespace/name`); CreateActor with another one fails FailedPrecondition. */
  templates: string[];
  /** Atespaces that exist (actorRef shape). */
  atespaces?: string[];
  /** Time RESUMING/SUSPENDING take (default 20 ms). */
  transitionMs?: number;
  /** The upstream a RUNNING actor's router traffic goes to (e.g. a local browser server). */
  upstreamFor?(name: string): string | undefined;
}

type Handler = (call: ServerUnaryCall<Record<string, unknown>, unknown>, cb: sendUnaryData<unknown>) => void;

/** A substrate Control API with substrate's semantics (create → SUSPENDED, delete only when suspended, …). */
export class ControlServer {
  readonly actors = new Map<string, ActorState>();
  readonly faults: InjectedFault[] = [];
  /** Calls received, by method. */
  readonly calls: string[] = [];
  /** Makes GetActor return an actor without its fields (a malformed status). */
  malformed = new Set<string>();
  /** Async upstream for a resuming actor (wins over the `upstreamFor` option); the bench starts a browser here. */
  upstreamForActor: ((name: string) => Promise<string> | string) | undefined;
  /** Called when an actor is deleted (its pod goes away). */
  onActorDeleted: ((name: string) => void | Promise<void>) | undefined;
  readonly #opts: ControlServerOptions;
  #server: Server | undefined;
  port = 0;

  constructor(opts: ControlServerOptions) {
    this.#opts = opts;
  }

  #key(req: Record<string, unknown>): { name: string; atespace: string } {
    if (this.#opts.shape === 'actorRef') {
      const ref = (req['actorRef'] ?? {}) as { atespace?: string; name?: string };
      return { name: ref.name ?? '', atespace: ref.atespace ?? '' };
    }
    return { name: String(req['actorId'] ?? ''), atespace: '' };
  }

  #wire(a: ActorState): Record<string, unknown> {
    return {
      actorId: a.name,
      version: String(a.version),
      status: a.status,
      atespace: a.atespace,
      ateomPodIp: '127.0.0.1',
    };
  }

  #transition(a: ActorState, via: string, to: string): void {
    a.status = via;
    a.version++;
    setTimeout(() => {
      if (this.actors.get(a.name) === a && a.status === via) {
        a.status = to;
        a.version++;
      }
    }, this.#opts.transitionMs ?? 20);
  }

  #fault(method: string): InjectedFault | undefined {
    const f = this.faults.find((x) => x.method === method && x.count > 0);
    if (f) f.count--;
    return f;
  }

  #handlers(): Record<string, Handler> {
    const err = (code: number, details: string): { code: number; details: string } => ({ code, details });
    const withActor =
      (fn: (a: ActorState, req: Record<string, unknown>) => unknown): Handler =>
      (call, cb) => {
        const { name } = this.#key(call.request);
        const a = this.actors.get(name);
        if (!a) return cb(err(GrpcStatus.NOT_FOUND, `actor ${name} not found`));
        try {
          cb(null, fn(a, call.request));
        } catch (e) {
          cb(e as { code: number; details: string });
        }
      };
    return {
      GetActor: withActor((a) => (this.malformed.has(a.name) ? { actor: null } : { actor: this.#wire(a) })),
      CreateActor: (call, cb) => {
        const { name, atespace } = this.#key(call.request);
        const tmpl = `${String(call.request['actorTemplateNamespace'])}/${String(call.request['actorTemplateName'])}`;
        if (!this.#opts.templates.includes(tmpl))
          return cb(err(GrpcStatus.FAILED_PRECONDITION, `ActorTemplate ${tmpl} not found`));
        if (this.#opts.shape === 'actorRef' && !(this.#opts.atespaces ?? []).includes(atespace)) {
          return cb(err(GrpcStatus.FAILED_PRECONDITION, `atespace ${atespace} not found`));
        }
        if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name))
          return cb(err(GrpcStatus.INVALID_ARGUMENT, `bad actor id ${name}`));
        if (this.actors.has(name)) return cb(err(GrpcStatus.ALREADY_EXISTS, `actor ${name} exists`));
        const a: ActorState = {
          name,
          atespace,
          status: 'STATUS_SUSPENDED',
          version: 1,
          boots: 0,
          restores: 0,
        };
        this.actors.set(name, a);
        cb(null, { actor: this.#wire(a) });
      },
      ResumeActor: withActor((a, req) => {
        if (a.status !== 'STATUS_SUSPENDED' && a.status !== 'STATUS_PAUSED') {
          throw err(GrpcStatus.FAILED_PRECONDITION, `actor ${a.name} is ${a.status}`);
        }
        if (req['boot']) a.boots++;
        else a.restores++;
        if (this.upstreamForActor) {
          a.status = 'STATUS_RESUMING';
          a.version++;
          const hook = this.upstreamForActor;
          void Promise.resolve(hook(a.name)).then((u) => {
            a.upstream = u;
            if (this.actors.get(a.name) === a && a.status === 'STATUS_RESUMING')
              this.#transition(a, 'STATUS_RESUMING', 'STATUS_RUNNING');
          });
          return { actor: this.#wire(a) };
        }
        const upstream = this.#opts.upstreamFor?.(a.name);
        if (upstream) a.upstream = upstream;
        this.#transition(a, 'STATUS_RESUMING', 'STATUS_RUNNING');
        return { actor: this.#wire(a) };
      }),
      SuspendActor: withActor((a) => {
        if (a.status === 'STATUS_SUSPENDED')
          throw err(GrpcStatus.FAILED_PRECONDITION, `actor ${a.name} is suspended`);
        this.#transition(a, 'STATUS_SUSPENDING', 'STATUS_SUSPENDED');
        return { actor: this.#wire(a) };
      }),
      DeleteActor: withActor((a) => {
        if (a.status !== 'STATUS_SUSPENDED')
          throw err(GrpcStatus.FAILED_PRECONDITION, `actor ${a.name} is ${a.status}, not suspended`);
        this.actors.delete(a.name);
        void this.onActorDeleted?.(a.name);
        return {};
      }),
      ListActors: (call, cb) => {
        const size = Number(call.request['pageSize']) || 100;
        const start = Number(call.request['pageToken'] || 0);
        const space = String(call.request['atespace'] ?? '');
        const all = [...this.actors.values()]
          .filter((a) => !space || a.atespace === space)
          .sort((x, y) => x.name.localeCompare(y.name));
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? String(start + size) : '';
        cb(null, { actors: page.map((a) => this.#wire(a)), nextPageToken: next });
      },
    };
  }

  /** Starts on 127.0.0.1 (`port` 0 = any; pass the old port to come back on the same address). */
  async start(
    port = this.port,
    creds: ServerCredentials = ServerCredentials.createInsecure(),
  ): Promise<number> {
    const pkg = loadAteapi(this.#opts.shape);
    const svc = (pkg['Control'] as { service: object }).service;
    const server = new Server();
    const handlers = this.#handlers();
    const wrapped: Record<string, Handler> = {};
    for (const [method, h] of Object.entries(handlers)) {
      wrapped[method] = (call, cb) => {
        this.calls.push(method);
        const f = this.#fault(method);
        if (f) return cb({ code: f.code, details: f.details ?? `injected ${GrpcStatus[f.code]}` });
        h(call, cb);
      };
    }
    server.addService(svc as never, wrapped);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, creds, (e, p) => (e ? reject(e) : resolve(p))),
    );
    this.#server = server;
    return this.port;
  }

  /** Stops at once (in-flight calls fail UNAVAILABLE); `start()` brings it back on the same port. */
  async stop(): Promise<void> {
    this.#server?.forceShutdown();
    this.#server = undefined;
  }
}

/**
 * atenet-router's part: reads the Host header of each connection and pipes it to the RUNNING actor's upstream
 * (requests and WebSocket upgrades alike); answers 503 while the actor is not running and 404 for unknown hosts.
 */
export class FakeRouter {
  readonly #control: ControlServer;
  readonly #suffix: string;
  #server: NetServer | undefined;
  port = 0;

  constructor(control: ControlServer, hostSuffix: string) {
    this.#control = control;
    this.#suffix = hostSuffix;
  }

  #route(host: string): { code: number } | { upstream: string } {
    const name =
      host.replace(/:\d+$/, '').replace(/\.$/, '').replace(`.${this.#suffix}`, '').split('.')[0] ?? '';
    const a = this.#control.actors.get(name);
    if (!a) return { code: 404 };
    if (a.status !== 'STATUS_RUNNING' || !a.upstream) return { code: 503 };
    return { upstream: a.upstream };
  }

  #onConnection(sock: Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0 && head.length < 16_384) return;
      sock.off('data', onData);
      const host = /\r\nhost:\s*([^\r\n]+)/i.exec(head.toString('latin1'))?.[1]?.trim() ?? '';
      const r = this.#route(host);
      if ('code' in r) {
        sock.end(
          `HTTP/1.1 ${r.code} ${r.code === 503 ? 'Service Unavailable' : 'Not Found'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
        );
        return;
      }
      const [h, p] = r.upstream.split(':');
      const up = connect(Number(p), h ?? '127.0.0.1', () => {
        up.write(head);
        sock.pipe(up).pipe(sock);
      });
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
    };
    sock.on('data', onData);
    sock.on('error', () => undefined);
  }

  async start(): Promise<number> {
    const server = createServer((s) => this.#onConnection(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.#server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.#server?.close(r) ?? r(undefined));
  }
}
