import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { CheckProvider } from '../checkProvider.ts';
import { defaultChecks } from '../checks/registry.ts';
import { golden, prng, splitFrames } from '../testing/golden.ts';
import { RawClient } from '../testing/rawClient.ts';
import { GobEncoder } from './gob/encoder.ts';
import { GobString } from './gob/types.ts';
import { RequestSchema } from './netrpc.ts';
import { GoPluginServer, type GoPluginServerOptions } from './server.ts';
import { Flag, FrameType, STREAM_WINDOW } from './yamux.ts';

let dir: string;
let server: GoPluginServer;
let path: string;

async function start(extra: Partial<GoPluginServerOptions> = {}): Promise<void> {
  const provider = new CheckProvider({ checks: defaultChecks(), log: silentLogger });
  server = new GoPluginServer({
    provider,
    log: silentLogger,
    signal: new AbortController().signal,
    ...extra,
  });
  path = join(dir, 'plugin.sock');
  await server.listen(path);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sentinel-plugin-test-'));
});
afterEach(async () => {
  await server?.close(50);
  rmSync(dir, { recursive: true, force: true });
});

/** Replays the golden host→plugin capture frame by frame, waiting for each reply like the Go host did. */
async function replayGolden(c: RawClient): Promise<void> {
  const frames = splitFrames(golden('host_to_plugin.bin'));
  let expectReplies = 0;
  for (const f of frames) {
    c.frame(
      { type: f.header.type, flags: f.header.flags, streamId: f.header.streamId, length: f.header.length },
      f.payload.length ? f.payload : undefined,
    );
    if (f.header.type === FrameType.data && !(f.header.streamId === 7 && f.payload.length === 4)) {
      expectReplies++;
      const want = expectReplies;
      await c.until(() => c.values(1).length / 2 + c.values(7, 4).length / 2 >= want, 5000, `reply ${want}`);
    }
  }
}

