/**
 * @module demo/e2e/shopScenario — the demo shop as an Argo Rollout on the one-machine cluster (lib/testing/cluster),
 * built from deploy/examples/shop (its Rollout, Services, journeys ConfigMap and `kind: canary` AnalysisTemplate): the
 * real Argo controller running the plugin, journeys through a real `sentinel proxy` (local backend, one Chromium)
 * against the canary and stable Services, the judge on both ReplicaSets' logs through the API server's `pods/log`,
 * issues in a local outbox. Shared by the end-to-end test (shopRollout.e2e.ts) and the timing bench (abortBench.ts).
 *
 * Deliberate differences from deploy/examples/shop, each for the test: 2 replicas (CPU), image `sentinel.test/shop:vN`
 * (the simulated node's process table), a pause step before the analysis (shoppers' logs for the judge), the
 * AnalysisTemplate's count and interval when given, the Services' and the proxy's loopback addresses, and an outbox
 * instead of GitHub.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { buildPluginBundle, startCluster, type Cluster } from '../../lib/testing/cluster/cluster.ts';
import { Argo, serviceAddress, yamlDocs } from '../../lib/testing/cluster/e2e/helpers.ts';
import { startProxyProcess, type ProxyProcess } from '../../lib/proxyProcess.ts';
import { driveTraffic } from '../traffic.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(REPO, 'deploy/examples/shop');
export const SHOP_NAMESPACE = 'shop';

export interface ShopScenarioOptions {
  /** The AnalysisTemplate's measurement interval (the example's: 30s). */
  interval?: string;
  /** The AnalysisTemplate's measurement count (the example's: 3). */
  count?: number;
  /** Shoppers on the canary before the analysis starts (a pause step added to the example's steps). */
  canaryWarmup: string;
  /** How long to wait for v1 to become Healthy. */
  timeoutMs: number;
}

/** An issue in the outbox: its file, state and title line. */
export interface OutboxIssue {
  file: string;
  state: string;
  title: string;
}

export interface ShopScenario {
  cluster: Cluster;
  argo: Argo;
  outbox: string;
  proxy: ProxyProcess;
  /** Aborted by `close`: stops every shopper. */
  stopAll: AbortController;
  outboxIssues(): Promise<OutboxIssue[]>;
  /** The Rollout's phase. */
  phase(): Promise<string | undefined>;
  /** The Rollout's state, its runs, the outbox and the pods, for timeout messages. */
  describeRollout(): Promise<string>;
  /** The image of the stable ReplicaSet (what the stable Service serves). */
  stableImage(): Promise<string | undefined>;
  /** Shoppers on both Services until `signal` aborts: the logs the judge compares. */
  shoppers(signal: AbortSignal): Promise<void>;
  /** Sets the shop's image (a merge patch replaces the containers list: the whole container is given). */
  ship(version: string): Promise<void>;
  close(): Promise<void>;
}

/** The outbox's issues: number, state, title line. */
async function readOutbox(dir: string): Promise<OutboxIssue[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^issue-\d+\.md$/.test(n));
  return Promise.all(
    names.sort().map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8');
      const header = JSON.parse(/^<!-- rollout-sentinel:outbox (.*) -->/.exec(text)?.[1] ?? '{}') as J;
      return { file, state: String(header.state), title: text.split('\n')[1] ?? '' };
    }),
  );
}

