/**
 * @module plugin/bench/canary — `npm run bench:canary`: one `kind: canary` measurement at the issue's size, driven
 * the way the controller drives it (Run, then Resume until done), and its figures against the targets:
 * 3 canary + 3 stable pods × 20k log lines (from a real kube-apiserver, the kubelet's log endpoint stood in),
 * 3 journeys × 5 paired repeats through the real proxy (`sentinel proxy --backend local`, Chromium), the fake Gemini
 * and the fake GitHub. A redaction corpus is planted in the canary's logs and in a journey page; every request to
 * Gemini and GitHub is searched for it. Figures, not assertions; the machine's load is printed alongside.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { silentLogger } from '../../lib/log.ts';
import { createRolloutPods, registerNode, startFakeKubelet } from '../../lib/testing/kube/fakeKubelet.ts';
import { startKubeFixture } from '../../lib/testing/kube/kubeFixture.ts';
import { startFaultApp } from '../../journeys/testing/faultApp.ts';
import { startProxyProcess } from '../../lib/proxyProcess.ts';
import { CheckProvider } from '../checkProvider.ts';
import { defaultChecks } from '../checks/registry.ts';
import { warmUpArgsSchema } from '../config.ts';
import { PLUGIN_NAME } from '../errors.ts';
import type { AnalysisRun, Measurement, Metric } from '../argoTypes.ts';
import { rng, serviceLog, SERVICES } from '../../analysis/eval/generate.ts';
import { startFakeGitHub, TOKENS } from '../../analysis/report/testing/harness.ts';
import { secretCorpus } from '../../analysis/report/testing/secretCorpus.ts';
import { FakeGemini } from '../../analysis/testing/fakeGemini.ts';

const LINES = 20_000;
const PODS = 3;
const NS = 'shop';
const T0 = Date.parse('2026-12-02T05:00:00Z');
const svc = SERVICES[0] as (typeof SERVICES)[number];

const SPEC = `
journeys:
  - name: add to cart
    stepTimeoutMs: 5000
    steps:
      - { action: goto, url: / }
      - { action: click, locator: { role: button, name: Add to cart } }
      - { action: expect, locator: { testId: cart }, text: 1 item }
  - name: promo banner
    stepTimeoutMs: 5000
    steps:
      - { action: goto, url: / }
      - { action: expect, locator: { testId: promo }, state: visible }
  - name: price shown
    stepTimeoutMs: 5000
    steps:
      - { action: goto, url: / }
      - { action: expect, locator: { css: '#price' }, text: '$' }
`;

/** Forwards to `target`, adding a script that logs a secret to the console into every HTML page (the planted page). */
function leakyFront(target: string, secretLine: string): Promise<Server> {
  const s = createServer((req, res) => {
    const up = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => {
          let body = Buffer.concat(parts);
          const html = String(r.headers['content-type'] ?? '').includes('html');
          if (html)
            body = Buffer.from(
              body
                .toString('utf8')
                .replace('</body>', `<script>console.error(${JSON.stringify(secretLine)})</script></body>`),
            );
          const headers = { ...r.headers, 'content-length': String(body.length) };
          res.writeHead(r.statusCode ?? 502, headers).end(body);
        });
      },
    );
    req.pipe(up);
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;

