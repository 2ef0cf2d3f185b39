/**
 * @module analysis/templates/line — what a raw text line contributes to mining: its message (the template source) and
 * the level its structure names. logfmt lines (`time=… level=info msg="…" k=v`) give their `msg` field as message
 * (other fields are variables); every other text line goes through generic header detection.
 */
import { levelOfToken, parseHeader, type HeaderShape } from './header.ts';
import type { Level } from '../logs/types.ts';

/** A parsed text line. */
export interface ParsedLine {
  message: string;
  level: Level | undefined;
}

const LOGFMT_PAIR = /(?:^|\s)([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
const MESSAGE_KEYS = new Set(['msg', 'message', 'event']);
const LEVEL_KEYS = new Set(['level', 'lvl', 'severity', 'loglevel']);

function unquote(v: string): string {
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** A logfmt line's message and level; undefined unless the line has a message key and at least two pairs. */
export function parseLogfmt(line: string): ParsedLine | undefined {
  // Cheap gate: most lines have no message key at all.
  if (!line.includes('msg=') && !line.includes('message=') && !line.includes('event=')) return undefined;
  let message: string | undefined;
  let level: Level | undefined;
  let pairs = 0;
  LOGFMT_PAIR.lastIndex = 0;
  for (let m = LOGFMT_PAIR.exec(line); m; m = LOGFMT_PAIR.exec(line)) {
    pairs++;
    const key = (m[1] as string).toLowerCase();
    if (message === undefined && MESSAGE_KEYS.has(key)) message = unquote(m[2] as string);
    else if (level === undefined && LEVEL_KEYS.has(key))
      level = levelOfToken(`level=${unquote(m[2] as string)}`);
  }
  if (message === undefined || pairs < 2) return undefined;
  return { message, level };
}

/** The message and structural level of a raw (non-JSON) text line. Never throws. */
export function parseTextLine(line: string, shape?: HeaderShape): ParsedLine {
  const h = parseHeader(line, shape);
  const lf = parseLogfmt(h.message);
  if (lf) return { message: lf.message, level: h.level ?? lf.level };
  return { message: h.message, level: h.level };
}