/** Starts the cluster, the proxy and the shop at v1 (Healthy). */
export async function startShopScenario(opts: ShopScenarioOptions): Promise<ShopScenario> {
  const NS = SHOP_NAMESPACE;
  const work = await mkdtemp(join(tmpdir(), 'shop-e2e-'));
  const outbox = join(work, 'outbox');
  const stopAll = new AbortController();
  let cluster: Cluster | undefined;
  let proxy: ProxyProcess | undefined;
  const close = async () => {
    stopAll.abort();
    await proxy?.stop();
    await cluster?.close();
    await rm(work, { recursive: true, force: true });
  };
  try {
    cluster = await startCluster({ pluginPath: await buildPluginBundle() });
    const c = cluster;
    const argo = new Argo(c.kc, NS);
    const core = c.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    for (const svc of await yamlDocs(join(EXAMPLE, 'services.yaml')))
      await core.createNamespacedService({ namespace: NS, body: svc as never });
    const journeys = await readFile(join(EXAMPLE, 'journeys.yaml'), 'utf8');
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'shop-journeys' }, data: { 'journeys.yaml': journeys } },
    });
    const canaryAddr = await serviceAddress(c.node, NS, 'shop-canary');
    const stableAddr = await serviceAddress(c.node, NS, 'shop-stable');
    // Every Service port is 80 on its own 127.x.y.z address: allow-listing loopback port 80 lets the sandboxed
    // Chromium reach both Services and nothing else local.
    await mkdir(join(work, 'sandboxes'));
    // Signed tenant tokens (the proxy's default identity): the plugin reads the token by reference, as from a Secret.
    proxy = await startProxyProcess({
      signal: stopAll.signal,
      sandboxDir: join(work, 'sandboxes'),
      allowLoopback: ['127.0.0.1:80'],
      shutdownSandboxes: 'delete',
    });

    const [template] = await yamlDocs(join(EXAMPLE, 'analysistemplate.yaml'));
    const metric = template!.spec.metrics[0] as J;
    const block = metric.provider.plugin['rollout-sentinel/canary'] as J;
    if (opts.interval) metric.interval = opts.interval;
    if (opts.count) metric.count = opts.count;
    Object.assign(block, {
      canary: { ...block.canary, url: `http://${canaryAddr}` },
      stable: { ...block.stable, url: `http://${stableAddr}` },
      journeys: {
        ...block.journeys,
        proxy: proxy.dataUrl,
        proxyToken: { file: proxy.tokenFile },
        timeout: '2m',
      },
      report: { outbox: { dir: outbox }, stateDir: join(work, 'state') },
      artifactsDir: join(work, 'artifacts'),
      resumeAfter: '1s',
    });
    await argo.create('analysistemplates', template!);

    const [rollout] = await yamlDocs(join(EXAMPLE, 'rollout.yaml'));
    rollout!.spec.replicas = 2;
    // A pause before the analysis, so the canary has served the shoppers for a while: the judge needs at least 100 log
    // records a side to compare rates, and the example's analysis starts as soon as the canary is Ready.
    const steps = rollout!.spec.strategy.canary.steps as J[];
    steps.splice(1, 0, { pause: { duration: opts.canaryWarmup } });
    const container = rollout!.spec.template.spec.containers[0] as J;
    container.image = 'sentinel.test/shop:v1';
    container.readinessProbe.periodSeconds = 1;
    await argo.create('rollouts', rollout!);

    const scenario: ShopScenario = {
      cluster: c,
      argo,
      outbox,
      proxy,
      stopAll,
      outboxIssues: () => readOutbox(outbox),
      phase: async () => (await argo.get('rollouts', 'shop')).status?.phase as string | undefined,
      async describeRollout() {
        const pods = (await core.listNamespacedPod({ namespace: NS })).items.map((p) => ({
          name: p.metadata?.name,
          phase: p.status?.phase,
          ready: p.status?.conditions?.find((x) => x.type === 'Ready')?.status,
          waiting: p.status?.containerStatuses?.[0]?.state?.waiting?.message,
          log: c.node.logs(NS, p.metadata?.name ?? '', 'shop').slice(-3),
        }));
        const state = JSON.parse(await argo.describeRollout('shop')) as J;
        return JSON.stringify({ ...state, issues: await readOutbox(outbox), pods });
      },
      stableImage: async () => (await argo.stableTemplate('shop'))?.spec?.containers[0]?.image,
      shoppers(signal) {
        const side = async (name: string, seed: number) => {
          const base = `http://${c.node.serviceAddress(NS, name)}`;
          while (!signal.aborted) {
            await driveTraffic(base, { sessions: 20, concurrency: 2, seed: seed++, signal }).catch(
              () => undefined,
            );
          }
        };
        return Promise.all([side('shop-stable', 1), side('shop-canary', 1)]).then(() => undefined);
      },
      async ship(version) {
        const r = await argo.get('rollouts', 'shop');
        const next = { ...(r.spec.template.spec.containers[0] as J), image: `sentinel.test/shop:${version}` };
        await argo.patch('rollouts', 'shop', { spec: { template: { spec: { containers: [next] } } } });
      },
      close,
    };
    await argo.rolloutUntil('shop', 'shop v1 to be Healthy', (r) => r.status?.phase === 'Healthy', {
      timeoutMs: opts.timeoutMs,
      describe: () => scenario.describeRollout(),
    });
    return scenario;
  } catch (err) {
    await close();
    throw err;
  }
}
