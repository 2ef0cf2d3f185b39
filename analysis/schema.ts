/**
 * @module analysis/schema — the light public surface of the canary analysis: its config schema only (zod and the
 * analysis' types, no judge, log collectors, Kubernetes client or browser). The plugin validates `kind: canary` blocks
 * with it at start-up cost of a few modules and loads analysis/index.ts on the first canary measurement.
 */
export { CanaryAnalysisSchema, type CanaryAnalysis } from './canary/types.ts';
