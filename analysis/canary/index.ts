/** @module analysis/canary — the canary analysis end to end (re-exported by analysis/index.ts). */
export * from './types.ts';
export {
  runCanaryAnalysis,
  logWindowStart,
  type CanaryDeps,
  type CanaryProgress,
  type CanaryRunOptions,
} from './run.ts';
export {
  summarizeJourneys,
  JOURNEY_FLAKE_TOLERANCE,
  type JourneyRun,
  type JourneyRunRequest,
  type JourneyRunner,
  type JourneySummary,
} from './journeys.ts';
export { readSecret, readConfigMapKey } from './kubeRefs.ts';
export { REPORT_DEADLINE_MS } from './report.ts';
export { PlaywrightJourneyRunner } from './playwrightRunner.ts';
export type { JourneyOutcome } from './journeys.ts';
export { describeCanaryIssues, loadCanaryAnalysis, parseCanaryAnalysis } from './parse.ts';
