/**
 * @module journeys/attempt — one run of one journey in a fresh browser context: steps with outcome, duration and
 * error; console and page errors; failed requests; timing and vitals; a screenshot and a trace on failure. The context
 * is always closed. Infrastructure failures become `error` runs, never failed ones.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../lib/errors.ts';
import { InfraError, type BackendConnection } from './connection.ts';
import { normalizeMessage, urlTemplate } from './normalize.ts';
import { runStep, stepLabel, StepFailure } from './steps.ts';
import { substituteStep, type Variables } from './variables.ts';
import { readVitals, VITALS_INIT_SCRIPT } from './vitals.ts';
import type { BrowserContext, Page } from 'playwright-core';
import type { Journey, JourneySpec } from './spec.ts';
import type { FailedRequest, InfraErrorKind, JourneyRun, Side, StepResult } from './types.ts';

/** Most entries kept per list per run (a page logging in a loop must not exhaust the runner). */
const MAX_ENTRIES = 100;

/** Everything one attempt needs. */
export interface AttemptInput {
  journey: Journey;
  defaults: JourneySpec['defaults'];
  vars: Variables;
  baseUrl: string;
  side?: Side;
  attempt: number;
  conn: BackendConnection;
  artifactsDir: string | undefined;
  trace: boolean;
  /** Aborts the run (the whole call's deadline, or the caller); `reason` is an {@link InfraErrorKind}. */
  signal: AbortSignal;
}

/** When an attempt started (monotonic ms and wall-clock ISO time). */
interface Clock {
  started: number;
  startedAt: string;
}

/** Mutable record of what the page did during one attempt. */
interface Observed {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: FailedRequest[];
  responses: { url: string; status: number }[];
  documentStatus: number | undefined;
  screenshots: string[];
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'x';

function push<T>(list: T[], item: T): void {
  if (list.length < MAX_ENTRIES) list.push(item);
}

function observe(page: Page, baseUrl: string, o: Observed, vars: Variables): void {
  const norm = (t: string): string => vars.redact(normalizeMessage(t, baseUrl));
  page.on('console', (m) => {
    if (m.type() === 'error') push(o.consoleErrors, norm(m.text()));
  });
  page.on('pageerror', (e) => push(o.pageErrors, norm(e.message)));
  page.on('response', (r) => {
    const status = r.status();
    if (o.responses.length < 1000) o.responses.push({ url: r.url(), status });
    try {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) o.documentStatus = status;
    } catch {
      // Service-worker responses have no frame.
    }
    if (status >= 400)
      push(o.failedRequests, {
        method: r.request().method(),
        template: vars.redact(urlTemplate(r.url(), baseUrl)),
        status,
      });
  });
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? 'failed';
    // An aborted request is a navigation superseding another, or our own context closing: not the app's failure.
    if (failure.includes('ERR_ABORTED')) return;
    push(o.failedRequests, {
      method: req.method(),
      template: vars.redact(urlTemplate(req.url(), baseUrl)),
      failure,
    });
  });
}

/** A Playwright error in one or two lines: the message and, for timeouts, what it was waiting for. */
function shortError(err: unknown): string {
  const lines = errorMessage(err)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const first = (lines[0] ?? 'unknown error').replace(/^Error:\s*/, '');
  const waiting = lines.find((l) => l.startsWith('- waiting for'));
  return waiting && /Timeout/i.test(first) ? `${first} (${waiting.slice(2)})` : first;
}

const CLOSED =
  /has been closed|Browser closed|browser has disconnected|Connection closed|Target crashed|Page crashed/i;

/** Why a step threw: the app failed, or the infrastructure did. */
function classify(err: unknown, input: AttemptInput, connected: boolean): { infra?: InfraErrorKind } {
  if (input.signal.aborted)
    return { infra: (input.signal.reason as InfraErrorKind | undefined) ?? 'aborted' };
  if (err instanceof StepFailure) return {};
  if (!connected || CLOSED.test(errorMessage(err))) return { infra: 'sandbox_crash' };
  return {};
}

function emptyRun(input: AttemptInput, t: Clock): JourneyRun {
  return {
    journey: input.journey.name,
    backend: input.conn.backend,
    ...(input.side ? { side: input.side } : {}),
    attempt: input.attempt,
    target: input.baseUrl,
    status: 'passed',
    startedAt: t.startedAt,
    durationMs: performance.now() - t.started,
    steps: input.journey.steps.map((s, i) => ({
      step: i + 1,
      action: s.action,
      label: input.vars.redact(stepLabel(s)),
      status: 'skipped',
      durationMs: 0,
    })),
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    artifacts: {},
  };
}

