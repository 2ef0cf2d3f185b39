/**
 * @module analysis/logs/level — the severity of a log line, from its structure first.
 *
 * A line's level comes from its level field when it has one: a plain or bracketed level token in the header
 * (`INFO`, `[notice]`, `<WARN>`), `level=…`, a JSON `level`/`severity` field, a klog letter (`E1121 …`) or a syslog
 * priority (`<131>`). The words of the message count only for lines with no level at all, and even then only crash
 * signatures (`panic: `, `fatal error: `, SIGSEGV, a traceback header) are fatal and only level-shaped words
 * (`ERROR`, `Exception:`, `error:`) are errors: prose such as "retry succeeded after failure", "entering critical
 * section", "panic handler installed" or "alert rule loaded" does not make a line severe (issue 13 item 5).
 */
import { levelNamed, levelOfToken } from '../templates/header.ts';
import { parseTextLine } from '../templates/line.ts';
import type { Level } from './types.ts';

/** Crash signatures: fatal wherever they appear in a line that names no level. */
const CRASH =
  /^panic: |^fatal error: |\bSIGSEGV\b|\bsegmentation fault\b|^Traceback \(most recent call last\)|^Exception in thread |\bcore dumped\b|\bjava\.lang\.OutOfMemoryError\b|\bOut of memory: Kill(?:ed)? process\b/i;
/** Error shapes in a line with no level: an exception name followed by a colon, `error:` or `failed:` opening it. */
const ERROR_SHAPE = /\b[A-Z]\w*(?:Exception|Error)(?::|$)|^(?:error|err|failed|failure)\b[:!]/i;
/** Tokens examined for a level-shaped word in a line with no header level. */
const MAX_WORDS = 12;
const SPACES = /\s+/;
const TRAILING_PUNCTUATION = /[,;.]$/;

/** The level of a message that names none in its structure: crash signatures and level-shaped words only. */
export function levelOfMessage(message: string): Level {
  const head = message.slice(0, 300);
  if (CRASH.test(head)) return 'fatal';
  // An upper-case level word among the first tokens (`RAS KERNEL FATAL …`, `… ERROR: x`) is structure, not prose.
  const words = head.split(SPACES, MAX_WORDS);
  for (const w of words) {
    if (w.length < 3 || w !== w.toUpperCase()) continue;
    const lv = levelOfToken(w.replace(TRAILING_PUNCTUATION, ''));
    if (lv) return lv;
  }
  if (ERROR_SHAPE.test(head)) return 'error';
  return 'unknown';
}

/** Severity of a raw text line: its structural level, else {@link levelOfMessage}; `unknown` when nothing says. */
export function detectLevel(line: string): Level {
  const p = parseTextLine(line);
  return p.level ?? levelOfMessage(p.message);
}

/** Severity from a JSON level field: a name (`"error"`, `"WARN"`) or a pino/bunyan number (10…60). */
export function levelFromField(value: unknown): Level | undefined {
  if (typeof value === 'string') return levelNamed(value.trim().toLowerCase());
  if (typeof value === 'number') {
    if (value >= 60) return 'fatal';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    if (value >= 20) return 'debug';
    return 'trace';
  }
  return undefined;
}

const RANK: Record<Level, number> = { unknown: 0, trace: 1, debug: 2, info: 3, warn: 4, error: 5, fatal: 6 };

/** True when `level` is error or worse. */
export function isErrorLevel(level: Level): boolean {
  return RANK[level] >= RANK.error;
}

/** The more severe of two levels. */
export function maxLevel(a: Level, b: Level): Level {
  return RANK[a] >= RANK[b] ? a : b;
}
