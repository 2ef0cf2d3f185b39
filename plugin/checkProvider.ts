/**
 * @module plugin/checkProvider — the `rollout-sentinel/canary` MetricProvider: parses the plugin block, runs the
 * configured check in the background, and evaluates success/failure conditions on its result.
 */
import { randomUUID } from 'node:crypto';
import {
  COMPLETED_PHASES,
  type AnalysisPhase,
  type AnalysisRun,
  type Measurement,
  type Metric,
} from './argoTypes.ts';
import { checkFor, type CheckRegistry } from './checks/registry.ts';
import type { CheckResult } from './checks/types.ts';
import {
  compileCondition,
  ConditionEvalError,
  ConditionSyntaxError,
  outcome,
  type Condition,
} from './condition.ts';
import { describeArgsIssues, PluginArgsSchema, type PluginArgs } from './config.ts';
import {
  conditionEvaluation,
  conditionSyntax,
  measurementNotFound,
  PLUGIN_NAME,
  PluginError,
  pluginConfigInvalid,
  pluginConfigMissing,
  pluginConfigNotJson,
} from './errors.ts';
import type { Logger } from './log.ts';
import { markError, markResult, markRunning } from './measurement.ts';
import type { MetricProvider } from './provider.ts';

/** Metadata key carrying the background check's id from Run to Resume/Terminate. */
export const CHECK_ID_KEY = 'sentinel.check';
/** Longest `Measurement.Value` we send; the AnalysisRun status lives in etcd. */
const MAX_VALUE_CHARS = 2048;

interface Job {
  runUid: string;
  metric: string;
  resumeAfter: number;
  abort: AbortController;
  done?: (m: Measurement) => Measurement;
  /** When the check finished (ms since epoch). */
  doneAt?: number;
  /** The measurement the first Resume after the check finished returned, and when: a repeated Resume gets it again. */
  result?: Measurement;
  claimedAt?: number;
}

/** Finished checks nobody resumed (the AnalysisRun was deleted, the controller restarted) are dropped after this. */
const UNCLAIMED_TTL_MS = 60 * 60 * 1000;
/**
 * GarbageCollect keeps a finished check this long even when the run's status does not refer to it: the status it gets
 * may be a stale copy (a reconcile from the controller's informer cache before its own last status write shows up —
 * seen on a loaded machine in the cluster e2e, one MeasurementNotFound in 14 measurements). Far longer than any
 * resumeAfter; far shorter than the hourly sweep.
 */
export const GC_GRACE_MS = 10 * 60 * 1000;
/**
 * A resumed check's result is kept this long and returned again to a repeated Resume of the same measurement: a
 * reconcile working from a stale informer cache still sees the measurement Running and resumes it a second time (the
 * cluster e2e saw MeasurementNotFound twice in 14 measurements from this). Seconds would do; minutes cost little.
 */
export const REPLAY_MS = 2 * 60 * 1000;

/** Prepared measurement inputs, or the Error measurement explaining why there are none. */
type Prepared = { args: PluginArgs; success?: Condition; failure?: Condition } | { error: PluginError };

export interface CheckProviderOptions {
  checks: CheckRegistry;
  log: Logger;
  /** Upper bound on checks held in memory (running or finished but not yet resumed). */
  maxJobs?: number;
  now?: () => Date;
}

/** Parses the plugin block of a metric. */
export function parseArgs(metric: Metric): PluginArgs | PluginError {
  const raw = metric.plugin[PLUGIN_NAME];
  if (!raw) return pluginConfigMissing(Object.keys(metric.plugin));
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (err) {
    return pluginConfigNotJson((err as Error).message);
  }
  const parsed = PluginArgsSchema.safeParse(json);
  return parsed.success ? parsed.data : pluginConfigInvalid(describeArgsIssues(parsed.error));
}

function compile(which: string, source: string): Condition | PluginError | undefined {
  if (source.trim() === '') return undefined;
  try {
    return compileCondition(source);
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return conditionSyntax(which, source, err.column, err.problem);
    throw err;
  }
}

