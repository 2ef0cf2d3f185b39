/**
 * Every manifest under deploy/ is rendered (kustomize) and applied with server-side dry run (`fieldValidation=Strict`)
 * to the real kube-apiserver fixture with Argo Rollouts' own CRDs installed, so none can drift from the schemas.
 * The plugin's install Components are applied on top of Argo's own install manifest (manifests/install.yaml of the
 * argo-rollouts v1.10.2 module), as a user's overlay would.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJourneySpec } from '../../../journeys/index.ts';
import { startKubeFixture, type KubeFixture } from '../kube/kubeFixture.ts';
import { argoModuleDir, installArgoCrds } from './argoCrds.ts';
import { DryRunner, kustomize, parseYaml } from './dryRun.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const deploy = (p: string) => join(REPO, 'deploy', p);

let fx: KubeFixture;
let dry: DryRunner;
let overlayDir: string;

beforeAll(async () => {
  fx = await startKubeFixture();
  const kc = fx.kubeConfig();
  await installArgoCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  // Dry run still needs the namespaces to exist.
  for (const name of ['rollout-sentinel', 'argo-rollouts', 'shop', 'playwright'])
    await core.createNamespace({ body: { metadata: { name } } });
  dry = new DryRunner(kc);
  overlayDir = mkdtempSync(join(tmpdir(), 'sentinel-overlay-'));
  cpSync(join(await argoModuleDir(), 'manifests', 'install.yaml'), join(overlayDir, 'install.yaml'));
}, 20 * 60_000);

afterAll(async () => {
  await fx?.stop();
  if (overlayDir) rmSync(overlayDir, { recursive: true, force: true });
});

/** An overlay as a user writes it: Argo's install manifest plus one of our Components. */
function argoOverlay(component: string): string {
  const dir = join(overlayDir, component.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  cpSync(join(overlayDir, 'install.yaml'), join(dir, 'install.yaml'));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: argo-rollouts',
      'resources: [install.yaml]',
      `components: [${relative(dir, deploy(component))}]`,
      // The release's install.yaml pins the version; the module's own copy says :latest.
      'images: [{ name: quay.io/argoproj/argo-rollouts, newTag: v1.10.2 }]',
      '',
    ].join('\n'),
  );
  return dir;
}

/** Every container image of the rendered objects. */
function images(objs: Record<string, unknown>[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (key === 'image' && typeof v === 'string') out.push(v);
  };
  walk(objs.filter((o) => o.kind !== 'CustomResourceDefinition'));
  return out;
}

