/**
 * @module plugin/goplugin/yamux — the server side of a hashicorp/yamux v0.1.2 session: accept and ACK streams,
 * per-stream flow control (256 KiB windows), ping answers, go-away, FIN and RST (`hashicorp/yamux:spec.md`).
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.ts';

export const FrameType = { data: 0, windowUpdate: 1, ping: 2, goAway: 3 } as const;
export const Flag = { syn: 1, ack: 2, fin: 4, rst: 8 } as const;
export const GoAwayCode = { normal: 0, protocolError: 1, internalError: 2 } as const;
export const HEADER_BYTES = 12;
/** yamux `initialStreamWindow` and go-plugin's `MaxStreamWindowSize`: 256 KiB in each direction. */
export const STREAM_WINDOW = 256 * 1024;

/** One parsed yamux frame header. */
export interface FrameHeader {
  version: number;
  type: number;
  flags: number;
  streamId: number;
  length: number;
}

/** Encodes a 12-byte big-endian yamux header. */
export function encodeHeader(h: Omit<FrameHeader, 'version'>): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt8(0, 0);
  b.writeUInt8(h.type, 1);
  b.writeUInt16BE(h.flags, 2);
  b.writeUInt32BE(h.streamId, 4);
  b.writeUInt32BE(h.length, 8);
  return b;
}

/** Decodes a 12-byte yamux header (no validation). */
export function decodeHeader(b: Uint8Array, at = 0): FrameHeader {
  const v = new DataView(b.buffer, b.byteOffset + at, HEADER_BYTES);
  return {
    version: v.getUint8(0),
    type: v.getUint8(1),
    flags: v.getUint16(2),
    streamId: v.getUint32(4),
    length: v.getUint32(8),
  };
}

/** Why a session ended. */
export type SessionEnd =
  { reason: 'eof' } | { reason: 'protocolError'; message: string } | { reason: 'closed' };

export interface YamuxOptions {
  log: Logger;
  /** Called for every stream the client opens, after it has been ACKed. */
  onStream: (stream: YamuxStream) => void;
  onEnd?: (end: SessionEnd) => void;
  /** Bytes a stream may queue for a peer that does not grant window before it is reset. Default 16 MiB. */
  maxQueuedBytes?: number;
}

/** A yamux stream as seen by the layer above: bytes in, bytes out, half-close and reset. */
export class YamuxStream {
  readonly id: number;
  private readonly session: YamuxSession;
  private sendWindow = STREAM_WINDOW;
  private recvWindow = STREAM_WINDOW;
  private queue: Buffer[] = [];
  private queued = 0;
  private localClosed = false;
  private remoteClosed = false;
  private dead = false;
  private dataCb: ((b: Buffer) => void) | undefined;
  private endCb: ((why: string) => void) | undefined;
  private early: Buffer[] = [];

  constructor(session: YamuxSession, id: number) {
    this.session = session;
    this.id = id;
  }

  /** Registers the data callback; data received before registration is delivered now. */
  onData(cb: (b: Buffer) => void): void {
    this.dataCb = cb;
    const early = this.early;
    this.early = [];
    for (const b of early) cb(b);
  }

  /** Called once when the stream ends: FIN from the peer (`'fin'`), reset, or session end. */
  onEnd(cb: (why: string) => void): void {
    this.endCb = cb;
  }

  get isOpen(): boolean {
    return !this.dead && !this.localClosed;
  }

  /** Queues bytes; they go out as the peer's window allows. */
  write(data: Uint8Array): void {
    if (this.dead || this.localClosed || data.length === 0) return;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
    this.queue.push(buf);
    this.queued += buf.length;
    if (this.queued > this.session.maxQueuedBytes) {
      this.session.log.error(
        { stream: this.id, queued: this.queued },
        'yamux stream reset: the controller has not granted send window for too many bytes (it is not reading)',
      );
      this.reset('send queue limit exceeded');
      return;
    }
    this.flush();
  }

  /** Half-closes our side (FIN). */
  close(): void {
    if (this.dead || this.localClosed) return;
    this.localClosed = true;
    if (this.queued === 0) this.sendFin();
  }

  /** Aborts the stream (RST) and tells the layer above. */
  reset(why: string): void {
    if (this.dead) return;
    this.session.sendFrame({ type: FrameType.windowUpdate, flags: Flag.rst, streamId: this.id, length: 0 });
    this.terminate(`reset: ${why}`);
  }