function valueOf(result: unknown): string {
  const json = JSON.stringify(result) ?? 'null';
  return json.length <= MAX_VALUE_CHARS ? json : `${json.slice(0, MAX_VALUE_CHARS - 3)}...`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The check ids of the run's incomplete measurements of a metric (`status.metricResults[].measurements[]` whose phase
 * is not completed): the ones the controller will still Resume or Terminate. Undefined if the status is unreadable.
 */
export function awaitedCheckIds(run: AnalysisRun, metricName: string): Set<string> | undefined {
  const status = isObj(run.raw) ? run.raw.Status : undefined;
  const results = isObj(status) ? (status.MetricResults ?? []) : undefined;
  if (!Array.isArray(results)) return undefined;
  const ids = new Set<string>();
  for (const r of results) {
    if (isObj(r) && r.Name === metricName && !addIncomplete(ids, r.Measurements ?? [])) return undefined;
  }
  return ids;
}

/** Adds the check ids of incomplete measurements to `ids`; false if `measurements` is not a list of measurements. */
function addIncomplete(ids: Set<string>, measurements: unknown): boolean {
  if (!Array.isArray(measurements)) return false;
  for (const m of measurements) {
    const id = incompleteCheckId(m);
    if (id === null) return false;
    if (id) ids.add(id);
  }
  return true;
}

/** A measurement's check id if it is incomplete, '' if it is complete or has none, null if it is not a measurement. */
function incompleteCheckId(m: unknown): string | null {
  if (!isObj(m)) return null;
  const phase = typeof m.Phase === 'string' ? m.Phase : '';
  const id = isObj(m.Metadata) ? m.Metadata[CHECK_ID_KEY] : undefined;
  return !COMPLETED_PHASES.has(phase as AnalysisPhase) && typeof id === 'string' ? id : '';
}

export class CheckProvider implements MetricProvider {
  private readonly jobs = new Map<string, Job>();
  private readonly opts: CheckProviderOptions;
  private readonly now: () => Date;
  private readonly shutdown = new AbortController();

  constructor(opts: CheckProviderOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
  }

