/**
 * deploy/examples/web-provider with the real Argo controller (lib/testing/cluster): AnalysisRuns built from the shipped
 * template use Argo's built-in `web` provider against a real `sentinel serve` on loopback. A broken canary ends
 * Failed, a healthy one Successful, and the measurements taken while the analysis runs are Inconclusive (a retry),
 * never Failed. The logs come from a held collector (released once the controller has recorded a pending
 * measurement: no timing); everything after collection — the judge, the verdict, the HTTP contract — is the product's.
 *
 * Differences from the shipped template, each for the test: the URL (loopback), `?wait=1s`, a 2 s interval, and no
 * journeys in the request (no proxy or ConfigMap here; journeys through the real proxy are demo/e2e/shopRollout's).
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanaryService } from '../../../analysis/serve/server.ts';
import type { LogCollector, Side, SideLogs } from '../../../analysis/logs/types.ts';
import { buildPluginBundle, startCluster, type Cluster } from '../../../lib/testing/cluster/cluster.ts';
import { analysisRun, Argo, until, yamlDocs } from '../../../lib/testing/cluster/e2e/helpers.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NS = 'shop';
const TOKEN = 'web-provider-e2e-token-0123456789';
const RUN_TIMEOUT_MS = 180_000;

/** Holds collection until released; canary pods with hash `broken` panic. */
let release: () => void = () => undefined;
const gate = new Promise<void>((r) => (release = r));
let hashes: Record<Side, string> = { stable: '', canary: '' };
const collector: LogCollector = {
  async collect(side: Side): Promise<SideLogs> {
    await gate;
    const lines = Array.from({ length: 300 }, (_, i) => `INFO GET /cart/${i % 9} 200 in 12ms`);
    if (side === 'canary' && hashes.canary === 'broken')
      for (let i = 0; i < 10; i++) lines.push('panic: runtime error: nil map');
    return {
      sources: [{ name: `${side}-0/shop`, lines }],
      pods: [{ pod: `${side}-0`, side, ready: true, restarts: 0, reasons: [], events: [] }],
      warnings: [],
    };
  },
};

let cluster: Cluster;
let argo: Argo;
const svc = createCanaryService({
  token: TOKEN,
  // One analysis at a time here: the collector knows which canary it serves from `hashes`, set by run().
  deps: { collector },
});
let template: J;

beforeAll(async () => {
  cluster = await startCluster({ pluginPath: await buildPluginBundle() });
  argo = new Argo(cluster.kc, NS);
  const core = cluster.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'sentinel-serve' }, stringData: { token: TOKEN } },
  });
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  const port = (svc.server.address() as AddressInfo).port;
  [template] = (await yamlDocs(join(import.meta.dirname, 'analysistemplate.yaml'))) as [J];
  const metric = template.spec.metrics[0] as J;
  metric.interval = '2s';
  metric.provider.web.url = `http://127.0.0.1:${port}/v1/analyses?wait=1s`;
  delete (metric.provider.web.jsonBody.analysis as J).journeys;
  await argo.create('analysistemplates', template);
}, 45 * 60_000);

afterAll(async () => {
  svc.close();
  await cluster?.close();
});

/** An AnalysisRun from the shipped template (as a Rollout step creates it). */
async function run(name: string, canary: string): Promise<void> {
  hashes = { stable: 'stable1', canary };
  await argo.create(
    'analysisruns',
    analysisRun(name, template.spec.metrics as J[], {
      args: [
        { name: 'canary-hash', value: canary },
        { name: 'stable-hash', value: 'stable1' },
        { name: 'sentinel-token', valueFrom: { secretKeyRef: { name: 'sentinel-serve', key: 'token' } } },
      ],
    }),
  );
}

/** A measurement's value: the web provider stores the jsonPath result JSON-encoded (`"pending"`). */
const valueOf = (m: J): unknown => (typeof m.value === 'string' ? JSON.parse(m.value as string) : undefined);

const measurements = async (name: string): Promise<J[]> =>
  ((await argo.get('analysisruns', name)).status?.metricResults?.[0]?.measurements ?? []) as J[];

describe("Argo's web provider against sentinel serve (deploy/examples/web-provider)", () => {
  it(
    'a broken canary: pending measurements are Inconclusive (a retry), then the rollback fails the run',
    async () => {
      await run('web-broken', 'broken');
      await until(
        'the controller to record a pending measurement',
        async () =>
          (await measurements('web-broken')).some((m) => valueOf(m) === 'pending') ? true : undefined,
        { timeoutMs: RUN_TIMEOUT_MS, periodMs: 200 },
      );
      release();
      const ar = await argo.analysisRunDone('web-broken', RUN_TIMEOUT_MS);
      expect(ar.status.phase, JSON.stringify(ar.status)).toBe('Failed');
      const ms = ar.status.metricResults[0].measurements as J[];
      const pending = ms.filter((m) => valueOf(m) === 'pending');
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((m) => m.phase === 'Inconclusive')).toBe(true);
      expect(ms.at(-1)?.phase).toBe('Failed');
      expect(valueOf(ms.at(-1) as J)).toBe('rollback');
      expect(ms.filter((m) => m.phase === 'Failed')).toHaveLength(1);
    },
    RUN_TIMEOUT_MS + 60_000,
  );

  it(
    'a healthy canary: every measurement after the verdict is promote, and the run ends Successful',
    async () => {
      await run('web-healthy', 'healthy1');
      const ar = await argo.analysisRunDone('web-healthy', RUN_TIMEOUT_MS);
      expect(ar.status.phase, JSON.stringify(ar.status)).toBe('Successful');
      const ms = ar.status.metricResults[0].measurements as J[];
      expect(ms.length).toBe(template.spec.metrics[0].count);
      expect(
        ms.every((m) => m.phase === 'Successful' || (m.phase === 'Inconclusive' && valueOf(m) === 'pending')),
      ).toBe(true);
      expect(ms.at(-1)?.phase).toBe('Successful');
      expect(valueOf(ms.at(-1) as J)).toBe('promote');
    },
    RUN_TIMEOUT_MS + 60_000,
  );
});
