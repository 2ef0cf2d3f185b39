/**
 * @module demo/main — `sentinel demo` (`npm start`): the whole self-healing loop on one machine. Stable v1 and canary
 * v2 of the demo shop, the sandbox proxy, a canary analysis → rollback and an issue; the fix v3 → promote and the
 * issue closed. Exit 0 when the loop behaved as expected, 4 when it did not, 3 for usage, 130 when interrupted.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChromiumNotFound, findChromium } from '../lib/chromium.ts';
import { EXIT, EXIT_CODES_HELP, UsageError } from '../lib/exitCodes.ts';
import { optionsHelp } from '../lib/config.ts';
import type * as CanaryStepModule from './canaryStep.ts';
import type { analyzeCanary, CanaryStepResult } from './canaryStep.ts';
import { DEMO_OPTIONS, type DemoConfig, loadDemoConfig } from './config.ts';
import { startReplicaSet, startService, type ReplicaSet, type Service } from './fleet.ts';
import { logOffsets } from './podLogs.ts';
import { Progress } from './progress.ts';
import { startProxyProcess, type ProxyProcess } from '../lib/proxyProcess.ts';
import { driveTraffic } from './traffic.ts';

/** A path as the user would type it: relative to the working directory when inside it. */
function shown(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

const SPEC = fileURLToPath(new URL('./journeys.yaml', import.meta.url));

/** Exit code when interrupted (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

interface Run {
  config: DemoConfig;
  dir: string;
  outbox: string;
  stateDir: string;
  signal: AbortSignal;
  progress: Progress;
  /** Stops everything started so far, newest first. */
  cleanups: (() => Promise<void>)[];
}

