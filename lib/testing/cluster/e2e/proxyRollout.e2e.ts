/**
 * The sandbox proxy shipped as its own canary, on the one-machine cluster: deploy/proxy's Deployment (the pod template)
 * under deploy/install's Rollout (`workloadRef`), its canary and stable Services, and its AnalysisTemplate
 * (`playwright-proxy-health`: a browser session through each proxy) grown by two `kind: canary` metrics: the shop's
 * checkout journey through the canary proxy and through the stable proxy, on every backend the proxy serves, with the
 * judge on the proxy pods' own logs (canary ReplicaSet vs stable ReplicaSet, through `pods/log`).
 *
 * A canary whose backend is deliberately broken (its Chromium is `/bin/false`: the proxy starts and is Ready, every
 * browser launch fails) is aborted; a healthy canary is promoted. `npm run test:e2e`.
 *
 * Test-only changes to the manifests: the image (`sentinel.test/sentinel`, the simulated node's process table), the
 * `local` backend instead of `sandboxClaim` (no agent-sandbox controller here; `local` is then the one backend the
 * proxy serves), `fixed` identity (pod addresses are loopback), interval 3 s instead of 30 s, count 2, and the
 * Services' loopback addresses instead of cluster DNS.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPluginBundle, startCluster, type Cluster } from '../cluster.ts';
import { Argo, serviceAddress as waitForService, yamlDocs } from './helpers.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const NS = 'rollout-sentinel';
const SITE_NS = 'site';
const INTERVAL = '3s';
/** Generous: each measurement starts Chromium through a proxy pod on a loaded, shared 2-core machine. */
const ROLLOUT_TIMEOUT_MS = 240_000;

const manifest = (file: string): Promise<J[]> => yamlDocs(join(REPO, file));

let cluster: Cluster;
let work: string | undefined;
let argo: Argo;
let apps: AppsV1Api;

const serviceAddress = (ns: string, name: string): Promise<string> => waitForService(cluster.node, ns, name);

