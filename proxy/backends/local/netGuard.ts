/**
 * @module proxy/backends/local/netGuard — the local sandbox's network confinement, run inside its host process.
 *
 * Two enforcement points share one rule ({@link NetPolicy.problem}): loopback, unspecified, link-local and multicast
 * addresses and every address of this machine's own interfaces are refused, except allow-listed loopback ports.
 * 1. Chromium's traffic: Chromium is launched with this process's forward proxy (`startForwardProxy`) as its only
 *    route (Playwright adds `<-loopback>`, so loopback is proxied too); the proxy resolves, checks, then dials the
 *    checked IP (no re-resolution, so DNS rebinding cannot slip between check and connect).
 * 2. This process's own connections: `context.request` / `APIRequestContext` run here, in Node, not in Chromium.
 *    `installSocketGuard` wraps `net.Socket.prototype.connect`, checking IP literals at once and names after DNS
 *    lookup (every resolved address must pass), and refuses unix-socket paths.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { BlockList, connect, isIP, Socket, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** What a sandbox may reach. */
export class NetPolicy {
  readonly #blocked = new BlockList();
  readonly #loopback = new BlockList();
  /** Loopback ports a sandbox may reach (LOCAL_ALLOW_LOOPBACK), and temporary ones (the host's warm-up page). */
  readonly allowedLoopbackPorts: Set<number>;

  /** `allow`: `host:port` entries with a loopback host (`127.0.0.1:3000`, `localhost:8080`, `[::1]:80`). */
  constructor(allow: readonly string[]) {
    this.allowedLoopbackPorts = new Set(
      allow.map((entry) => {
        const i = entry.lastIndexOf(':');
        const host = entry.slice(0, i);
        const port = Number(entry.slice(i + 1));
        if (!LOOPBACK_NAMES.has(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
          throw new Error(`not a loopback host:port: ${entry}`);
        }
        return port;
      }),
    );
    this.#loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    this.#loopback.addAddress('::1', 'ipv6');
    this.#blocked.addSubnet('0.0.0.0', 8, 'ipv4');
    this.#blocked.addSubnet('169.254.0.0', 16, 'ipv4');
    this.#blocked.addSubnet('224.0.0.0', 4, 'ipv4');
    this.#blocked.addSubnet('240.0.0.0', 4, 'ipv4');
    this.#blocked.addAddress('::', 'ipv6');
    this.#blocked.addSubnet('fe80::', 10, 'ipv6');
    this.#blocked.addSubnet('ff00::', 8, 'ipv6');
    // This machine's own addresses reach the proxy's ports just like loopback does (a 0.0.0.0 listener).
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) this.#blocked.addAddress(a.address, a.family === 'IPv6' ? 'ipv6' : 'ipv4');
    }
  }

  /** Why `address:port` may not be reached from a sandbox, or undefined when it may. `address` is an IP. */
  problem(address: string, port: number): string | undefined {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address.replace(/^\[|\]$/g, '');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(ip) === 0) return `${address} is not an IP address`;
    if (this.#loopback.check(ip, family)) {
      return this.allowedLoopbackPorts.has(port)
        ? undefined
        : `loopback port ${port} is not allow-listed for sandboxes (PROXY_LOCAL_ALLOW_LOOPBACK)`;
    }
    if (this.#blocked.check(ip, family)) return `${ip} is a local, link-local or reserved address`;
    return undefined;
  }
}

