import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/config.ts';
import { BACKEND_KINDS, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults: ports 9000/9090, header identity, local backend without a pool', () => {
    const c = loadConfig({ env: {}, argv: [] });
    expect(c.server).toMatchObject({ port: 9000, adminPort: 9090, host: '0.0.0.0' });
    expect(c.identity).toEqual({ mode: 'header', header: 'X-Playwright-Id', maxIdLength: 63 });
    expect(c.sessions).toEqual({
      idleTtlMs: 600_000,
      idleCheckIntervalMs: 30_000,
      maxSandboxes: 100,
      ensureTimeoutMs: 60_000,
      shutdownSandboxes: 'keep',
    });
    expect(c.backend).toMatchObject({
      kind: 'local',
      warmPool: 0,
      maxConcurrentLaunches: 4,
      chromiumArgs: [],
    });
  });

  it.each([
    ['env', { IDLE_TTL: '5s', PROXY_IDENTITY: 'fixed', PROXY_FIXED_ID: 'me', LOCAL_WARM_POOL: '2' }, []],
    ['flags', {}, ['--idle-ttl', '5s', '--identity=fixed', '--fixed-id', 'me', '--warm-pool', '2']],
  ])('reads %s', (_name, env, argv) => {
    const c = loadConfig({ env, argv });
    expect(c.sessions.idleTtlMs).toBe(5000);
    expect(c.identity).toEqual({ mode: 'fixed', id: 'me', maxIdLength: 63 });
    expect(c.backend).toMatchObject({ kind: 'local', warmPool: 2 });
  });

  it('splits LOCAL_CHROMIUM_ARGS on commas', () => {
    const backend = loadConfig({ env: { LOCAL_CHROMIUM_ARGS: '--a, --b=1' } }).backend;
    expect(backend.kind === 'local' && backend.chromiumArgs).toEqual(['--a', '--b=1']);
  });

  it.each([
    [
      'PROXY_PORT',
      { PROXY_PORT: '70000' },
      /PROXY_PORT \(--port\) = "70000": expected an integer between 0 and 65535/,
    ],
    [
      'PROXY_BACKEND',
      { PROXY_BACKEND: 'docker' },
      new RegExp(`PROXY_BACKEND \\(--backend\\) = "docker": allowed values: ${BACKEND_KINDS.join(', ')}`),
    ],
    [
      'PROXY_IDENTITY',
      { PROXY_IDENTITY: 'ip' },
      /PROXY_IDENTITY \(--identity\) = "ip": allowed values: header, fixed/,
    ],
    ['IDLE_TTL', { IDLE_TTL: 'forever' }, /IDLE_TTL \(--idle-ttl\) = "forever": expected a duration/],
    ['PROXY_SHUTDOWN_SANDBOXES', { PROXY_SHUTDOWN_SANDBOXES: 'maybe' }, /allowed values: keep, delete/],
    ['LOCAL_WARM_POOL', { LOCAL_WARM_POOL: '-1' }, /LOCAL_WARM_POOL \(--warm-pool\) = "-1"/],
  ])('a bad %s names the variable, the value and the allowed ones', (_name, env, pattern) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(pattern);
  });

  it('rejects unknown flags, listing the known ones', () => {
    expect(() => loadConfig({ env: {}, argv: ['--prot', '1'] })).toThrow(
      /unknown flag --prot; known flags: .*--port/,
    );
  });

  it('rejects an invalid fixed id at start-up, not at the first request', async () => {
    const { createIdentity } = await import('./identity/index.ts');
    const c = loadConfig({ env: { PROXY_IDENTITY: 'fixed', PROXY_FIXED_ID: 'Not_Valid' } });
    await expect(createIdentity(c.identity)).rejects.toThrow(/not a DNS-1123 label/);
  });
});
