/**
 * End to end on the one-machine cluster (lib/testing/cluster): the real Argo Rollouts controller v1.10.2, the real
 * kube-apiserver and kube-controller-manager, the plugin installed through `argo-rollouts-config`, pods on the
 * simulated node. `npm run test:e2e`. The first run builds the Go components (minutes, cached).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPluginBundle, startCluster, type Cluster } from '../cluster.ts';
import {
  analysisRun,
  appContainer,
  Argo,
  counted,
  messages,
  probeMetric,
  running,
  runPastRetention,
  serviceAddress,
} from './helpers.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NS = 'e2e';
let cluster: Cluster;
let argo: Argo;
let target: Server;
let targetUrl: string;

beforeAll(async () => {
  target = createServer((req, res) => {
    if (req.url === '/hang') req.on('close', () => res.end());
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"healthy":true}');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  cluster = await startCluster({ pluginPath: await buildPluginBundle() });
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  argo = new Argo(cluster.kc, NS);
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.close();
  target?.closeAllConnections();
  target?.close();
});

describe('a Rollout gated by an httpProbe AnalysisTemplate', () => {
  const svc = (name: string, extra: J = {}) => ({
    metadata: { name },
    spec: { selector: { app: 'app' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...extra },
  });
  const image = (v: string) => `sentinel.test/app:${v}`;
  /** A merge patch (CRDs have no strategic merge) replaces the containers list: give the whole container. */
  const ship = (v: string) =>
    argo.patch('rollouts', 'app', { spec: { template: { spec: { containers: [appContainer(v)] } } } });

  beforeAll(async () => {
    const core = cluster.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: NS, body: svc('app-canary') });
    await core.createNamespacedService({ namespace: NS, body: svc('app-stable') });
    const canaryAddress = await serviceAddress(cluster.node, NS, 'app-canary');
    await argo.create('analysistemplates', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'http-health' },
      spec: {
        args: [{ name: 'url' }],
        metrics: [probeMetric('health', '{{args.url}}', { count: 3, interval: '1s', failureLimit: 0 })],
      },
    });
    await argo.create('rollouts', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'app' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: { containers: [appContainer('v1')] },
        },
        strategy: {
          canary: {
            canaryService: 'app-canary',
            stableService: 'app-stable',
            steps: [
              { setWeight: 50 },
              {
                analysis: {
                  templates: [{ templateName: 'http-health' }],
                  args: [{ name: 'url', value: `http://${canaryAddress}/healthz` }],
                },
              },
            ],
          },
        },
      },
    });
    await argo.rolloutUntil('app', 'the first revision to be Healthy', (r) => r.status?.phase === 'Healthy', {
      timeoutMs: 180_000,
    });
  }, 240_000);

  const stableImage = async () => (await argo.stableTemplate('app'))?.spec?.containers[0]?.image;

  it('a healthy canary: the AnalysisRun succeeds and the Rollout is promoted', async () => {
    await ship('v2');
    await argo.rolloutUntil(
      'app',
      'v2 to be promoted',
      async (r) => r.status?.phase === 'Healthy' && (await stableImage()) === image('v2'),
      { timeoutMs: 180_000 },
    );
    const runs = await argo.list('analysisruns');
    expect(runs.map((r) => r.status?.phase)).toContain('Successful');
  }, 240_000);

  it('a failing canary: the AnalysisRun fails, the Rollout aborts and stays on the stable version', async () => {
    await ship('v3-broken');
    const aborted = await argo.aborted('app', { timeoutMs: 180_000 });
    expect(aborted.status.message).toMatch(/RolloutAborted|aborted/i);
    expect(await stableImage()).toBe(image('v2'));
    const failed = (await argo.list('analysisruns')).filter((r) => r.status?.phase === 'Failed');
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0]!.status.metricResults[0].measurements[0].value).status).toBe(503);
  }, 240_000);
});

describe('AnalysisRuns through the real controller and the installed plugin', () => {
  it('past measurement retention (count 14 > 10): no MeasurementNotFound, every measurement Successful', async () => {
    const ar = await runPastRetention(argo, 'retention', `${targetUrl}/ok`);
    expect(messages(ar).filter((m) => /MeasurementNotFound/.test(m))).toEqual([]);
    expect(ar.status.metricResults[0]).toMatchObject({ count: 14, successful: 14 });
    expect(ar.status.phase).toBe('Successful');
  }, 150_000);

  it('terminated mid-measurement: the running check is aborted, the measurement ends "Metric Terminated"', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('terminate', [
        probeMetric('health', `${targetUrl}/hang`, { count: 1 }, { timeout: '60s' }),
      ]),
    );
    await argo.metricUntil('terminate', 'a Running measurement', running);
    await argo.patch('analysisruns', 'terminate', { spec: { terminate: true } });
    const ar = await argo.analysisRunDone('terminate', 60_000);
    expect(ar.status.metricResults[0].measurements[0]).toMatchObject({
      phase: 'Inconclusive',
      message: 'Metric Terminated',
    });
  }, 150_000);

  it('the controller restarted mid-analysis: the run goes on and succeeds', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('restart', [probeMetric('health', `${targetUrl}/ok`, { count: 6, interval: '1s' })]),
    );
    await argo.metricUntil('restart', 'two measurements', counted(2));
    await cluster.restartController();
    const ar = await argo.analysisRunDone('restart', 120_000);
    expect(ar.status.phase).toBe('Successful');
    expect(ar.status.metricResults[0].successful).toBe(6);
    // A check in flight when the controller (and with it its plugin process) stopped is lost: at most one Error.
    expect(ar.status.metricResults[0].error ?? 0).toBeLessThanOrEqual(1);
  }, 180_000);

  it('the plugin killed mid-analysis: the controller starts it again, the run succeeds', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('killed', [probeMetric('health', `${targetUrl}/ok`, { count: 6, interval: '1s' })]),
    );
    await argo.metricUntil('killed', 'two measurements', counted(2));
    const before = await cluster.pluginPids();
    expect(before.length).toBeGreaterThan(0);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const ar = await argo.analysisRunDone('killed', 120_000);
    expect(ar.status.phase).toBe('Successful');
    expect(ar.status.metricResults[0].successful).toBe(6);
    const after = await cluster.pluginPids();
    expect(after.some((p) => !before.includes(p))).toBe(true);
  }, 180_000);
});
