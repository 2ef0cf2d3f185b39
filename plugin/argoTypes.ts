/**
 * @module plugin/argoTypes — the parts of Argo Rollouts' `v1alpha1` types a metric provider reads and returns
 * (`argoproj/argo-rollouts:pkg/apis/rollouts/v1alpha1/analysis_types.go`), in TypeScript shape.
 */
import type { GobValue } from './goplugin/gob/types.ts';

/** `v1alpha1.AnalysisPhase`. Completed phases are Successful, Failed, Error and Inconclusive. */
export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** `v1alpha1.Measurement`: what a provider returns. The controller reads only `phase` to judge it. */
export interface Measurement {
  phase: AnalysisPhase;
  message?: string;
  startedAt?: Date;
  finishedAt?: Date;
  /** Shown in `kubectl argo rollouts get`; the plugin puts its JSON result here. */
  value?: string;
  /** Echoed back by the controller on Resume/Terminate, so it can carry per-measurement state. */
  metadata?: Record<string, string>;
  /** When Running: the time the controller should call Resume. */
  resumeAt?: Date;
}

/** `v1alpha1.Metric`, reduced to what providers use; `raw` keeps every decoded field. */
export interface Metric {
  name: string;
  successCondition: string;
  failureCondition: string;
  /** `provider.plugin`: plugin name → raw JSON bytes (`json.RawMessage`), with `{{args.*}}` already resolved. */
  plugin: Record<string, Uint8Array>;
  raw: GobValue;
}

/** An owner of the AnalysisRun (usually the Rollout). */
export interface OwnerReference {
  kind: string;
  name: string;
  uid: string;
}

/** `v1alpha1.AnalysisRun`, reduced; `raw` keeps every decoded field (spec, status, measurements history). */
export interface AnalysisRun {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: OwnerReference[];
  raw: GobValue;
}

/** Completed phases: the controller stops resuming a measurement in one of these. */
export const COMPLETED_PHASES: ReadonlySet<AnalysisPhase> = new Set([
  'Successful',
  'Failed',
  'Error',
  'Inconclusive',
]);
