/**
 * @module plugin/goplugin/server — go-plugin's RPC server (`hashicorp/go-plugin:rpc_server.go`, `mux_broker.go`):
 * a unix-socket listener, one yamux session per connection, the control stream (`Control`, `Dispenser`), the two
 * sync streams, and MuxBroker streams that carry the `Plugin` service.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.ts';
import type { MetricProvider } from '../provider.ts';
import type { GobValue } from './gob/types.ts';
import { DispenseReplySchema, metricService } from './metricService.ts';
import { EmptyStructSchema, RpcCallError, serveNetRpc, type ByteStream, type RpcService } from './netrpc.ts';
import { YamuxSession, type YamuxStream } from './yamux.ts';

/** The name Argo dispenses (`pluginMap` key in `metricproviders/plugin/client/client.go`). */
export const METRIC_PLUGIN_NAME = 'RpcMetricProviderPlugin';
/** How long a broker stream may wait for its id to be dispensed (go-plugin's `Accept` timeout). */
const BROKER_ACCEPT_MS = 5000;

/** Why serving stopped. */
export type ServeEnd = 'quit' | 'disconnected' | 'closed';

export interface GoPluginServerOptions {
  provider: MetricProvider;
  log: Logger;
  /** Cancels in-flight work on shutdown. */
  signal: AbortSignal;
  /** Per-stream cap on replies queued for a controller that grants no window (default 16 MiB). */
  maxQueuedBytes?: number;
  /** Called on every RPC (e.g. to schedule an idle GC). */
  onCall?: () => void;
}

interface Connection {
  socket: Socket;
  session: YamuxSession;
}

/** Serves one plugin over a unix socket. */
export class GoPluginServer {
  private readonly opts: GoPluginServerOptions;
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly dispensed = new Set<number>();
  private readonly waiting = new Map<number, (() => void)[]>();
  private nextBrokerId = 1;
  private address: string | undefined;
  /**
   * The controller's connection: the first one whose control stream carries an RPC (go-plugin's client starts with
   * `Dispenser.Dispense`). Only its end stops serving; a stranger's connection closing has no effect (issue 13.7).
   */
  private controller: Connection | undefined;
  private resolveDone!: (end: ServeEnd) => void;
  /** Resolves when the controller calls Control.Quit or closes its connection. */
  readonly done: Promise<ServeEnd>;

  constructor(opts: GoPluginServerOptions) {
    this.opts = opts;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.server = createServer((socket) => this.onConnection(socket));
  }

