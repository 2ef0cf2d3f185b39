/**
 * @module plugin/checks/previousMeasurement — when this AnalysisRun's previous measurement of a metric finished, read
 * from the run's status the controller sends with every call (the canary's log window starts there).
 */
import type { AnalysisRun } from '../argoTypes.ts';
import { measurementFromGob } from '../goplugin/argoCodec.ts';
import type { GobValue } from '../goplugin/gob/types.ts';

type Obj = Record<string, GobValue>;

function field(v: GobValue | undefined, name: string): GobValue | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
    ? (v as Obj)[name]
    : undefined;
}

/** The latest `finishedAt` among the metric's completed measurements; undefined for the first one. */
export function previousMeasurementEnd(run: AnalysisRun, metric: string): Date | undefined {
  const results = field(field(run.raw, 'Status'), 'MetricResults');
  if (!Array.isArray(results)) return undefined;
  const mine = results.find((r) => field(r, 'Name') === metric);
  const measurements = field(mine, 'Measurements');
  if (!Array.isArray(measurements)) return undefined;
  let latest: Date | undefined;
  for (const raw of measurements) {
    try {
      const m = measurementFromGob(raw);
      if (m.finishedAt && (!latest || m.finishedAt > latest)) latest = m.finishedAt;
    } catch {
      // A measurement we cannot read does not move the window.
    }
  }
  return latest;
}