function runId(): string {
  return `${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

async function secretFile(run: Run, name: string, value: string): Promise<{ file: string }> {
  // The analysis reads secrets by reference only; the value lives in a 0600 file of this run, removed at the end.
  const file = resolve(run.dir, '.secrets', name);
  await mkdir(resolve(run.dir, '.secrets'), { recursive: true, mode: 0o700 });
  await writeFile(file, value, { mode: 0o600 });
  run.cleanups.push(() => rm(resolve(run.dir, '.secrets'), { recursive: true, force: true }));
  return { file };
}

async function reportTarget(run: Run): Promise<NonNullable<Parameters<typeof analyzeCanary>[0]['report']>> {
  const { github, githubToken } = run.config;
  if (github && githubToken)
    return {
      github: {
        repo: github,
        tokenSecret: await secretFile(run, 'github-token', githubToken),
        apiUrl: run.config.githubApiUrl,
      },
      stateDir: run.stateDir,
    };
  return { outbox: { dir: run.outbox }, stateDir: run.stateDir };
}

async function llmSetup(run: Run): Promise<Parameters<typeof analyzeCanary>[0]['llm']> {
  if (run.config.llm !== 'gemini' || !run.config.geminiApiKey) return undefined;
  return {
    provider: 'gemini',
    apiKeySecret: await secretFile(run, 'gemini-api-key', run.config.geminiApiKey),
    ...(run.config.geminiBaseUrl ? { baseUrl: run.config.geminiBaseUrl } : {}),
  };
}

async function startSide(run: Run, version: 'v1' | 'v2' | 'v3'): Promise<ReplicaSet> {
  const rs = await startReplicaSet({
    app: 'shop',
    version,
    replicas: run.config.replicas,
    logDir: resolve(run.dir, 'logs'),
    signal: run.signal,
  });
  run.cleanups.push(() => rs.stop());
  return rs;
}

/** The stable and the canary Service: fixed addresses whose pods change, as in a cluster. */
interface Services {
  stable: Service;
  canary: Service;
}

type Offsets = Awaited<ReturnType<typeof logOffsets>>[];

const pods = (svc: Service): ReplicaSet['pods'] => svc.replicaSet?.pods ?? [];

async function shoppers(run: Run, svc: Services, seed: number): Promise<{ value: Offsets; note: string }> {
  const offsets = await Promise.all([logOffsets(pods(svc.stable)), logOffsets(pods(svc.canary))]);
  const o = { sessions: run.config.sessions, concurrency: 6, seed, signal: run.signal };
  const [s, c] = await Promise.all([driveTraffic(svc.stable.url, o), driveTraffic(svc.canary.url, o)]);
  const fmt = (t: typeof s): string => `${t.requests} req (${t.byClass['5xx'] ?? 0} × 5xx)`;
  return { value: offsets, note: `stable ${fmt(s)}, canary ${fmt(c)}` };
}

function verdictNote(r: CanaryStepResult): string {
  const v = r.verdict;
  const rep = v.report;
  const where = rep?.outboxFile ? shown(rep.outboxFile) : rep?.issueUrl;
  const issue = rep ? `issue ${rep.action}${where ? ` ${where}` : ''}` : 'no issue';
  return `measurement ${r.measurement.phase}: ${r.result.verdict.toUpperCase()} ${Math.round(r.result.confidence * 100)} %, ${issue}`;
}

async function analysis(
  run: Run,
  a: { svc: Services; proxy: ProxyProcess; offsets: Offsets; label: string },
): Promise<{ value: CanaryStepResult; note: string }> {
  const { analyzeCanary } = await canaryStep();
  const result = await analyzeCanary({
    stable: a.svc.stable.replicaSet as ReplicaSet,
    canary: a.svc.canary.replicaSet as ReplicaSet,
    urls: { stable: a.svc.stable.url, canary: a.svc.canary.url },
    logs: { stable: a.offsets[0] ?? [], canary: a.offsets[1] ?? [] },
    journeysSpec: await readFile(SPEC, 'utf8'),
    proxyUrl: a.proxy.dataUrl,
    proxyToken: { file: a.proxy.tokenFile },
    repeat: run.config.repeat,
    runDir: run.dir,
    label: a.label,
    report: await reportTarget(run),
    llm: await llmSetup(run),
    signal: run.signal,
  });
  return { value: result, note: verdictNote(result) };
}

async function startAll(run: Run): Promise<{ value: [Services, ProxyProcess]; note: string }> {
  const [stableSvc, canarySvc] = await Promise.all([startService(), startService()]);
  run.cleanups.push(async () => {
    stableSvc.close();
    canarySvc.close();
  });
  const sandboxDir = resolve(run.dir, 'sandboxes');
  const allowPorts = [stableSvc.port, canarySvc.port];
  const [v1, v2, proxy] = await Promise.all([
    startSide(run, 'v1'),
    startSide(run, 'v2'),
    // The proxy's default identity, signed tenant tokens, as in a cluster: the analysis presents a token minted for
    // the demo's tenant, read by reference from a 0600 file (never a flag or the verdict).
    startProxyProcess({
      signal: run.signal,
      sandboxDir,
      allowLoopback: allowPorts.map((p) => `127.0.0.1:${p}`),
      signedTenant: 'demo',
      shutdownSandboxes: 'delete',
      // One browser launched while the pods start and the shoppers shop, so the first journey does not wait for it.
      warmPool: run.config.warmBrowser ? 1 : 0,
    }).then((px) => {
      run.cleanups.push(() => px.stop());
      return px;
    }),
  ]);
  stableSvc.route(v1);
  canarySvc.route(v2);
  const note = `${run.config.replicas}+${run.config.replicas} pods, proxy ${proxy.dataUrl}`;
  return { value: [{ stable: stableSvc, canary: canarySvc }, proxy], note };
}

/**
 * The analysis modules (the judge, journeys, the Kubernetes client the plugin needs) take seconds to load on a busy
 * machine: loaded once, in the background while the pods start.
 */
let canaryStepModule: Promise<typeof CanaryStepModule> | undefined;
const canaryStep = (): Promise<typeof CanaryStepModule> => (canaryStepModule ??= import('./canaryStep.ts'));

/** The loop, stage by stage. Returns both analyses. */
async function loop(run: Run): Promise<[CanaryStepResult, CanaryStepResult]> {
  const p = run.progress;
  canaryStep().catch(() => undefined); // preload; a real failure surfaces when the analysis awaits it
  const [svc, proxy] = await p.stage('start stable v1, canary v2, sandbox proxy', () => startAll(run));
  const offsets1 = await p.stage('shoppers on stable and canary', () => shoppers(run, svc, 1));
  const first = await p.stage('canary analysis v2 vs v1 (journeys + logs)', () =>
    analysis(run, { svc, proxy, offsets: offsets1, label: 'analysis-1-v2' }),
  );
  await p.stage('ship the fix: canary v3', async () => {
    const v2 = svc.canary.replicaSet as ReplicaSet;
    const v3 = await startSide(run, 'v3');
    // The canary Service moves to the new ReplicaSet, then the old one is scaled down.
    svc.canary.route(v3);
    await v2.stop();
    return { value: v3, note: `pods ${v3.pods.map((x) => x.name).join(', ')}` };
  });
  const offsets2 = await p.stage('shoppers on stable and canary', () => shoppers(run, svc, 2));
  const second = await p.stage('canary analysis v3 vs v1 (journeys + logs)', () =>
    analysis(run, { svc, proxy, offsets: offsets2, label: 'analysis-2-v3' }),
  );
  return [first, second];
}

/** What the issue loop did, from the measurement's `report` metadata (`filed /path …`, `closed …`). */
const reportAction = (r: CanaryStepResult): string => r.measurement.metadata?.report?.split(' ')[0] ?? 'none';

/**
 * What "the loop behaved as expected" means, read from the two measurements as the controller reads them (the phase
 * decides; the metadata says what the issue loop did), as a list of what did not.
 */
export function unexpected(first: CanaryStepResult, second: CanaryStepResult): string[] {
  const why = (r: CanaryStepResult): string =>
    `${r.measurement.phase}, ${r.result.verdict}${r.measurement.message ? `: ${r.measurement.message}` : ''}`;
  const said = (r: CanaryStepResult): string => r.measurement.metadata?.report ?? 'no report';
  const checks: [boolean, string][] = [
    [first.measurement.phase === 'Failed', `v2's measurement should be Failed (rollback), got ${why(first)}`],
    [
      ['filed', 'commented'].includes(reportAction(first)),
      `v2's rollback should file an issue, got ${said(first)}`,
    ],
    [
      second.measurement.phase === 'Successful',
      `v3's measurement should be Successful (promote), got ${why(second)}`,
    ],
    [reportAction(second) === 'closed', `v3's promote should close the issue, got ${said(second)}`],
  ];
  return checks.filter(([ok]) => !ok).map(([, w]) => w);
}

