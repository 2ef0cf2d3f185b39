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
