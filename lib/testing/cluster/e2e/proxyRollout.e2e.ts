/**
 * The sandbox proxy shipped as its own canary, on the one-machine cluster: deploy/proxy's Deployment (the pod template)
 * under deploy/install's Rollout (`workloadRef`), its canary and stable Services, its AnalysisTemplate
 * (`playwright-proxy-health`) and journeys ConfigMap (`playwright-proxy-journeys`) — the files users install, loaded
 * as shipped: a browser session through each proxy (`kind: httpProbe`), and the ConfigMap's journeys through the canary
 * proxy and through the stable proxy on every backend the proxy serves, with the judge on the proxy pods' own logs
 * (canary ReplicaSet vs stable ReplicaSet, through `pods/log`) (`kind: canary`). Both authenticate with the bearer token
 * of the `playwright-proxy-tokens` Secret, by reference (an Argo secret argument; the plugin's `proxyToken`).
 *
 * A canary whose backend is deliberately broken (its Chromium is `/bin/false`: the proxy starts and is Ready, every
 * browser launch fails) is aborted; a healthy canary is promoted. `npm run test:e2e`.
 *
 * Test-only overrides (what this environment forces; everything else is the shipped manifests):
 * - the image (`sentinel.test/sentinel`, the simulated node's process table);
 * - the `local` backend instead of `sandboxClaim`, in the proxy's env and the journeys' `backends` (no agent-sandbox
 *   controller runs here; `local` is then the one backend the proxy serves), with the site's loopback address allowed;
 * - identity `token` instead of `podLabel` (+ token file): pod addresses are loopback, so no pod informer; the plugin
 *   is a token caller in both modes, and the token file is a file the test writes (no Secret volumes here) holding the
 *   token of the `playwright-proxy-tokens` Secret the template references;
 * - every metric's interval 3 s and count 2 instead of 30 s / 1 m and 5 / 3 (time), and the journey metrics'
 *   inconclusiveLimit with the count (shipped equal to it; Argo refuses count < inconclusiveLimit);
 * - the Services' and the site's loopback addresses instead of cluster DNS (the URL arguments); the site is the demo
 *   shop v1 (`site-url`);
 * - the readiness probe every 1 s and no liveness probe (the simulated kubelet).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
const COUNT = 2;
/** Generous: each measurement starts Chromium through a proxy pod on a loaded, shared 2-core machine. */
const ROLLOUT_TIMEOUT_MS = 240_000;

const manifest = (file: string): Promise<J[]> => yamlDocs(join(REPO, file));

let cluster: Cluster;
let work: string | undefined;
let argo: Argo;
let apps: AppsV1Api;

let analysisToken: string | undefined;
const tokenFile = (): string => join(work!, 'proxy-tokens');

const serviceAddress = (ns: string, name: string): Promise<string> => waitForService(cluster.node, ns, name);

/** The proxy's container, as deploy/proxy has it with the header's overrides (`env` extra: the canary's change). */
async function proxyDeployment(extraEnv: J[] = []): Promise<J> {
  const [d] = await manifest('deploy/proxy/deployment.yaml');
  const c = d!.spec.template.spec.containers[0] as J;
  c.image = 'sentinel.test/sentinel:dev';
  c.env = [
    { name: 'PROXY_BACKEND', value: 'local' },
    { name: 'PROXY_IDENTITY', value: 'token' },
    { name: 'PROXY_IDENTITY_TOKEN_FILE', value: tokenFile() },
    // The sandboxes may reach the site's Service (port 80 on its loopback address) and nothing else local.
    { name: 'PROXY_LOCAL_ALLOW_LOOPBACK', value: '127.0.0.1:80' },
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

  // The proxy's bearer token for the gate, in the Secret the shipped template references; the proxy reads it from a
  // file (see the header).
  const token = randomBytes(24).toString('hex');
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'playwright-proxy-tokens' }, stringData: { tokens: token } },
  });
  await writeFile(tokenFile(), `${token}\n`, { mode: 0o600 });
  analysisToken = token;

  const [journeys] = await manifest('deploy/install/proxy-journeys.yaml');
  await core.createNamespacedConfigMap({ namespace: NS, body: journeys as never });

  const [template] = await manifest('deploy/install/proxy-analysistemplate.yaml');
  for (const m of template!.spec.metrics as J[]) {
    Object.assign(m, { interval: INTERVAL, count: COUNT });
    // Argo requires count >= inconclusiveLimit: the shipped limit equals the shipped count (never pause), so it follows.
    if (m.inconclusiveLimit !== undefined)
      m.inconclusiveLimit = Math.min(m.inconclusiveLimit as number, COUNT);
    const block = m.provider.plugin['rollout-sentinel/canary'] as J;
    if (block.kind === 'canary') block.journeys.backends = ['local'];
  }
  await argo.create('analysistemplates', template!);

  await apps.createNamespacedDeployment({ namespace: NS, body: (await proxyDeployment()) as never });
  const [rollout] = await manifest('deploy/install/proxy-rollout.yaml');
  const step = (rollout!.spec.strategy.canary.steps as J[]).find((s) => s.analysis)!;
  const args = step.analysis.args as J[];
  const setArg = (name: string, value: string): void => {
    const arg = args.find((x) => x.name === name);
    if (arg) arg.value = value;
    else args.push({ name, value });
  };
  setArg('canary-url', `http://${canaryProxy}`);
  setArg('stable-url', `http://${stableProxy}`);
  setArg('canary-proxy', `ws://${canaryProxy}`);
  setArg('stable-proxy', `ws://${stableProxy}`);
  setArg('site-url', shopUrl);
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
      const before = await ship([{ name: 'SENTINEL_CHROMIUM_PATH', value: '/bin/false' }]);
      const aborted = await argo.aborted('playwright-proxy', { timeoutMs: ROLLOUT_TIMEOUT_MS });
      expect(aborted.status.message).toMatch(/RolloutAborted|aborted/i);
      expect((await stableEnv()).some((e) => e.name === 'SENTINEL_CHROMIUM_PATH')).toBe(false);
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
      // The gate authenticated with the Secret's token (identity token: without it every session is a 401), and the
      // token is referenced, never written into the AnalysisRun.
      expect(JSON.stringify(run)).not.toContain(analysisToken);
      for (const name of ['journeys-through-canary-proxy', 'journeys-through-stable-proxy']) {
        const m = metric(run, name);
        expect(m.phase, JSON.stringify(m)).toBe('Successful');
        const last = m.measurements.at(-1) as J;
        process.stdout.write(
          `[proxy e2e] ${name}: ${(m.measurements as J[]).map((x) => x.message).join(' | ')}\n`,
        );
        expect(JSON.parse(last.value).verdict).not.toBe('rollback');
        expect(last.metadata.journeys).toMatch(/open-site \[local\] stable 100% canary 100%/);
        // The judge read the proxy pods' own logs on both sides.
        expect(last.metadata.evidence).toMatch(
          /pods stable [12] \/ canary [12]; lines stable [1-9]\d* \/ canary [1-9]/,
        );
      }
    },
    ROLLOUT_TIMEOUT_MS + 60_000,
  );
});
