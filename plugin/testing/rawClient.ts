/**
 * @module plugin/testing/rawClient — a minimal yamux *client* over a unix socket for tests: sends raw frames,
 * collects what the plugin sends back per stream, and grants window generously unless told not to.
 */
import { connect, type Socket } from 'node:net';
import { GobDecoder } from '../goplugin/gob/decoder.ts';
import type { GobValue } from '../goplugin/gob/types.ts';
import {
  decodeHeader,
  encodeHeader,
  Flag,
  FrameType,
  HEADER_BYTES,
  type FrameHeader,
} from '../goplugin/yamux.ts';

export class RawClient {
  readonly socket: Socket;
  readonly frames: FrameHeader[] = [];
  readonly data = new Map<number, Buffer[]>();
  closed = false;
  private pending = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  /** When false, the client never returns receive credit (a controller that never reads). */
  grantWindow = true;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  frame(h: Omit<FrameHeader, 'version'>, payload?: Uint8Array): void {
    this.send(payload ? Buffer.concat([encodeHeader(h), payload]) : encodeHeader(h));
  }

  open(id: number): void {
    this.frame({ type: FrameType.windowUpdate, flags: Flag.syn, streamId: id, length: 0 });
  }

  write(id: number, payload: Uint8Array): void {
    this.frame({ type: FrameType.data, flags: 0, streamId: id, length: payload.length }, payload);
  }

  /** All bytes received on a stream so far. */
  received(id: number): Buffer {
    return Buffer.concat(this.data.get(id) ?? []);
  }

  /** Decodes every complete gob value received on a stream (skipping `skip` leading bytes). */
  values(id: number, skip = 0): GobValue[] {
    const d = new GobDecoder();
    d.push(this.received(id).subarray(skip));
    const out: GobValue[] = [];
    for (let r = d.next(); r; r = d.next()) out.push(r.value);
    return out;
  }

  /** Waits until `check` holds, re-checking on every received frame; rejects after `ms`. */
  async until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(b: Buffer): void {
    this.pending = Buffer.concat([this.pending, b]);
    for (;;) {
      if (this.pending.length < HEADER_BYTES) break;
      const h = decodeHeader(this.pending);
      const len = h.type === FrameType.data ? h.length : 0;
      if (this.pending.length < HEADER_BYTES + len) break;
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + len);
      this.pending = this.pending.subarray(HEADER_BYTES + len);
      this.frames.push(h);
      if (len > 0) {
        this.data.set(h.streamId, [...(this.data.get(h.streamId) ?? []), Buffer.from(payload)]);
        if (this.grantWindow)
          this.frame({ type: FrameType.windowUpdate, flags: 0, streamId: h.streamId, length: len });
      }
    }
    this.wake();
  }
}
