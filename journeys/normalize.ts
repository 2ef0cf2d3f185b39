/** @module journeys/normalize — URLs to templates and messages made comparable across canary and stable. */

const ID_SEGMENT = /^(\d+|[0-9a-f]{12,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * A URL reduced to a template: the target's origin → `{baseUrl}`, numeric / hex / UUID path segments → `{id}`, query
 * values dropped (`?q={}`), fragment dropped. Canary and stable then produce the same template for the same request.
 */
export function urlTemplate(raw: string, baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw.slice(0, 200);
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:') return `${u.protocol}…`;
  let origin = u.origin;
  try {
    if (origin === new URL(baseUrl).origin) origin = '{baseUrl}';
  } catch {
    // A bad baseUrl was refused earlier; keep the origin.
  }
  const path = u.pathname
    .split('/')
    .map((seg) => (ID_SEGMENT.test(seg) ? '{id}' : seg))
    .join('/');
  const keys = [...new Set(u.searchParams.keys())].sort();
  return `${origin}${path}${keys.length ? `?${keys.map((k) => `${k}={}`).join('&')}` : ''}`;
}

/** A console or page error message with the target's origin replaced, so both sides say the same thing. */
export function normalizeMessage(text: string, baseUrl: string): string {
  let out = text;
  try {
    out = out.split(new URL(baseUrl).origin).join('{baseUrl}');
  } catch {
    // keep as is
  }
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}
