/** @module analysis/logs/jsonLines — understands structured (JSON) log lines: message, level, error and time fields. */
import { levelFromField } from './level.ts';
import type { Level } from './types.ts';

/** What a JSON log line says, in the judge's terms. */
export interface JsonLine {
  message: string;
  level: Level | undefined;
  /** Error text (`error`, `err`, `exception`, first line of `stack`), if any. */
  error: string | undefined;
  time: number | undefined;
}

const MESSAGE_KEYS = ['msg', 'message', 'event', 'log', 'textPayload'];
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'log.level', 'loglevel'];
const ERROR_KEYS = ['error', 'err', 'exception', 'error.message', 'stack', 'stacktrace', 'stack_trace'];
const TIME_KEYS = ['time', 'ts', 'timestamp', '@timestamp', 't'];
/** JSON longer than this is treated as text: parsing it is not worth the cost. */
const MAX_JSON = 256 * 1024;

function pick(obj: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
}

function errorText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split('\n', 1)[0];
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    const inner = pick(o, ['message', 'msg', 'type', 'kind']);
    if (typeof inner === 'string') return inner.split('\n', 1)[0];
  }
  return JSON.stringify(value).slice(0, 200);
}

function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 1e12 ? value : value * 1000;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/**
 * Parses a line that is a JSON object; returns undefined for anything else (plain text, arrays, invalid or too
 * large JSON, JSON nested so deeply that the parser gives up). Never throws.
 */
export function parseJsonLine(line: string): JsonLine | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}') || trimmed.length > MAX_JSON) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch {
    return undefined; // includes RangeError from pathological nesting
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const msg = pick(o, MESSAGE_KEYS);
  const error = errorText(pick(o, ERROR_KEYS));
  const message = typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg).slice(0, 500);
  return { message, level: levelFromField(pick(o, LEVEL_KEYS)), error, time: timeOf(pick(o, TIME_KEYS)) };
}
