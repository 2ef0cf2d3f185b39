/**
 * @module analysis/redact/goRegex — compiles the Go (RE2) regular expressions of a vendored rule set (gitleaks) to
 * JavaScript. RE2's inline flags (`(?i)`, `(?-i:…)`, `(?s:…)`) have no JavaScript equivalent before Node 23, so
 * case-insensitive parts are expanded (`a` → `[aA]`, `[a-f]` → `[a-fA-F]`), `(?s:.)` becomes `[\s\S]`, `\z` → `$`,
 * `(?P<n>` → `(?<n>`.
 */

/** A rule's regex could not be translated or compiled. */
export class GoRegexError extends Error {
  override name = 'GoRegexError';
}

interface Flags {
  i: boolean;
  s: boolean;
}

function other(ch: string): string {
  const lo = ch.toLowerCase();
  return lo === ch ? ch.toUpperCase() : lo;
}

/** A letter range inside a class, widened by its other case. */
function caseRange(from: string, to: string): string {
  const a = from.charCodeAt(0);
  const b = to.charCodeAt(0);
  const lowerAZ = a >= 97 && b <= 122;
  const upperAZ = a >= 65 && b <= 90;
  if (lowerAZ || upperAZ) return `${from}-${to}${other(from)}-${other(to)}`;
  return `${from}-${to}`;
}

/** Translates a character class starting at `src[start] === '['`; returns the JS class and the index after it. */
function translateClass(src: string, start: number, flags: Flags): [string, number] {
  let i = start + 1;
  let out = '[';
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  if (src[i] === ']') {
    out += '\\]';
    i++;
  }
  while (i < src.length && src[i] !== ']') {
    if (src[i] === '\\') {
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    const ch = src[i] as string;
    if (src[i + 1] === '-' && src[i + 2] !== undefined && src[i + 2] !== ']' && src[i + 2] !== '\\') {
      const to = src[i + 2] as string;
      out += flags.i ? caseRange(ch, to) : `${ch}-${to}`;
      i += 3;
      continue;
    }
    out += flags.i && /[a-zA-Z]/.test(ch) ? `${ch}${other(ch)}` : ch === '[' ? '\\[' : ch;
    i++;
  }
  if (src[i] !== ']') throw new GoRegexError('unterminated character class');
  return [`${out}]`, i + 1];
}

/** Parses an inline flag group at `src[i] === '('` (`(?i)`, `(?-i:`, `(?is:`); undefined if it is not one. */
function flagGroup(
  src: string,
  i: number,
): { set: Partial<Flags>; scoped: boolean; end: number } | undefined {
  const m = /^\(\?([is]*)(?:-([is]*))?([:)])/.exec(src.slice(i, i + 8));
  if (!m || (m[1] === '' && m[2] === undefined)) return undefined;
  const set: Partial<Flags> = {};
  for (const f of m[1] ?? '') set[f as 'i' | 's'] = true;
  for (const f of m[2] ?? '') set[f as 'i' | 's'] = false;
  return { set, scoped: m[3] === ':', end: i + m[0].length };
}

/** Translates an RE2 pattern to a JavaScript pattern (no flags needed). Throws {@link GoRegexError}. */
export function translateGoRegex(src: string): string {
  const stack: Flags[] = [];
  let flags: Flags = { i: false, s: false };
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === 'z') out += '$';
      else if (next === 'A') out += '^';
      else if (next === 'Q' || next === 'p' || next === 'P')
        throw new GoRegexError(`unsupported escape \\${next}`);
      else out += src.slice(i, i + 2);
      i += 2;
    } else if (ch === '[') {
      if (src.startsWith('[[:', i)) throw new GoRegexError('POSIX classes are not supported');
      const [cls, end] = translateClass(src, i, flags);
      out += cls;
      i = end;
    } else if (ch === '(') {
      const fg = flagGroup(src, i);
      if (fg && !fg.scoped) {
        flags = { ...flags, ...fg.set };
        i = fg.end;
        continue;
      }
      stack.push(flags);
      if (fg) {
        flags = { ...flags, ...fg.set };
        out += '(?:';
        i = fg.end;
      } else if (src.startsWith('(?P<', i)) {
        const close = src.indexOf('>', i);
        out += `(?<${src.slice(i + 4, close)}>`;
        i = close + 1;
      } else {
        out += '(';
        i++;
      }
    } else if (ch === ')') {
      flags = stack.pop() ?? flags;
      out += ')';
      i++;
    } else if (ch === '.') {
      out += flags.s ? '[\\s\\S]' : '.';
      i++;
    } else {
      out += flags.i && /[a-zA-Z]/.test(ch) ? `[${ch}${other(ch)}]` : ch;
      i++;
    }
  }
  return out;
}

/** A leading lazy context run such as gitleaks' `[\w.-]{0,50}?` before the keyword. */
const LEADING_CONTEXT = /^(\(\?i\)|\(\?i:)?\[\\w\.-\]\{0,\d+\}\?/;

/**
 * Simplifies a pattern for redaction, where only the secret (a capture group) is replaced and finding a superset is
 * safe: a leading lazy context run is dropped (it makes V8 try 50 prefixes at every position; without it the match
 * simply starts at the keyword), and inside a wholly case-insensitive pattern, case-sensitive islands (`(?-i:[Aa]pi)`)
 * become case-insensitive, so the pattern keeps V8's own `i` flag.
 */
export function simplifyForRedaction(src: string): string {
  let out = src;
  for (let m = LEADING_CONTEXT.exec(out); m; m = LEADING_CONTEXT.exec(out))
    out = (m[1] ?? '') + out.slice(m[0].length);
  if (out.startsWith('(?i)')) out = out.replace(/\(\?-i:/g, '(?:').replace(/\(\?-i\)/g, '');
  return out;
}

/** Compiles an RE2 pattern to a JavaScript RegExp with the given flags (e.g. `g`). Throws {@link GoRegexError}. */
export function compileGoRegex(src: string, jsFlags = ''): RegExp {
  // A pattern that is case-insensitive throughout keeps V8's own `i` flag (faster than expanded classes).
  const wholeI = src.startsWith('(?i)') && !/\(\?[is]*-/.test(src);
  const translated = wholeI ? translateGoRegex(src.slice(4)) : translateGoRegex(src);
  const flags = wholeI ? `${jsFlags}i` : jsFlags;
  try {
    return new RegExp(translated, flags);
  } catch (err) {
    throw new GoRegexError(`${(err as Error).message} (from ${src.slice(0, 80)})`);
  }
}
