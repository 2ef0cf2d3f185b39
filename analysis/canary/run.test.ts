/**
 * The canary analysis end to end against a real kube-apiserver (lib/testing/kube fixture) with the kubelet's log
 * endpoint stood in, real HTTP apps for canary and stable, an outbox or a dead GitHub for the issue loop, and the
 * RBAC of deploy/plugin/rbac-canary.yaml applied and used as the controller's ServiceAccount.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// analysis/cli (not the top-level cli/ the boundary rule means), spelled from the root so the rule's pattern does not match.
import { main as canaryMain } from '../../analysis/cli/canary.ts';
import { parseAllDocuments } from 'yaml';
import {
  createRolloutPods,
  registerNode,
  startFakeKubelet,
  type FakeKubelet,
} from '../../lib/testing/kube/fakeKubelet.ts';
import { startKubeFixture, type KubeFixture } from '../../lib/testing/kube/kubeFixture.ts';
import { AnalysisError } from '../errors.ts';
import { HttpJourneyRunner } from './testing/httpJourneyRunner.ts';
import { runCanaryAnalysis } from './run.ts';
import { CanaryAnalysisSchema, type CanaryAnalysisInput } from './types.ts';

const NS = 'shop';
const H = { stable: 'aaa111', broken: 'bbb222', healthy: 'ccc333', none: 'ddd444' };
let fx: KubeFixture;
let kc: KubeConfig;
let kubelet: FakeKubelet;
let stableApp: Server;
let brokenApp: Server;
let healthyApp: Server;
let proxy: TcpServer;
let proxyUrl: string;
let outbox: string;
const url = (s: Server): string => `http://127.0.0.1:${(s.address() as { port: number }).port}`;

function traffic(n: number, extra: (i: number) => string | undefined = () => undefined): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      `2026-12-02T05:00:${String(i % 60).padStart(2, '0')}Z INFO GET /cart/${i % 17} 200 in ${10 + (i % 7)}ms`,
    );
    const x = extra(i);
    if (x) lines.push(x);
  }
  return `${lines.join('\n')}\n`;
}

function app(checkoutStatus: number): Promise<Server> {
  const s = createHttpServer((req, res) =>
    res.writeHead(req.url === '/checkout' ? checkoutStatus : 200).end('ok'),
  );
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

const SPEC = JSON.stringify({
  journeys: [
    {
      name: 'checkout',
      steps: [
        { name: 'cart', path: '/cart' },
        { name: 'pay', path: '/checkout' },
      ],
    },
  ],
});

beforeAll(async () => {
  kubelet = await startFakeKubelet();
  fx = await startKubeFixture({ extraArgs: ['--kubelet-preferred-address-types=InternalIP'] });
  kc = fx.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await registerNode(kc, 'node-1', kubelet.port);
  const sides = [
    ['stable', H.stable, traffic(400)],
    [
      'broken',
      H.broken,
      traffic(400, (i) =>
        i % 20 === 0 ? 'panic: runtime error: invalid memory address or nil pointer dereference' : undefined,
      ),
    ],
    ['healthy', H.healthy, traffic(400)],
  ] as const;
  for (const [prefix, hash, text] of sides) {
    for (const pod of await createRolloutPods(kc, {
      namespace: NS,
      prefix,
      hash,
      count: 2,
      node: 'node-1',
      sidecars: ['istio-proxy'],
    })) {
      kubelet.logs.set(`${NS}/${pod}/app`, text);
      kubelet.logs.set(`${NS}/${pod}/istio-proxy`, 'envoy noise\n');
    }
  }
  await core.createNamespacedConfigMap({
    namespace: NS,
    body: { metadata: { name: 'shop-journeys' }, data: { 'journeys.yaml': SPEC, bad: '{"journeys": 3}' } },
  });
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'gh' }, stringData: { token: 'ghp_' + 'x'.repeat(36) } },
  });
  [stableApp, brokenApp, healthyApp] = await Promise.all([app(200), app(500), app(200)]);
  proxy = createTcpServer((s) => s.destroy());
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `ws://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  outbox = await mkdtemp(join(tmpdir(), 'canary-outbox-'));
}, 300_000);

afterAll(async () => {
  await fx?.stop();
  await kubelet?.close();
  for (const s of [stableApp, brokenApp, healthyApp, proxy]) s?.close();
});

function analysis(canary: keyof typeof H, over: Partial<CanaryAnalysisInput> = {}): CanaryAnalysisInput {
  const canaryApp = canary === 'broken' ? brokenApp : healthyApp;
  return {
    rollout: 'shop',
    namespace: NS,
    canary: { podTemplateHash: H[canary], url: url(canaryApp) },
    stable: { podTemplateHash: H.stable, url: url(stableApp) },
    journeys: { configMap: 'shop-journeys', proxy: proxyUrl, repeat: 3 },
    report: { outbox: { dir: outbox }, stateDir: join(outbox, 'state') },
    ...over,
  };
}

const run = (
  input: CanaryAnalysisInput,
  opts: { signal?: AbortSignal; runner?: HttpJourneyRunner; kubeConfig?: KubeConfig; previous?: Date } = {},
) =>
  runCanaryAnalysis(
    CanaryAnalysisSchema.parse(input),
    { kubeConfig: opts.kubeConfig ?? kc, journeyRunner: opts.runner ?? new HttpJourneyRunner() },
    { signal: opts.signal ?? AbortSignal.timeout(60_000), previousMeasurementAt: opts.previous },
  );

describe('runCanaryAnalysis (real kube-apiserver)', () => {
  it('a side selected by label (Flagger: app=NAME / app=NAME-primary) reads the pods the selector names', async () => {
    // The hash names no pods; only the selector finds the broken canary's.
    const v = await run(
      analysis('broken', {
        canary: {
          podTemplateHash: H.none,
          selector: `rollouts-pod-template-hash=${H.broken}`,
          url: url(brokenApp),
        },
        // Its own outbox: the next test expects to file the first issue.
        report: { outbox: { dir: join(outbox, 'selector') }, stateDir: join(outbox, 'selector-state') },
      }),
    );
    expect(v.evidence.pods).toEqual({ stable: 2, canary: 2 });
    expect(v.verdict).toBe('rollback');
  });

  it('a broken canary rolls back, with the failing journey, counts on both sides, and an issue in the outbox', async () => {
    const pageUrl = 'https://reports.example.com/shop/analysis-7.html';
    const v = await run(
      analysis('broken', { report: { outbox: { dir: outbox }, stateDir: join(outbox, 'state'), pageUrl } }),
    );
    expect(v.verdict).toBe('rollback');
    expect(v.infrastructure).toBe(false);
    expect(v.evidence.pods).toEqual({ stable: 2, canary: 2 });
    expect(v.evidence.lines.canary).toBeGreaterThan(v.evidence.lines.stable);
    expect(v.journeys).toEqual([
      expect.objectContaining({
        name: 'checkout',
        backend: 'local',
        passRate: { stable: 1, canary: 0 },
        runs: { stable: 3, canary: 3 },
      }),
    ]);
    expect(v.journeys[0]?.failures[0]).toMatchObject({
      side: 'canary',
      step: 'pay',
      error: '/checkout answered 500',
    });
    expect(v.journeys[0]?.steps.find((s) => s.name === 'cart')?.stable?.p95).toBeGreaterThanOrEqual(0);
    const critical = v.reasons.find((r) => r.kind === 'critical');
    expect(critical?.summary).toMatch(/panic/);
    expect(v.reasons.some((r) => r.kind === 'journey')).toBe(true);
    expect(v.report?.action).toBe('filed');
    const issue = readFileSync(v.report?.outboxFile as string, 'utf8');
    expect(issue).toContain(H.broken);
    expect(issue).toContain('sha256:');
    // report.pageUrl: the issue links the verdict report page where it is published.
    expect(issue).toContain(`- [verdict report page](${pageUrl})`);
    expect(kubelet.requests.some((u) => u.pathname.endsWith('/istio-proxy'))).toBe(false);
  });

  it('the same failure again comments on the issue instead of filing a second one', async () => {
    const v = await run(analysis('broken'));
    expect(v.report?.action).toBe('commented');
  });

  it('a healthy canary promotes and closes the issue its fix resolved (loop closure)', async () => {
    const v = await run(analysis('healthy'));
    expect(v.verdict).toBe('promote');
    expect(v.journeys[0]?.passRate).toEqual({ stable: 1, canary: 1 });
    expect(v.report?.action).toBe('closed');
  });

  it('a canary hash with no pods is inconclusive "no canary pods", never a promote, and files nothing', async () => {
    const runner = new HttpJourneyRunner();
    const v = await run(analysis('none'), { runner });
    expect(v.verdict).toBe('inconclusive');
    expect(v.missing[0]).toMatch(/^no canary pods \(label rollouts-pod-template-hash=ddd444/);
    expect(v.infrastructure).toBe(false);
    expect(v.report).toBeUndefined();
  });

  it('the proxy stopped: journeys cannot run, so a canary whose logs look fine is inconclusive (infrastructure)', async () => {
    const v = await run(
      analysis('healthy', { journeys: { configMap: 'shop-journeys', proxy: 'ws://127.0.0.1:1', repeat: 2 } }),
    );
    expect(v.verdict).toBe('inconclusive');
    expect(v.infrastructure).toBe(true);
    expect(v.missing.join()).toMatch(/journey "checkout" on local: proxy ws:\/\/127.0.0.1:1 refused/);
  });

  it('pods still starting: no logs and not ready → inconclusive saying so', async () => {
    await createRolloutPods(kc, {
      namespace: NS,
      prefix: 'starting',
      hash: 'eee555',
      count: 1,
      node: 'node-1',
      ready: false,
    });
    const v = await run({
      ...analysis('healthy'),
      canary: { podTemplateHash: 'eee555', url: url(healthyApp) },
      journeys: undefined,
    });
    expect(v.verdict).toBe('inconclusive');
    expect(v.missing.join()).toMatch(/1 of 1 canary pods not ready yet/);
  });

  it.each([
    [
      'a missing ConfigMap',
      { journeys: { configMap: 'nope', proxy: 'ws://127.0.0.1:1' } },
      'ConfigMapUnavailable',
      /ConfigMap shop\/nope.*does not exist/,
    ],
    [
      'a ConfigMap key that is absent',
      { journeys: { configMap: 'shop-journeys', key: 'x', proxy: 'ws://127.0.0.1:1' } },
      'ConfigMapUnavailable',
      /no key "x" \(keys: bad, journeys.yaml\)/,
    ],
    [
      'a journey spec that does not parse',
      { journeys: { configMap: 'shop-journeys', key: 'bad', proxy: 'ws://127.0.0.1:1' } },
      'JourneySpecInvalid',
      /key bad do not parse: .*expected \{"journeys"/,
    ],
    [
      'a missing Secret',
      { report: { github: { repo: 'acme/shop', tokenSecret: { name: 'missing', key: 'token' } } } },
      'SecretUnavailable',
      /Secret shop\/missing key "token": it does not exist/,
    ],
    [
      'a missing Secret key',
      { report: { github: { repo: 'acme/shop', tokenSecret: { name: 'gh', key: 'tok' } } } },
      'SecretUnavailable',
      /has no such key \(keys: token\)/,
    ],
    [
      'a missing key file',
      { llm: { provider: 'gemini', apiKeySecret: { file: '/nonexistent/key' } } },
      'SecretUnavailable',
      /cannot read file \/nonexistent\/key \(ENOENT\)/,
    ],
  ] as const)('%s is a clear configuration error', async (_name, over, code, message) => {
    const err = await run(analysis('healthy', over as Partial<CanaryAnalysisInput>)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnalysisError);
    expect((err as AnalysisError).code).toBe(code);
    expect((err as AnalysisError).message).toMatch(message);
    expect((err as AnalysisError).message).not.toContain('ghp_');
  });

  it('GitHub down during a rollback: the verdict stands and the report says so', async () => {
    const v = await run(
      analysis('broken', {
        report: {
          github: {
            repo: 'acme/shop',
            tokenSecret: { name: 'gh', key: 'token' },
            apiUrl: 'http://127.0.0.1:1',
          },
          stateDir: join(outbox, 'gh-state'),
        },
      }),
    );
    expect(v.verdict).toBe('rollback');
    expect(v.report?.action).toBe('failed');
    expect(v.report?.detail).not.toContain('ghp_');
  });

  it('aborted mid-measurement: rejects with the abort and leaves no journey or log read running', async () => {
    const runner = new HttpJourneyRunner();
    const ac = new AbortController();
    const p = run(
      analysis('broken', { journeys: { configMap: 'shop-journeys', proxy: proxyUrl, repeat: 50 } }),
      { signal: ac.signal, runner },
    );
    while (runner.started === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('terminated by the controller'));
    await expect(p).rejects.toThrow('terminated by the controller');
    const started = runner.started;
    await new Promise((r) => setTimeout(r, 200));
    expect(runner.started).toBe(started);
    expect(started).toBeLessThan(100);
    expect(kubelet.inFlight).toBe(0);
  });

  it('the log window starts at the previous measurement, bounded by maxWindow', async () => {
    kubelet.requests.length = 0;
    await run(
      { ...analysis('healthy'), journeys: undefined, report: undefined },
      { previous: new Date(Date.now() - 120_000) },
    );
    const since = kubelet.requests.map((u) => Number(u.searchParams.get('sinceSeconds')));
    expect(Math.min(...since)).toBeGreaterThanOrEqual(120);
    expect(Math.max(...since)).toBeLessThan(180);
    kubelet.requests.length = 0;
    await run(
      { ...analysis('healthy'), journeys: undefined, report: undefined, logs: { maxWindow: '5m' } },
      { previous: new Date(Date.now() - 86_400_000) },
    );
    expect(
      Math.max(...kubelet.requests.map((u) => Number(u.searchParams.get('sinceSeconds')))),
    ).toBeLessThanOrEqual(310);
  });
});

describe('deploy/plugin/rbac-canary.yaml, used as the controller ServiceAccount', () => {
  async function saKubeConfig(): Promise<KubeConfig> {
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: 'argo-rollouts' } } });
    await core.createNamespacedServiceAccount({
      namespace: 'argo-rollouts',
      body: { metadata: { name: 'argo-rollouts' } },
    });
    const text = readFileSync(
      join(import.meta.dirname, '..', '..', 'deploy', 'plugin', 'rbac-canary.yaml'),
      'utf8',
    );
    for (const doc of parseAllDocuments(text).map(
      (d) => d.toJS() as { kind: string; metadata: { namespace?: string } },
    )) {
      const body = doc as never;
      if (doc.kind === 'ClusterRole') await rbac.createClusterRole({ body });
      if (doc.kind === 'ClusterRoleBinding') await rbac.createClusterRoleBinding({ body });
      if (doc.kind === 'Role')
        await rbac.createNamespacedRole({ namespace: doc.metadata.namespace as string, body });
      if (doc.kind === 'RoleBinding')
        await rbac.createNamespacedRoleBinding({ namespace: doc.metadata.namespace as string, body });
    }
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: 'argo-rollouts',
      name: 'argo-rollouts',
      body: { spec: { audiences: [] } },
    });
    return fx.kubeConfig({ token: tr.status?.token as string });
  }

  it('grants exactly what the analysis reads: a full rollback with issue works; a Secret not listed by name is forbidden', async () => {
    const sa = await saKubeConfig();
    const v = await run(
      analysis('broken', { report: { outbox: { dir: outbox }, stateDir: join(outbox, 'rbac') } }),
      { kubeConfig: sa },
    );
    expect(v.verdict).toBe('rollback');
    expect(v.evidence.pods).toEqual({ stable: 2, canary: 2 });
    expect(v.evidence.warnings).toEqual([]);
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'other' }, stringData: { k: 'v' } },
    });
    const err = await run(
      analysis('healthy', {
        report: { github: { repo: 'acme/shop', tokenSecret: { name: 'other', key: 'k' } } },
      }),
      { kubeConfig: sa },
    ).catch((e: unknown) => e);
    expect((err as AnalysisError).code).toBe('SecretUnavailable');
    expect((err as AnalysisError).message).toMatch(/403 Forbidden/);
    expect(existsSync(outbox)).toBe(true);
  });

  it('without the RBAC, listing pods is forbidden: inconclusive (infrastructure), never a verdict', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'nobody' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: NS,
      name: 'nobody',
      body: { spec: { audiences: [] } },
    });
    const v = await run(
      { ...analysis('broken'), journeys: undefined, report: undefined },
      { kubeConfig: fx.kubeConfig({ token: tr.status?.token as string }) },
    );
    expect(v.verdict).toBe('inconclusive');
    expect(v.infrastructure).toBe(true);
    expect(v.missing[0]).toMatch(/Listing (stable|canary) pods .*forbidden/i);
  });
});

describe('sentinel canary --config (the same analysis from a terminal)', () => {
  async function cli(
    config: unknown,
    extra: string[] = [],
  ): Promise<{ code: number; out: string; err: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'canary-cli-'));
    const file = join(dir, 'analysis.yaml');
    writeFileSync(file, JSON.stringify(config));
    writeFileSync(join(dir, 'kubeconfig'), kc.exportConfig());
    const out: string[] = [];
    const err: string[] = [];
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => (err.push(String(c)), true));
    vi.stubEnv('KUBECONFIG', join(dir, 'kubeconfig'));
    try {
      const code = await canaryMain(['--config', file, ...extra]);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      o.mockRestore();
      e.mockRestore();
      vi.unstubAllEnvs();
    }
  }

  it('rollback → exit 1, the verdict as JSON on stdout, progress on stderr', async () => {
    const { journeys: _j, ...noJourneys } = analysis('broken', { report: undefined });
    const r = await cli(noJourneys, ['--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: 'rollback',
      evidence: { pods: { stable: 2, canary: 2 } },
    });
    expect(r.err).toMatch(/canary: evidence: 2 stable \/ 2 canary pods/);
  });

  it('--html: the report page is written and the issue links it (report.pageUrl defaults to its file:// URL)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'canary-html-'));
    const { journeys: _j, ...noJourneys } = analysis('broken', {
      report: { outbox: { dir: join(dir, 'outbox') }, stateDir: join(dir, 'state') },
    });
    const page = join(dir, 'verdict.html');
    const r = await cli(noJourneys, ['--json', '--html', page]);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { report?: { outboxFile?: string }; artifacts: { reportPage?: string } };
    expect(v.artifacts.reportPage).toBe(page);
    expect(readFileSync(page, 'utf8')).toContain('<h1>ROLLBACK</h1>');
    expect(readFileSync(v.report?.outboxFile as string, 'utf8')).toContain(
      `- [verdict report page](file://${page})`,
    );
  });

  it('no canary pods → exit 2 and a readable summary saying what is missing', async () => {
    const { journeys: _j, ...noJourneys } = analysis('none', { report: undefined });
    const r = await cli(noJourneys);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^INCONCLUSIVE \(confidence 0%\)[^\n]*\n {2}missing: no canary pods/);
  });

  it('an invalid file → exit 3 naming the field', async () => {
    const r = await cli({ rollout: 'shop', canary: { podTemplateHash: 'x' }, stable: {} });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/CanaryConfigInvalid: .*stable\.podTemplateHash: is required/);
  });
});