async function main(): Promise<void> {
  const corpus = secretCorpus();
  const t = { start: performance.now() };
  process.stderr.write('starting kube-apiserver fixture, kubelet stand-in, proxy, apps, fakes …\n');
  const kubelet = await startFakeKubelet();
  const fx = await startKubeFixture({ extraArgs: ['--kubelet-preferred-address-types=InternalIP'] });
  const kc = fx.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await registerNode(kc, 'node-1', kubelet.port);
  const r = rng(7);
  for (const [prefix, hash, canary] of [
    ['stable', 'st20k', false],
    ['canary', 'cn20k', true],
  ] as const) {
    for (const [i, pod] of (
      await createRolloutPods(kc, { namespace: NS, prefix, hash, count: PODS, node: 'node-1' })
    ).entries()) {
      const lines = serviceLog({
        r,
        svc,
        lines: LINES,
        t0: T0,
        noisyTimeouts: 0.01,
        ...(canary ? { serverErrors: 0.03 } : {}),
      });
      if (canary) corpus.forEach((c, k) => lines.splice(1000 + k * 997 + i, 0, c.line));
      kubelet.logs.set(`${NS}/${pod}/app`, `${lines.join('\n')}\n`);
    }
  }
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'gemini' }, stringData: { 'api-key': 'bench-gemini-key-0123456789' } },
  });
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'gh' }, stringData: { token: TOKENS.user } },
  });
  const gemini = await FakeGemini.start({
    apiKey: 'bench-gemini-key-0123456789',
    handler: () => ({
      text: JSON.stringify({
        verdict: 'rollback',
        confidence: 0.9,
        summary: 'server errors new in the canary',
        reasons: [{ summary: 'more 5xx on the canary', templateIds: [], severity: 0.8 }],
      }),
    }),
  });
  const github = await startFakeGitHub();
  const stableApp = await startFaultApp();
  const canaryApp = await startFaultApp({ faults: ['throwingButton'], throwFraction: 0.6 });
  const front = await leakyFront(canaryApp.url, corpus.find((c) => c.kind === 'bearer')?.line ?? '');
  const frontUrl = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
  const allow = [stableApp.url, canaryApp.url, frontUrl].map((u) => new URL(u).host);
  const proxy = await startProxyProcess({ identity: 'token', allowLoopback: allow, maxSandboxes: 4 });
  const tokenFile = join(await mkdtemp(join(os.tmpdir(), 'bench-canary-')), 'proxy-token');
  await writeFile(tokenFile, proxy.token, { mode: 0o600 });
  const setupMs = performance.now() - t.start;

  const cfg = {
    kind: 'canary',
    rollout: 'shop',
    namespace: NS,
    canary: { podTemplateHash: 'cn20k', url: frontUrl },
    stable: { podTemplateHash: 'st20k', url: stableApp.url },
    journeys: {
      inline: SPEC,
      proxy: proxy.dataUrl,
      proxyToken: { file: tokenFile },
      repeat: 5,
      timeout: '5m',
    },
    logs: { firstWindow: '1h' },
    llm: { provider: 'gemini', apiKeySecret: { name: 'gemini', key: 'api-key' }, baseUrl: gemini.url },
    report: {
      github: { repo: 'acme/shop', tokenSecret: { name: 'gh', key: 'token' }, apiUrl: github.baseUrl },
      stateDir: join(os.tmpdir(), 'bench-canary-state'),
    },
    resumeAfter: '100ms',
  };
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-canary-run-'));
  await writeFile(join(dir, 'kubeconfig'), kc.exportConfig());
  await writeFile(join(dir, 'cfg.json'), JSON.stringify(cfg));
  // The measurement runs in its own process (the plugin's footprint alone; the fakes stay here).
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise<void>((res, rej) =>
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`child exited ${code}`)))),
  );
  const { m, runMs, runCpuMs, warmRunCpuMs, warmRunMs, maxResumeMs, resumes, totalMs, peakRss, baseRss } =
    JSON.parse(out) as ChildResult;
  const outgoing = [
    ...gemini.requests.map((q) => JSON.stringify(q.body) + JSON.stringify(q.headers)),
    ...github.requests.map((q) => q.body + q.query + q.path),
  ];
  const leaks = corpus.filter((c) => outgoing.some((o) => o.includes(c.secret))).map((c) => c.kind);
  if (process.argv.includes('--debug-leaks')) {
    for (const c of corpus.filter((x) => leaks.includes(x.kind))) {
      for (const o of outgoing.filter((x) => x.includes(c.secret))) {
        const i = o.indexOf(c.secret);
        process.stderr.write(`LEAK ${c.kind}: …${o.slice(Math.max(0, i - 300), i + 80)}…\n`);
      }
    }
  }
  const promptTokens = Math.max(
    0,
    ...gemini.requests
      .filter((q) => q.action === 'generateContent')
      .map((q) => Math.ceil(q.promptText.length / 4)),
  );
  const value = JSON.parse(m.value ?? '{}') as { verdict?: string };
  const [l1, l5] = os.loadavg();
  const rows: [string, string, string][] = [
    ['one measurement (Run → last Resume)', `${(totalMs / 1000).toFixed(1)} s`, '< 60 s'],
    ['Run wall (first in process / warm)', `${runMs.toFixed(2)} / ${warmRunMs.toFixed(2)} ms`, '< 5 ms'],
    [
      'Run CPU (first in process / warm)',
      `${runCpuMs.toFixed(2)} / ${warmRunCpuMs.toFixed(2)} ms`,
      'wall inflated by load',
    ],
    ['slowest Resume', `${maxResumeMs.toFixed(2)} ms`, '—'],
    ['plugin process RSS peak (before Run)', `${mb(peakRss)} (${mb(baseRss)})`, '< 300 MB'],
    [
      'LLM input (largest prompt, ~4 chars/token)',
      `${promptTokens} tokens; model-reported ${m.metadata?.llm?.match(/tokens in (\d+)/)?.[1] ?? '?'}`,
      '≤ 8000',
    ],
    [
      'secrets found in outgoing requests',
      `${leaks.length} of ${corpus.length} planted${leaks.length ? ` (${leaks.join(', ')})` : ''}`,
      '0',
    ],
  ];
  process.stdout.write(
    `\nkind: canary — ${PODS}+${PODS} pods × ${LINES} lines, 3 journeys × 5 paired repeats (local backend), Gemini + GitHub fakes\n` +
      `machine: ${os.cpus().length} cores, load ${l1?.toFixed(1)} / ${l5?.toFixed(1)} (1/5 min); setup ${(setupMs / 1000).toFixed(1)} s (not measured)\n` +
      `result: phase ${m.phase}, verdict ${value.verdict}, ${resumes} resumes; ${gemini.requests.length} Gemini and ${github.requests.length} GitHub requests\n` +
      `message: ${m.message}\n\n` +
      rows.map(([a, b, c]) => `  ${a.padEnd(46)} ${b.padEnd(34)} target ${c}`).join('\n') +
      '\n\nmetadata:\n' +
      Object.entries(m.metadata ?? {})
        .map(([k, v]) => `  ${k}: ${v.replace(/\n/g, '\n    ')}`)
        .join('\n') +
      '\n',
  );
  await proxy.stop();
  await Promise.all([stableApp.close(), canaryApp.close(), gemini.close(), github.close(), kubelet.close()]);
  front.close();
  await fx.stop();
}

