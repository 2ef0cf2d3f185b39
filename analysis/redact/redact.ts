/** @module analysis/redact/redact — removes secrets (and optionally emails and IPs) from text before it leaves the process. */

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
  'secret_assignment',
  'email',
  'ipv4',
  'ipv6',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

/** Kinds that are personal data rather than secrets; each can be switched off. */
export const OPTIONAL_KINDS: readonly RedactionKind[] = ['email', 'ipv4', 'ipv6'];

export interface RedactOptions {
  /** Redact e-mail addresses (default true). */
  emails?: boolean;
  /** Redact IPv4 and IPv6 addresses (default false: they are rarely secret and help diagnosis). */
  ips?: boolean;
}

/** What `redactWithReport` found: the clean text and how many matches of each kind were replaced. */
export interface RedactionReport {
  text: string;
  counts: Partial<Record<RedactionKind, number>>;
}

interface Rule {
  kind: RedactionKind;
  re: RegExp;
  /** Builds the replacement from the match; default replaces the whole match. */
  replace?: (match: string, ...groups: string[]) => string;
  /** Keeps a match only when this returns true (checks a regex cannot express cheaply). */
  accept?: (match: string, ...groups: string[]) => boolean;
}

/** The placeholder that replaces a secret; stable so templates and tests can rely on it. */
export function placeholder(kind: RedactionKind): string {
  return `[REDACTED:${kind}]`;
}

const SECRET_WORDS =
  'password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key|auth[_-]?token|session[_-]?id|credentials?';

const RULES: readonly Rule[] = [
  {
    // A whole PEM block; when its END line is missing (a log cut the block), the BEGIN line and the key-body lines that
    // follow it — and nothing after them.
    kind: 'private_key',
    re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----(?:[\s\S]{0,16384}?-----END \1PRIVATE KEY\2-----|(?:\r?\n[A-Za-z0-9+/=]{4,128}(?=\r?\n|$))*)/g,
  },
  {
    // A bare key-body line (a log collector splits PEM blocks into lines): a long base64 run alone at the end of a
    // line, mixed case with several digits, so hex digests and ordinary identifiers survive.
    kind: 'private_key',
    re: /(^|\s)([A-Za-z0-9+/]{56,4096}={0,2})(?=[ \t]*$)/gm,
    accept: (_m, _lead, run) =>
      /[a-z]/.test(run ?? '') && /[A-Z]/.test(run ?? '') && /(?:\D*\d){3}/.test(run ?? ''),
    replace: (_m, lead) => `${lead}${placeholder('private_key')}`,
  },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  {
    kind: 'bearer',
    // The value must look like a credential (a digit or 20+ characters), so "Bearer authentication failed" survives.
    re: /\b(Bearer)\s+((?=[A-Za-z._~+/=-]{0,4096}\d)[A-Za-z0-9._~+/=-]{8,4096}|[A-Za-z0-9._~+/=-]{20,4096})/gi,
    replace: (_m, scheme) => `${scheme} ${placeholder('bearer')}`,
  },
  {
    kind: 'basic_auth',
    re: /\b(Basic)\s+((?=[A-Za-z]{0,4096}[\d+/=])[A-Za-z0-9+/]{8,4096}={0,2})/g,
    replace: (_m, scheme) => `${scheme} ${placeholder('basic_auth')}`,
  },
  {
    // scheme://user:password@host — keep scheme, user and host for diagnosis.
    kind: 'url_password',
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:/@"'<>]{1,128}):([^\s@"'<>]{1,256})@/gi,
    replace: (_m, scheme, user) => `${scheme}${user}:${placeholder('url_password')}@`,
  },
  {
    // ADO/JDBC-style: "Server=…;Password=…;" and "password=…" inside connection strings.
    kind: 'connection_string',
    re: /(;\s*(?:Password|Pwd|AccountKey|SharedAccessKey)\s*=\s*)([^;\s"']{1,512})/gi,
    replace: (_m, key) => `${key}${placeholder('connection_string')}`,
  },
  { kind: 'aws_access_key', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'gitlab_token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'slack_token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'stripe_key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'google_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'openai_key', re: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  {
    // key=value, key: value, "key": "value" for secret-looking keys.
    kind: 'secret_assignment',
    re: new RegExp(
      `((?:[A-Za-z0-9_.-]{0,40}?(?:${SECRET_WORDS}))["']?\\s*[:=]\\s*["']?)([^\\s"',;&}]{3,512})`,
      'gi',
    ),
    replace: (_m, key) => `${key}${placeholder('secret_assignment')}`,
  },
  {
    kind: 'email',
    re: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
  },
  {
    kind: 'ipv4',
    re: /\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b/g,
  },
  {
    kind: 'ipv6',
    re: /(?<![\w:])(?:[A-Fa-f0-9]{1,4}:){7}[A-Fa-f0-9]{1,4}(?![\w:])|(?<![\w:])(?:[A-Fa-f0-9]{1,4}:){1,6}:(?:[A-Fa-f0-9]{1,4}(?::[A-Fa-f0-9]{1,4}){0,5})?(?![\w:])/g,
  },
];

/** A value some earlier rule already replaced. */
const ALREADY_REDACTED = /^\[REDACTED:/;

function enabled(kind: RedactionKind, opts: RedactOptions): boolean {
  if (kind === 'email') return opts.emails ?? true;
  if (kind === 'ipv4' || kind === 'ipv6') return opts.ips ?? false;
  return true;
}

/** Cheap pre-check: most log lines contain none of these characters or words, and skip all regexes. */
const MAYBE_SECRET =
  /-----BEGIN|eyJ|bearer|token|basic|:\/\/|=|:|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|gh[pousr]_|github_pat_|glpat-|xox|_live_|_test_|AIza|sk-|npm_|@|\d/i;

/**
 * Redacts `text` and reports what it replaced. Secret kinds are always on; emails (default on) and IPs (default off)
 * are configurable. Never throws; text without secrets comes back unchanged (same string).
 */
export function redactWithReport(text: string, opts: RedactOptions = {}): RedactionReport {
  const counts: Partial<Record<RedactionKind, number>> = {};
  if (!MAYBE_SECRET.test(text)) return { text, counts };
  let out = text;
  for (const rule of RULES) {
    if (!enabled(rule.kind, opts)) continue;
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, (match: string, ...rest: unknown[]) => {
      const groups = rest.filter((g): g is string => typeof g === 'string');
      if (rule.kind === 'secret_assignment' && ALREADY_REDACTED.test(groups[1] ?? '')) return match;
      if (rule.accept && !rule.accept(match, ...groups)) return match;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      return rule.replace ? rule.replace(match, ...groups) : placeholder(rule.kind);
    });
  }
  return { text: out, counts };
}

/** Redacts secrets (and, per options, emails and IPs) from `text`. */
export function redact(text: string, opts: RedactOptions = {}): string {
  return redactWithReport(text, opts).text;
}
