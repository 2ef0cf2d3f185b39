import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetPolicy } from './netGuard.ts';
import type { AddressInfo } from 'node:net';

const run = promisify(execFile);
const PROBE = join(import.meta.dirname, 'testing', 'guardProbe.ts');

describe('NetPolicy', () => {
  const p = new NetPolicy(['127.0.0.1:3000', 'localhost:3001', '[::1]:3002']);
  it.each([
    ['127.0.0.1', 3000, true],
    ['127.0.0.1', 3001, true],
    ['::1', 3002, true],
    ['127.0.0.1', 9090, false],
    ['127.1.2.3', 80, false],
    ['::1', 9000, false],
    ['::ffff:127.0.0.1', 9090, false],
    ['0.0.0.0', 9090, false],
    ['169.254.169.254', 80, false],
    ['fe80::1', 80, false],
    ['224.0.0.1', 80, false],
    ['93.184.216.34', 443, true],
    ['2606:4700::1111', 443, true],
  ])('%s:%i allowed: %s', (ip, port, allowed) => {
    expect(p.problem(ip, port) === undefined).toBe(allowed);
  });

  it('rejects allow-list entries that are not loopback host:port', () => {
    expect(() => new NetPolicy(['10.0.0.1:80'])).toThrow(/not a loopback host:port/);
    expect(() => new NetPolicy(['127.0.0.1'])).toThrow(/not a loopback host:port/);
  });
});

describe('the socket guard in a sandbox host process (context.request runs there)', () => {
  let allowed: Server;
  let other: Server;
  let hits = 0;
  let dir: string;
  const url = (s: Server, host = '127.0.0.1'): string =>
    `http://${host}:${(s.address() as AddressInfo).port}/`;

  beforeAll(async () => {
    allowed = createServer((_q, r) => r.end('ok'));
    other = createServer((_q, r) => {
      hits++;
      r.end('reached');
    });
    dir = mkdtempSync(join(tmpdir(), 'sentinel-guard-'));
    await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    allowed.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses loopback by IP and by name, and unix sockets; allows the allow-listed port', async () => {
    const sock = createServer((_q, r) => {
      hits++;
      r.end('reached');
    });
    const sockPath = join(dir, 'svc.sock');
    await new Promise<void>((r) => sock.listen(sockPath, r));
    try {
      const probe = {
        allow: [new URL(url(allowed)).host],
        urls: [url(allowed), url(other), url(other, 'localhost'), url(other, '[::ffff:127.0.0.1]')],
        paths: [sockPath],
      };
      const { stdout } = await run(process.execPath, [PROBE, JSON.stringify(probe)], { timeout: 30_000 });
      const out = JSON.parse(stdout) as Record<string, string>;
      expect(out[`http ${url(allowed)}`]).toBe('status 200');
      expect(out[`fetch ${url(allowed)}`]).toBe('status 200');
      const refused = Object.entries(out).filter(([k]) => !k.endsWith(url(allowed)));
      expect(refused).toHaveLength(7);
      for (const [, v] of refused) expect(v).toMatch(/SandboxPolicy: connecting to .* is not allowed/);
      expect(hits).toBe(0);
    } finally {
      sock.close();
    }
  });
});
