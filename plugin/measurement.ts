/**
 * @module plugin/measurement — building measurements: `markError` is the analogue of Argo's
 * `MarkMeasurementError`, `markRunning` asks for a Resume later, `markResult` completes a measurement.
 */
import { errorMessage, SentinelError } from '../lib/errors.ts';
import type { AnalysisPhase, Measurement } from './argoTypes.ts';

/**
 * A SentinelError — also one thrown by the canary payload, which carries its own copy of lib/errors.ts (the bundle's
 * second layer, plugin/build.ts), so `instanceof` alone does not recognise it.
 */
function isSentinelError(err: unknown): err is SentinelError {
  if (err instanceof SentinelError) return true;
  const e = err as Partial<SentinelError> | null;
  return err instanceof Error && typeof e?.code === 'string' && typeof e.describe === 'function';
}

/** Marks a measurement as `Error` with a message that includes the error's hint. */
export function markError(m: Measurement, err: unknown, now: Date = new Date()): Measurement {
  const message = isSentinelError(err)
    ? `${err.code}: ${err.describe().replace('\n  hint:', ' Hint:')}`
    : errorMessage(err);
  return {
    ...m,
    phase: 'Error',
    message,
    startedAt: m.startedAt ?? now,
    finishedAt: now,
    resumeAt: undefined,
  };
}

/** Marks a measurement as still running, to be resumed at `resumeAt`. */
export function markRunning(m: Measurement, resumeAt: Date, now: Date = new Date()): Measurement {
  return { ...m, phase: 'Running', startedAt: m.startedAt ?? now, resumeAt, finishedAt: undefined };
}

/** Completes a measurement with a phase, its JSON value, and metadata merged over the existing metadata. */
export function markResult(
  m: Measurement,
  result: {
    phase: Exclude<AnalysisPhase, 'Pending' | 'Running'>;
    value: string;
    metadata?: Record<string, string>;
    message?: string;
  },
  now: Date = new Date(),
): Measurement {
  const out: Measurement = {
    ...m,
    phase: result.phase,
    value: result.value,
    metadata: { ...m.metadata, ...result.metadata },
    startedAt: m.startedAt ?? now,
    finishedAt: now,
    resumeAt: undefined,
  };
  if (result.message !== undefined) out.message = result.message;
  return out;
}
