/** @module analysis/logs/level — finds the severity of a text log line or a JSON level field. */
import type { Level } from './types.ts';

const WORDS: ReadonlyArray<[RegExp, Level]> = [
  [
    /\b(?:FATAL|PANIC|CRITICAL|CRIT|EMERG|ALERT|fatal error)\b|^panic: |\bSIGSEGV\b|segmentation fault/i,
    'fatal',
  ],
  [/\b(?:ERROR|ERR|SEVERE|FAILURE)\b|\blevel=error\b/i, 'error'],
  [/\b(?:WARN|WARNING)\b|\blevel=warn/i, 'warn'],
  [/\b(?:INFO|NOTICE)\b|\blevel=info\b/i, 'info'],
  [/\b(?:DEBUG)\b|\blevel=debug\b/i, 'debug'],
  [/\b(?:TRACE|FINE|FINER|FINEST)\b/i, 'trace'],
];

/** klog header: `E1121 20:15:03.123456  1 file.go:42] msg`. */
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
const KLOG_LEVEL: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

/** Severity of a text line from its first 200 characters; `unknown` when no marker is found. */
export function detectLevel(line: string): Level {
  const head = line.slice(0, 200);
  const k = KLOG.exec(head);
  if (k) return KLOG_LEVEL[k[1] as string] ?? 'unknown';
  for (const [re, level] of WORDS) if (re.test(head)) return level;
  return 'unknown';
}

const NAMES: Record<string, Level> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  severe: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  dpanic: 'fatal',
};

/** Severity from a JSON level field: a name (`"error"`, `"WARN"`) or a pino/bunyan number (10…60). */
export function levelFromField(value: unknown): Level | undefined {
  if (typeof value === 'string') return NAMES[value.toLowerCase()];
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
