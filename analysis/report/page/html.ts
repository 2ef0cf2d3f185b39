/** @module analysis/report/page/html — HTML escaping for untrusted text (log lines, templates, errors). */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * An escaped href for http(s) URLs and scheme-less paths (a local outbox file, a trace next to the page); undefined
 * for any other scheme (javascript:, data:, file:), which the page then shows as text.
 */
export function safeHref(url: string): string | undefined {
  if (/^https?:\/\//i.test(url)) return esc(url);
  return /^[^:?#]*$/.test(url) && !url.startsWith('//') ? esc(url) : undefined;
}

/** `4.87 % of 966`: the share of `count` in `total` (lines or requests), with more digits for rare signals. */
export function shareOf(count: number, total: number | undefined): string {
  if (!total) return '';
  const r = (count / total) * 100;
  return `${r.toFixed(r < 10 ? 2 : 1)} % of ${total.toLocaleString('en')}`;
}

/** `83 %`. */
export function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
