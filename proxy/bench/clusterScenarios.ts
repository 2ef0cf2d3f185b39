/**
 * @module proxy/bench/clusterScenarios — cold / warm / restore for the cluster backends (sandboxClaim, openShell, kars
 * against a real kube-apiserver with the controllers' part played instantly by the test fixture; substrate against an
 * in-process Control API + router), side by side with the local backend in one run. Sandbox "pods" are real
 * Playwright browser servers (`launchServer` on their own 127.x address), kept warm like a SandboxWarmPool.
 */
import { componentLogger, type Logger } from '../../lib/log.ts';
import { BrowserPods } from '../../lib/testing/kube/browserPods.ts';
import { freePort } from '../../lib/testing/kube/kubeFixture.ts';
import { type SandboxCluster, startSandboxCluster } from '../../lib/testing/kube/sandboxCluster.ts';
import { startProxy, type RunningProxy } from '../app.ts';
import { KarsBackend } from '../backends/kars.ts';
import { LocalBackend } from '../backends/local.ts';
import { OpenShellBackend } from '../backends/openShell.ts';
import { SandboxClaimBackend } from '../backends/sandboxClaim.ts';
import { SubstrateBackend } from '../backends/substrate.ts';
import { type SandboxBackend } from '../backends/types.ts';
import { LOCAL_DEFAULTS } from '../config.ts';
import { ControlServer, FakeRouter } from '../grpc/testing/controlServer.ts';
import { KubeApi } from '../k8s/kubeApi.ts';
import { attempt, through } from './client.ts';
import { benchProxyConfig, loopbackEntry } from './proxyConfig.ts';
import { quantile, summarise, type BenchRow, type Sample } from './stats.ts';

const NS = 'bench';
const SUFFIX = 'actors.bench';

export interface ClusterScenarioOptions {
  iterations: number;
  pageUrl: string;
  timeoutMs: number;
  chromiumPath: string | undefined;
  log: Logger;
}

interface Target {
  name: string;
  make: () => SandboxBackend;
  proxy: RunningProxy;
  backend: SandboxBackend;
  /** Wipes the tenant's sandbox behind the proxy's back (restore's first step). */
  wipe(id: string): Promise<void>;
}

/** Extra figures the cluster bench reports besides the rows. */
export interface ClusterResults {
  rows: BenchRow[];
  /** Median ms of `ensure()` for a new tenant (create → ready via watch), per backend: the proxy's side of a cold bind. */
  coldEnsureMs: Record<string, number>;
  /** kube-apiserver start (ms) in this run, for the record. */
  apiserverStartMs: number;
}

async function target(
  name: string,
  make: () => SandboxBackend,
  wipe: Target['wipe'],
  log: Logger,
): Promise<Target> {
  const backend = make();
  const proxy = await startProxy(
    benchProxyConfig({ wsCompression: 'off', shutdownSandboxes: 'keep', drainTimeoutMs: 500 }),
    { log, backend, defaultMetrics: false },
  );
  return { name, make, proxy, backend, wipe };
}

async function warm(targets: Target[], o: ClusterScenarioOptions): Promise<BenchRow[]> {
  for (const t of targets) await through(t.proxy, 'warm', o);
  const samples = new Map(targets.map((t) => [t.name, [] as Sample[]]));
  const failures = new Map(targets.map((t) => [t.name, 0]));
  for (let i = 0; i < o.iterations * 3; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(i + k) % targets.length] as Target;
      failures.set(
        t.name,
        (failures.get(t.name) ?? 0) +
          (await attempt(samples.get(t.name) as Sample[], () => through(t.proxy, 'warm', o), o.log)),
      );
    }
  }
  return targets.map((t) => summarise(t.name, 'warm', samples.get(t.name) ?? [], failures.get(t.name) ?? 0));
}

async function cold(
  t: Target,
  o: ClusterScenarioOptions,
  pods: BrowserPods,
): Promise<{ row: BenchRow; ensureMs: number }> {
  const samples: Sample[] = [];
  const ensures: number[] = [];
  let failures = 0;
  for (let i = 0; i < o.iterations; i++) {
    await pods.settled();
    failures += await attempt(samples, () => through(t.proxy, `cold-${i}`, o), o.log);
    await t.proxy.sessions.remove(`cold-${i}`);
    // The proxy's side alone: ensure() of a new tenant, without the Playwright handshake.
    await pods.settled();
    const t0 = performance.now();
    await t.backend.ensure(`ensure-${i}`, AbortSignal.timeout(30_000));
    ensures.push(performance.now() - t0);
    await t.backend.delete(`ensure-${i}`);
  }
  return { row: summarise(t.name, 'cold', samples, failures), ensureMs: quantile(ensures, 0.5) ?? NaN };
}

/** restore: the sandbox is wiped (claims) or suspended (substrate), a fresh proxy starts and the tenant reconnects. */
async function restore(t: Target, o: ClusterScenarioOptions, pods: BrowserPods): Promise<BenchRow> {
  const samples: Sample[] = [];
  let failures = 0;
  for (let i = 0; i < o.iterations; i++) {
    await t.wipe('warm');
    await pods.settled();
    const fresh = await target(t.name, t.make, t.wipe, o.log);
    failures += await attempt(samples, () => through(fresh.proxy, 'warm', o), o.log);
    await fresh.proxy.close();
  }
  return summarise(t.name, 'restore', samples, failures);
}

