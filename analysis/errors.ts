/** @module analysis/errors — the catalog of the canary judge's errors (permanent codes, message, hint). */
import { SentinelError } from '../lib/errors.ts';
import { EXIT } from '../lib/exitCodes.ts';

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
  | 'LogInputTooLarge'
  | 'LogCollectionFailed'
  | 'UnknownPolicy'
  | 'CanaryConfigInvalid'
  | 'SecretUnavailable'
  | 'ConfigMapUnavailable'
  | 'JourneySpecInvalid'
  | 'JourneysUnavailable';

/** Codes that are the caller's to fix: a command exits 3 (lib/exitCodes.ts) for them, not 4. */
const INPUT_CODES: ReadonlySet<AnalysisErrorCode> = new Set([
  'LogInputUnreadable',
  'LogInputTooLarge',
  'UnknownPolicy',
]);

/** An error of the canary judge. Judges turn these into `inconclusive` verdicts; the CLI prints them. */
export class AnalysisError extends SentinelError {
  declare readonly code: AnalysisErrorCode;
  /** The exit code a command ends with when this error reaches its top. */
  readonly exitCode: number;
  constructor(code: AnalysisErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.exitCode = INPUT_CODES.has(code) ? EXIT.usage : EXIT.internal;
  }
}
