/**
 * @module plugin/goplugin/netrpc — a Go net/rpc server with the gob codec over one byte stream: concurrent calls,
 * replies by `Seq` in completion order, Go's exact error texts (`golang/go:src/net/rpc/server.go`).
 */
import type { Logger } from '../log.ts';
import { GobDecoder } from './gob/decoder.ts';
import { GobEncoder } from './gob/encoder.ts';
import { GobError, GobString, GobUint, type GobSchema, type GobValue } from './gob/types.ts';

/** `rpc.Request` as sent by Go's client codec. */
export const RequestSchema = {
  kind: 'struct',
  name: 'Request',
  fields: [
    { name: 'ServiceMethod', type: GobString },
    { name: 'Seq', type: GobUint },
  ],
} as const satisfies GobSchema;

/** `rpc.Response`. */
export const ResponseSchema = {
  kind: 'struct',
  name: 'Response',
  fields: [
    { name: 'ServiceMethod', type: GobString },
    { name: 'Seq', type: GobUint },
    { name: 'Error', type: GobString },
  ],
} as const satisfies GobSchema;

/** `struct{}`: the body Go sends with an error response, and the reply of Control.Ping/Quit. */
export const EmptyStructSchema = { kind: 'struct', name: '', fields: [] } as const satisfies GobSchema;

/** A successful reply: the value and the gob schema to send it with. */
export interface RpcReply {
  schema: GobSchema;
  value: unknown;
}

/** An error reply: `message` becomes `Response.Error`, exactly as a Go method's returned error. */
export class RpcCallError extends Error {
  override name = 'RpcCallError';
}

/** Handles one call. May run concurrently with other calls on the same stream. */
export type RpcMethod = (arg: GobValue, call: { serviceMethod: string; seq: number }) => Promise<RpcReply>;

/** A service: method name → handler (e.g. `Plugin` → `{ Run, Resume, … }`). */
export type RpcService = Record<string, RpcMethod>;

/** The byte stream net/rpc runs on (a yamux stream in production, anything duplex in tests). */
export interface ByteStream {
  onData(cb: (b: Buffer) => void): void;
  onEnd(cb: (why: string) => void): void;
  write(data: Uint8Array): void;
  reset(why: string): void;
}

interface Header {
  serviceMethod: string;
  seq: number;
}

/** Resolves `Service.Method` against the service map, or returns Go's error text. */
export function resolveMethod(
  services: ReadonlyMap<string, RpcService>,
  serviceMethod: string,
): RpcMethod | string {
  const dot = serviceMethod.lastIndexOf('.');
  if (dot < 0) return `rpc: service/method request ill-formed: ${serviceMethod}`;
  const service = services.get(serviceMethod.slice(0, dot));
  if (!service) return `rpc: can't find service ${serviceMethod}`;
  const method = Object.hasOwn(service, serviceMethod.slice(dot + 1))
    ? service[serviceMethod.slice(dot + 1)]
    : undefined;
  return method ?? `rpc: can't find method ${serviceMethod}`;
}

/** Serves net/rpc calls on one stream until it ends. Returns a function that reports calls still running. */
export function serveNetRpc(
  stream: ByteStream,
  services: ReadonlyMap<string, RpcService>,
  log: Logger,
): { inFlight: () => number } {
  const decoder = new GobDecoder();
  const encoder = new GobEncoder();
  let header: Header | undefined;
  let inFlight = 0;
  let open = true;

  const send = (h: Header, error: string, reply: RpcReply): void => {
    if (!open) return;
    let body: Uint8Array;
    try {
      body = encoder.encode(reply.schema, reply.value);
    } catch (err) {
      log.error({ method: h.serviceMethod, err: (err as Error).message }, 'cannot encode reply');
      error = `rpc reply encoding failed: ${(err as Error).message}`;
      body = encoder.encode(EmptyStructSchema, {});
    }
    const head = encoder.encode(ResponseSchema, { ServiceMethod: h.serviceMethod, Seq: h.seq, Error: error });
    // Header and body go out in one write so no other reply can interleave (Go holds its `sending` mutex).
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    stream.write(out);
  };

  const dispatch = (h: Header, arg: GobValue): void => {
    const method = resolveMethod(services, h.serviceMethod);
    if (typeof method === 'string') {
      log.warn({ method: h.serviceMethod, seq: h.seq }, method);
      send(h, method, { schema: EmptyStructSchema, value: {} });
      return;
    }
    inFlight++;
    method(arg, { serviceMethod: h.serviceMethod, seq: h.seq })
      .then(
        (reply) => send(h, '', reply),
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          if (!(err instanceof RpcCallError))
            log.error({ method: h.serviceMethod, err: message }, 'rpc method failed');
          send(h, message || 'unknown error', { schema: EmptyStructSchema, value: {} });
        },
      )
      .finally(() => inFlight--);
  };

  const pump = (): void => {
    for (;;) {
      if (!header) {
        const next = decoder.next();
        if (!next) return;
        header = toHeader(next.value);
      }
      const body = decoder.next();
      if (!body) return;
      const h = header;
      header = undefined;
      dispatch(h, body.value);
    }
  };

  stream.onData((chunk) => {
    if (!open) return;
    decoder.push(chunk);
    try {
      pump();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error({ problem: message, seq: header?.seq }, 'unreadable net/rpc request: resetting the stream');
      if (header) send(header, `reading body ${message}`, { schema: EmptyStructSchema, value: {} });
      open = false;
      stream.reset(message);
    }
  });
  stream.onEnd((why) => {
    // A FIN only half-closes: the client may still read our replies.
    if (why !== 'fin') open = false;
  });
  return { inFlight: () => inFlight };
}

function toHeader(v: GobValue): Header {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    v instanceof Uint8Array ||
    v instanceof Map
  ) {
    throw new GobError('gob: a net/rpc request must start with a Request struct');
  }
  const o = v as Record<string, GobValue>;
  const serviceMethod = o.ServiceMethod ?? '';
  const seq = o.Seq ?? 0;
  if (typeof serviceMethod !== 'string' || typeof seq !== 'number') {
    throw new GobError('gob: the Request header has unexpected field types');
  }
  return { serviceMethod, seq };
}
