import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import { loadConfig } from '../config.ts';
import { createBackend } from '../backends/registry.ts';
import { silentLogger } from '../../lib/log.ts';

describe('cluster backend configuration', () => {
  it.each([
    {
      name: 'sandboxClaim needs POD_NAMESPACE and WARMPOOL_NAME',
      env: { PROXY_BACKEND: 'sandboxClaim' },
      problems: ['POD_NAMESPACE', 'WARMPOOL_NAME'],
    },
    {
      name: 'kars needs the sandbox image',
      env: { PROXY_BACKEND: 'kars', POD_NAMESPACE: 'pw' },
      problems: ['KARS_SANDBOX_IMAGE'],
    },
    {
      name: 'substrate needs its ActorTemplate',
      env: { PROXY_BACKEND: 'substrate' },
      problems: ['SUBSTRATE_TEMPLATE_NAMESPACE', 'SUBSTRATE_TEMPLATE_NAME'],
    },
    {
      name: 'a bad wire shape lists the allowed ones',
      env: {
        PROXY_BACKEND: 'substrate',
        SUBSTRATE_TEMPLATE_NAMESPACE: 'a',
        SUBSTRATE_TEMPLATE_NAME: 'b',
        SUBSTRATE_API_SHAPE: 'v3',
      },
      problems: ['SUBSTRATE_API_SHAPE = "v3"', 'actorId, actorRef'],
    },
  ])('$name', ({ env, problems }) => {
    const err = (() => {
      try {
        loadConfig({ env });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    for (const p of problems) expect((err as Error).message).toContain(p);
  });

  it.each([
    {
      env: {
        PROXY_BACKEND: 'sandboxClaim',
        POD_NAMESPACE: 'pw',
        WARMPOOL_NAME: 'playwright',
        POD_NAME: 'proxy-0',
      },
      backend: {
        kind: 'sandboxClaim',
        namespace: 'pw',
        warmPool: 'playwright',
        labelKey: 'playwright-id',
        port: 9222,
        wsPath: '/',
        replica: 'proxy-0',
        readyTimeoutMs: 55_000,
      },
    },
    {
      env: { PROXY_BACKEND: 'openShell', POD_NAMESPACE: 'pw' },
      backend: { kind: 'openShell', warmPool: 'playwright-openshell' },
    },
    {
      env: {
        PROXY_BACKEND: 'substrate',
        SUBSTRATE_TEMPLATE_NAMESPACE: 'pw',
        SUBSTRATE_TEMPLATE_NAME: 'playwright',
        SUBSTRATE_FORCE_BOOT: 'true',
      },
      backend: {
        kind: 'substrate',
        apiEndpoint: 'api.ate-system.svc.cluster.local:443',
        apiShape: 'actorId',
        tls: 'tls-skip-verify',
        routerPort: 80,
        forceBoot: true,
      },
    },
  ])('reads $backend.kind with the reference defaults', ({ env, backend }) => {
    expect(loadConfig({ env }).backends[0]).toMatchObject(backend);
  });

  it('the registry builds every cluster backend (substrate without a cluster; k8s ones from a kubeconfig)', async () => {
    const cfg = loadConfig({
      env: {
        PROXY_BACKEND: 'substrate',
        SUBSTRATE_TEMPLATE_NAMESPACE: 'pw',
        SUBSTRATE_TEMPLATE_NAME: 'p',
        SUBSTRATE_TLS: 'insecure',
      },
    });
    const b = await createBackend(cfg.backends[0] as (typeof cfg.backends)[number], { log: silentLogger });
    expect(b.kind).toBe('substrate');
    await b.close();
  });
});
