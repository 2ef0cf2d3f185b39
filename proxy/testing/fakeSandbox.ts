/**
 * @module proxy/testing/fakeSandbox — an in-process sandbox upstream (HTTP + WebSocket) for proxy-layer tests, and
 * a backend that hands out such sandboxes. Real sockets and a real WebSocket server; no browser.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BackendError,
  type Endpoint,
  type SandboxBackend,
  type SandboxRecord,
  type TenantId,
} from '../backends/types.ts';

/** What a fake sandbox does with the next WebSocket upgrade. */
export type UpgradeBehaviour =
  | { kind: 'echo' }
  | { kind: 'reject'; status: number }
  /** Accept, then close with this code after the first message. */
  | { kind: 'closeAfterFirst'; code: number; reason: string }
  /** Accept, then drop the TCP connection after the first message (no close frame). */
  | { kind: 'dropAfterFirst' };

/** One upstream: echoes WebSocket messages at `wsPath`, answers HTTP with the request it saw. */
export class FakeSandbox {
  readonly wsPath = '/sandbox-secret';
  behaviour: UpgradeBehaviour = { kind: 'echo' };
  /** Headers of every request and upgrade received. */
  readonly seen: IncomingHttpHeaders[] = [];
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<Socket>();
  readonly #clients = new Set<WebSocket>();

  constructor() {
    this.#server = createServer((req, res) => {
      this.seen.push(req.headers);
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'keep-alive',
        'x-upstream': 'fake',
      });
      res.end(body);
    });
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    this.#server.on('upgrade', (req, socket: Socket, head) => {
      this.seen.push(req.headers);
      const b = this.behaviour;
      if (req.url?.split('?')[0] !== this.wsPath) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      if (b.kind === 'reject') {
        socket.end(`HTTP/1.1 ${b.status} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(ws, socket, b));
    });
  }

  #serve(ws: WebSocket, socket: Socket, b: UpgradeBehaviour): void {
    this.#clients.add(ws);
    ws.once('close', () => this.#clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (b.kind === 'closeAfterFirst') ws.close(b.code, b.reason);
      else if (b.kind === 'dropAfterFirst') socket.destroy();
      else ws.send(data, { binary: isBinary });
    });
  }

  async start(): Promise<Endpoint> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return { host: '127.0.0.1', port: (this.#server.address() as AddressInfo).port, wsPath: this.wsPath };
  }

  /** Open TCP connections to this sandbox (0 once everything has been cleaned up). */
  get openSockets(): number {
    return this.#sockets.size;
  }

  async stop(): Promise<void> {
    for (const c of this.#clients) c.terminate();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface FakeBackendOptions {
  /** Delay before ensure resolves (honours the signal). */
  ensureDelayMs?: number;
  /** The backend's kind (default `fake`), to serve several fakes from one proxy. */
  kind?: string;
}

/** A backend whose sandboxes are {@link FakeSandbox}es. Records every call. */
export class FakeBackend implements SandboxBackend {
  readonly kind: string;
  /** When set, list() fails with this message (a backend that cannot be reached). */
  listError: string | undefined;
  readonly sandboxes = new Map<TenantId, FakeSandbox>();
  readonly ensureCalls: TenantId[] = [];
  /** Signals of ensure calls that were aborted (to check that deadlines reach the backend). */
  readonly abortedEnsures: TenantId[] = [];
  readonly deleted: TenantId[] = [];
  readonly shared = new Map<TenantId, number>();
  ensureDelayMs: number;
  closed = false;

  constructor(opts: FakeBackendOptions = {}) {
    this.ensureDelayMs = opts.ensureDelayMs ?? 0;
    this.kind = opts.kind ?? 'fake';
  }

  async ensure(id: TenantId, signal: AbortSignal): Promise<Endpoint> {
    this.ensureCalls.push(id);
    if (this.ensureDelayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.ensureDelayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          this.abortedEnsures.push(id);
          reject(new BackendError('Aborted', `ensure of ${id} aborted`));
        });
      });
    }
    if (signal.aborted) throw new BackendError('Aborted', `ensure of ${id} aborted`);
    const existing = this.sandboxes.get(id);
    if (existing) return this.#endpoint(existing);
    const sb = new FakeSandbox();
    this.sandboxes.set(id, sb);
    const ep = await sb.start();
    this.#endpoints.set(sb, ep);
    return ep;
  }

  readonly #endpoints = new Map<FakeSandbox, Endpoint>();
  #endpoint(sb: FakeSandbox): Endpoint {
    return this.#endpoints.get(sb) as Endpoint;
  }

  async delete(id: TenantId): Promise<void> {
    const sb = this.sandboxes.get(id);
    this.deleted.push(id);
    if (!sb) return;
    this.sandboxes.delete(id);
    await sb.stop();
  }

  /** Kills a sandbox without telling anyone (a crash, or removal out of band). */
  async crash(id: TenantId): Promise<void> {
    const sb = this.sandboxes.get(id);
    this.sandboxes.delete(id);
    await sb?.stop();
  }

  async list(): Promise<SandboxRecord[]> {
    if (this.listError) throw new BackendError('Unavailable', this.listError);
    return [...this.sandboxes.keys()].map((id) => ({
      id,
      ...(this.shared.has(id) ? { lastActiveMs: this.shared.get(id) } : {}),
    }));
  }

  async touch(id: TenantId, atMs: number): Promise<void> {
    this.shared.set(id, Math.max(atMs, this.shared.get(id) ?? 0));
  }

  /** Stops every sandbox: like the local backend, nothing outlives the backend. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sandboxes.values()].map((sb) => sb.stop()));
    this.sandboxes.clear();
  }
}