  /**
   * Starts listening on `path`; the socket file is mode 0600 (only the controller's user may connect). The umask is
   * narrowed while the socket is bound, so there is no moment at which the file is open to others.
   */
  listen(path: string): Promise<void> {
    this.address = path;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const umask = process.umask(0o177);
      try {
        this.server.listen(path, () => {
          this.server.off('error', reject);
          try {
            chmodSync(path, 0o600);
            resolve();
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      } finally {
        process.umask(umask);
      }
    });
  }

  /** Connections open now (the controller's and any not yet closed); for tests. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops listening, flushes and closes every connection (waiting at most `graceMs`), removes the socket file. */
  async close(graceMs = 500): Promise<void> {
    this.server.close();
    const flushed = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.socket.destroyed) return resolve();
          c.socket.once('close', () => resolve());
          c.socket.end();
        }),
    );
    await Promise.race([Promise.all(flushed), new Promise((r) => setTimeout(r, graceMs).unref())]);
    for (const c of this.connections) c.socket.destroy();
    if (this.address) rmSync(this.address, { force: true });
    this.resolveDone('closed');
  }

  private onConnection(socket: Socket): void {
    const log = this.opts.log;
    if (this.controller) {
      // One controller per plugin process: a second connection is closed before it can say anything.
      log.warn('a second connection to the plugin socket while the controller is connected: closed');
      socket.destroy();
      return;
    }
    let accepted = 0;
    const conn: Connection = {
      socket,
      session: new YamuxSession(socket, {
        log,
        ...(this.opts.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: this.opts.maxQueuedBytes }),
        onStream: (stream) => this.onStream(stream, accepted++, conn),
        onEnd: (end) => this.onEnd(conn, end.reason),
      }),
    };
    this.connections.add(conn);
    log.debug('connection accepted');
  }

  private onEnd(conn: Connection, reason: string): void {
    const log = this.opts.log;
    this.connections.delete(conn);
    if (conn !== this.controller) {
      log.debug({ reason }, 'a connection that was not the controller ended; ignored');
      return;
    }
    this.controller = undefined;
    if (reason === 'eof') {
      log.info('the controller closed the connection');
      this.resolveDone('disconnected');
    } else if (reason === 'protocolError') {
      log.warn('session dropped after a protocol error; still listening for a new connection');
    }
  }

  /** Makes `conn` the controller if there is none yet; false (and the connection closed) if another one is. */
  private claim(conn: Connection): boolean {
    this.controller ??= conn;
    if (this.controller === conn) return true;
    this.opts.log.warn('an RPC from a connection that is not the controller: closed');
    conn.socket.destroy();
    return false;
  }

  private onStream(stream: YamuxStream, index: number, conn: Connection): void {
    if (index === 0) {
      serveNetRpc(
        stream,
        new Map([
          ['Control', this.claimed(conn, this.controlService())],
          ['Dispenser', this.claimed(conn, this.dispenserService())],
        ]),
        this.opts.log,
      );
    } else if (index <= 2) {
      // go-plugin's stdout/stderr sync streams: Argo discards them; we accept and ignore them.
      stream.onData(() => {});
    } else this.onBrokerStream(stream);
  }

  /** Wraps every method of a control-stream service so its first call makes `conn` the controller (or closes it). */
  private claimed(conn: Connection, service: RpcService): RpcService {
    return Object.fromEntries(
      Object.entries(service).map(([name, method]) => [
        name,
        (arg: GobValue, call: { serviceMethod: string; seq: number }) => {
          if (!this.claim(conn)) throw new RpcCallError('not the controller connection');
          return method(arg, call);
        },
      ]),
    );
  }

  /** Wraps every method of a service so each call is reported to `onCall`. */
  private observed(service: RpcService): RpcService {
    const onCall = this.opts.onCall;
    if (!onCall) return service;
    return Object.fromEntries(
      Object.entries(service).map(([name, method]) => [
        name,
        (arg: GobValue, call: { serviceMethod: string; seq: number }) => {
          onCall();
          return method(arg, call);
        },
      ]),
    );
  }

  private controlService(): RpcService {
    return {
      Ping: async () => ({ schema: EmptyStructSchema, value: {} }),
      Quit: async () => {
        this.opts.log.info('Control.Quit: shutting down');
        // Reply first; the process exits once the reply is flushed (see close()).
        setImmediate(() => this.resolveDone('quit'));
        return { schema: EmptyStructSchema, value: {} };
      },
    };
  }

  private dispenserService(): RpcService {
    return {
      Dispense: async (arg: GobValue) => {
        if (arg !== METRIC_PLUGIN_NAME) throw new RpcCallError(`unknown plugin type: ${String(arg)}`);
        const id = this.nextBrokerId++;
        this.dispensed.add(id);
        for (const wake of this.waiting.get(id) ?? []) wake();
        this.waiting.delete(id);
        return { schema: DispenseReplySchema, value: id };
      },
    };
  }

  /** MuxBroker: the host writes the id as a little-endian uint32; we echo it, then serve `Plugin` on the stream. */
  private onBrokerStream(stream: YamuxStream): void {
    const log = this.opts.log;
    let head = Buffer.alloc(0);
    const inner = relay(stream);
    stream.onData((chunk) => {
      if (inner.started) return inner.deliver(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      const id = head.readUInt32LE(0);
      const rest = head.subarray(4);
      const start = (): void => {
        stream.write(head.subarray(0, 4));
        serveNetRpc(
          inner.stream,
          new Map([['Plugin', this.observed(metricService(this.opts.provider, log, this.opts.signal))]]),
          log,
        );
        inner.start(rest);
      };
      inner.started = true; // buffer anything else until start() runs
      if (this.dispensed.has(id)) return start();
      const timer = setTimeout(() => {
        log.error({ brokerId: id }, 'broker stream for an id that was never dispensed: resetting it');
        stream.reset('unknown broker id');
      }, BROKER_ACCEPT_MS);
      timer.unref();
      this.waiting.set(id, [...(this.waiting.get(id) ?? []), () => (clearTimeout(timer), start())]);
    });
  }
}

/** Wraps a stream so bytes after the broker handshake reach the net/rpc server in order. */
function relay(stream: YamuxStream): {
  stream: ByteStream;
  started: boolean;
  start: (first: Buffer) => void;
  deliver: (b: Buffer) => void;
} {
  let cb: ((b: Buffer) => void) | undefined;
  const queue: Buffer[] = [];
  const state = {
    started: false,
    stream: {
      onData: (f: (b: Buffer) => void) => (cb = f),
      onEnd: (f: (why: string) => void) => stream.onEnd(f),
      write: (d: Uint8Array) => stream.write(d),
      reset: (why: string) => stream.reset(why),
    } satisfies ByteStream,
    start: (first: Buffer) => {
      const pending = [first, ...queue.splice(0)];
      for (const b of pending) if (b.length > 0) cb?.(b);
      state.deliver = (b: Buffer) => cb?.(b);
    },
    deliver: (b: Buffer) => {
      queue.push(b);
    },
  };
  return state;
}
