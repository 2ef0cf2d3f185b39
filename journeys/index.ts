/**
 * @module journeys — Playwright synthetic journeys, run through the sandbox proxy (or straight to a browser), paired
 * canary vs stable. The public surface: import from here only. Documented in journeys/README.md.
 */
export {
  JourneySpecSchema,
  JourneySchema,
  StepSchema,
  LocatorSchema,
  VariableSchema,
  STEP_ACTIONS,
  LOCATOR_KINDS,
  type JourneySpec,
  type JourneySpecInput,
  type Journey,
  type Step,
  type StepAction,
  type Locator,
  type Variable,
} from './spec.ts';
export { parseJourneySpec, validateJourneySpec, loadJourneySpec } from './parse.ts';
export { journeySpecJsonSchema } from './schema.ts';
export { JourneySpecError, JourneyVariableError, JourneyOptionsError } from './errors.ts';
export { runJourneys, RUN_DEFAULTS } from './runner.ts';
export { runPaired, interleave } from './paired.ts';
export { compareJourney, overallVerdict, DEFAULT_THRESHOLDS } from './compare.ts';
export { toJourneyResults, toJourneyResult } from './judge.ts';
export { verdictExitCode, EXIT_CODES } from './exitCodes.ts';
export { BACKEND_HEADER, DEFAULT_TENANT_HEADER } from './types.ts';
export type {
  BrowserSource,
  CommonRunOptions,
  RunOptions,
  PairedOptions,
  ProgressEvent,
  Side,
  StepResult,
  FailedRequest,
  NavigationTiming,
  WebVitals,
  InfraErrorKind,
  JourneyRun,
  BackendRun,
  RunReport,
  ComparisonThresholds,
  SideSummary,
  StepComparison,
  NewOnCanary,
  JourneyComparison,
  BackendComparison,
  PairedReport,
} from './types.ts';
