/**
 * @module analysis/redact/gitleaks — gitleaks' default rule set (vendored as data in rules/gitleaks.json; MIT, see
 * rules/LICENSE-gitleaks.md; refresh with `npm run update:redact-rules`) applied as gitleaks applies it: a rule runs
 * only when one of its keywords is in the text; its secret (the `secretGroup`, or the one capture group) must reach
 * the rule's entropy and pass the global and the rule's allowlists; then only the secret is replaced.
 */
import gitleaksJson from './rules/gitleaks.json' with { type: 'json' };
import { compileGoRegex, simplifyForRedaction } from './goRegex.ts';
import { placeholder, type RedactionCounts } from './kinds.ts';
import { shannonEntropy } from './entropy.ts';

interface AllowlistData {
  regexes?: string[];
  stopwords?: string[];
  regexTarget?: string;
}
interface RuleData {
  id: string;
  regex: string;
  entropy?: number;
  keywords: string[];
  secretGroup?: number;
  allowlists?: AllowlistData[];
}
/** The vendored file's shape. */
export interface GitleaksData {
  source: string;
  license: string;
  sha256: string;
  globalAllowlist: AllowlistData;
  rules: RuleData[];
}

interface Allowlist {
  regexes: RegExp[];
  stopwords: string[];
  target: 'secret' | 'match' | 'line';
}
/** A compiled gitleaks rule. */
export interface GitleaksRule {
  id: string;
  re: RegExp;
  entropy: number | undefined;
  keywords: string[];
  /**
   * Which capture group is the secret (0: the whole match); undefined: the one group when the regex has exactly one,
   * else the whole match (known from the first match: counting groups up front would compile every regex at start).
   */
  group: number | undefined;
  allowlists: Allowlist[];
}

function allowlist(a: AllowlistData): Allowlist {
  const target = a.regexTarget === 'match' || a.regexTarget === 'line' ? a.regexTarget : 'secret';
  return {
    regexes: (a.regexes ?? []).map((r) => compileGoRegex(r)),
    stopwords: (a.stopwords ?? []).map((w) => w.toLowerCase()),
    target,
  };
}

/** Compiles the vendored data; throws naming the rule whose regex cannot be translated. */
export function compileGitleaks(data: GitleaksData): { rules: GitleaksRule[]; global: Allowlist } {
  const rules = data.rules.map((r) => {
    try {
      const re = compileGoRegex(simplifyForRedaction(r.regex), 'g');
      return {
        id: r.id,
        re,
        entropy: r.entropy,
        keywords: r.keywords,
        group: r.secretGroup,
        allowlists: (r.allowlists ?? []).map(allowlist),
      };
    } catch (err) {
      throw new Error(`gitleaks rule ${r.id}: ${(err as Error).message}`, { cause: err });
    }
  });
  return { rules, global: allowlist(data.globalAllowlist) };
}

/** The vendored rule set, as data (a JSON import, so that bundles such as the plugin's carry it). */
export const GITLEAKS_DATA = gitleaksJson as GitleaksData;
const COMPILED = compileGitleaks(GITLEAKS_DATA);
/** Every keyword of the rule set (lower case). */
export const GITLEAKS_KEYWORDS: readonly string[] = [...new Set(COMPILED.rules.flatMap((r) => r.keywords))];
const BY_KEYWORD = new Map<string, GitleaksRule[]>();
for (const r of COMPILED.rules)
  for (const k of r.keywords) BY_KEYWORD.set(k, [...(BY_KEYWORD.get(k) ?? []), r]);

function allowed(a: Allowlist, secret: string, match: string, line: string): boolean {
  const target = a.target === 'secret' ? secret : a.target === 'match' ? match : line;
  if (a.regexes.some((re) => re.test(target))) return true;
  const lower = secret.toLowerCase();
  return a.stopwords.some((w) => lower.includes(w));
}

/** Counts every match of a rule's regex, kept or not (see `redactWithPart` in redact.ts). */
export interface MatchProbe {
  matches: number;
}

function redactRule(rule: GitleaksRule, text: string, counts: RedactionCounts, probe?: MatchProbe): string {
  // Most texts that hold a rule's keyword do not match it: `test` runs the regex alone, where `replace` with a function
  // goes through the runtime even when nothing matches.
  rule.re.lastIndex = 0;
  if (!rule.re.test(text)) return text;
  rule.re.lastIndex = 0;
  return text.replace(rule.re, (match: string, ...rest: unknown[]) => {
    if (probe) probe.matches++;
    // gitleaks takes the first non-empty group when secretGroup is unset; with several groups (alternatives marking
    // the token's kind) the whole match is the safer thing to remove. `rest` is the groups, the offset, the text
    // and (named groups only) the groups object.
    const named = typeof rest[rest.length - 1] === 'object' && rest[rest.length - 1] !== null;
    const group = rule.group ?? (rest.length - (named ? 3 : 2) === 1 ? 1 : 0);
    const secret = group === 0 ? match : rest[group - 1];
    if (typeof secret !== 'string' || secret === '' || secret.startsWith('[REDACTED:')) return match;
    if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) return match;
    if (allowed(COMPILED.global, secret, match, text)) return match;
    if (rule.allowlists.some((a) => allowed(a, secret, match, text))) return match;
    counts.gitleaks = (counts.gitleaks ?? 0) + 1;
    const at = match.lastIndexOf(secret);
    return `${match.slice(0, at)}${placeholder('gitleaks').slice(0, -1)}:${rule.id}]${match.slice(at + secret.length)}`;
  });
}

/**
 * The rules whose keywords are among `keywords` (the lower-case keywords found in a text, in the order found; a rule's
 * keyword may be part of a longer one found), in the order they are applied.
 */
export function gitleaksRulesFor(keywords: Iterable<string>): GitleaksRule[] {
  const rules = new Set<GitleaksRule>();
  for (const f of keywords) for (const r of rulesFor(f)) rules.add(r);
  return [...rules];
}

/** Applies `rules` (from {@link gitleaksRulesFor}) to `text`. */
export function gitleaksApply(
  text: string,
  rules: readonly GitleaksRule[],
  counts: RedactionCounts,
  probe?: MatchProbe,
): string {
  let out = text;
  for (const r of rules) out = redactRule(r, out, counts, probe);
  return out;
}

/** Found keyword → the rules with a keyword inside it; bounded by the number of distinct keywords. */
const RULES_FOR = new Map<string, GitleaksRule[]>();
function rulesFor(found: string): GitleaksRule[] {
  let rules = RULES_FOR.get(found);
  if (!rules) {
    rules = [...BY_KEYWORD].filter(([k]) => found.includes(k)).flatMap(([, rs]) => rs);
    RULES_FOR.set(found, rules);
  }
  return rules;
}