  /** @internal */
  terminate(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.queue = [];
    this.queued = 0;
    this.session.forget(this.id);
    this.endCb?.(why);
  }

  private sendFin(): void {
    this.session.sendFrame({ type: FrameType.windowUpdate, flags: Flag.fin, streamId: this.id, length: 0 });
    if (this.remoteClosed) this.terminate('closed');
  }

  private flush(): void {
    while (this.queue.length > 0 && this.sendWindow > 0) {
      const head = this.queue[0] as Buffer;
      const n = Math.min(head.length, this.sendWindow);
      const chunk = head.subarray(0, n);
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
      this.queued -= n;
      this.sendWindow -= n;
      this.session.sendFrame({ type: FrameType.data, flags: 0, streamId: this.id, length: n }, chunk);
    }
    if (this.localClosed && this.queued === 0 && !this.dead) this.sendFin();
  }

  /** @internal A WindowUpdate for this stream. */
  grant(delta: number): void {
    this.sendWindow += delta;
    this.flush();
  }

  /** @internal Returns false when the data exceeds the window we granted. */
  receive(payload: Buffer): boolean {
    if (payload.length > this.recvWindow) return false;
    this.recvWindow -= payload.length;
    if (this.dataCb) this.dataCb(payload);
    else this.early.push(payload);
    // We consume eagerly (the layer above buffers), so credit is returned as Go does: once half the window is used.
    const used = STREAM_WINDOW - this.recvWindow;
    if (!this.dead && used >= STREAM_WINDOW / 2) {
      this.recvWindow += used;
      this.session.sendFrame({ type: FrameType.windowUpdate, flags: 0, streamId: this.id, length: used });
    }
    return true;
  }

  /** @internal FIN / RST flags on an incoming frame. */
  flags(flags: number): void {
    if (flags & Flag.rst) return this.terminate('reset by peer');
    if (flags & Flag.fin && !this.remoteClosed) {
      this.remoteClosed = true;
      this.endCb?.('fin');
      if (this.localClosed && this.queued === 0) this.terminate('closed');
    }
  }
}

/** Why a header cannot be part of a yamux stream, or undefined if it can. */
function invalidHeader(h: FrameHeader): string | undefined {
  if (h.version !== 0) return `unsupported yamux version ${h.version}`;
  if (h.type > FrameType.goAway) return `unknown yamux frame type ${h.type}`;
  return undefined;
}

/** The server end of one yamux session over a connected socket. */
export class YamuxSession {
  readonly log: Logger;
  readonly maxQueuedBytes: number;
  private readonly socket: Duplex;
  private readonly opts: YamuxOptions;
  private readonly streams = new Map<number, YamuxStream>();
  private pending: Buffer = Buffer.alloc(0);
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private needBytes = HEADER_BYTES;
  private skip: { streamId: number; left: number } | undefined;
  private ended = false;
  private goAwayReceived = false;

  constructor(socket: Duplex, opts: YamuxOptions) {
    this.socket = socket;
    this.opts = opts;
    this.log = opts.log;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 16 * 1024 * 1024;
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('end', () => this.finish({ reason: 'eof' }));
    socket.on('close', () => this.finish({ reason: 'eof' }));
    socket.on('error', (err) => {
      this.log.debug({ err: err.message }, 'yamux socket error');
      this.finish({ reason: 'eof' });
    });
  }

