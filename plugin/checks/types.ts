/** @module plugin/checks/types — the contract of one check kind (`httpProbe` today; canary judge, journeys later). */
import type { AnalysisRun, Metric } from '../argoTypes.ts';
import type { Logger } from '../log.ts';

/** What a check gets besides its own config. */
export interface CheckContext {
  run: AnalysisRun;
  metric: Metric;
  /** Aborted by Terminate, GarbageCollect or shutdown; the check must stop promptly. */
  signal: AbortSignal;
  log: Logger;
}

/** The outcome of a check: `result` is what success/failure conditions see; `metadata` goes on the measurement. */
export interface CheckResult {
  result: unknown;
  metadata: Record<string, string>;
  /** One line saying why (the measurement's `message`). */
  message?: string | undefined;
  /** The phase when the metric has neither successCondition nor failureCondition (default `Successful`). */
  defaultPhase?: 'Successful' | 'Failed' | 'Inconclusive' | undefined;
  /**
   * A phase that overrides the user's conditions: an infrastructure failure is `Inconclusive` whatever the conditions
   * would make of its result (never `Failed`, never `Successful`).
   */
  forcePhase?: 'Inconclusive' | undefined;
}

/**
 * One check kind. `run` may take long (it runs in the background while the controller polls with Resume), is called
 * concurrently for many measurements, and rejects with a `PluginError` (from `errors.ts`) when it cannot produce a
 * result; the rejection becomes an `Error` measurement.
 */
export interface Check<C> {
  run(config: C, ctx: CheckContext): Promise<CheckResult>;
  /** Static metadata for `GetMetadata` (e.g. the target), without doing any work. */
  describe(config: C): Record<string, string>;
}
