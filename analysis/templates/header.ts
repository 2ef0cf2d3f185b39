/**
 * @module analysis/templates/header — finds the header of a raw log line of unknown format (timestamps, levels, pids,
 * hosts, thread and component names, `kubectl logs --prefix` and container-runtime prefixes, syslog priorities) and
 * splits it from the message, the part templates are mined from.
 *
 * No per-format configuration: a header is the longest run of leading tokens that each look like header material by
 * their shape alone — they contain a digit (dates, clock times, epochs, pids, host and node names), are a weekday or
 * month name, a separator, a bracketed group, or a level. After a level (or a timestamp, for syslog-style lines) one
 * component token is taken too: `dfs.DataNode$PacketResponder:`, `shop.http`, `crond(pam_unix)[2915]:`. The same code
 * handles formats it has never seen, because it looks at token shapes, not at known layouts.
 */
import type { Level } from '../logs/types.ts';

/** What a raw line's header says. */
export interface ParsedHeader {
  /** The line without its header: what templates are mined from. */
  message: string;
  /** The level the header names (plain token, bracketed, `level=`, klog letter, syslog priority). */
  level: Level | undefined;
  /** Characters of the line the header spans. */
  headerLength: number;
  /** True when the header ended at a level or a component name (a learned shape does not extend it). */
  anchored: boolean;
}

/** Level names as they appear in headers. */
export const LEVEL_NAMES: Readonly<Record<string, Level>> = {
  trace: 'trace',
  finest: 'trace',
  finer: 'trace',
  fine: 'debug',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  config: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
};

/** The level a lower-case name stands for: own keys only (`constructor` is a key of every object, not a level). */
export function levelNamed(name: string): Level | undefined {
  return Object.hasOwn(LEVEL_NAMES, name) ? LEVEL_NAMES[name] : undefined;
}

/** Syslog severities 0…7 (RFC 5424 §6.2.1): the low three bits of a `<PRI>`. */
const SYSLOG_SEVERITY: readonly Level[] = [
  'fatal',
  'fatal',
  'fatal',
  'error',
  'warn',
  'info',
  'info',
  'debug',
];

const KLOG_LETTER: Readonly<Record<string, Level>> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

const WEEKDAY_MONTH =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August|September|October|November|December),?$/;
/** A token with a digit made only of characters found in dates, times, ids, hosts and pids (not `key=value`). */
const DIGITY = /^[\w.:/,+\-@#()$]*\d[\w.:/,+\-@#()$]*$/;
const SEPARATOR = /^(?:-{1,2}|\||:|>|»|\*|::|=>|->)$/;
/** A level token: `INFO`, `Info:`, `<WARN>`, `level=error`, `severity:ERROR`; unbracketed lowercase needs a colon. */
const LEVEL_TOKEN = /^(?:(?:level|lvl|severity|loglevel)[=:])?["']?([A-Za-z]{3,13})["']?(:?)$/;
const ANGLED = /^<([A-Za-z]{3,13})>:?$/;
const KLOG = /^([IWEF])\d{4}$/;
/** `<134>` or `<134>1 ` at the start of a line (RFC 3164 / RFC 5424 priority). */
const SYSLOG_PRI = /^<(\d{1,3})>(?:1 )?/;
/** A component or logger name after the level: `dfs.DataNode$PacketResponder:`, `shop.http`, `ntpd[25330]:`. */
const COMPONENT_COLON = /^[A-Za-z_$/][\w$.\-/@()]*(?:\[[\w.\-:]*\])?:$/;
const COMPONENT_DOTTED = /^[A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*)+:?$/;
const ALL_CAPS = /^[A-Z][A-Z_]{1,15}$/;
/** Container-runtime (CRI) tag after the stream (`stdout F`, `stderr P`). */
const CRI_TAG = /^[FP]$/;

/** Shapes tested per header token (module constants: a regex literal in a function is a new object per call). */
const CLOCK = /\d:\d\d/;
const FOUR_DIGITS = /\d{4}/;
const KLOG_FILE_LINE = /:\d+\]$/;
/** A syslog host without digits (`LabSZ`). */
const HOST = /^[\w.-]+$/;
/** A program or logger name before a separator (`chrome.exe`, `shop.http`). */
const PROGRAM_NAME = /^[A-Za-z_$][\w$.\-/]*$/;

/** A time in some form: a clock time, an epoch in seconds or milliseconds, a date, a `yyMMdd` day. */
const TIME_LIKE = /\d:\d\d|^\d{9,13}$|\d{4}[-./]\d\d[-./]\d\d|^\d{6}$/;

/** At most this many header tokens are examined (a header longer than this is message text). */
const MAX_HEADER_TOKENS = 16;
/** A bracketed group longer than this is not a header field. */
const MAX_BRACKET = 400;

interface Token {
  text: string;
  start: number;
  end: number;
}

/** The next token from `pos`: a bracketed group `[…]` (nesting allowed) or a run of non-space characters. */
function nextToken(line: string, pos: number): Token | undefined {
  let i = pos;
  // `|` separates fields like a space (`20171223-22:15:29:606|Step_LSC|30002312|msg`).
  while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '|')) i++;
  if (i >= line.length) return undefined;
  const start = i;
  if (line[i] === '[') {
    let depth = 0;
    for (let j = i; j < line.length && j - i <= MAX_BRACKET; j++) {
      const ch = line[j];
      if (ch === '[') depth++;
      else if (ch === ']' && --depth === 0) {
        // Glued suffix such as `]:`.
        let end = j + 1;
        while (end < line.length && line[end] === ':') end++;
        if (end < line.length && line[end] !== ' ' && line[end] !== '\t') break;
        return { text: line.slice(start, end), start, end };
      }
    }
  }
  while (i < line.length && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '|') i++;
  return { text: line.slice(start, i), start, end: i };
}