  /** Number of open streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** @internal */
  sendFrame(h: Omit<FrameHeader, 'version'>, payload?: Uint8Array): void {
    if (this.ended || this.socket.destroyed) return;
    const head = encodeHeader(h);
    this.socket.write(payload ? Buffer.concat([head, payload]) : head);
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Sends GoAway and closes the connection. */
  close(code: number = GoAwayCode.normal): void {
    this.sendFrame({ type: FrameType.goAway, flags: 0, streamId: 0, length: code });
    this.socket.end();
    this.finish({ reason: 'closed' });
  }

  private protocolError(message: string): void {
    this.log.error({ problem: message }, 'yamux protocol error: closing the session');
    this.sendFrame({ type: FrameType.goAway, flags: 0, streamId: 0, length: GoAwayCode.protocolError });
    this.socket.end();
    this.finish({ reason: 'protocolError', message });
  }

  private finish(end: SessionEnd): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of [...this.streams.values()]) s.terminate('session ended');
    this.opts.onEnd?.(end);
  }

  private onBytes(chunk: Buffer): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // Only join chunks once the next frame is complete, so a large frame arriving in pieces is copied once.
    if (this.chunkBytes < this.needBytes) return;
    this.pending = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.chunkBytes = 0;
    const at = this.parseFrames();
    const rest = at >= this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(at));
    this.pending = Buffer.alloc(0);
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.chunkBytes = rest.length;
    }
  }

  /** Handles every complete frame in `pending`; returns the offset of the first unconsumed byte. */
  private parseFrames(): number {
    let at = 0;
    this.needBytes = HEADER_BYTES;
    while (!this.ended) {
      if (this.skip) {
        const n = Math.min(this.skip.left, this.pending.length - at);
        at += n;
        this.skip.left -= n;
        if (this.skip.left > 0) return at;
        this.skip = undefined;
        continue;
      }
      if (this.pending.length - at < HEADER_BYTES) return at;
      const h = decodeHeader(this.pending, at);
      const bodyLen = h.type === FrameType.data ? h.length : 0;
      const bad = invalidHeader(h);
      if (bad) return this.fail(bad);
      if (h.type === FrameType.data && !this.canBuffer(h)) {
        at += HEADER_BYTES;
        this.skip = { streamId: h.streamId, left: h.length };
        continue;
      }
      if (this.pending.length - at < HEADER_BYTES + bodyLen) {
        this.needBytes = HEADER_BYTES + bodyLen;
        return at;
      }
      const body = this.pending.subarray(at + HEADER_BYTES, at + HEADER_BYTES + bodyLen);
      at += HEADER_BYTES + bodyLen;
      this.onFrame(h, body);
    }
    return this.pending.length;
  }

  private fail(message: string): number {
    this.protocolError(message);
    return this.pending.length;
  }

  /** A data frame larger than the stream's window is refused up front: the stream is reset, the bytes skipped. */
  private canBuffer(h: FrameHeader): boolean {
    if (h.length <= STREAM_WINDOW) return true;
    this.log.error(
      { stream: h.streamId, bytes: h.length, window: STREAM_WINDOW },
      'yamux data frame larger than the stream window: resetting the stream',
    );
    const s = this.streams.get(h.streamId);
    if (s) s.reset('frame larger than the window');
    else this.sendFrame({ type: FrameType.windowUpdate, flags: Flag.rst, streamId: h.streamId, length: 0 });
    return false;
  }

  private onFrame(h: FrameHeader, body: Buffer): void {
    switch (h.type) {
      case FrameType.ping:
        if (h.flags & Flag.syn)
          this.sendFrame({ type: FrameType.ping, flags: Flag.ack, streamId: 0, length: h.length });
        return;
      case FrameType.goAway:
        this.goAwayReceived = true;
        this.log.info({ code: h.length }, 'yamux go-away received from the controller');
        return;
      default:
        return this.onStreamFrame(h, body);
    }
  }

  private onStreamFrame(h: FrameHeader, body: Buffer): void {
    let s = this.streams.get(h.streamId);
    if (h.flags & Flag.syn) {
      if (s) return this.protocolError(`duplicate stream ${h.streamId} declared`);
      s = this.accept(h.streamId);
      if (!s) return;
    }
    if (!s) {
      // Frames for streams we already reset are expected (the peer had data in flight); drop them.
      this.log.debug({ stream: h.streamId, type: h.type }, 'yamux frame for an unknown stream dropped');
      return;
    }
    if (h.type === FrameType.windowUpdate) s.grant(h.length);
    else if (body.length > 0 && !s.receive(body)) {
      this.log.error(
        { stream: h.streamId, bytes: body.length },
        'yamux receive window exceeded: resetting the stream',
      );
      s.reset('receive window exceeded');
      return;
    }
    s.flags(h.flags);
  }

  private accept(id: number): YamuxStream | undefined {
    if (id === 0 || id % 2 === 0) {
      this.protocolError(`the client opened stream ${id}; client streams must be odd`);
      return undefined;
    }
    if (this.goAwayReceived) this.log.debug({ stream: id }, 'stream opened after go-away');
    const s = new YamuxStream(this, id);
    this.streams.set(id, s);
    this.sendFrame({ type: FrameType.windowUpdate, flags: Flag.ack, streamId: id, length: 0 });
    this.opts.onStream(s);
    return s;
  }
}