function infraRun(input: AttemptInput, t: Clock, kind: InfraErrorKind, reason: string): JourneyRun {
  return {
    ...emptyRun(input, t),
    status: 'error',
    errorKind: kind,
    reason: input.vars.redact(reason),
  };
}

const INFRA_REASONS: Record<InfraErrorKind, string> = {
  connect: 'could not connect to the browser',
  sandbox_limit: 'the proxy is at its sandbox limit',
  sandbox_crash: 'the browser (sandbox) went away during the journey',
  deadline: 'the run’s deadline passed before the journey finished',
  aborted: 'the run was cancelled',
  internal: 'internal error',
};

/** Opens a context for the attempt (with the vitals script and, when asked, tracing). Throws {@link InfraError}. */
async function openContext(input: AttemptInput, retry = true): Promise<BrowserContext> {
  const browser = await input.conn.browser();
  try {
    const context = await browser.newContext();
    await context.addInitScript({ content: VITALS_INIT_SCRIPT });
    if (input.trace) await context.tracing.start({ screenshots: true, snapshots: true });
    return context;
  } catch (err) {
    // The browser died and its disconnect event has not arrived yet: connect afresh, once.
    if (retry && CLOSED.test(errorMessage(err))) {
      await new Promise<void>((r) => setImmediate(r));
      input.conn.discard(browser);
      return openContext(input, false);
    }
    const kind = browser.isConnected() && !CLOSED.test(errorMessage(err)) ? 'internal' : 'sandbox_crash';
    throw new InfraError(kind, `could not open a browser context: ${shortError(err)}`, { cause: err });
  }
}

interface StepsOutcome {
  steps: StepResult[];
  failed?: { step: number; reason: string };
  infra?: { kind: InfraErrorKind; reason: string };
}

async function runSteps(
  input: AttemptInput,
  page: Page,
  o: Observed,
  artifactDir: () => Promise<string | undefined>,
): Promise<StepsOutcome> {
  const { journey, defaults, vars } = input;
  const journeyMs = journey.timeoutMs ?? defaults.timeoutMs;
  const journeyEnd = performance.now() + journeyMs;
  const steps: StepResult[] = [];
  let outcome: Omit<StepsOutcome, 'steps'> = {};
  for (const [i, raw] of journey.steps.entries()) {
    const label = vars.redact(stepLabel(raw));
    const base = { step: i + 1, action: raw.action, label };
    if (outcome.failed || outcome.infra) {
      steps.push({ ...base, status: 'skipped', durationMs: 0 });
      continue;
    }
    const remaining = journeyEnd - performance.now();
    const stepMs = raw.timeoutMs ?? journey.stepTimeoutMs ?? defaults.stepTimeoutMs;
    if (remaining <= 0) {
      outcome = {
        failed: {
          step: i + 1,
          reason: `journey deadline of ${journeyMs} ms exceeded before step ${i + 1} (${label})`,
        },
      };
      steps.push({ ...base, status: 'skipped', durationMs: 0 });
      continue;
    }
    const t0 = performance.now();
    try {
      await runStep(substituteStep(raw, vars, input.baseUrl), {
        page,
        baseUrl: input.baseUrl,
        timeoutMs: Math.max(1, Math.floor(Math.min(stepMs, remaining))),
        documentStatus: () => o.documentStatus,
        responses: () => o.responses,
        saveScreenshot: async (png) => {
          const dir = await artifactDir();
          if (!dir) return undefined;
          const path = join(dir, `step-${i + 1}.png`);
          await writeFile(path, png);
          o.screenshots.push(path);
          return path;
        },
      });
      steps.push({ ...base, status: 'passed', durationMs: performance.now() - t0 });
    } catch (err) {
      const durationMs = performance.now() - t0;
      const c = classify(err, input, page.context().browser()?.isConnected() ?? true);
      const msg = vars.redact(shortError(err));
      steps.push({ ...base, status: 'failed', durationMs, error: msg });
      if (c.infra) {
        outcome = {
          infra: { kind: c.infra, reason: `${INFRA_REASONS[c.infra]} (step ${i + 1}, ${label}): ${msg}` },
        };
      } else {
        const deadline = stepMs > remaining && performance.now() >= journeyEnd - 5;
        const why = deadline
          ? `journey deadline of ${journeyMs} ms exceeded at step ${i + 1} (${label}): ${msg}`
          : `step ${i + 1} (${label}) failed: ${msg}`;
        outcome = { failed: { step: i + 1, reason: why } };
      }
    }
  }
  return { steps, ...outcome };
}

