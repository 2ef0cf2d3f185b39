/**
 * @module analysis/redact/redact — removes secrets (and optionally emails and IPs) from text before anything else
 * sees it (records are redacted as they are read: analysis/logs/records.ts). Four layers: log-specific rules below,
 * gitleaks' maintained rule set (vendored as data, rules/gitleaks.json), generic detection of names that say secret
 * (`REDIS_PASS=…`, `--password …`, `Set-Cookie: …`), and an entropy check for long random tokens. Rules run only
 * when one of their keywords is in the text (gitleaks' prefilter), so ordinary lines cost one keyword scan.
 */
import { ENTROPY_THRESHOLDS, TOKEN_CHAR, entropyRedact } from './entropy.ts';
import { KeywordScanner } from './keywordScan.ts';
import {
  GITLEAKS_KEYWORDS,
  gitleaksApply,
  gitleaksRulesFor,
  type GitleaksRule,
  type MatchProbe,
} from './gitleaks.ts';
import { placeholder, type RedactionKind } from './kinds.ts';

export { OPTIONAL_KINDS, REDACTION_KINDS, placeholder, type RedactionKind } from './kinds.ts';

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
  /** Lower-case words of which one must be in the text for the rule to run; none: the rule always runs. */
  keywords?: readonly string[];
  /** Builds the replacement from the match; default replaces the whole match. */
  replace?: (match: string, ...groups: string[]) => string;
  /** Keeps a match only when this returns true (checks a regex cannot express cheaply). */
  accept?: (match: string, ...groups: string[]) => boolean;
}

const SECRET_WORDS =
  'password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|private[_-]?key|auth[_-]?token|session[_-]?id|credentials?';

/**
 * Names that say secret, for the generic key=value, flag and header rules: a name ending in one of these words
 * (`REDIS_PASS`, `db_password`, `X_API_KEY`, `auth`). A bare `key` is not enough (`cache key=user:42`): it needs a
 * prefix joined by `_`/`-` (`signing_key`, `api-key`).
 */
