/** @module analysis — the public surface of the canary judge; `plugin/` imports only this file. */
export * from './types.ts';
export {
  redact,
  redactWithReport,
  placeholder as redactionPlaceholder,
  REDACTION_KINDS,
  OPTIONAL_KINDS as OPTIONAL_REDACTION_KINDS,
  type RedactionKind,
  type RedactOptions,
  type RedactionReport,
} from './redact/redact.ts';
export {
  analyze,
  buildComparison,
  collectRequest,
  judgeComparison,
  type AnalysisRequest,
  type AnalyzeOptions,
} from './analyze.ts';
export { createLlmJudge, LLM_OPTIONS, type LlmOptions } from './config.ts';
export { AnalysisError, type AnalysisErrorCode } from './errors.ts';
export { DEFAULT_POLICY, POLICY_NAMES, type PolicyName } from './judges/combine.ts';
export { GeminiClient, type GeminiClientOptions } from './judges/llm/geminiClient.ts';
export { LlmJudge, type LlmJudgeOptions } from './judges/llm/llmJudge.ts';
export { DEFAULT_STATS_OPTIONS, type StatsOptions } from './judges/statistical/options.ts';
export type { JourneyResult } from './judges/types.ts';
export { readLogFile } from './logs/fileLogs.ts';
export {
  PodEvidenceSchema,
  type LogCollector,
  type LogSource,
  type PodEvidence,
  type SideLogs,
  type Side,
} from './logs/types.ts';
export {
  DEFAULT_SIDECARS,
  KubernetesLogCollector,
  podTemplateHashSelector,
  type KubernetesLogsOptions,
} from './logs/kubernetesLogs.ts';
export * from './canary/index.ts';