/** Saves a failure screenshot and the trace (when recorded) into the attempt's folder. */
async function saveFailureArtifacts(
  page: Page,
  context: BrowserContext,
  dir: string | undefined,
  input: AttemptInput,
): Promise<JourneyRun['artifacts']> {
  if (!dir) return {};
  const out: JourneyRun['artifacts'] = {};
  const shot = join(dir, 'failure.png');
  if (
    await page.screenshot({ path: shot, timeout: 5000 }).then(
      () => true,
      () => false,
    )
  )
    out.screenshot = shot;
  if (input.trace) {
    const trace = join(dir, 'trace.zip');
    if (
      await context.tracing.stop({ path: trace }).then(
        () => true,
        () => false,
      )
    )
      out.trace = trace;
  }
  return out;
}

/** Why the call's signal fired (`deadline` or `aborted`). */
function abortKind(signal: AbortSignal): InfraErrorKind {
  return (signal.reason as InfraErrorKind | undefined) ?? 'aborted';
}

/** The attempt's artifact folder, made on first use only (a passing run leaves none). */
function artifactFolder(input: AttemptInput): () => Promise<string | undefined> {
  let dir: string | undefined;
  return async () => {
    if (!input.artifactsDir) return undefined;
    const name = `${slug(input.journey.name)}${input.side ? `-${input.side}` : ''}-${input.attempt}`;
    dir ??= join(input.artifactsDir, slug(input.conn.backend), `${name}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
}

/** The run record from the steps' outcome and what the page did. */
function toRun(
  input: AttemptInput,
  t: Clock,
  seen: { r: StepsOutcome; o: Observed },
  extra: Partial<JourneyRun>,
): JourneyRun {
  const { r, o } = seen;
  return {
    ...emptyRun(input, t),
    status: r.infra ? 'error' : r.failed ? 'failed' : 'passed',
    steps: r.steps,
    ...(r.infra ? { errorKind: r.infra.kind, reason: r.infra.reason } : {}),
    ...(r.failed ? { reason: r.failed.reason, failedStep: r.failed.step } : {}),
    ...(o.documentStatus === undefined ? {} : { documentStatus: o.documentStatus }),
    consoleErrors: o.consoleErrors,
    pageErrors: o.pageErrors,
    failedRequests: o.failedRequests,
    ...extra,
    artifacts: { ...extra.artifacts, ...(o.screenshots.length ? { screenshots: o.screenshots } : {}) },
  };
}

/** Runs one journey once. Never throws: every outcome, including the infrastructure's failures, is a {@link JourneyRun}. */
export async function runAttempt(input: AttemptInput): Promise<JourneyRun> {
  const t: Clock = { started: performance.now(), startedAt: new Date().toISOString() };
  if (input.signal.aborted)
    return infraRun(input, t, abortKind(input.signal), INFRA_REASONS[abortKind(input.signal)]);
  let context: BrowserContext;
  try {
    context = await openContext(input);
  } catch (err) {
    return infraRun(input, t, err instanceof InfraError ? err.kind : 'internal', errorMessage(err));
  }
  const closeOnAbort = (): void => void context.close().catch(() => undefined);
  input.signal.addEventListener('abort', closeOnAbort, { once: true });
  const artifactDir = artifactFolder(input);
  const o: Observed = {
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    responses: [],
    documentStatus: undefined,
    screenshots: [],
  };
  try {
    const page = await context.newPage();
    observe(page, input.baseUrl, o, input.vars);
    const r = await runSteps(input, page, o, artifactDir);
    const measured = r.infra ? {} : await readVitals(page);
    const artifacts = r.failed ? await saveFailureArtifacts(page, context, await artifactDir(), input) : {};
    const run = toRun(input, t, { r, o }, { ...measured, artifacts });
    run.durationMs = performance.now() - t.started;
    return run;
  } catch (err) {
    const crashed = !(context.browser()?.isConnected() ?? false);
    const kind = input.signal.aborted ? abortKind(input.signal) : crashed ? 'sandbox_crash' : 'internal';
    return infraRun(input, t, kind, `${INFRA_REASONS[kind]}: ${shortError(err)}`);
  } finally {
    input.signal.removeEventListener('abort', closeOnAbort);
    if (input.trace) await context.tracing.stop().catch(() => undefined);
    await context.close().catch(() => undefined);
  }
}