const SECRET_NAME_END = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|[_-]key|apikey|cookie|auth|credentials?|session[_-]?id)`;
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]{0,40}?${SECRET_NAME_END}`;
/** The generic rules' prefilter: these words (lower case) in the text. */
const SECRET_NAME_KEYWORDS = [
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'cookie',
  'auth',
  'credential',
  'session',
];
/** Values that are not secrets: empty-ish markers, placeholders, template variables. */
const NOT_A_VALUE =
  /^(?:\*+$|<[^>]*>$|\$\{|\{\{|%[sdv]$|null$|none$|true$|false$|undefined$|redacted$)|\[REDACTED:/i;

/** A value worth redacting: not a marker, and not already (partly) redacted by an earlier rule. */
function isValue(v: string | undefined): boolean {
  return !NOT_A_VALUE.test((v ?? '').trim());
}

/** A quoted value that is not a marker as a whole; earlier rules' placeholders inside it do not save the rest. */
function isMarkerFree(v: string): boolean {
  return isValue(v.replaceAll(/\[REDACTED:[a-z_:0-9-]*\]/g, ''));
}

/** Assignment operators between a secret name and its value (gitleaks' set, less `>`, `||` and `,`). */
const ASSIGN = String.raw`(?::{1,3}=|=>|\?=|[:=])`;

/** A URL's user part that reads as a key rather than a name: 8+ hex digits, or 8+ letters and digits with a digit. */
const KEY_LIKE_USER = /^(?:[0-9a-f]{8,}|(?=\D*\d)(?=[^a-z]*[a-z])[a-z0-9]{8,})$/i;

const RULES: readonly Rule[] = [
  {
    // A whole PEM block; when its END line is missing (a log cut the block), the BEGIN line and the key-body lines that
    // follow it — and nothing after them.
    kind: 'private_key',
    keywords: ['-----begin'],
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
  { kind: 'jwt', keywords: ['eyj'], re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  {
    kind: 'bearer',
    keywords: ['bearer'],
    // The value must look like a credential (a digit or 20+ characters), so "Bearer authentication failed" survives.
    re: /\b(Bearer)\s+((?=[A-Za-z._~+/=-]{0,4096}\d)[A-Za-z0-9._~+/=-]{8,4096}|[A-Za-z0-9._~+/=-]{20,4096})/gi,
    replace: (_m, scheme) => `${scheme} ${placeholder('bearer')}`,
  },
  {
    kind: 'basic_auth',
    keywords: ['basic'],
    re: /\b(Basic)\s+((?=[A-Za-z]{0,4096}[\d+/=])[A-Za-z0-9+/]{8,4096}={0,2})/g,
    replace: (_m, scheme) => `${scheme} ${placeholder('basic_auth')}`,
  },
  {
    // scheme://user:password@host — keep scheme, user and host for diagnosis.
    kind: 'url_password',
    keywords: ['://'],
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:/@"'<>]{1,128}):([^\s@"'<>]{1,256})@/gi,
    // A user part that looks like a key (Sidekiq's `https://<8 hex>:<8 hex>@gems.contribsys.com`) goes as well.
    replace: (_m, scheme, user) =>
      `${scheme}${KEY_LIKE_USER.test(user ?? '') ? placeholder('url_password') : user}:${placeholder('url_password')}@`,
  },
  {
    // ADO/JDBC-style: "Server=…;Password=…;" and "password=…" inside connection strings.
    kind: 'connection_string',
    keywords: ['password', 'pwd', 'accountkey', 'sharedaccesskey'],
    re: /(;\s*(?:Password|Pwd|AccountKey|SharedAccessKey)\s*=\s*)([^;\s"']{1,512})/gi,
    replace: (_m, key) => `${key}${placeholder('connection_string')}`,
  },
  {
    kind: 'aws_access_key',
    keywords: ['akia', 'asia', 'agpa', 'aida', 'aroa', 'anpa'],
    re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g,
  },
  {
    kind: 'github_token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
  },
  // With a routable token's `.<9 characters>` tail (gitleaks' gitlab-pat-routable).
  { kind: 'gitlab_token', keywords: ['glpat-'], re: /\bglpat-[A-Za-z0-9_-]{20,}(?:\.[0-9a-z]{9})?\b/g },
  // The whole token, its secret tail included: `xoxb-<team>-<bot>-<secret>`.
  { kind: 'slack_token', keywords: ['xox'], re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  {
    kind: 'stripe_key',
    keywords: ['_live_', '_test_'],
    re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g,
  },
  // Google API keys are 39 characters: `AIza` and 35 more; the class includes `-` and `_`, so no `\b` at the end.
  { kind: 'google_api_key', keywords: ['aiza'], re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'openai_key', keywords: ['sk-'], re: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'npm_token', keywords: ['npm_'], re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  {
    // A command line's `--password value`, `--db-token=value`, `-auth value`.
    kind: 'secret_flag',
    keywords: SECRET_NAME_KEYWORDS,
    re: new RegExp(`((?<![\\w-])--?${SECRET_NAME}(?:=|\\s+))([^\\s"'-][^\\s"']{2,511})`, 'gi'),
    accept: (_m, _flag, value) => isValue(value),
    replace: (_m, flag) => `${flag}${placeholder('secret_flag')}`,
  },
  {
    // `Cookie: a=1; b=2` and `Authorization: …` lose their whole value; `Set-Cookie: session=…; Path=/` the cookie's.
    kind: 'secret_header',
    keywords: ['cookie', 'authorization', 'auth', 'token', 'key', 'secret'],
    re: /\b((?:cookie|(?:proxy-)?authorization|x-[a-z0-9-]*(?:token|key|secret|auth)[a-z0-9-]*)\s*:\s*)([^\r\n"]{3,4096})|\b(set-cookie\s*:\s*[^=;\s]{1,128}=)([^;\r\n"\s]{1,4096})/gi,
    accept: (_m, ...g) => isValue(g[1] ?? g[3]),
    replace: (_m, header, _v, setCookie) => `${header ?? setCookie ?? ''}${placeholder('secret_header')}`,
  },
  {
    // key=value, key: value, "key": "value", key := value, key => 'value' for secret-looking keys. A quoted value goes
    // whole, spaces and commas included (`FLY_API_TOKEN="FlyV1 fm1r_…,fm1a_…"`); an unquoted one up to a delimiter.
    kind: 'secret_assignment',
    keywords: SECRET_NAME_KEYWORDS,
    re: new RegExp(
      // No leading name run: the match starts at the secret word (the rest of the name stays untouched before it),
      // which spares V8 trying 40 prefixes at every position of every line.
      `((?:${SECRET_WORDS}|${SECRET_NAME_END})["']?\\s*${ASSIGN}\\s*)(?:(["'])((?:(?!\\2)[^\\r\\n]){3,512})\\2|(["']?)([^\\s"',;&}]{3,512}))`,
      'gi',
    ),
    // Groups: name, quote, quoted value, optional opening quote of an unquoted value, unquoted value.
    accept: (_m, ...g) =>
      g[2] === undefined ? isValue(g[4]) : !ALREADY_REDACTED.test(g[2]) && isMarkerFree(g[2]),
    replace: (_m, ...g) =>
      g[1]
        ? `${g[0]}${g[1]}${placeholder('secret_assignment')}${g[1]}`
        : `${g[0]}${g[3] ?? ''}${placeholder('secret_assignment')}`,
  },
  {
    kind: 'email',
    keywords: ['@'],
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Every rule keyword (hand rules and gitleaks'), lower case. */
const ALL_KEYWORDS: readonly string[] = [
  ...new Set([...RULES.flatMap((r) => r.keywords ?? []), ...GITLEAKS_KEYWORDS].map((k) => k.toLowerCase())),
];

/** Every keyword, longest first, as one case-insensitive scan: the reference the fast scanner below must agree with. */
const KEYWORD_SCAN = new RegExp(
  [...ALL_KEYWORDS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|'),
  'gi',
);

/**
 * The lower-case keywords present in `text`, by the regex: at each position the longest keyword is taken; a shorter one
 * starting there is part of it (rules check with `includes`), and one starting inside it is found by resuming one
 * character on. Exported for the test that holds {@link keywordsIn} to the same answers.
 */
export function keywordsInByRegex(text: string): Set<string> | undefined {
  KEYWORD_SCAN.lastIndex = 0;
  let found: Set<string> | undefined;
  for (let m = KEYWORD_SCAN.exec(text); m; m = KEYWORD_SCAN.exec(text)) {
    (found ??= new Set()).add(m[0].toLowerCase());
    KEYWORD_SCAN.lastIndex = m.index + 1;
  }
  return found;
}

/** Keywords and long runs in one pass (runs long enough for the entropy rule and the bare key-body rule). */
const SCANNER = new KeywordScanner(ALL_KEYWORDS, TOKEN_CHAR, ENTROPY_THRESHOLDS.minLength);

/**
 * The lower-case keywords present in `text`: the same answer as {@link keywordsInByRegex} (the longest keyword at each
 * position), from the one-pass automaton: a V8 regex alternation of ~250 keywords costs several times more per line.
 */
export function keywordsIn(text: string): Set<string> | undefined {
  return SCANNER.scan(text).keywords;
}

function applyRule(rule: Rule, text: string, counts: RedactionReport['counts'], probe: MatchProbe): string {
  // As in gitleaks.ts: `test` first, as most texts with a rule's keyword do not match it.
  rule.re.lastIndex = 0;
  if (!rule.re.test(text)) return text;
  rule.re.lastIndex = 0;
  return text.replace(rule.re, (match: string, ...rest: unknown[]) => {
    probe.matches++;
    const groups = rest.slice(0, -2).map((g) => (typeof g === 'string' ? g : undefined)) as string[];
    if (rule.kind === 'secret_assignment' && ALREADY_REDACTED.test(groups[4] ?? '')) return match;
    if (rule.accept && !rule.accept(match, ...groups))
      return rescanRejected(match, groups, (rest) => applyRule(rule, rest, counts, probe));
    counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
    return rule.replace ? rule.replace(match, ...groups) : placeholder(rule.kind);
  });
}

/**
 * A value a rule kept (a template such as `{{x…`, a marker) was consumed with its match, so the scan resumed after
 * it: `token= {{xpassword=hunter2` would keep `password=hunter2`. The rule runs again on what follows the name.
 */
function rescanRejected(
  match: string,
  groups: readonly (string | undefined)[],
  again: (rest: string) => string,
): string {
  const name = groups.find((g) => g !== undefined) ?? '';
  if (name === '' || name.length >= match.length || !match.startsWith(name)) return match;
  return `${name}${again(match.slice(name.length))}`;
}

/** The first rule of the generic layer; gitleaks' rules run just before it (after the precise log-specific ones). */
const FIRST_GENERIC = RULES.findIndex((r) => r.kind === 'secret_flag');
/** Shortest run of the bare key-body rule. */
const KEY_BODY_RUN = 56;

/** What a text's keywords make run: the keyword rules of this module and gitleaks' rules, in their order. */
interface KeywordPlan {
  byKeyword: ReadonlySet<Rule>;
  gitleaks: readonly GitleaksRule[];
}

const NO_KEYWORDS: KeywordPlan = { byKeyword: new Set(), gitleaks: [] };
/** Keyword key (see `KeywordScanner.scanKey`) → its plan; memoised, as logs repeat the same few combinations. */
const KEYWORD_PLANS = new Map<string, KeywordPlan>();
const KEYWORD_PLANS_MAX = 4096;
function keywordPlan(key: string | undefined): KeywordPlan {
  if (key === undefined) return NO_KEYWORDS;
  let plan = KEYWORD_PLANS.get(key);
  if (!plan) {
    const found = SCANNER.keywordsOf(key);
    plan = {
      byKeyword: new Set(RULES.filter((r) => r.keywords?.some((k) => found.some((f) => f.includes(k))))),
      gitleaks: gitleaksRulesFor(found),
    };
    if (KEYWORD_PLANS.size >= KEYWORD_PLANS_MAX) KEYWORD_PLANS.clear();
    KEYWORD_PLANS.set(key, plan);
  }
  return plan;
}

function ruleApplies(
  rule: Rule,
  byKeyword: ReadonlySet<Rule>,
  keyBody: boolean,
  opts: RedactOptions,
): boolean {
  if (!enabled(rule.kind, opts)) return false;
  if (!rule.keywords) return rule.kind === 'private_key' ? keyBody : true;
  return byKeyword.has(rule);
}

/** What {@link redactChecked} found besides the redacted text. */
interface Checked extends RedactionReport {
  /** `text` had nothing any rule starts from: no keyword, no long run (and IPs were off). */
  candidateFree: boolean;
  /** No rule's regex matched anywhere in `text` (not even a match a check then kept) and no token was replaced. */
  untouched: boolean;
}

/** {@link redactWithReport}, and what {@link redactWithPart} needs to know to skip the part. */
function redactChecked(text: string, opts: RedactOptions): Checked {
  const counts: Partial<Record<RedactionKind, number>> = {};
  // Keywords, and runs long enough for the entropy rule (and the bare key-body rule): most lines have neither.
  const { key, runs } = SCANNER.scanKey(text);
  if (key === undefined && runs.length === 0 && !(opts.ips ?? false))
    return { text, counts, candidateFree: true, untouched: true };
  const { byKeyword, gitleaks } = keywordPlan(key);
  const keyBody = runs.some(([a, b]) => b - a >= KEY_BODY_RUN);
  const probe: MatchProbe = { matches: 0 };
  let out = text;
  for (let i = 0; i < RULES.length; i++) {
    const rule = RULES[i] as Rule;
    if (i === FIRST_GENERIC) out = gitleaksApply(out, gitleaks, counts, probe);
    if (ruleApplies(rule, byKeyword, keyBody, opts)) out = applyRule(rule, out, counts, probe);
  }
  if (runs.length > 0) out = entropyRedact(out, counts, out === text ? runs : undefined);
  return { text: out, counts, candidateFree: false, untouched: probe.matches === 0 && out === text };
}

/**
 * Redacts `text` and reports what it replaced. Secret kinds are always on; emails (default on) and IPs (default off)
 * are configurable. Never throws; text without secrets comes back unchanged (same string).
 */
export function redactWithReport(text: string, opts: RedactOptions = {}): RedactionReport {
  const { text: out, counts } = redactChecked(text, opts);
  return { text: out, counts };
}

/** Redacts secrets (and, per options, emails and IPs) from `text`. */
export function redact(text: string, opts: RedactOptions = {}): string {
  return redactChecked(text, opts).text;
}

/**
 * Redacts a text and a part of it (a record's full text and its message), each exactly as {@link redact} would, but
 * scans the part only when its answer could differ from the text's:
 * - when the text holds nothing any rule starts from (no keyword, no long run, IPs off), no part of it does either;
 * - when no rule's regex matched anywhere in the text and the entropy layer replaced nothing, a part that is the text's
 *   suffix after whitespace (the message after a header) has no match either: its keywords and runs are the text's
 *   within it, everything right of any position is the same, and the rules look left only one character (`\b`,
 *   `(?<![\w-])`, `(^|\s)`: whitespace there reads like the start of the part). `redactWithPart` tests hold the two
 *   answers equal, for a part after whitespace and one that is not.
 * Most log lines pay for one scan instead of two.
 */
export function redactWithPart(
  text: string,
  part: string,
  opts: RedactOptions = {},
): { text: string; part: string } {
  const r = redactChecked(text, opts);
  if (part === text) return { text: r.text, part: r.text };
  if (r.candidateFree && text.includes(part)) return { text: r.text, part };
  if (r.untouched && isSuffixAfterSpace(text, part)) return { text: r.text, part };
  return { text: r.text, part: redactChecked(part, opts).text };
}

const SPACE = /\s/;

/** `part` ends `text` and what precedes it in `text` is whitespace. */
function isSuffixAfterSpace(text: string, part: string): boolean {
  const at = text.length - part.length;
  return at > 0 && SPACE.test(text[at - 1] as string) && text.endsWith(part);
}
