/**
 * @module journeys/runner — {@link runJourneys}: the spec's journeys against one target, `repeat` times, through each
 * backend in turn (one connection and tenant per backend), at most `concurrency` contexts at once, within a deadline.
 */
import { silentLogger } from '../lib/log.ts';
import { runAttempt } from './attempt.ts';
import { backendsOf, connectBackend, type BackendConnection } from './connection.ts';
import { JourneyOptionsError } from './errors.ts';
import { resolveVariables, type Variables } from './variables.ts';
import type { Journey, JourneySpec } from './spec.ts';
import type { BackendRun, CommonRunOptions, JourneyRun, RunOptions, RunReport, Side } from './types.ts';

/** Defaults of {@link CommonRunOptions}; two contexts at once suit the 2-core machines this runs on. */
export const RUN_DEFAULTS = {
  concurrency: 2,
  deadlineMs: 600_000,
  connectTimeoutMs: 60_000,
} as const;

/** One unit of work: a journey against a target. */
export interface Task {
  journey: Journey;
  baseUrl: string;
  side?: Side;
  attempt: number;
}

function checkTarget(t: string): void {
  let u: URL | undefined;
  try {
    u = new URL(t);
  } catch {
    u = undefined;
  }
  if (!u || !/^https?:$/.test(u.protocol)) {
    throw new JourneyOptionsError(
      `Target "${t}" is not an http(s) URL.`,
      'Pass a base URL such as http://shop-canary.shop.svc:8080.',
    );
  }
}

function checkBrowser(opts: CommonRunOptions): void {
  if (opts.browser.kind !== 'launch' && !/^wss?:\/\//.test(opts.browser.wsEndpoint)) {
    throw new JourneyOptionsError(
      `Browser endpoint "${opts.browser.wsEndpoint}" is not a ws:// or wss:// URL.`,
      'Pass the proxy’s data URL, e.g. ws://sentinel-proxy:9000.',
    );
  }
  if (opts.concurrency !== undefined && !(Number.isInteger(opts.concurrency) && opts.concurrency >= 1)) {
    throw new JourneyOptionsError(
      `concurrency must be an integer ≥ 1 (got ${opts.concurrency}).`,
      'Use 1–4 on a small machine.',
    );
  }
}

/** Checks and normalizes what every entry point shares. Throws {@link JourneyOptionsError} on bad options. */
export function prepare(
  spec: JourneySpec,
  opts: CommonRunOptions,
  targets: readonly string[],
): { journeys: Journey[]; vars: Variables } {
  targets.forEach(checkTarget);
  checkBrowser(opts);
  const names = new Set(spec.journeys.map((j) => j.name));
  const unknown = (opts.journeys ?? []).filter((n) => !names.has(n));
  if (unknown.length) {
    throw new JourneyOptionsError(
      `No journey named ${unknown.map((n) => `"${n}"`).join(', ')} in the spec.`,
      `The spec has: ${[...names].join(', ')}.`,
    );
  }
  const wanted = opts.journeys ?? [];
  const journeys = wanted.length ? spec.journeys.filter((j) => wanted.includes(j.name)) : spec.journeys;
  return { journeys, vars: resolveVariables(spec, opts.env ?? {}) };
}

