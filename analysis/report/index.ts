/** @module analysis/report — the self-healing loop's public surface (GitHub issues for coding agents). */
export { createReporter, type ReporterSetup, type SinkSetup } from './createReporter.ts';
export { Reporter, type ReportResult, type IssueRef } from './reporter.ts';
export { fingerprint, rolloutKey } from './fingerprint.ts';
export { issueLlmFrom, type IssueLlm } from './writer.ts';
export { PolicyFileSchema, loadPolicyFile, policyFor } from './config.ts';
export {
  HandoffSchema,
  PolicySchema,
  ReportInputSchema,
  RolloutContextSchema,
  type Handoff,
  type IssueSink,
  type Policy,
  type ReportInput,
  type RolloutContext,
} from './types.ts';
