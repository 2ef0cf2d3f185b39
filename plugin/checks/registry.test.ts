/**
 * `kind: canary` is loaded on its first measurement: the registry, GetMetadata and httpProbe measurements never import
 * canary.ts (and through it the canary analysis, the Kubernetes client and playwright-core), which keeps the plugin's
 * idle memory down (`npm run bench:plugin-rss`).
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import type { AnalysisRun, Metric } from '../argoTypes.ts';
import { PluginArgsSchema } from '../config.ts';

const loads = vi.hoisted(() => ({ canary: 0 }));
vi.mock('./canary.ts', async (original) => {
  loads.canary++;
  return await original();
});

const { defaultChecks } = await import('./registry.ts');

const run: AnalysisRun = {
  name: 'r',
  namespace: 'ns',
  uid: 'u',
  labels: {},
  annotations: {},
  ownerReferences: [],
  raw: null,
};
const metric: Metric = { name: 'm', successCondition: '', failureCondition: '', plugin: {}, raw: null };

describe('the check registry', () => {
  it('imports the canary check on the first canary measurement, not before', async () => {
    const checks = defaultChecks({ kubeConfig: async () => undefined, journeyRunner: async () => undefined });
    const cfg = PluginArgsSchema.parse({
      kind: 'canary',
      rollout: 'shop',
      namespace: 'shop',
      canary: { podTemplateHash: 'c1' },
      stable: { podTemplateHash: 's1' },
    });
    if (cfg.kind !== 'canary') throw new Error('expected a canary config');
    expect(checks.canary.describe(cfg)).toEqual({
      kind: 'canary',
      rollout: 'shop/shop',
      canary: 'c1',
      stable: 's1',
    });
    expect(loads.canary).toBe(0);
    const ctx = { run, metric, signal: AbortSignal.abort(), log: silentLogger };
    // No cluster here: the measurement itself fails; what matters is that it loaded the implementation to get there.
    await checks.canary.run(cfg, ctx).catch(() => undefined);
    expect(loads.canary).toBe(1);
    // The first import of the canary check transforms its whole graph (Kubernetes client, playwright-core): minutes on
    // a starved CI machine.
  }, 180_000);
});