describe('deploy/ manifests, server-side dry run against the real API server with Argo CRDs', () => {
  it.each([
    ['install', 'rollout-sentinel'],
    ['proxy', 'playwright'],
    ['examples/shop', 'shop'],
    ['examples/web-provider', 'shop'],
    ['build', 'rollout-sentinel'],
  ])('deploy/%s', async (dir, ns) => {
    const objs = await kustomize(deploy(dir));
    expect(objs.length).toBeGreaterThan(0);
    expect(await dry.applyAll(objs, ns)).toEqual([]);
    for (const image of images(objs)) expect(image).toMatch(/^[^:@]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?$/);
    for (const image of images(objs)) expect(image).not.toMatch(/:latest$|^[^:@]+$/);
  });

  it('deploy/install runs the proxy as a Rollout with canary/stable Services and its AnalysisTemplate', async () => {
    const objs = await kustomize(deploy('install'));
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/rollout-sentinel',
        'Rollout/playwright-proxy',
        'Service/playwright-proxy-canary',
        'Service/playwright-proxy-stable',
        'AnalysisTemplate/playwright-proxy-health',
        'ConfigMap/playwright-proxy-journeys',
      ]),
    );
    expect(objs.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'rollout-sentinel')).toBe(
      true,
    );
  });

  it("deploy/install's gate: journeys through each proxy on the proxy's own backend, secrets by reference", async () => {
    const objs = (await kustomize(deploy('install'))) as J[];
    const find = (kind: string, name: string) =>
      objs.find((o) => o.kind === kind && o.metadata.name === name)!;
    const template = find('AnalysisTemplate', 'playwright-proxy-health');
    const blocks = Object.fromEntries(
      (template.spec.metrics as { name: string; provider: { plugin: J } }[]).map((m) => [
        m.name,
        m.provider.plugin['rollout-sentinel/canary'],
      ]),
    );
    // The journeys run through the canary proxy and through the stable proxy, the judge on the proxy's own pods.
    expect(blocks['journeys-through-canary-proxy'].journeys.proxy).toBe('{{args.canary-proxy}}');
    expect(blocks['journeys-through-stable-proxy'].journeys.proxy).toBe('{{args.stable-proxy}}');
    const proxy = find('Deployment', 'playwright-proxy').spec.template.spec.containers[0];
    const backend = (proxy.env as { name: string; value?: string }[]).find(
      (e) => e.name === 'PROXY_BACKEND',
    )!.value;
    for (const name of ['journeys-through-canary-proxy', 'journeys-through-stable-proxy']) {
      const b = blocks[name];
      expect(b).toMatchObject({ kind: 'canary', rollout: 'playwright-proxy', namespace: 'rollout-sentinel' });
      // What deploy/proxy configures is what the gate exercises.
      expect(b.journeys.backends).toEqual([backend]);
      expect(b.journeys.configMap).toBe('playwright-proxy-journeys');
      expect(b.journeys.proxyToken).toEqual({ name: 'playwright-proxy-tokens', key: 'tokens' });
    }
    // The probes' token comes from the Secret the proxy mounts, through an Argo secret argument.
    const tokenArg = (template.spec.args as { name: string; valueFrom?: unknown; value?: unknown }[]).find(
      (a) => a.name === 'proxy-token',
    )!;
    expect(tokenArg).toEqual({
      name: 'proxy-token',
      valueFrom: { secretKeyRef: { name: 'playwright-proxy-tokens', key: 'tokens' } },
    });
    const mounted = (find('Deployment', 'playwright-proxy').spec.template.spec.volumes as J[]).map(
      (v) => v.secret?.secretName,
    );
    expect(mounted).toContain('playwright-proxy-tokens');
    for (const name of ['canary-browser', 'stable-browser'])
      expect(blocks[name].headers.Authorization).toBe('Bearer {{args.proxy-token}}');
    // Every argument without a default is passed by the Rollout's analysis step.
    const step = (find('Rollout', 'playwright-proxy').spec.strategy.canary.steps as J[]).find(
      (x) => x.analysis,
    )!;
    const required = (template.spec.args as { name: string; value?: string; valueFrom?: unknown }[])
      .filter((a) => a.value === undefined && a.valueFrom === undefined)
      .map((a) => a.name);
    expect((step.analysis.args as { name: string }[]).map((a) => a.name)).toEqual(
      expect.arrayContaining(required),
    );
    expect(required).toEqual(['canary-hash', 'stable-hash', 'site-url']);
    // The default site (the shop example) is a namespace the sandboxes may reach (deploy/proxy/networkpolicy.yaml).
    const site = (step.analysis.args as { name: string; value?: string }[]).find(
      (a) => a.name === 'site-url',
    )!;
    const shopNs = (await kustomize(deploy('examples/shop'))).find((o) => o.kind === 'Namespace') as J;
    expect(site.value).toMatch(new RegExp(`\\.${shopNs.metadata.name}\\.svc$`));
    expect(shopNs.metadata.labels).toMatchObject({ 'rollout-sentinel.io/journey-target': 'true' });
    // The shipped journey is a valid spec.
    const spec = parseJourneySpec(find('ConfigMap', 'playwright-proxy-journeys').data['journeys.yaml']);
    expect(spec.journeys.map((j) => j.name)).toEqual(['open-site']);
  });

  it.each(['install', 'examples/shop'])(
    "deploy/%s's AnalysisTemplates pass Argo's metric validation (the controller's, not the API server's)",
    async (dir) => {
      // utils/analysis/factory.go ValidateMetric of argo-rollouts v1.10.2: a violation is only seen when an
      // AnalysisRun starts ("Analysis spec invalid"), which aborts the rollout; the dry run cannot catch it.
      const templates = ((await kustomize(deploy(dir))) as J[]).filter((o) => o.kind === 'AnalysisTemplate');
      expect(templates.length).toBeGreaterThan(0);
      for (const t of templates)
        for (const m of t.spec.metrics as J[]) {
          const count = (m.count ?? 0) as number;
          const where = `${t.metadata.name} ${m.name}`;
          if (count > 0) {
            expect(count, where).toBeGreaterThanOrEqual(
              ((m.failureLimit ?? 0) as number) + (m.consecutiveSuccessLimit ?? 0),
            );
            expect(count, where).toBeGreaterThanOrEqual((m.inconclusiveLimit ?? 0) as number);
          }
          if (count > 1) expect(m.interval, where).toMatch(/^\d+(ms|s|m|h)$/);
        }
    },
  );

  it.each(['plugin/stock-image', 'plugin/custom-image'])(
    "deploy/%s on top of Argo's install.yaml",
    async (component) => {
      const objs = await kustomize(argoOverlay(component));
      expect(await dry.applyAll(objs, 'argo-rollouts')).toEqual([]);
      const cm = objs.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'argo-rollouts-config',
      ) as unknown as {
        data: Record<string, string>;
      };
      expect(cm.data.metricProviderPlugins).toMatch(/name: rollout-sentinel\/canary\n\s+location: file:\/\//);
      // The controller pod may reach the proxy's data port through deploy/proxy/networkpolicy.yaml.
      const controller = objs.find(
        (o) => o.kind === 'Deployment' && o.metadata.name === 'argo-rollouts',
      ) as J;
      expect(controller.spec.template.metadata.labels).toMatchObject({
        'rollout-sentinel.io/proxy-client': 'true',
      });
      for (const image of images(objs)) expect(image).not.toMatch(/:latest$/);
    },
  );

  it('deploy/plugin/analysistemplate.yaml and argo-rollouts-config.yaml', async () => {
    const objs = [
      ...parseYaml(readFileSync(deploy('plugin/analysistemplate.yaml'), 'utf8')),
      ...parseYaml(readFileSync(deploy('plugin/argo-rollouts-config.yaml'), 'utf8')),
    ];
    expect(await dry.applyAll(objs, 'shop')).toEqual([]);
  });

  it('a manifest with a typo fails the dry run, naming the field', async () => {
    const objs = await kustomize(deploy('examples/shop'));
    const rollout = objs.find((o) => o.kind === 'Rollout') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const { steps, ...canary } = rollout.spec.strategy.canary;
    const typo = { ...rollout, spec: { ...rollout.spec, strategy: { canary: { ...canary, stpes: steps } } } };
    const errors = await dry.applyAll([typo as unknown as (typeof objs)[number]], 'shop');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Rollout shop: .*stpes/);
  });
});
