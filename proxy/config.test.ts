import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/config.ts';
import { BACKEND_KINDS, defaultKeyFile, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults: ports 9000/9090 on loopback, signed-token identity with a generated key, local backend', () => {
    const c = loadConfig({ env: {}, argv: [] });
    expect(c.server).toMatchObject({
      port: 9000,
      adminPort: 9090,
      host: '127.0.0.1',
      adminHost: '127.0.0.1',
    });
    expect(c.server.allowCdp).toBe(false);
    expect(c.identity).toEqual({
      mode: 'header',
      header: 'X-Playwright-Id',
      maxIdLength: 63,
      keyFile: defaultKeyFile(),
      createKey: true,
      maxTtlMs: 86_400_000,
    });
    expect(c.sessions).toEqual({
      idleTtlMs: 600_000,
      idleCheckIntervalMs: 30_000,
      maxSandboxes: 100,
      ensureTimeoutMs: 60_000,
      shutdownSandboxes: 'keep',
    });
    expect(c.backends).toHaveLength(1);
    expect(c.backends[0]).toMatchObject({
      kind: 'local',
      warmPool: 0,
      maxConcurrentLaunches: 4,
      chromiumArgs: [],
      allowLoopback: [],
    });
  });

  it.each([
    ['env', { IDLE_TTL: '5s', PROXY_IDENTITY: 'fixed', PROXY_FIXED_ID: 'me', LOCAL_WARM_POOL: '2' }, []],
    ['flags', {}, ['--idle-ttl', '5s', '--identity=fixed', '--fixed-id', 'me', '--warm-pool', '2']],
  ])('reads %s', (_name, env, argv) => {
    const c = loadConfig({ env, argv });
    expect(c.sessions.idleTtlMs).toBe(5000);
    expect(c.identity).toEqual({ mode: 'fixed', id: 'me', maxIdLength: 63 });
    expect(c.backends[0]).toMatchObject({ kind: 'local', warmPool: 2 });
  });

  it('splits LOCAL_CHROMIUM_ARGS on commas', () => {
    const backend = loadConfig({ env: { LOCAL_CHROMIUM_ARGS: '--a, --b=1' } }).backends[0];
    expect(backend?.kind === 'local' && backend.chromiumArgs).toEqual(['--a', '--b=1']);
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
    [
      'LOCAL_ALLOW_LOOPBACK',
      { LOCAL_ALLOW_LOOPBACK: '10.0.0.1:80' },
      /LOCAL_ALLOW_LOOPBACK .*expected host:port/,
    ],
    ['PROXY_BACKENDS', { PROXY_BACKENDS: 'local,docker' }, /PROXY_BACKENDS \(--backends\) = "local,docker"/],
    [
      'PROXY_BACKEND outside PROXY_BACKENDS',
      { PROXY_BACKENDS: 'local', PROXY_BACKEND: 'kars' },
      /PROXY_BACKEND = "kars": the default backend must be one of PROXY_BACKENDS \(local\)/,
    ],
    [
      'fixed identity beyond loopback',
      { PROXY_IDENTITY: 'fixed', PROXY_HOST: '0.0.0.0' },
      /PROXY_IDENTITY = "fixed": every caller would share one browser; it is only allowed with PROXY_HOST and PROXY_ADMIN_HOST on loopback/,
    ],
    [
      'header identity beyond loopback without a key file',
      { PROXY_HOST: '0.0.0.0' },
      /PROXY_IDENTITY_KEY_FILE = \(unset\): required with PROXY_IDENTITY=header when the proxy listens beyond loopback/,
    ],
  ])('a bad %s names the variable, the value and the allowed ones', (_name, env, pattern) => {
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(pattern);
  });

  it('serves several backends, the default first: PROXY_BACKENDS alone or with PROXY_BACKEND', () => {
    const env = { POD_NAMESPACE: 'ns', WARMPOOL_NAME: 'pool', KARS_SANDBOX_TEMPLATE: 't' };
    const kinds = (e: Record<string, string>): string[] =>
      loadConfig({ env: { ...env, ...e } }).backends.map((b) => b.kind);
    expect(kinds({ PROXY_BACKENDS: 'local,sandboxClaim' })).toEqual(['local', 'sandboxClaim']);
    expect(kinds({ PROXY_BACKENDS: 'local,sandboxClaim', PROXY_BACKEND: 'sandboxClaim' })).toEqual([
      'sandboxClaim',
      'local',
    ]);
    expect(kinds({ PROXY_BACKEND: 'sandboxClaim' })).toEqual(['sandboxClaim']);
  });

  it('a key file beyond loopback; the admin port can be opened separately', () => {
    const c = loadConfig({
      env: { PROXY_HOST: '0.0.0.0', PROXY_ADMIN_HOST: '0.0.0.0', PROXY_IDENTITY_KEY_FILE: '/secrets/key' },
    });
    expect(c.identity).toMatchObject({ mode: 'header', keyFile: '/secrets/key', createKey: false });
    expect(c.server).toMatchObject({ host: '0.0.0.0', adminHost: '0.0.0.0' });
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