interface ChildResult {
  m: Measurement;
  runMs: number;
  runCpuMs: number;
  warmRunMs: number;
  warmRunCpuMs: number;
  maxResumeMs: number;
  resumes: number;
  totalMs: number;
  peakRss: number;
  baseRss: number;
}

/** The plugin side: a provider in a fresh process, driven like the controller drives it. */
async function child(dir: string): Promise<void> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
  const cfg = JSON.parse(await readFile(join(dir, 'cfg.json'), 'utf8')) as Record<string, unknown>;
  const metric: Metric = {
    name: 'canary',
    successCondition: '',
    failureCondition: '',
    plugin: { [PLUGIN_NAME]: Buffer.from(JSON.stringify(cfg)) },
    raw: null,
  };
  const run: AnalysisRun = {
    name: 'shop-bench',
    namespace: NS,
    uid: 'bench',
    labels: {},
    annotations: {},
    ownerReferences: [],
    raw: null,
  };
  const provider = new CheckProvider({
    checks: defaultChecks({ kubeConfig: async () => kc }),
    log: silentLogger,
  });
  warmUpArgsSchema(); // as plugin/main.ts does at start-up
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let m: Measurement = await provider.run(run, metric);
  const runMs = performance.now() - t0;
  const runCpuMs = process.cpuUsage(c0).user / 1000;
  await new Promise((res) => setTimeout(res, 200));
  // A second Run (another metric of the same template, terminated at once): Run once the code is warm.
  const w0 = performance.now();
  const wc0 = process.cpuUsage();
  const other = await provider.run({ ...run, uid: 'bench-2' }, metric);
  const warmRunMs = performance.now() - w0;
  const warmRunCpuMs = process.cpuUsage(wc0).user / 1000;
  await provider.terminate(run, metric, other);
  let resumes = 0;
  let maxResumeMs = 0;
  while (m.phase === 'Running') {
    await new Promise((res) => setTimeout(res, 100));
    const r0 = performance.now();
    m = await provider.resume(run, metric, m);
    maxResumeMs = Math.max(maxResumeMs, performance.now() - r0);
    resumes++;
  }
  const totalMs = performance.now() - t0;
  clearInterval(sampler);
  provider.close();
  process.stdout.write(
    JSON.stringify({
      m,
      runMs,
      runCpuMs,
      warmRunCpuMs,
      warmRunMs,
      maxResumeMs,
      resumes,
      totalMs,
      peakRss,
      baseRss,
    } satisfies ChildResult),
  );
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] as string);
else await main();