/** The proxy's container, as deploy/proxy has it but on the local backend (`env` extra: the canary's change). */
async function proxyDeployment(extraEnv: J[] = []): Promise<J> {
  const [d] = await manifest('deploy/proxy/deployment.yaml');
  const c = d!.spec.template.spec.containers[0] as J;
  c.image = 'sentinel.test/sentinel:dev';
  c.env = [
    { name: 'PROXY_BACKEND', value: 'local' },
    { name: 'PROXY_IDENTITY', value: 'fixed' },
    { name: 'PROXY_FIXED_ID', value: 'rollout-sentinel-analysis' },
    // The sandboxes may reach the site's Service (port 80 on its loopback address) and nothing else local.
    { name: 'LOCAL_ALLOW_LOOPBACK', value: '127.0.0.1:80' },
    { name: 'PROXY_SHUTDOWN_SANDBOXES', value: 'delete' },
    ...extraEnv,
  ];
  c.readinessProbe.periodSeconds = 1;
  delete c.livenessProbe;
  return d!;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'proxy-e2e-'));
  cluster = await startCluster({ pluginPath: await buildPluginBundle() });
  argo = new Argo(cluster.kc, NS);
  apps = cluster.kc.makeApiClient(AppsV1Api);
  const core = cluster.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespace({ body: { metadata: { name: SITE_NS } } });

  // The site the journeys open: the demo shop v1 (a plain ReplicaSet and a Service).
  const site = { 'app.kubernetes.io/name': 'site' };
  await apps.createNamespacedReplicaSet({
    namespace: SITE_NS,
    body: {
      metadata: { name: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: site },
        template: {
          metadata: { labels: site },
          spec: {
            containers: [
              {
                name: 'shop',
                image: 'sentinel.test/shop:v1',
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace: SITE_NS,
    body: {
      metadata: { name: 'shop' },
      spec: { selector: site, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  });
  const shopUrl = `http://${await serviceAddress(SITE_NS, 'shop')}`;

  for (const svc of await manifest('deploy/install/proxy-services.yaml'))
    await core.createNamespacedService({ namespace: NS, body: svc as never });
  const canaryProxy = await serviceAddress(NS, 'playwright-proxy-canary');
  const stableProxy = await serviceAddress(NS, 'playwright-proxy-stable');

  const [template] = await manifest('deploy/install/proxy-analysistemplate.yaml');
  template!.spec.args.push({ name: 'canary-hash' }, { name: 'stable-hash' });
  for (const m of template!.spec.metrics as J[])
    Object.assign(m, { interval: INTERVAL, count: 2, failureLimit: 0 });
  const journeys = await readFile(join(REPO, 'deploy/examples/shop/journeys.yaml'), 'utf8');
  const journeysThrough = (name: string, proxy: string): J => ({
    name,
    interval: INTERVAL,
    count: 2,
    failureLimit: 0,
    consecutiveErrorLimit: 2,
    // A rollback (a journey regression through this proxy, or new errors in the canary proxy's logs) fails the metric;
    // an inconclusive one (a proxy logs a few lines per session: often under the judge's 100-record minimum) does not
    // block: the browser-session metrics gate on the proxy answering at all.
    inconclusiveLimit: 2,
    successCondition: 'result.verdict == "promote"',
    failureCondition: 'result.verdict == "rollback"',
    provider: {
      plugin: {
        'rollout-sentinel/canary': {
          kind: 'canary',
          rollout: 'playwright-proxy',
          namespace: NS,
          // The judge compares the proxy pods' logs: canary ReplicaSet vs stable ReplicaSet.
          canary: { podTemplateHash: '{{args.canary-hash}}', url: shopUrl },
          stable: { podTemplateHash: '{{args.stable-hash}}', url: shopUrl },
          journeys: {
            inline: journeys,
            proxy: `ws://${proxy}`,
            backends: ['local'],
            repeat: 3,
            timeout: '90s',
          },
          resumeAfter: '1s',
        },
      },
    },
  });
  template!.spec.metrics.push(
    journeysThrough('journeys-through-canary-proxy', canaryProxy),
    journeysThrough('journeys-through-stable-proxy', stableProxy),
  );
  await argo.create('analysistemplates', template!);

  await apps.createNamespacedDeployment({ namespace: NS, body: (await proxyDeployment()) as never });
  const [rollout] = await manifest('deploy/install/proxy-rollout.yaml');
  const step = (rollout!.spec.strategy.canary.steps as J[]).find((s) => s.analysis)!;
  step.analysis.args = [
    { name: 'canary-url', value: `http://${canaryProxy}` },
    { name: 'stable-url', value: `http://${stableProxy}` },
    { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
  ];
  await argo.create('rollouts', rollout!);
  await argo.rolloutUntil(
    'playwright-proxy',
    'the first proxy revision to be Healthy',
    (r) => r.status?.phase === 'Healthy',
    { timeoutMs: ROLLOUT_TIMEOUT_MS },
  );
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const describeRollout = (): Promise<string> => argo.describeRollout('playwright-proxy');

/** The proxy's new revision: the Deployment's pod template changes, Argo (workloadRef) rolls it out as a canary. */
async function ship(extraEnv: J[]): Promise<Set<string>> {
  const before = await argo.runNames();
  const d = await proxyDeployment(extraEnv);
  await apps.replaceNamespacedDeployment({
    namespace: NS,
    name: 'playwright-proxy',
    body: {
      ...d,
      metadata: {
        ...d.metadata,
        resourceVersion: (await apps.readNamespacedDeployment({ namespace: NS, name: 'playwright-proxy' }))
          .metadata?.resourceVersion,
      },
    } as never,
  });
  return before;
}

async function stableEnv(): Promise<J[]> {
  return ((await argo.stableTemplate('playwright-proxy'))?.spec?.containers[0]?.env ?? []) as J[];
}

const metric = (run: J, name: string): J => (run.status.metricResults as J[]).find((m) => m.name === name)!;

describe('the sandbox proxy as an Argo Rollout gated by its own AnalysisTemplate', () => {
  it(
    'a canary proxy whose backend is broken: the AnalysisRun fails and the Rollout aborts',
    async () => {
      const before = await ship([{ name: 'CHROMIUM_PATH', value: '/bin/false' }]);
      const aborted = await argo.aborted('playwright-proxy', { timeoutMs: ROLLOUT_TIMEOUT_MS });
      expect(aborted.status.message).toMatch(/RolloutAborted|aborted/i);
      expect((await stableEnv()).some((e) => e.name === 'CHROMIUM_PATH')).toBe(false);
      const run = (await argo.newRun(before))!;
      expect(run.status.phase, await describeRollout()).toBe('Failed');
      // A browser session through the canary proxy fails; through the stable proxy it works.
      expect(metric(run, 'canary-browser').phase).toBe('Failed');
      // (The value holds the probe's JSON result, clipped: read its status, not the whole body.)
      const value = String(metric(run, 'canary-browser').measurements[0].value);
      expect(value).toMatch(/"status":\s*\d{3}/);
      expect(value).not.toMatch(/"status":\s*200\b/);
      expect(metric(run, 'stable-browser').phase).not.toMatch(/Failed|Error/);
    },
    ROLLOUT_TIMEOUT_MS + 60_000,
  );

  it(
    'a healthy canary proxy: journeys pass through both proxies, no rollback verdict, promoted',
    async () => {
      const before = await ship([{ name: 'PROXY_LOG_LEVEL', value: 'info' }]);
      await argo.rolloutUntil(
        'playwright-proxy',
        'the healthy proxy canary to be promoted',
        async (r) =>
          r.status?.phase === 'Healthy' &&
          (await stableEnv()).some((e) => e.name === 'PROXY_LOG_LEVEL') &&
          (await argo.newRun(before)) !== undefined,
        { timeoutMs: ROLLOUT_TIMEOUT_MS },
      );
      const run = (await argo.newRun(before))!;
      expect(run.status.phase, await describeRollout()).toBe('Successful');
      for (const name of ['journeys-through-canary-proxy', 'journeys-through-stable-proxy']) {
        const m = metric(run, name);
        expect(m.phase, JSON.stringify(m)).toBe('Successful');
        const last = m.measurements.at(-1) as J;
        process.stdout.write(
          `[proxy e2e] ${name}: ${(m.measurements as J[]).map((x) => x.message).join(' | ')}\n`,
        );
        expect(JSON.parse(last.value).verdict).not.toBe('rollback');
        expect(last.metadata.journeys).toMatch(/checkout \[local\] stable 100% canary 100%/);
        // The judge read the proxy pods' own logs on both sides.
        expect(last.metadata.evidence).toMatch(
          /pods stable [12] \/ canary [12]; lines stable [1-9]\d* \/ canary [1-9]/,
        );
      }
    },
    ROLLOUT_TIMEOUT_MS + 60_000,
  );
});
