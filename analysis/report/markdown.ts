/** @module analysis/report/markdown — safe Markdown building blocks for untrusted text (log lines, templates). */

/** GitHub's limits on issue and comment text (characters). */
export const GITHUB_TITLE_MAX = 256;
export const GITHUB_BODY_MAX = 65_536;

/**
 * Makes untrusted prose inert on GitHub: `@user` mentions and `#123` references do not ping or link (a zero-width
 * space follows `@`/`#`), and `<` is escaped so text cannot open an HTML comment or spoof our marker.
 */
export function inert(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b')
    .replace(/#(?=\d)/g, '#\u200b')
    .replace(/\r?\n/g, ' ');
}

function longestBacktickRun(text: string): number {
  let best = 0;
  for (const m of text.matchAll(/`+/g)) best = Math.max(best, m[0].length);
  return best;
}

/** An inline code span that survives backticks inside the text. */
export function code(text: string): string {
  const oneLine = text.replace(/\r?\n/g, ' ');
  const ticks = '`'.repeat(longestBacktickRun(oneLine) + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${oneLine}${pad}${ticks}`;
}

/** A fenced code block whose fence is longer than any backtick run inside (CommonMark §4.5). */
export function fence(lines: readonly string[], info = 'text'): string {
  const text = lines.join('\n');
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  return `${ticks}${info}\n${text}\n${ticks}`;
}

/** Cuts text to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A rate per thousand lines with its raw counts, e.g. `12.5‰ (25 / 2000)`. */
export function rate(count: number, total: number | undefined): string {
  if (!total) return String(count);
  return `${((count / total) * 1000).toFixed(count / total < 0.01 ? 2 : 1)}‰ (${count} / ${total})`;
}
