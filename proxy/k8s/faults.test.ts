import { createServer } from 'node:http';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../lib/testing/kube/faultProxy.ts';
import { type SandboxCluster, startSandboxCluster } from '../../lib/testing/kube/sandboxCluster.ts';
import { SandboxClaimBackend } from '../backends/sandboxClaim.ts';
import { SubstrateBackend } from '../backends/substrate.ts';
import { ControlServer, FakeRouter } from '../grpc/testing/controlServer.ts';
import { KubeApi } from './kubeApi.ts';

const NS = 'pw-faults';
const CYCLES = 100;

/** Seeded PRNG so a failing run can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let cluster: SandboxCluster;
let faults: FaultProxy;

beforeAll(async () => {
  cluster = await startSandboxCluster(17);
  await cluster.namespace(NS);
  faults = new FaultProxy({
    upstream: cluster.fx.server,
    rates: { error: 0.1, reset: 0.05, stall: 0.03 },
    stallMs: 2000,
  });
  await faults.start();
}, 1_200_000);
afterAll(async () => {
  await faults?.stop();
  await cluster?.stop();
});

async function countAll(): Promise<{ claims: number; sandboxes: number }> {
  const custom = cluster.admin.makeApiClient(CustomObjectsApi);
  const list = async (group: string, plural: string): Promise<number> =>
    (
      (await custom.listNamespacedCustomObject({ group, version: 'v1beta1', plural, namespace: NS })) as {
        items: unknown[];
      }
    ).items.length;
  return {
    claims: await list('extensions.agents.x-k8s.io', 'sandboxclaims'),
    sandboxes: await list('agents.x-k8s.io', 'sandboxes'),
  };
}

describe(`${CYCLES} create/delete cycles with injected faults leak nothing`, () => {
  it('sandboxClaim through a fault-injecting proxy (5xx, resets, stalls) with out-of-band deletes', async () => {
    const random = prng(7);
    const api = new KubeApi(
      cluster.fx.kubeConfig({ server: await Promise.resolve(`https://127.0.0.1:${faults.port}`) }),
      { requestTimeoutMs: 1000 },
    );
    const b = new SandboxClaimBackend({
      api,
      namespace: NS,
      labelKey: 'playwright-id',
      warmPool: 'playwright',
      port: cluster.sandboxPort,
      wsPath: '/',
      readyTimeoutMs: 8000,
      replica: 'r',
    });
    const custom = cluster.admin.makeApiClient(CustomObjectsApi);
    const oob = (name: string): Promise<unknown> =>
      custom
        .deleteNamespacedCustomObject({
          group: 'extensions.agents.x-k8s.io',
          version: 'v1beta1',
          plural: 'sandboxclaims',
          namespace: NS,
          name,
        })
        .catch(() => undefined);
    const outcomes: Record<string, number> = {};
    const t0 = performance.now();
    for (let i = 0; i < CYCLES; i++) {
      const id = `cycle-${i}`;
      if (random() < 0.15) setTimeout(() => void oob(`pw-${id}`), Math.floor(random() * 60));
      const r = await b.ensure(id, AbortSignal.timeout(15_000)).then(
        () => 'ready',
        (e: { reason?: string }) => e.reason ?? 'error',
      );
      outcomes[r] = (outcomes[r] ?? 0) + 1;
      if (random() < 0.1) await oob(`pw-${id}`);
      await b.delete(id, AbortSignal.timeout(30_000));
    }
    const ms = Math.round(performance.now() - t0);
    const until = Date.now() + 15_000;
    let left = await countAll();
    while ((left.claims > 0 || left.sandboxes > 0 || cluster.pods.running > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      left = await countAll();
    }
    console.log(
      `faults sandboxClaim: ${CYCLES} cycles in ${ms} ms; outcomes ${JSON.stringify(outcomes)}; injected ${JSON.stringify(faults.counts)}; left ${JSON.stringify(left)}, pods ${cluster.pods.running}`,
    );
    expect(left).toEqual({ claims: 0, sandboxes: 0 });
    expect(cluster.pods.running).toBe(0);
    expect(faults.counts.error + faults.counts.reset + faults.counts.stall).toBeGreaterThan(10);
    expect(outcomes['ready']).toBeGreaterThan(CYCLES / 2);
  }, 600_000);

  it('substrate with UNAVAILABLE / DEADLINE_EXCEEDED / ABORTED injected and out-of-band actor deletes', async () => {
    const random = prng(11);
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamAddr = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const control = new ControlServer({
      shape: 'actorId',
      templates: ['pw/playwright'],
      transitionMs: 5,
      upstreamFor: () => upstreamAddr,
    });
    await control.start();
    const router = new FakeRouter(control, 'actors.test');
    await router.start();
    const b = new SubstrateBackend({
      control: {
        address: `127.0.0.1:${control.port}`,
        shape: 'actorId',
        tls: { mode: 'insecure' },
        callTimeoutMs: 1000,
      },
      templateNamespace: 'pw',
      templateName: 'playwright',
      routerHost: '127.0.0.1',
      routerPort: router.port,
      hostSuffix: 'actors.test',
      forceBoot: false,
      readyTimeoutMs: 3000,
      pollMs: 10,
      wsPath: '/',
    });
    const methods = ['GetActor', 'CreateActor', 'ResumeActor', 'SuspendActor', 'DeleteActor'];
    const codes = [
      GrpcStatus.UNAVAILABLE,
      GrpcStatus.DEADLINE_EXCEEDED,
      GrpcStatus.ABORTED,
      GrpcStatus.INTERNAL,
    ];
    const outcomes: Record<string, number> = {};
    let injected = 0;
    for (let i = 0; i < CYCLES; i++) {
      const id = `cycle-${i}`;
      if (random() < 0.3) {
        control.faults.push({
          method: methods[Math.floor(random() * methods.length)] ?? 'GetActor',
          code: codes[Math.floor(random() * codes.length)] ?? 14,
          count: 1,
        });
        injected++;
      }
      const r = await b.ensure(id, AbortSignal.timeout(10_000)).then(
        () => 'ready',
        (e: { reason?: string }) => e.reason ?? 'error',
      );
      outcomes[r] = (outcomes[r] ?? 0) + 1;
      if (random() < 0.1) control.actors.delete(`pw-${id}`);
      // As the session manager does: a failed delete is retried on the next pass.
      for (let attempt = 0; attempt < 3; attempt++) {
        const ok = await b.delete(id, AbortSignal.timeout(10_000)).then(
          () => true,
          () => false,
        );
        if (ok) break;
      }
    }
    console.log(
      `faults substrate: ${CYCLES} cycles; outcomes ${JSON.stringify(outcomes)}; faults injected ${injected}; actors left ${control.actors.size}`,
    );
    expect(control.actors.size).toBe(0);
    expect(outcomes['ready']).toBeGreaterThan(CYCLES / 2);
    await b.close();
    await control.stop();
    await router.stop();
    upstream.close();
  }, 300_000);
});