function summary(run: Run, first: CanaryStepResult, second: CanaryStepResult): string {
  const rel = shown;
  const issue = first.verdict.report?.outboxFile ?? first.verdict.report?.issueUrl ?? '(none)';
  const reasons = first.result.reasons.slice(0, 3).map((r) => `    - ${r.slice(0, 140)}`);
  const pct = (r: CanaryStepResult): number => Math.round(r.result.confidence * 100);
  const llm = first.verdict.llm
    ? [
        `LLM:          ${first.verdict.llm.model ?? 'llm'}, ${first.verdict.llm.tokens.input} tokens in / ${first.verdict.llm.tokens.output} out`,
      ]
    : [];
  return [
    '',
    `v2: ${first.result.verdict.toUpperCase()} (confidence ${pct(first)} %; measurement ${first.measurement.phase}), because:`,
    ...reasons,
    `v3: ${second.result.verdict.toUpperCase()} (confidence ${pct(second)} %; measurement ${second.measurement.phase}); issue ${reportAction(second)}`,
    `issue:        ${issue.startsWith('/') ? rel(issue) : issue}`,
    ...llm,
    `report pages: ${rel(first.reportPage)}`,
    `              ${rel(second.reportPage)}`,
    `run folder:   ${rel(run.dir)}  (${(run.progress.elapsedMs() / 1000).toFixed(1)} s in all)`,
    '',
  ].join('\n');
}

/** Stops everything started, newest first; returns how long it took. */
async function cleanup(run: Run): Promise<number> {
  const t0 = performance.now();
  for (const stop of run.cleanups.reverse()) await stop().catch(() => undefined);
  run.cleanups.length = 0;
  return performance.now() - t0;
}

/** Finds Chromium before anything starts; none is the caller's environment to fix (exit 3), with the install hint. */
function chromiumOrExplain(explicitPath: string | undefined): void {
  try {
    findChromium({ explicitPath });
  } catch (err) {
    if (err instanceof ChromiumNotFound)
      throw new UsageError(err.code, err.message, { hint: err.hint, cause: err });
    throw err;
  }
}

/** Runs the demo; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `usage: sentinel demo [flags]   (npm start)\n\nThe self-healing loop on one machine: canary v2 of a demo shop rolled back with an issue filed, the fix v3\npromoted and the issue closed. Nothing leaves the machine unless --llm gemini or --github is given.\n\n${optionsHelp(DEMO_OPTIONS)}\n\n${EXIT_CODES_HELP}\n  (demo: 0 the loop behaved as expected, 3 no Chromium, 4 it did not behave as expected; 130 interrupted by Ctrl-C)`,
    );
    return 0;
  }
  const config = loadDemoConfig(argv);
  chromiumOrExplain(config.chromiumPath);
  const out = resolve(config.out);
  const controller = new AbortController();
  const run: Run = {
    config,
    dir: resolve(out, 'runs', runId()),
    outbox: resolve(out, 'outbox'),
    stateDir: resolve(out, 'state'),
    signal: controller.signal,
    progress: new Progress(process.stdout),
    cleanups: [],
  };
  await mkdir(resolve(run.dir, 'logs'), { recursive: true });
  await mkdir(resolve(run.dir, 'sandboxes'), { recursive: true });
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    process.stderr.write(`\n${sig}: stopping every process of the demo…\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(`rollout-sentinel demo — run folder ${shown(run.dir)}`);
  try {
    const [first, second] = await loop(run);
    console.log(summary(run, first, second));
    const wrong = unexpected(first, second);
    if (wrong.length > 0)
      console.log(`The loop did not behave as expected:\n${wrong.map((w) => `  - ${w}`).join('\n')}`);
    // 1 is reserved for a reached rollback verdict (lib/exitCodes.ts): a loop that misbehaved is a failure of ours, 4.
    return wrong.length === 0 ? EXIT.ok : EXIT.internal;
  } catch (err) {
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    throw err;
  } finally {
    const ms = await cleanup(run);
    if (!controller.signal.aborted)
      console.log(`stopped every pod, the proxy and its browser in ${(ms / 1000).toFixed(1)} s`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (controller.signal.aborted) console.error('stopped: every process of the demo has exited.');
  }
}