/** A line's tokens, read only as far as they are asked for (most headers end within a few tokens). */
class LazyTokens {
  readonly #line: string;
  readonly #toks: Token[] = [];
  #pos: number;
  #done = false;

  constructor(line: string, pos: number) {
    this.#line = line;
    this.#pos = pos;
  }

  at(i: number): Token | undefined {
    while (!this.#done && this.#toks.length <= i) {
      const tok = nextToken(this.#line, this.#pos);
      if (!tok) this.#done = true;
      else {
        this.#toks.push(tok);
        this.#pos = tok.end;
      }
    }
    return this.#toks[i];
  }
}

/**
 * Longest level token: `loglevel=` (9), a quote, 13 letters, a quote and a colon; and the first characters one can
 * start with (a letter, a quote, `<`): cheap checks that spare the regexes most header tokens (timestamps, pids).
 */
const MAX_LEVEL_TOKEN = 25;
const LEVEL_TOKEN_START = /^[A-Za-z"'<]/;
/** Level names are 3 to 13 letters. */
const LETTERS = /^[A-Za-z]{3,13}$/;

/** The level a single token names, if it is a level token. */
export function levelOfToken(token: string): Level | undefined {
  let t = token;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  else if (t.startsWith('[') && t.endsWith(']:')) t = t.slice(1, -2).trim();
  if (t.length > MAX_LEVEL_TOKEN || !LEVEL_TOKEN_START.test(t)) return undefined;
  // A bare word (most header tokens): a level only when upper case (`INFO`), or bracketed (`[info]`).
  if (LETTERS.test(t)) return t === token && t !== t.toUpperCase() ? undefined : levelNamed(t.toLowerCase());
  const angled = ANGLED.exec(t);
  if (angled) return levelNamed((angled[1] as string).toLowerCase());
  const m = LEVEL_TOKEN.exec(t);
  if (!m) return undefined;
  const word = m[1] as string;
  const level = levelNamed(word.toLowerCase());
  if (!level) return undefined;
  const keyed = t !== word && t !== `${word}:`;
  const bracketed = t !== token;
  // A lowercase word is a level only when the shape says so (`[notice]`, `info:`, `level=info`), never in prose.
  if (word === word.toUpperCase() || bracketed || keyed || m[2] === ':') return level;
  return undefined;
}

/** Capitalized level words that are unambiguous in a header (`Info`, `Warning`); never `Alert` or `Critical`. */
const CAPITALIZED_LEVEL = /^(?:Trace|Debug|Info|Notice|Warn|Warning|Error|Fatal|Severe)$/;
/** Android logcat's one-letter level between header fields: `1702  2395 D WindowManager: …`. */
const LOGCAT_LETTER: Readonly<Record<string, Level>> = {
  V: 'trace',
  D: 'debug',
  I: 'info',
  W: 'warn',
  E: 'error',
  F: 'fatal',
  A: 'fatal',
};

/** The level of a token inside a header, where the shape is already established: also `Info`, and logcat letters. */
function headerLevel(token: string, next: string | undefined, headerTokens: number): Level | undefined {
  const lv = levelOfToken(token);
  if (lv) return lv;
  if (headerTokens > 0 && CAPITALIZED_LEVEL.test(token)) return LEVEL_NAMES[token.toLowerCase()];
  if (headerTokens >= 2 && token.length === 1 && next !== undefined && COMPONENT_COLON.test(next))
    return LOGCAT_LETTER[token];
  return undefined;
}

/** SEPARATOR's tokens are at most this long. */
const MAX_SEPARATOR = 2;

function isSeparator(t: string | undefined): boolean {
  return t !== undefined && t.length <= MAX_SEPARATOR && SEPARATOR.test(t);
}

function isHeaderish(t: string): boolean {
  return (
    (DIGITY.test(t) && !t.includes('=')) ||
    WEEKDAY_MONTH.test(t) ||
    isSeparator(t) ||
    (t.startsWith('[') && t.endsWith(']')) ||
    (t.startsWith('[') && t.endsWith(']:'))
  );
}

/**
 * Splits a raw text line into header and message. Never throws; a line that is all header gives an empty message.
 * JSON and logfmt lines are not handled here (their message is a field).
 */
export function parseHeader(line: string, shape?: HeaderShape): ParsedHeader {
  let pos = 0;
  let level: Level | undefined;
  const pri = line.startsWith('<') ? SYSLOG_PRI.exec(line) : null;
  if (pri) {
    const p = Number(pri[1]);
    if (p <= 191) level = SYSLOG_SEVERITY[p & 7];
    pos = pri[0].length;
  }
  let headerEnd = pos;
  let sawTime = false;
  let afterLevel = false;
  let component = false;
  const toks = new LazyTokens(line, pos);
  for (let i = 0; i < MAX_HEADER_TOKENS; i++) {
    const tok = toks.at(i);
    if (!tok) break;
    const t = tok.text;
    const klog = i === 0 && t.length === 5 ? KLOG.exec(t) : null;
    if (klog && level === undefined) {
      level = KLOG_LETTER[klog[1] as string];
      afterLevel = true;
      headerEnd = tok.end;
      // klog: `I1202 03:04:05.678901   12 controller.go:42] message` — the header ends at `file:line]`.
      const close = [1, 2, 3, 4].find((j) => KLOG_FILE_LINE.test(toks.at(j)?.text ?? ''));
      if (close !== undefined) {
        headerEnd = (toks.at(close) as Token).end;
        break;
      }
      continue;
    }
    const lv = level === undefined ? headerLevel(t, toks.at(i + 1)?.text, i) : undefined;
    if (lv) {
      level = lv;
      afterLevel = true;
      headerEnd = tok.end;
      continue;
    }
    if ((t === 'stdout' || t === 'stderr') && CRI_TAG.test(toks.at(i + 1)?.text ?? '') && sawTime) {
      headerEnd = (toks.at(i + 1) as Token).end;
      i++;
      continue;
    }
    if (
      !component &&
      (afterLevel || sawTime) &&
      (COMPONENT_COLON.test(t) || (afterLevel && COMPONENT_DOTTED.test(t)))
    ) {
      component = true;
      headerEnd = tok.end;
      continue;
    }
    // Syslog (RFC 3164) `HOST TAG:` after the timestamp, the host without digits: `LabSZ sshd[24200]:`.
    if (
      !component &&
      CLOCK.test(toks.at(i - 1)?.text ?? '') &&
      HOST.test(t) &&
      COMPONENT_COLON.test(toks.at(i + 1)?.text ?? '')
    ) {
      component = true;
      headerEnd = (toks.at(i + 1) as Token).end;
      i++;
      continue;
    }
    // A program or logger name followed by a separator right after the timestamp: `chrome.exe - …`, `shop.http - …`.
    if (!component && sawTime && isSeparator(toks.at(i + 1)?.text) && PROGRAM_NAME.test(t)) {
      component = true;
      headerEnd = (toks.at(i + 1) as Token).end;
      i++;
      continue;
    }
    if (isHeaderish(t)) {
      if (CLOCK.test(t) || FOUR_DIGITS.test(t)) sawTime = true;
      // After the level, a number starts the message (`INFO 3 retries left`) unless more header follows.
      if (component && !t.startsWith('[') && !isSeparator(t)) break;
      if (afterLevel && DIGITY.test(t) && !t.startsWith('[') && !CLOCK.test(t)) break;
      headerEnd = tok.end;
      continue;
    }
    // Upper-case words right before a level belong to the header (`RAS KERNEL INFO`).
    if (level === undefined && ALL_CAPS.test(t)) {
      let j = i + 1;
      while (
        toks.at(j) !== undefined &&
        j < i + 2 &&
        ALL_CAPS.test((toks.at(j) as Token).text) &&
        !levelOfToken((toks.at(j) as Token).text)
      )
        j++;
      const next = toks.at(j);
      if (next && levelOfToken(next.text)) {
        headerEnd = (toks.at(j - 1) as Token).end;
        i = j - 1;
        continue;
      }
    }
    break;
  }
  // A source whose lines all carry a number at column k (an epoch, a flag) has header words before it too (learned).
  if (shape && shape.columns > 0 && level === undefined && !component) {
    const last = toks.at(shape.columns - 1);
    if (last && toks.at(shape.columns) && last.end > headerEnd && DIGITY.test(last.text))
      headerEnd = last.end;
  }
  let start = headerEnd;
  while (start < line.length && (line[start] === ' ' || line[start] === '\t' || line[start] === '|')) start++;
  return { message: line.slice(start), level, headerLength: headerEnd, anchored: component || afterLevel };
}

/** Lines a source's header shape is learned from (its first records). */
export const HEADER_LEARN_LINES = 100;
/** Share of the learning lines that must hold a number at a column for it to count as a header column. */
const SHAPE_MIN_SHARE = 0.95;
/** Header columns are looked for among the first this many tokens. */
const SHAPE_MAX_COLUMNS = 8;

/**
 * The header shape of one source, learned from its own first lines: how many leading whitespace-separated columns
 * are header, found as the last column (among the first {@link SHAPE_MAX_COLUMNS}) that holds a number in at least
 * 95 % of the lines, with a message after it. Catches headers with plain words between numbers
 * (`134681 node-246 unix.hw state_change.unavailable 1077804742 1 <message>`), which token shapes alone cannot.
 */
export class HeaderShape {
  readonly columns: number;

  constructor(columns: number) {
    this.columns = columns;
  }

  /** Learns from sample lines; 0 columns (no extension) when fewer than 20 lines or no consistent column. */
  static learn(lines: readonly string[]): HeaderShape {
    if (lines.length < 20) return new HeaderShape(0);
    const digits = new Array<number>(SHAPE_MAX_COLUMNS).fill(0);
    const times = new Array<number>(SHAPE_MAX_COLUMNS).fill(0);
    // Only lines whose header has no anchor (no level, no component) teach: the others end their header there.
    const open = lines.filter((l) => {
      const h = parseHeader(l);
      return h.level === undefined && !h.anchored;
    });
    if (open.length < SHAPE_MIN_SHARE * lines.length) return new HeaderShape(0);
    for (const line of open) {
      let p = 0;
      for (let k = 0; k < SHAPE_MAX_COLUMNS; k++) {
        const tok = nextToken(line, p);
        if (!tok) break;
        // Only columns followed by more text count: a trailing number is message, not header.
        if (DIGITY.test(tok.text) && nextToken(line, tok.end)) {
          digits[k] = (digits[k] as number) + 1;
          if (TIME_LIKE.test(tok.text)) times[k] = (times[k] as number) + 1;
        }
        p = tok.end;
      }
    }
    const min = SHAPE_MIN_SHARE * open.length;
    // Header columns end at most one column after the last column that always holds a time (a flag, a pid):
    // numbers further right are message (`GET /book/7 200`).
    let lastTime = -1;
    times.forEach((n, k) => {
      if (n >= min) lastTime = k;
    });
    let columns = 0;
    digits.forEach((n, k) => {
      if (n >= min && k <= lastTime + 1) columns = k + 1;
    });
    return new HeaderShape(lastTime < 0 ? 0 : columns);
  }
}

/**
 * Holds back a source's first {@link HEADER_LEARN_LINES} items until its {@link HeaderShape} is learned, so every
 * line of the source, the first ones included, is parsed with the same shape. Memory: at most that many items.
 */
export class HeaderLearner<T> {
  #buffer: T[] | undefined = [];
  #shape: HeaderShape | undefined;
  readonly #lineOf: (item: T) => string;

  constructor(lineOf: (item: T) => string) {
    this.#lineOf = lineOf;
  }

  /** The learned shape (undefined while still learning). */
  get shape(): HeaderShape | undefined {
    return this.#shape;
  }

  /** Adds an item; returns the items ready to be parsed with {@link shape} (none while learning). */
  push(item: T): T[] {
    if (!this.#buffer) return [item];
    this.#buffer.push(item);
    return this.#buffer.length >= HEADER_LEARN_LINES ? this.flush() : [];
  }

  /** Ends learning with what was seen and returns the held items. */
  flush(): T[] {
    const held = this.#buffer ?? [];
    if (this.#buffer) this.#shape = HeaderShape.learn(held.map(this.#lineOf));
    this.#buffer = undefined;
    return held;
  }
}
