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
import { startKubeFixture, type KubeFixture } from '../kube/kubeFixture.ts';
import { argoModuleDir, installArgoCrds } from './argoCrds.ts';
import { DryRunner, kustomize, parseYaml } from './dryRun.ts';

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
      ]),
    );
    expect(objs.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'rollout-sentinel')).toBe(
      true,
    );
  });

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