/** A refused connection; `code` lets callers tell it from an ordinary network error. */
export class SandboxNetworkError extends Error {
  readonly code = 'ESANDBOXPOLICY';
  constructor(target: string, problem: string) {
    super(`SandboxPolicy: connecting to ${target} is not allowed: ${problem}`);
    this.name = 'SandboxNetworkError';
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
type LookupFn = (host: string, opts: object, cb: LookupCallback) => void;

/** A `lookup` that fails when any resolved address is refused by `policy` (for port `port`). */
function guardedLookup(policy: NetPolicy, port: number, base: LookupFn): LookupFn {
  return (host, opts, cb) =>
    base(host, opts, (err, address, family) => {
      if (err) return cb(err, address, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      for (const a of all) {
        const problem = policy.problem(a, port);
        if (problem) return cb(new SandboxNetworkError(`${host}:${port} (${a})`, problem), address, family);
      }
      return cb(null, address, family);
    });
}

/** Options of a `Socket.prototype.connect` call, whichever of Node's call forms was used. */
function connectOptions(args: unknown[]): Record<string, unknown> | undefined {
  const first = args[0];
  // net.connect() passes its normalized [options, cb] array.
  if (Array.isArray(first)) return first[0] as Record<string, unknown>;
  if (first !== null && typeof first === 'object') return first as Record<string, unknown>;
  return undefined;
}

/** `[options, cb?]` for the positional call forms of `Socket.prototype.connect`. */
function optionsForm(args: unknown[]): unknown[] {
  const [a, b] = args;
  const isPath = typeof a === 'string' && !/^\d+$/.test(a);
  const opts = isPath ? { path: a } : { port: Number(a), host: typeof b === 'string' ? b : 'localhost' };
  const cb = args.find((x) => typeof x === 'function');
  return cb ? [opts, cb] : [opts];
}

/**
 * Checks one connection: IP literals at once; names get a lookup that checks what they resolve to (so the check and
 * the connection use the same addresses). Returns the refusal, or undefined to connect.
 */
function checkConnect(
  policy: NetPolicy,
  ownPorts: readonly number[],
  opts: Record<string, unknown>,
): { target: string; why: string } | undefined {
  if (typeof opts.path === 'string')
    return { target: opts.path, why: 'unix sockets are not reachable from a sandbox' };
  const port = Number(opts.port);
  const host = typeof opts.host === 'string' ? opts.host : 'localhost';
  // Playwright routes context.request through the browser's proxy, i.e. this process's own guard: let it in (the
  // guard applies the same policy to where the request goes next).
  if (ownPorts.includes(port) && (host === '127.0.0.1' || host === 'localhost')) return undefined;
  if (!isIP(host)) {
    const base = (typeof opts.lookup === 'function' ? opts.lookup : dnsLookup) as LookupFn;
    opts.lookup = guardedLookup(policy, port, base);
    return undefined;
  }
  const why = policy.problem(host, port);
  return why ? { target: `${host}:${port}`, why } : undefined;
}

/**
 * Wraps `net.Socket.prototype.connect` in this process so every outgoing TCP connection obeys `policy` and unix
 * sockets are refused; `ownPorts` (this process's guard on 127.0.0.1) stay reachable. Idempotent per process (the host calls it once, after its own warm-up connections).
 */
export function installSocketGuard(policy: NetPolicy, ownPorts: readonly number[] = []): void {
  const proto = Socket.prototype as unknown as { connect: (...args: unknown[]) => Socket; __guarded?: true };
  if (proto.__guarded) return;
  const original = proto.connect;
  proto.connect = function guardedConnect(this: Socket, ...args: unknown[]): Socket {
    const opts = connectOptions(args);
    // connect(port[, host][, cb]) or connect(path[, cb]): normalise to the options form and check that.
    if (!opts) return guardedConnect.call(this, ...optionsForm(args));
    const problem = checkConnect(policy, ownPorts, opts);
    if (problem) {
      const err = new SandboxNetworkError(problem.target, problem.why);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return original.apply(this, args);
  };
  proto.__guarded = true;
}

/** Resolves `host` and returns an address `policy` allows for `port`, or throws {@link SandboxNetworkError}. */
async function resolveChecked(policy: NetPolicy, host: string, port: number): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare)
    ? [bare]
    : await new Promise<string[]>((resolve, reject) =>
        dnsLookup(bare, { all: true }, (err, list) =>
          err ? reject(err) : resolve(list.map((a) => a.address)),
        ),
      );
  for (const a of addresses) {
    const problem = policy.problem(a, port);
    if (problem) throw new SandboxNetworkError(`${host}:${port} (${a})`, problem);
  }
  const first = addresses[0];
  if (!first) throw new SandboxNetworkError(`${host}:${port}`, 'the name resolved to no address');
  return first;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end(`${message}\n`);
}

/** `CONNECT host:port` (HTTPS and WebSockets): a tunnel to a checked address, or 403. */
function onConnect(policy: NetPolicy, req: IncomingMessage, client: Duplex, head: Buffer): void {
  client.on('error', () => undefined);
  const target = new URL(`http://${req.url ?? ''}`);
  const port = Number(target.port || 443);
  resolveChecked(policy, target.hostname, port)
    .then((ip) => {
      const upstream = connect({ host: ip, port }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    })
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`,
      );
    });
}

/** Upstream connections are reused (keyed by checked IP and port), as a browser would without a proxy. */
const upstreamAgent = new Agent({ keepAlive: true, maxFreeSockets: 16 });

const PROXY_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']);

/** An absolute-form request (`GET http://host/path`): forwarded to a checked address, or 403. */
function onRequest(policy: NetPolicy, req: IncomingMessage, res: ServerResponse): void {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    return refuse(res, 400, 'This is a sandbox network guard, not a web server.');
  }
  const port = Number(url.port || 80);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !PROXY_HEADERS.has(k)));
  resolveChecked(policy, url.hostname, port)
    .then((ip) => {
      const out = request(
        {
          host: ip,
          port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers,
          agent: upstreamAgent,
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, upstream.headers);
          upstream.pipe(res);
        },
      );
      out.on('error', (err) => (res.headersSent ? res.destroy() : refuse(res, 502, err.message)));
      req.pipe(out);
    })
    .catch((err: unknown) => refuse(res, 403, err instanceof Error ? err.message : String(err)));
}

/** Starts the forward proxy Chromium is launched with; resolves to its server (listening on 127.0.0.1). */
export async function startForwardProxy(policy: NetPolicy): Promise<Server> {
  const server = createServer((req, res) => onRequest(policy, req, res));
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    onConnect(policy, req, socket, head),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The port of a listening server. */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
