/**
 * `kind: canary` through the provider, as the controller drives it (Run → Resume …, Terminate), against a real
 * kube-apiserver with the kubelet's log endpoint stood in, and the real journeys/ runner for the proxy-down case.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import {
  createRolloutPods,
  registerNode,
  startFakeKubelet,
  type FakeKubelet,
} from '../../lib/testing/kube/fakeKubelet.ts';
import { startKubeFixture, type KubeFixture } from '../../lib/testing/kube/kubeFixture.ts';
import type { AnalysisRun, Measurement, Metric } from '../argoTypes.ts';
import { CHECK_ID_KEY, CheckProvider } from '../checkProvider.ts';
import { warmUpArgsSchema } from '../config.ts';
import { PLUGIN_NAME } from '../errors.ts';
import { encodeTime } from '../goplugin/argoCodec.ts';
import { GobEncoded } from '../goplugin/gob/types.ts';
import { defaultChecks } from './registry.ts';
import { previousMeasurementEnd } from './previousMeasurement.ts';

const NS = 'shop';
let fx: KubeFixture;
let kc: KubeConfig;
let kubelet: FakeKubelet;
let outbox: string;

function traffic(n: number, bad = false): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`INFO GET /cart/${i % 13} 200 in ${10 + (i % 5)}ms`);
    if (bad && i % 25 === 0) out.push('panic: runtime error: index out of range [3] with length 3');
  }
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  kubelet = await startFakeKubelet();
  fx = await startKubeFixture({ extraArgs: ['--kubelet-preferred-address-types=InternalIP'] });
  kc = fx.kubeConfig();
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  await registerNode(kc, 'node-1', kubelet.port);
  for (const [prefix, hash, bad] of [
    ['stable', 'st1', false],
    ['bad', 'bad1', true],
    ['good', 'good1', false],
  ] as const) {
    for (const pod of await createRolloutPods(kc, { namespace: NS, prefix, hash, count: 2, node: 'node-1' }))
      kubelet.logs.set(`${NS}/${pod}/app`, traffic(300, bad));
  }
  outbox = await mkdtemp(join(tmpdir(), 'plugin-canary-'));
}, 300_000);
afterAll(async () => {
  await fx?.stop();
  await kubelet?.close();
});

const run: AnalysisRun = {
  name: 'shop-7f9-2',
  namespace: NS,
  uid: 'run-1',
  labels: {},
  annotations: {},
  ownerReferences: [],
  raw: null,
};
const provider = (): CheckProvider =>
  new CheckProvider({ checks: defaultChecks({ kubeConfig: async () => kc }), log: silentLogger });

function metric(canary: string, over: Record<string, unknown> = {}, success = '', failure = ''): Metric {
  const cfg = {
    kind: 'canary',
    rollout: 'shop',
    namespace: NS,
    canary: { podTemplateHash: canary },
    stable: { podTemplateHash: 'st1' },
    report: { outbox: { dir: outbox }, stateDir: join(outbox, 'state') },
    resumeAfter: '10ms',
    ...over,
  };
  return {
    name: 'canary',
    successCondition: success,
    failureCondition: failure,
    plugin: { [PLUGIN_NAME]: Buffer.from(JSON.stringify(cfg)) },
    raw: null,
  };
}

async function finish(p: CheckProvider, m: Metric, first: Measurement): Promise<Measurement> {
  let cur = first;
  for (let i = 0; i < 3000 && cur.phase === 'Running'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    cur = await p.resume(run, m, cur);
  }
  return cur;
}

describe('kind: canary in the plugin', () => {
  it('the start-up warm-up parses valid samples of every kind (so it really compiles the schemas)', () => {
    expect(warmUpArgsSchema()).toBe(true);
  });

  it('Run returns Running at once; Resume gives Failed for a broken canary, with the evidence in metadata and the issue', async () => {
    const p = provider();
    const m = metric('bad1');
    const first = await p.run(run, m);
    expect(first.phase).toBe('Running');
    expect(first.metadata?.[CHECK_ID_KEY]).toBeTruthy();
    const done = await finish(p, m, first);
    expect(done.phase).toBe('Failed');
    const value = JSON.parse(done.value as string) as {
      verdict: string;
      confidence: number;
      reasons: string[];
    };
    expect(value.verdict).toBe('rollback');
    expect(value.reasons[0]).toMatch(/panic/);
    expect(done.message).toMatch(/^rollback \(\d+%\): .*panic/);
    expect(done.metadata?.reasons).toMatch(/critical: .*\(stable 0 \/ canary \d+\)/);
    expect(done.metadata?.evidence).toMatch(/pods stable 2 \/ canary 2; lines stable 600 \/ canary 6\d\d/);
    expect(done.metadata?.report).toMatch(/^filed .*issue-0001\.md/);
  });

  it('a healthy canary is Successful; the user conditions on result.* decide when given', async () => {
    const p = provider();
    const plain = await finish(p, metric('good1'), await p.run(run, metric('good1')));
    expect(plain.phase).toBe('Successful');
    expect(plain.metadata?.report).toMatch(/^closed/); // loop closure of the issue filed above
    const strict = metric('good1', {}, 'result.verdict == "promote" && result.confidence >= 0.99');
    const judged = await finish(p, strict, await p.run(run, strict));
    expect(judged.phase).toBe('Failed');
  });

  it('no canary pods → Inconclusive "no canary pods", even with a successCondition that would pass it', async () => {
    const p = provider();
    const m = metric('nothing1', {}, 'result.verdict != "rollback"');
    const done = await finish(p, m, await p.run(run, m));
    expect(done.phase).toBe('Inconclusive');
    expect(done.message).toMatch(/^inconclusive \(0%\): no canary pods/);
  });

  it('the proxy down (real journeys/ runner): Inconclusive whatever the conditions say', async () => {
    const p = provider();
    const journeys = {
      inline: 'journeys:\n  - name: home\n    steps:\n      - { action: goto, url: / }\n',
      proxy: 'ws://127.0.0.1:1',
      repeat: 1,
    };
    const m = metric(
      'good1',
      {
        journeys,
        canary: { podTemplateHash: 'good1', url: 'http://127.0.0.1:2' },
        stable: { podTemplateHash: 'st1', url: 'http://127.0.0.1:3' },
      },
      'result.verdict == "promote"',
    );
    const done = await finish(p, m, await p.run(run, m));
    expect(done.phase).toBe('Inconclusive');
    expect(done.metadata?.missing).toMatch(/journey "home"/);
    expect(JSON.parse(done.value as string)).toMatchObject({ verdict: 'inconclusive', infrastructure: true });
  });

  it.each([
    [
      'an invalid block names the field',
      { canary: { podTemplateHash: 'NOT A HASH' } },
      /PluginConfigInvalid: .*canary\.podTemplateHash: expected a pod-template hash/,
    ],
    [
      'a secret inline is refused (references only)',
      { llm: { provider: 'gemini', apiKey: 'AIzaSy-inline' } },
      /PluginConfigInvalid: .*llm: unknown field\(s\) apiKey/,
    ],
    [
      'a missing Secret',
      { llm: { provider: 'gemini', apiKeySecret: { name: 'gemini', key: 'api-key' } } },
      /SecretUnavailable: llm.apiKeySecret: cannot read Secret shop\/gemini key "api-key": it does not exist/,
    ],
    [
      'a journey spec that does not parse',
      {
        journeys: { inline: 'journeys: [{name: x, steps: [{action: fly}]}]', proxy: 'ws://127.0.0.1:1' },
        canary: { podTemplateHash: 'good1', url: 'http://127.0.0.1:2' },
        stable: { podTemplateHash: 'st1', url: 'http://127.0.0.1:3' },
      },
      /JourneySpecInvalid: .*journeys.inline do not parse/,
    ],
  ])('%s → Error', async (_n, over, message) => {
    const p = provider();
    const m = metric('good1', over);
    const done = await finish(p, m, await p.run(run, m));
    expect(done.phase).toBe('Error');
    expect(done.message).toMatch(message);
    expect(done.message).not.toContain('AIzaSy-inline');
  });

  it('Terminate mid-measurement aborts the analysis and returns Inconclusive', async () => {
    const p = provider();
    const m = metric('bad1');
    const first = await p.run(run, m);
    const t = await p.terminate(run, m, first);
    expect(t.phase).toBe('Inconclusive');
    expect(p.jobCount).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(kubelet.inFlight).toBe(0);
  });

  it('a plugin restarted between Run and Resume answers Error MeasurementNotFound (the controller re-runs at the next interval)', async () => {
    const m = metric('good1');
    const first = await provider().run(run, m);
    const done = await provider().resume(run, m, first);
    expect(done.phase).toBe('Error');
    expect(done.message).toMatch(/^MeasurementNotFound/);
  });

  it('reads the previous measurement of this metric from the AnalysisRun status (the log window)', () => {
    const t = (d: string) => new GobEncoded(encodeTime(new Date(d)));
    const withStatus: AnalysisRun = {
      ...run,
      raw: {
        Status: {
          MetricResults: [
            { Name: 'other', Measurements: [{ Phase: 'Successful', FinishedAt: t('2026-12-02T05:30:00Z') }] },
            {
              Name: 'canary',
              Measurements: [
                { Phase: 'Successful', FinishedAt: t('2026-12-02T05:00:00Z') },
                { Phase: 'Successful', FinishedAt: t('2026-12-02T05:10:00Z') },
              ],
            },
          ],
        },
      },
    };
    expect(previousMeasurementEnd(withStatus, 'canary')?.toISOString()).toBe('2026-12-02T05:10:00.000Z');
    expect(previousMeasurementEnd(run, 'canary')).toBeUndefined();
  });
});