/** Runs `tasks` through one backend with at most `concurrency` at once, in order of the list. */
async function runTasks(
  tasks: readonly Task[],
  ctx: {
    spec: JourneySpec;
    vars: Variables;
    conn: BackendConnection;
    opts: CommonRunOptions;
    signal: AbortSignal;
  },
): Promise<JourneyRun[]> {
  const out: JourneyRun[] = new Array(tasks.length);
  let next = 0;
  const trace = ctx.opts.trace !== 'off' && ctx.opts.artifactsDir !== undefined;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const t = tasks[i] as Task;
      ctx.opts.onProgress?.({
        type: 'run-start',
        backend: ctx.conn.backend,
        journey: t.journey.name,
        ...(t.side ? { side: t.side } : {}),
        attempt: t.attempt,
      });
      const run = await runAttempt({
        journey: t.journey,
        defaults: ctx.spec.defaults,
        vars: ctx.vars,
        baseUrl: t.baseUrl,
        ...(t.side ? { side: t.side } : {}),
        attempt: t.attempt,
        conn: ctx.conn,
        artifactsDir: ctx.opts.artifactsDir,
        trace: trace && !ctx.vars.usesSecret(t.journey.name),
        signal: ctx.signal,
      });
      out[i] = run;
      ctx.opts.onProgress?.({ type: 'run-end', run });
      (ctx.opts.log ?? silentLogger).debug(
        {
          journey: run.journey,
          backend: run.backend,
          side: run.side,
          status: run.status,
          ms: Math.round(run.durationMs),
        },
        'journey run',
      );
    }
  };
  const n = Math.min(ctx.opts.concurrency ?? RUN_DEFAULTS.concurrency, Math.max(1, tasks.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

/** A signal that fires at the deadline (reason `deadline`) or when the caller's fires (reason `aborted`). */
function runSignal(opts: CommonRunOptions): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort('deadline'), opts.deadlineMs ?? RUN_DEFAULTS.deadlineMs);
  const onAbort = (): void => ac.abort('aborted');
  if (opts.signal?.aborted) ac.abort('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    dispose: () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The backend's status from its runs: `error` when nothing got through (every run an infrastructure error). */
function backendStatus(runs: readonly JourneyRun[]): Pick<BackendRun, 'status' | 'reason'> {
  if (runs.length > 0 && runs.every((r) => r.status === 'error')) {
    return { status: 'error', reason: runs[0]?.reason ?? 'every run failed to start' };
  }
  return { status: 'ok' };
}

/** Calls `fn` with each backend's connection in turn (one tenant each), closing every connection afterwards. */
async function throughEachBackend<T>(
  opts: CommonRunOptions,
  fn: (conn: BackendConnection) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (const backend of backendsOf(opts.browser)) {
    const conn = connectBackend(opts.browser, backend, {
      timeoutMs: opts.connectTimeoutMs ?? RUN_DEFAULTS.connectTimeoutMs,
    });
    try {
      out.push(await fn(conn));
    } finally {
      await conn.close();
    }
  }
  return out;
}

/** Checks `repeat` (an integer ≥ 1, `hint` saying what to pass instead) and returns it. */
export function checkRepeat(repeat: number, hint: string): number {
  if (!(Number.isInteger(repeat) && repeat >= 1))
    throw new JourneyOptionsError(`repeat must be an integer ≥ 1 (got ${repeat}).`, hint);
  return repeat;
}

/**
 * The run loop both entry points share: `tasks` through each backend in turn (one connection and tenant each) within
 * the run's deadline, each backend's runs and status, plus what `more` derives from its runs; timed as a whole.
 */
export async function runThroughBackends<T extends object>(
  tasks: readonly Task[],
  ctx: { spec: JourneySpec; vars: Variables; opts: CommonRunOptions },
  more: (conn: BackendConnection, runs: JourneyRun[]) => T,
): Promise<{ startedAt: string; durationMs: number; backends: Array<BackendRun & T> }> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { signal, dispose } = runSignal(ctx.opts);
  try {
    const backends = await throughEachBackend(ctx.opts, async (conn) => {
      const runs = await runTasks(tasks, { ...ctx, conn, signal });
      return {
        backend: conn.backend,
        ...(conn.tenantId ? { tenantId: conn.tenantId } : {}),
        ...backendStatus(runs),
        runs,
        ...more(conn, runs),
      };
    });
    return { startedAt, durationMs: performance.now() - started, backends };
  } finally {
    dispose();
  }
}

/**
 * Runs the spec's journeys against `opts.baseUrl`, `repeat` times each, through each backend of `opts.browser` in turn.
 * Never throws for infrastructure failures (they become `error` runs); throws {@link JourneyOptionsError} or
 * `JourneyVariableError` for bad options before anything starts. Every context it opens is closed before it returns.
 */
export async function runJourneys(spec: JourneySpec, opts: RunOptions): Promise<RunReport> {
  const repeat = checkRepeat(opts.repeat ?? 1, 'Use --repeat 1 or more.');
  const { journeys, vars } = prepare(spec, opts, [opts.baseUrl]);
  const tasks = Array.from({ length: repeat }, (_, a) =>
    journeys.map((journey): Task => ({ journey, baseUrl: opts.baseUrl, attempt: a + 1 })),
  ).flat();
  const { startedAt, durationMs, backends } = await runThroughBackends(
    tasks,
    { spec, vars, opts },
    () => ({}),
  );
  return { target: opts.baseUrl, repeat, startedAt, durationMs, backends };
}
