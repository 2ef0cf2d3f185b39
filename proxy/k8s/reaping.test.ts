import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/testing/kube/kubeFixture.ts';
import { type SandboxCluster, startSandboxCluster } from '../../lib/testing/kube/sandboxCluster.ts';
import { tenantHeaders, testKeyFile } from '../testing/tenantKey.ts';

const NS = 'pw-reap';
const ROOT = join(import.meta.dirname, '..', '..');
const TTL_MS = 2000;

interface Replica {
  name: string;
  child: ChildProcess;
  port: number;
  admin: number;
  log: string[];
}

let cluster: SandboxCluster;
const replicas: Replica[] = [];

/** /sandboxes names tenants only with an admin token. */
const ADMIN_TOKEN = `reaping-admin-${process.pid}-0123456789`;
const ADMIN_FILE = join(tmpdir(), `sentinel-reaping-admin-${process.pid}`);

async function startReplica(name: string, kubeconfig: string): Promise<Replica> {
  writeFileSync(ADMIN_FILE, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  const [port, admin] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'sentinel.js'), 'proxy'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      PROXY_BACKEND: 'sandboxClaim',
      PROXY_IDENTITY: 'header',
      PROXY_IDENTITY_KEY_FILE: testKeyFile(),
      PROXY_ADMIN_TOKEN_FILE: ADMIN_FILE,
      PROXY_HOST: '127.0.0.1',
      PROXY_PORT: String(port),
      PROXY_ADMIN_PORT: String(admin),
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: NS,
      POD_NAME: name,
      WARMPOOL_NAME: 'playwright',
      SANDBOX_PORT: String(cluster.sandboxPort),
      IDLE_TTL: `${TTL_MS}ms`,
      IDLE_CHECK_INTERVAL: '250ms',
      SANDBOX_TOUCH_INTERVAL: '200ms',
      LOG_LEVEL: 'info',
    },
  });
  const r: Replica = { name, child, port, admin, log: [] };
  child.stderr?.on('data', (d: Buffer) => r.log.push(d.toString()));
  replicas.push(r);
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const ok = await fetch(`http://127.0.0.1:${admin}/readyz`)
      .then((x) => x.ok)
      .catch(() => false);
    if (ok) return r;
    if (child.exitCode !== null) throw new Error(`replica ${name} exited: ${r.log.join('')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`replica ${name} not ready: ${r.log.join('')}`);
}

function get(r: Replica, tenant: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: r.port, path: '/', headers: tenantHeaders(tenant), agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function claimNames(): Promise<string[]> {
  const custom = cluster.admin.makeApiClient(CustomObjectsApi);
  const res = (await custom.listNamespacedCustomObject({
    group: 'extensions.agents.x-k8s.io',
    version: 'v1beta1',
    plural: 'sandboxclaims',
    namespace: NS,
  })) as { items: { metadata: { name: string } }[] };
  return res.items.map((c) => c.metadata.name);
}

beforeAll(async () => {
  cluster = await startSandboxCluster(16);
  await cluster.namespace(NS);
}, 1_200_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill('SIGKILL');
  rmSync(ADMIN_FILE, { force: true });
  await cluster?.stop();
});

describe('reaping with two proxy processes against one API server', () => {
  it('a replica that adopted a sandbox but sees no traffic does not reap what the other replica serves; idle sandboxes are reaped once', async () => {
    const kubeconfig = join(tmpdir(), `reap-kubeconfig-${process.pid}.yaml`);
    writeFileSync(kubeconfig, cluster.fx.kubeConfig({ namespace: NS }).exportConfig(), { mode: 0o600 });
    const a = await startReplica('proxy-a', kubeconfig);
    const first = await get(a, 'alpha');
    expect(first.status).toBe(200);
    const sandbox = cluster.claims.bound.get('pw-alpha') ?? 'missing';

    // Traffic through A only, from now until the idle phase: every reply must come from the same sandbox.
    const replies: string[] = [];
    let traffic = true;
    const loop = (async () => {
      while (traffic) {
        const r = await get(a, 'alpha');
        replies.push(`${r.status} ${r.body}`);
        await new Promise((res) => setTimeout(res, 150));
      }
    })();

    // Replica B starts (as in a rolling update or a canary of the proxy) and adopts pw-alpha, but gets no traffic.
    const b = await startReplica('proxy-b', kubeconfig);
    const sessions = (await (
      await fetch(`http://127.0.0.1:${b.admin}/sandboxes`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as unknown;
    expect(JSON.stringify(sessions)).toContain('alpha');
    // Three idle TTLs with B idle: B's reaper sees A's activity recorded on the claim and keeps it.
    await new Promise((res) => setTimeout(res, 3 * TTL_MS));
    traffic = false;
    await loop;
    expect(replies.length).toBeGreaterThan(10);
    expect(replies.filter((r) => !r.startsWith('200 ') || !r.includes(sandbox))).toEqual([]);
    expect(await claimNames()).toEqual(['pw-alpha']);
    expect(cluster.claims.bound.get('pw-alpha')).toBe(sandbox);

    // No traffic at all: one of the replicas reaps it after the TTL; nothing is left.
    const deadline = Date.now() + 6 * TTL_MS;
    // The claim goes first; its pod stops when the fixture's garbage collection catches up, so wait for both.
    while (((await claimNames()).length > 0 || cluster.pods.running > 0) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 200));
    expect(await claimNames()).toEqual([]);
    expect(cluster.pods.running).toBe(0);
    const reapLogs = [...a.log, ...b.log]
      .join('')
      .split('\n')
      .filter((l) => l.includes('sandbox deleted'));
    expect(reapLogs.length).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