function claimOptions(
  cluster: SandboxCluster,
  log: Logger,
): ConstructorParameters<typeof SandboxClaimBackend>[0] {
  return {
    api: new KubeApi(cluster.admin),
    namespace: NS,
    labelKey: 'playwright-id',
    warmPool: 'playwright',
    port: cluster.sandboxPort,
    wsPath: '/',
    readyTimeoutMs: 30_000,
    replica: 'bench',
    log,
  };
}

/** Every cluster row, with the local backend's in the same run. Starts and stops everything it uses. */
export async function runClusterScenarios(opts: ClusterScenarioOptions): Promise<ClusterResults> {
  const log = componentLogger(opts.log, 'proxy.bench');
  const o = { ...opts, log };
  const port = await freePort();
  const pods = new BrowserPods({
    port,
    block: 21,
    wsPath: '/',
    ...(opts.chromiumPath ? { chromiumPath: opts.chromiumPath } : {}),
  });
  await pods.fill(2);
  const cluster = await startSandboxCluster(21, { pods: pods.runner(), sandboxPort: port });
  await cluster.namespace(NS);
  await cluster.namespace(NS, 'playwright-openshell');
  const control = new ControlServer({
    shape: 'actorRef',
    templates: ['pw/playwright'],
    atespaces: ['bench'],
    transitionMs: 0,
    upstreamFor: () => undefined,
  });
  await control.start();
  const router = new FakeRouter(control, SUFFIX);
  await router.start();
  const actorPods = pods.runner();
  const targets: Target[] = [];
  try {
    // A proxy closes its backend, so every local proxy gets its own LocalBackend (restore = a fresh one, i.e. cold).
    const newLocal = (): SandboxBackend =>
      new LocalBackend(
        {
          ...LOCAL_DEFAULTS,
          allowLoopback: loopbackEntry(opts.pageUrl),
          ...(opts.chromiumPath ? { chromiumPath: opts.chromiumPath } : {}),
        },
        { log },
      );
    targets.push(await target('local', newLocal, async () => undefined, log));
    const claimOpts = claimOptions(cluster, log);
    const sc = (): SandboxBackend => new SandboxClaimBackend(claimOpts);
    targets.push(await target('sandboxClaim', sc, (id) => sc().delete(id), log));
    const os = (): SandboxBackend => new OpenShellBackend({ ...claimOpts, warmPool: 'playwright-openshell' });
    targets.push(await target('openShell', os, (id) => os().delete(id), log));
    const kars = (): SandboxBackend =>
      new KarsBackend({
        ...claimOpts,
        image: 'bench',
        endpoint: 'podIp',
        clusterDomain: 'cluster.local',
        chromiumArgs: '',
      });
    targets.push(await target('kars', kars, (id) => kars().delete(id), log));
    // substrate: a RUNNING actor's traffic goes to a browser pod taken when it resumes; suspend keeps the pod (snapshot).
    control.upstreamForActor = async (name: string) => `${await actorPods.start(name)}:${port}`;
    control.onActorDeleted = (name: string) => actorPods.stop(name);
    const sub = (): SandboxBackend =>
      new SubstrateBackend({
        control: {
          address: `127.0.0.1:${control.port}`,
          shape: 'actorRef',
          atespace: 'bench',
          tls: { mode: 'insecure' },
        },
        templateNamespace: 'pw',
        templateName: 'playwright',
        routerHost: '127.0.0.1',
        routerPort: router.port,
        hostSuffix: SUFFIX,
        forceBoot: false,
        readyTimeoutMs: 30_000,
        pollMs: 5,
        wsPath: '/',
        log,
      });
    const suspend = async (id: string): Promise<void> => {
      const a = control.actors.get(`pw-${id}`);
      if (a) a.status = 'STATUS_SUSPENDED';
    };
    targets.push(await target('substrate', sub, suspend, log));

    const rows = await warm(targets, o);
    const coldEnsureMs: Record<string, number> = {};
    const out: BenchRow[] = [];
    for (const t of targets) {
      log.info({ target: t.name }, 'cold and restore');
      const c = await cold(t, o, pods);
      coldEnsureMs[t.name] = c.ensureMs;
      out.push(c.row, rows.find((r) => r.backend === t.name) as BenchRow, await restore(t, o, pods));
    }
    return { rows: out, coldEnsureMs, apiserverStartMs: cluster.fx.lastStartMs };
  } finally {
    await Promise.allSettled(targets.map((t) => t.proxy.close()));
    await control.stop();
    await router.stop();
    await cluster.stop();
    await pods.close();
  }
}

/** Target lines: warm through each cluster backend vs local (≤ 1.10), and the proxy's side of a cold bind (< 300 ms). */
export function clusterLines(c: ClusterResults): string[] {
  const warm = (b: string): number | null | undefined =>
    c.rows.find((r) => r.backend === b && r.scenario === 'warm')?.total_ms;
  const local = warm('local');
  const lines: string[] = [
    `- kube-apiserver (built from k8s.io/kubernetes v1.36.3) started in ${c.apiserverStartMs} ms`,
  ];
  for (const b of ['sandboxClaim', 'openShell', 'kars', 'substrate']) {
    const w = warm(b);
    if (local && w) {
      const ratio = w / local;
      lines.push(
        `- warm total, ${b} / local: ${ratio.toFixed(2)} (target ≤ 1.10: ${ratio <= 1.1 ? 'met' : 'NOT met'})`,
      );
    }
    const e = c.coldEnsureMs[b];
    if (e !== undefined) {
      const claim = b !== 'substrate';
      lines.push(
        `- cold ensure() of a new tenant, ${b}: ${Math.round(e)} ms median${claim ? ` (target < 300 ms: ${e < 300 ? 'met' : 'NOT met'})` : ''}`,
      );
    }
  }
  return lines;
}