  /** Checks currently held (running, or finished and waiting for Resume). */
  get jobCount(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.claimedAt === undefined) n++;
    return n;
  }

  async init(): Promise<void> {}

  type(): string {
    return 'RPCPlugin';
  }

  getMetadata(metric: Metric): Record<string, string> {
    const args = parseArgs(metric);
    if (args instanceof PluginError) return { error: `${args.code}: ${args.message}` };
    return checkFor(this.opts.checks, args).describe(args);
  }

  async run(run: AnalysisRun, metric: Metric): Promise<Measurement> {
    const now = this.now();
    const base: Measurement = { phase: 'Pending', startedAt: now };
    const prepared = this.prepare(metric);
    if ('error' in prepared) return markError(base, prepared.error, now);
    this.sweep(now.getTime());
    const inFlight = this.jobCount;
    if (inFlight >= (this.opts.maxJobs ?? 10_000)) {
      return markError(
        base,
        new PluginError('TooManyChecks', `${inFlight} checks are already in flight.`, {
          hint: 'The controller is not resuming measurements; check its logs. Measurements resume at their next interval.',
        }),
        now,
      );
    }
    const id = randomUUID();
    const job: Job = {
      runUid: run.uid,
      metric: metric.name,
      resumeAfter: prepared.args.resumeAfter,
      abort: new AbortController(),
    };
    this.jobs.set(id, job);
    const signal = AbortSignal.any([job.abort.signal, this.shutdown.signal]);
    const log = this.opts.log.child({
      check: id,
      kind: prepared.args.kind,
      run: `${run.namespace}/${run.name}`,
      metric: metric.name,
    });
    checkFor(this.opts.checks, prepared.args)
      .run(prepared.args, { run, metric, signal, log })
      .then(
        (res) => {
          job.done = (m) => this.evaluate(m, res, prepared, metric);
          job.doneAt = this.now().getTime();
        },
        (err: unknown) => {
          job.done = (m) => markError(m, err, this.now());
          job.doneAt = this.now().getTime();
        },
      );
    const metadata = { [CHECK_ID_KEY]: id, kind: prepared.args.kind };
    return markRunning({ ...base, metadata }, new Date(now.getTime() + job.resumeAfter), now);
  }

  async resume(_run: AnalysisRun, _metric: Metric, m: Measurement): Promise<Measurement> {
    const id = m.metadata?.[CHECK_ID_KEY];
    const job = id ? this.jobs.get(id) : undefined;
    const now = this.now();
    if (!job) return markError(m, measurementNotFound(id), now);
    if (!job.done) return markRunning(m, new Date(now.getTime() + job.resumeAfter), now);
    if (!job.result) {
      job.result = job.done(m);
      job.claimedAt = now.getTime();
    }
    return job.result;
  }

  async terminate(_run: AnalysisRun, _metric: Metric, m: Measurement): Promise<Measurement> {
    const id = m.metadata?.[CHECK_ID_KEY];
    const job = id ? this.jobs.get(id) : undefined;
    if (job) {
      job.abort.abort(new Error('terminated by the controller'));
      this.jobs.delete(id as string);
    }
    // Like Argo's Job provider: a terminated measurement is Inconclusive; the controller adds "Metric Terminated".
    return { ...m, phase: 'Inconclusive', finishedAt: this.now(), resumeAt: undefined };
  }

  /**
   * Argo (analysis/analysis.go, v1.10.2) calls GarbageCollect at the end of every reconcile once a metric holds more
   * measurements than its retention — after `runMeasurements`, on the same `run`, so the measurement it has just
   * started (Running, not resumed yet) is the newest one in `run.status`. A fast check may already be done by then.
   * Only checks no incomplete measurement of the run refers to are dropped, and only those finished more than
   * GC_GRACE_MS ago; when the run's status cannot be read, nothing is dropped (orphans go with the hourly sweep).
   */
  async garbageCollect(run: AnalysisRun, metric: Metric, _limit: number): Promise<void> {
    const awaited = awaitedCheckIds(run, metric.name);
    if (!awaited) return;
    const cutoff = this.now().getTime() - GC_GRACE_MS;
    this.sweep(this.now().getTime());
    for (const [id, job] of this.jobs) {
      const old = job.doneAt !== undefined && job.doneAt < cutoff;
      if (job.runUid === run.uid && job.metric === metric.name && old && !awaited.has(id))
        this.jobs.delete(id);
    }
  }

  private sweep(now: number): void {
    for (const [id, job] of this.jobs) {
      if (job.claimedAt !== undefined && now - job.claimedAt > REPLAY_MS) this.jobs.delete(id);
      else if (job.doneAt !== undefined && now - job.doneAt > UNCLAIMED_TTL_MS) this.jobs.delete(id);
    }
  }

  close(): void {
    this.shutdown.abort(new Error('plugin shutting down'));
    this.jobs.clear();
  }

  private prepare(metric: Metric): Prepared {
    const args = parseArgs(metric);
    if (args instanceof PluginError) return { error: args };
    const success = compile('successCondition', metric.successCondition);
    if (success instanceof PluginError) return { error: success };
    const failure = compile('failureCondition', metric.failureCondition);
    if (failure instanceof PluginError) return { error: failure };
    const out: Prepared = { args };
    if (success) out.success = success;
    if (failure) out.failure = failure;
    return out;
  }

  private evaluate(
    m: Measurement,
    res: CheckResult,
    p: Exclude<Prepared, { error: PluginError }>,
    metric: Metric,
  ): Measurement {
    const now = this.now();
    let which = 'successCondition';
    const message = res.message === undefined ? {} : { message: res.message };
    try {
      const success = p.success?.(res.result);
      which = 'failureCondition';
      const failure = p.failure?.(res.result);
      const phase =
        res.forcePhase ??
        (success === undefined && failure === undefined ? res.defaultPhase : undefined) ??
        outcome(success, failure);
      return markResult(m, { phase, value: valueOf(res.result), metadata: res.metadata, ...message }, now);
    } catch (err) {
      if (!(err instanceof ConditionEvalError)) throw err;
      const source = which === 'successCondition' ? metric.successCondition : metric.failureCondition;
      const failed = markError(m, conditionEvaluation(which, source, err.message), now);
      return { ...failed, value: valueOf(res.result), metadata: { ...m.metadata, ...res.metadata } };
    }
  }
}
