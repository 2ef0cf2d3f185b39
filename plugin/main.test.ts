import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GobEncoder } from './goplugin/gob/encoder.ts';
import { GobString } from './goplugin/gob/types.ts';
import { RequestSchema } from './goplugin/netrpc.ts';
import { REPO } from './testing/conformanceHost.ts';
import { RawClient } from './testing/rawClient.ts';

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startPlugin(env: Record<string, string>, args: string[] = []): Proc {
  const child = spawn(process.execPath, [join(REPO, 'bin/sentinel.js'), 'plugin', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function handshakeLine(p: Proc): Promise<string> {
  for (let i = 0; i < 200 && !p.stdout().includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
  return p.stdout();
}

async function stderrUntil(p: Proc, text: string): Promise<void> {
  for (let i = 0; i < 200 && !p.stderr().includes(text); i++) await new Promise((r) => setTimeout(r, 50));
}

/** Asks for the metric provider on a fresh connection, as the controller's first call does; returns the client. */
async function dispense(socket: string): Promise<RawClient> {
  const c = await RawClient.connect(socket);
  const e = new GobEncoder();
  c.open(1);
  c.write(
    1,
    Buffer.concat([
      e.encode(RequestSchema, { ServiceMethod: 'Dispenser.Dispense', Seq: 0 }),
      e.encode(GobString, 'RpcMetricProviderPlugin'),
    ]),
  );
  await c.until(() => c.values(1).length === 2);
  return c;
}

const COOKIE = { ARGO_ROLLOUTS_RPC_PLUGIN: 'metricprovider', PLUGIN_PROTOCOL_VERSIONS: '1' };

describe('sentinel plugin (the process the controller starts)', () => {
  it("without the magic cookie prints go-plugin's message and exits 3 (usage: lib/exitCodes.ts)", async () => {
    const p = startPlugin({});
    expect(await p.exit).toBe(3);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toContain('This binary is a plugin. These are not meant to be executed directly.');
  });

  it('refuses protocol versions it does not speak', async () => {
    const p = startPlugin({ ...COOKIE, PLUGIN_PROTOCOL_VERSIONS: '2,3' });
    expect(await p.exit).toBe(3);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toMatch(/"@level":"error".*offered plugin protocol versions \\"2,3\\"/);
  });

  it('prints exactly the handshake line, ignores SIGINT, and exits 0 on Control.Quit removing its socket', async () => {
    const p = startPlugin(COOKIE);
    const line = await handshakeLine(p);
    const m = /^1\|1\|unix\|(\/.+\/plugin\d+)\|netrpc\|\n$/.exec(line);
    expect(m).not.toBeNull();
    const socket = m![1]!;
    expect(existsSync(socket)).toBe(true);
    p.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    expect(p.child.exitCode).toBeNull();

    const c = await RawClient.connect(socket);
    const e = new GobEncoder();
    c.open(1);
    c.write(
      1,
      Buffer.concat([
        e.encode(RequestSchema, { ServiceMethod: 'Control.Quit', Seq: 0 }),
        Buffer.from([3, 2, 0, 1]),
      ]),
    );
    expect(await p.exit).toBe(0);
    expect(c.values(1)).toEqual([{ ServiceMethod: 'Control.Quit' }, {}]);
    expect(existsSync(socket)).toBe(false);
    expect(p.stdout()).toBe(line);
    const logs = p
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    for (const l of logs) {
      expect(l['@level']).toMatch(/^(trace|debug|info|warn|error)$/);
      expect(l['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(typeof l['@message']).toBe('string');
    }
    expect(logs.some((l) => l['@message'] === 'plugin stopping' && l.reason === 'quit')).toBe(true);
  });

  it('exits when the controller goes away (connection closed)', async () => {
    const p = startPlugin(COOKIE);
    const socket = /\|unix\|(.+)\|netrpc\|/.exec(await handshakeLine(p))![1]!;
    const c = await dispense(socket);
    c.close();
    expect(await p.exit).toBe(0);
    expect(p.stderr()).toContain('the controller closed the connection');
  });

  it('--serve (the sidecar) replaces a stale socket file, serves one connection after another, prints no handshake, exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-sidecar-'));
    try {
      const socket = join(dir, 'plugin.sock');
      writeFileSync(socket, 'left by a previous container');
      const p = startPlugin({}, ['--serve', '--socket', socket]);
      await stderrUntil(p, 'plugin sidecar serving');
      const first = await dispense(socket);
      expect(first.values(1)[0]).toEqual({ ServiceMethod: 'Dispenser.Dispense' });
      first.close();
      const second = await dispense(socket);
      expect(second.values(1)[0]).toEqual({ ServiceMethod: 'Dispenser.Dispense' });
      second.close();
      expect(p.child.exitCode).toBeNull();
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
      expect(p.stdout()).toBe('');
      expect(p.stderr()).toContain('plugin sidecar stopping');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
