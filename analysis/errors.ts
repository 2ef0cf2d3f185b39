/** @module analysis/errors — the catalog of the canary judge's errors (permanent codes, message, hint). */
import { SentinelError } from '../lib/errors.ts';

/** Permanent error codes of analysis/. Never rename one: people search for them. */
export type AnalysisErrorCode =
  | 'LlmNotConfigured'
  | 'LlmTimeout'
  | 'LlmAborted'
  | 'LlmRateLimited'
  | 'LlmServerError'
  | 'LlmRequestRejected'
  | 'LlmBadResponse'
  | 'LogInputUnreadable'
  | 'LogCollectionFailed'
  | 'UnknownPolicy'
  | 'CanaryConfigInvalid'
  | 'SecretUnavailable'
  | 'ConfigMapUnavailable'
  | 'JourneySpecInvalid'
  | 'JourneysUnavailable';

/** An error of the canary judge. Judges turn these into `inconclusive` verdicts; the CLI prints them. */
export class AnalysisError extends SentinelError {
  declare readonly code: AnalysisErrorCode;
  constructor(code: AnalysisErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
