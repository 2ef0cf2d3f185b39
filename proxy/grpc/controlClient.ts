/** @module proxy/grpc/controlClient — substrate's `ateapi.Control` gRPC client, in either wire shape, with deadlines and signals. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ChannelCredentials,
  type Client,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** `actorId`: string `actor_id` (substrate ≤ 06dbd13a); `actorRef`: `ActorRef{atespace, name}` (86e138f6). */
export type ActorShape = 'actorId' | 'actorRef';

/** Actor status names, as proto-loader renders the enum. */
export type ActorStatus =
  | 'STATUS_UNSPECIFIED'
  | 'STATUS_RESUMING'
  | 'STATUS_RUNNING'
  | 'STATUS_SUSPENDING'
  | 'STATUS_SUSPENDED'
  | 'STATUS_PAUSING'
  | 'STATUS_PAUSED';

/** The actor fields the proxy reads (camelCase, as proto-loader decodes them). */
export interface Actor {
  actorId: string;
  status: ActorStatus | number;
  ateomPodIp?: string;
  atespace?: string;
}

/** Transport security of the Control API connection. */
export type ControlTls =
  | { mode: 'insecure' }
  | { mode: 'tls'; caPem?: string; serverName?: string }
  /** TLS without verifying the server certificate (the reference proxy's `InsecureSkipVerify`, for self-signed). */
  | { mode: 'tls-skip-verify' };

export interface ControlClientOptions {
  /** `host:port` of ate-api-server. */
  address: string;
  shape: ActorShape;
  /** Required with the `actorRef` shape. */
  atespace?: string;
  tls: ControlTls;
  /** Per-call deadline (default 10 s); a call also ends when its signal aborts. */
  callTimeoutMs?: number;
}

/** Directory of the .proto files (this module's own folder). */
export const PROTO_DIR = import.meta.dirname;

/** Loads the `ateapi` package for one wire shape. */
export function loadAteapi(shape: ActorShape): Record<string, unknown> {
  const def = loadSync(join(PROTO_DIR, `ateapi.${shape}.proto`), {
    keepCase: false,
    enums: String,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  return loadPackageDefinition(def)['ateapi'] as Record<string, unknown>;
}

function channelCredentials(tls: ControlTls): ChannelCredentials {
  if (tls.mode === 'insecure') return credentials.createInsecure();
  if (tls.mode === 'tls-skip-verify') {
    return credentials.createSsl(null, null, null, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
  }
  return credentials.createSsl(tls.caPem ? Buffer.from(tls.caPem) : null);
}

type Unary = (
  req: unknown,
  meta: unknown,
  opts: { deadline: number },
  cb: (err: ServiceError | null, res: unknown) => void,
) => { cancel(): void };

/** A gRPC call failed; `code` is the gRPC status code. */
export class ControlCallError extends Error {
  override name = 'ControlCallError';
  readonly code: number;
  readonly method: string;
  constructor(method: string, code: number, details: string) {
    super(`${method}: ${GrpcStatus[code] ?? code}: ${details}`);
    this.code = code;
    this.method = method;
  }
}

/** The Control API client. One per backend; `close()` releases the channel. */
/**
 * The channel's reconnect backoff after an outage (grpc's defaults back off up to 120 s; ensure() has its own
 * deadline). grpc adds up to 20 % jitter to each step.
 */
export const RECONNECT_BACKOFF_MS = { initial: 100, max: 1000 } as const;

export class ControlClient {
  readonly opts: ControlClientOptions;
  readonly #client: Client & Record<string, Unary>;

  constructor(opts: ControlClientOptions) {
    if (opts.shape === 'actorRef' && !opts.atespace) {
      throw new Error('substrate: the actorRef wire shape needs an atespace');
    }
    this.opts = opts;
    const pkg = loadAteapi(opts.shape);
    const Ctor = pkg['Control'] as new (addr: string, creds: ChannelCredentials, o?: object) => Client;
    const options: Record<string, string | number> = {
      'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.initial,
      'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MS.max,
    };
    if (opts.tls.mode === 'tls' && opts.tls.serverName)
      options['grpc.ssl_target_name_override'] = opts.tls.serverName;
    this.#client = new Ctor(opts.address, channelCredentials(opts.tls), options) as Client &
      Record<string, Unary>;
  }

  /** The request field naming an actor, in the configured wire shape. */
  ref(name: string): Record<string, unknown> {
    return this.opts.shape === 'actorRef'
      ? { actorRef: { atespace: this.opts.atespace, name } }
      : { actorId: name };
  }

  /** Calls a unary RPC with a deadline; `signal` cancels the call (→ CANCELLED). */
  call<T>(method: string, req: object, signal: AbortSignal): Promise<T> {
    const fn = this.#client[method];
    if (!fn) return Promise.reject(new Error(`unknown RPC ${method}`));
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted)
        return reject(new ControlCallError(method, GrpcStatus.CANCELLED, 'aborted before the call'));
      const deadline = Date.now() + (this.opts.callTimeoutMs ?? 10_000);
      const onAbort = (): void => call.cancel();
      const call = fn.call(this.#client, req, new Metadata(), { deadline }, (err, res) => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(new ControlCallError(method, err.code, err.details || err.message));
        else resolve(res as T);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** Reads a PEM file for {@link ControlTls} `caPem`. */
export function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
