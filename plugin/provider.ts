/** @module plugin/provider — the contract between the go-plugin server and whatever computes measurements. */
import type { AnalysisRun, Measurement, Metric } from './argoTypes.ts';

/**
 * A metric provider as Argo Rollouts sees it (`argoproj/argo-rollouts:metric/provider.go`), in TypeScript.
 *
 * Methods never throw: failures are returned as data, an `Error` measurement (see `measurement.ts` `markError`),
 * the way Argo's providers use `MarkMeasurementError`. The server still turns an unexpected throw into an `Error`
 * measurement, so a bug never crashes the plugin or hangs the controller. All methods may be called concurrently,
 * for many AnalysisRuns at once, and must return promptly: the controller has no per-call timeout.
 */
export interface MetricProvider {
  /** Called once per plugin process after the handshake. A rejection fails plugin start-up with its message. */
  init(signal: AbortSignal): Promise<void>;

  /**
   * Starts a measurement. Must not block on slow work: start it in the background and return a `Running`
   * measurement with `resumeAt`; the controller calls {@link resume} at that time. Each call starts a new measurement.
   */
  run(run: AnalysisRun, metric: Metric): Promise<Measurement>;

  /**
   * Checks on a measurement returned `Running` earlier. Returns the finished measurement or `Running` again with a
   * later `resumeAt`. Idempotent until the measurement completes. An unknown measurement (e.g. after a plugin
   * restart) yields an `Error` measurement, not a throw.
   */
  resume(run: AnalysisRun, metric: Metric, measurement: Measurement): Promise<Measurement>;

  /** Aborts the work behind a running measurement (via its AbortSignal) and returns it completed. Idempotent. */
  terminate(run: AnalysisRun, metric: Metric, measurement: Measurement): Promise<Measurement>;

  /** Drops state the controller no longer needs for this run and metric (it trims history to `limit` itself). */
  garbageCollect(run: AnalysisRun, metric: Metric, limit: number): Promise<void>;

  /** The provider type string; Argo's samples return `"RPCPlugin"`. */
  type(): string;

  /** Metadata stored once in `status.metricResults[].metadata`; an `error` key marks a problem. */
  getMetadata(metric: Metric): Record<string, string>;

  /** Aborts all background work (process shutdown). */
  close(): void;
}
