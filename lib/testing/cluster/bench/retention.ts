/**
 * @module lib/testing/cluster/bench/retention — `npm run bench:cluster-retention [-- --count 100 --route bundle]`:
 * on the one-machine cluster, a Rollout's background analysis (strategy.canary.analysis, the metric running all
 * through the rollout) of `--count` httpProbe measurements at 1 s, far past measurement retention (10), and prints how
 * many measurements ended Successful / Error / MeasurementNotFound and how long the analysis took. A figure, not a test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { buildPluginBundle, startCluster } from '../cluster.ts';
import { appContainer, Argo, until } from '../e2e/helpers.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '100' }, route: { type: 'string', default: 'bundle' } },
});
const count = Number(values.count);
const route = values.route === 'stock-image' ? 'stock-image' : 'bundle';
const out = (s: string) => process.stdout.write(`${s}\n`);

const target = createServer((_req, res) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
);
await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/ok`;
const t0 = performance.now();
const cluster = await startCluster({ route, pluginPath: await buildPluginBundle() });
if (route === 'stock-image') await cluster.startSidecar();
out(`cluster up in ${((performance.now() - t0) / 1000).toFixed(1)} s (route ${route})`);
try {
  const ns = 'bench';
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const argo = new Argo(cluster.kc, ns);
  await argo.create('analysistemplates', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'background' },
    spec: {
      metrics: [
        {
          name: 'health',
          count,
          interval: '1s',
          successCondition: 'result.status == 200',
          provider: {
            plugin: { 'rollout-sentinel/canary': { kind: 'httpProbe', url, resumeAfter: '100ms' } },
          },
        },
      ],
    },
  });
  await argo.create('rollouts', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'app' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [appContainer('v1')] } },
      strategy: {
        canary: {
          analysis: { templates: [{ templateName: 'background' }] },
          steps: [{ setWeight: 50 }, { pause: {} }],
        },
      },
    },
  });
  await argo.rolloutUntil('app', 'v1 Healthy', (r) => r.status?.phase === 'Healthy', { timeoutMs: 180_000 });
  await argo.patch('rollouts', 'app', { spec: { template: { spec: { containers: [appContainer('v2')] } } } });
  const t1 = performance.now();
  const name = await until(
    'the background AnalysisRun',
    async () => (await argo.list('analysisruns'))[0]?.metadata?.name,
    {
      timeoutMs: 120_000,
    },
  );
  const ar = await argo.analysisRunDone(name as string, (count * 3 + 120) * 1000);
  const mr = ar.status.metricResults[0];
  const notFound = (JSON.stringify(ar.status).match(/MeasurementNotFound/g) ?? []).length;
  out(
    `background analysis ${name}: phase ${ar.status.phase}, count ${mr.count}, successful ${mr.successful ?? 0}, ` +
      `error ${mr.error ?? 0}, MeasurementNotFound in status ${notFound}, retained ${mr.measurements.length}, ` +
      `${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );
  const errors = cluster.controller.log.filter((l) => /MeasurementNotFound/.test(l)).length;
  out(`controller log lines mentioning MeasurementNotFound: ${errors}`);
} finally {
  await cluster.close();
  target.close();
}
