/** @module analysis/redact/kinds — the kinds of secret the redactor recognises and the placeholder that replaces them. */

/** Every kind of secret the redactor recognises, in the order the rules run. */
export const REDACTION_KINDS = [
  'private_key',
  'jwt',
  'bearer',
  'basic_auth',
  'url_password',
  'connection_string',
  'aws_access_key',
  'github_token',
  'gitlab_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'openai_key',
  'npm_token',
  'gitleaks',
  'secret_flag',
  'secret_header',
  'secret_assignment',
  'high_entropy',
  'email',
  'ipv4',
  'ipv6',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

/** Kinds that are personal data rather than secrets; each can be switched off. */
export const OPTIONAL_KINDS: readonly RedactionKind[] = ['email', 'ipv4', 'ipv6'];

/** The placeholder that replaces a secret; stable so templates and tests can rely on it. */
export function placeholder(kind: RedactionKind): string {
  return `[REDACTED:${kind}]`;
}

/** How many matches of each kind were replaced. */
export type RedactionCounts = Partial<Record<RedactionKind, number>>;