describe('go-plugin server replaying the golden Go capture', () => {
  it('ACKs the streams, dispenses id 1, acks the broker and answers every call by Seq', async () => {
    await start();
    const c = await RawClient.connect(path);
    await replayGolden(c);
    const acks = c.frames
      .filter((f) => f.type === FrameType.windowUpdate && f.flags === Flag.ack)
      .map((f) => f.streamId);
    expect(acks).toEqual([1, 3, 5, 7]);
    expect(c.received(7).subarray(0, 4).toString('hex')).toBe('01000000');
    const control = c.values(1);
    expect(control).toEqual([
      { ServiceMethod: 'Dispenser.Dispense' },
      1,
      { ServiceMethod: 'Control.Ping', Seq: 1 },
      {},
      { ServiceMethod: 'Control.Quit', Seq: 2 },
      {},
    ]);
    const plugin = c.values(7, 4);
    const bySeq = new Map<number, { header: Record<string, unknown>; body: unknown }>();
    for (let i = 0; i < plugin.length; i += 2) {
      const header = plugin[i] as Record<string, unknown>;
      bySeq.set((header.Seq as number | undefined) ?? 0, { header, body: plugin[i + 1] });
    }
    expect([...bySeq.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(bySeq.get(0)?.body).toEqual({});
    expect(bySeq.get(1)?.body).toBe('RPCPlugin');
    // The golden metric is configured for "acme/ts-metric", not us: a clear Error measurement, not a crash.
    const run = bySeq.get(3)?.body as Record<string, unknown>;
    expect(run.Phase).toBe('Error');
    expect(run.Message).toMatch(/PluginConfigMissing.*acme\/ts-metric/);
    expect((bySeq.get(2)?.body as Record<string, string>).error).toMatch(/PluginConfigMissing/);
    const resume = bySeq.get(4)?.body as Record<string, unknown>;
    expect(resume.Phase).toBe('Error');
    expect(resume.Message).toMatch(/MeasurementNotFound/);
    expect(bySeq.get(6)?.body).toEqual({});
    expect(bySeq.get(7)?.header.Error).toBe("rpc: can't find method Plugin.Nope");
    await expect(server.done).resolves.toBe('quit');
    c.close();
  });

  it('handles the whole capture sent at once (broker stream before the Dispense reply)', async () => {
    await start();
    const c = await RawClient.connect(path);
    c.send(golden('host_to_plugin.bin'));
    await c.until(() => c.values(7, 4).length >= 16 && c.values(1).length >= 6, 5000, 'all replies');
    expect(c.values(7, 4).filter((_, i) => i % 2 === 1)).toHaveLength(8);
    c.close();
  });
});

// ---- bad input: each gives a clear error on that call or stream; the plugin keeps serving ----

const enc = (): GobEncoder => new GobEncoder();
function request(e: GobEncoder, method: string, seq: number, body: Uint8Array): Buffer {
  return Buffer.concat([e.encode(RequestSchema, { ServiceMethod: method, Seq: seq }), body]);
}

async function handshake(c: RawClient): Promise<GobEncoder> {
  const e = enc();
  for (const id of [1, 3, 5]) c.open(id);
  c.write(1, request(e, 'Dispenser.Dispense', 0, e.encode(GobString, 'RpcMetricProviderPlugin')));
  await c.until(() => c.values(1).length >= 2, 5000, 'dispense');
  c.open(7);
  c.write(7, Buffer.from([1, 0, 0, 0]));
  await c.until(() => c.received(7).length >= 4, 5000, 'broker ack');
  return e;
}

async function ping(c: RawClient, e: GobEncoder, seq: number): Promise<void> {
  const before = c.values(1).length;
  const bool = Buffer.from([0x03, 0x02, 0x00, 0x01]);
  c.write(1, request(e, 'Control.Ping', seq, bool));
  await c.until(() => c.values(1).length >= before + 2, 5000, 'ping reply');
}

/** A gob body holding a nil interface: what a call without arguments sends. */
const NIL_IFACE = Buffer.from([0x03, 0x10, 0x00, 0x00]);

/** Connects to the started server as the controller does (handshake, Dispense, broker stream 7). */
async function controller(): Promise<{ c: RawClient; e: GobEncoder }> {
  const c = await RawClient.connect(path);
  return { c, e: await handshake(c) };
}

/** The session still answers on its control stream after the bad input; then closes it. */
async function expectStillServing(c: RawClient, e: GobEncoder): Promise<void> {
  await ping(c, e, 1);
  c.close();
}

/** Waits until the plugin resets `streamId` (yamux RST). */
async function expectReset(c: RawClient, streamId: number, timeoutMs = 5000): Promise<void> {
  await c.until(
    () => c.frames.some((f) => f.streamId === streamId && f.flags & Flag.rst),
    timeoutMs,
    `RST on stream ${streamId}`,
  );
}

describe('go-plugin server on bad input', () => {
  it("answers an unknown service and method with Go's error text and keeps serving", async () => {
    await start();
    const { c, e } = await controller();
    const pe = enc();
    c.write(7, request(pe, 'Plugin.Nope', 0, NIL_IFACE));
    c.write(7, request(pe, 'Nope.Run', 1, NIL_IFACE));
    c.write(7, request(pe, 'NoDot', 2, NIL_IFACE));
    c.write(7, request(pe, 'Plugin.Type', 3, NIL_IFACE));
    await c.until(() => c.values(7, 4).length >= 8, 5000, 'four replies');
    const headers = c.values(7, 4).filter((_, i) => i % 2 === 0) as Record<string, unknown>[];
    expect(headers.map((h) => h.Error)).toEqual([
      "rpc: can't find method Plugin.Nope",
      "rpc: can't find service Nope.Run",
      'rpc: service/method request ill-formed: NoDot',
      undefined,
    ]);
    await expectStillServing(c, e);
  });

  it('rejects arguments of an unexpected gob type on that call only', async () => {
    await start();
    const { c, e } = await controller();
    const pe = enc();
    c.write(7, request(pe, 'Plugin.Run', 0, pe.encode(GobString, 'x')));
    c.write(7, request(pe, 'Plugin.Resume', 1, NIL_IFACE));
    c.write(7, request(pe, 'Plugin.Type', 2, NIL_IFACE));
    await c.until(() => c.values(7, 4).length >= 6, 5000, 'replies');
    const v = c.values(7, 4);
    expect((v[0] as Record<string, string>).Error).toMatch(
      /InvalidArgs|expected an interface holding RunArgs, got a plain string/,
    );
    expect((v[2] as Record<string, string>).Error).toMatch(
      /expected TerminateAndResumeArgs, got a nil interface/,
    );
    expect(v[5]).toBe('RPCPlugin');
    await expectStillServing(c, e);
  });

  it('resets only the stream that sends a garbled gob message; the control stream keeps working', async () => {
    await start();
    const { c, e } = await controller();
    c.write(7, Buffer.from([0x05, 0x0f, 0x03, 0x01, 0x00, 0x00])); // type definition for reserved id 7
    await expectReset(c, 7);
    await expectStillServing(c, e);
  });

  it('resets a stream whose data exceeds the window, skips the bytes, and keeps the session', async () => {
    await start();
    const { c, e } = await controller();
    const big = Buffer.alloc(STREAM_WINDOW + 1);
    c.write(7, big);
    await expectReset(c, 7);
    await expectStillServing(c, e);
  });

  it('answers pings, and drops the session with GoAway on a garbled frame but accepts a new connection', async () => {
    await start();
    const c = await RawClient.connect(path);
    c.frame({ type: FrameType.ping, flags: Flag.syn, streamId: 0, length: 42 });
    await c.until(
      () => c.frames.some((f) => f.type === FrameType.ping && f.flags === Flag.ack && f.length === 42),
      5000,
      'ping ack',
    );
    c.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await c.until(() => c.closed, 5000, 'session close');
    expect(c.frames.some((f) => f.type === FrameType.goAway && f.length === 1)).toBe(true);
    const again = await RawClient.connect(path);
    const e = await handshake(again);
    await ping(again, e, 1);
    again.close();
  });

  it('resets a stream whose controller never grants window once the queue limit is hit', async () => {
    await start({ maxQueuedBytes: 16 * 1024 });
    const { c, e } = await controller();
    c.grantWindow = false;
    const pe = enc();
    const batch: Buffer[] = [];
    for (let seq = 0; seq < 20_000; seq++) batch.push(request(pe, 'Plugin.Type', seq, NIL_IFACE));
    // Respect the plugin's receive window: it grants credit as it consumes.
    const all = Buffer.concat(batch);
    for (let at = 0; at < all.length; at += 32 * 1024) c.write(7, all.subarray(at, at + 32 * 1024));
    await expectReset(c, 7, 10_000);
    expect(c.received(7).length).toBeLessThanOrEqual(STREAM_WINDOW + 4);
    c.grantWindow = true;
    await expectStillServing(c, e);
  });
});

describe('go-plugin server fuzz (bounded)', () => {
  it('survives 40 connections sending mutated golden captures, then serves a clean one', async () => {
    await start();
    const base = golden('host_to_plugin.bin');
    const rnd = prng(4242);
    for (let i = 0; i < 40; i++) {
      const bytes = Buffer.from(base);
      const flips = 1 + Math.floor(rnd() * 6);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const c = await RawClient.connect(path);
      c.send(bytes.subarray(0, rnd() < 0.3 ? Math.floor(rnd() * bytes.length) : bytes.length));
      await new Promise((r) => setTimeout(r, 20));
      c.close();
    }
    const { c, e } = await controller();
    await expectStillServing(c, e);
  });
});

// ---- issue 13.7: only the controller's connection controls the plugin's lifetime ----

describe('go-plugin server: the controller connection', () => {
  async function until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const outcome = (): { end: string | undefined } => {
    const o = { end: undefined as string | undefined };
    void server.done.then((e) => (o.end = e));
    return o;
  };

  it('creates the socket file with mode 0600', async () => {
    await start();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a stranger that connects and closes while the controller is connected changes nothing', async () => {
    await start();
    const o = outcome();
    const controller = await RawClient.connect(path);
    const e = await handshake(controller);
    const stranger = await RawClient.connect(path);
    // Closed by the plugin before it could say anything.
    await stranger.until(() => stranger.closed, 5000, 'stranger closed by the plugin');
    stranger.close();
    await until(() => server.connectionCount === 1, 'the stranger to be gone');
    await ping(controller, e, 1);
    expect(o.end).toBeUndefined();
    controller.close();
    await expect(server.done).resolves.toBe('disconnected');
  });

  it('a stranger connected before the controller cannot end it, nor call once the controller is known', async () => {
    await start();
    const o = outcome();
    const early = await RawClient.connect(path);
    const controller = await RawClient.connect(path);
    const e = await handshake(controller);
    // The early connection now tries an RPC: it is closed, the controller keeps its session.
    const pe = enc();
    early.open(1);
    early.write(1, request(pe, 'Control.Ping', 0, Buffer.from([0x03, 0x02, 0x00, 0x01])));
    await early.until(() => early.closed, 5000, 'early connection closed');
    await until(() => server.connectionCount === 1, 'the early connection to be gone');
    await ping(controller, e, 1);
    expect(o.end).toBeUndefined();
    controller.close();
    await expect(server.done).resolves.toBe('disconnected');
  });

  it('a stranger closing without a byte before the controller connects has no effect either', async () => {
    await start();
    const o = outcome();
    const stranger = await RawClient.connect(path);
    stranger.close();
    await until(() => server.connectionCount === 0, 'the stranger to be gone');
    const controller = await RawClient.connect(path);
    await replayGolden(controller);
    await expect(server.done).resolves.toBe('quit');
    expect(o.end).toBe('quit');
    controller.close();
  });
});
