/** @module analysis/report/marker — the hidden marker that makes an issue findable and closable by fingerprint. */
import { type Marker, MarkerSchema } from './types.ts';

const PREFIX = '<!-- rollout-sentinel:marker ';
const SUFFIX = ' -->';

/**
 * Renders the marker as an HTML comment (invisible on GitHub) plus a visible fingerprint line that search indexes.
 * `<` and `>` are escaped inside the JSON so a template containing `-->` cannot end the comment early.
 */
export function renderMarker(marker: Marker): string {
  const json = JSON.stringify(marker).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${PREFIX}${json}${SUFFIX}\n<sub>rollout-sentinel fingerprint \`${marker.fp}\`</sub>`;
}

/** Reads the marker back from an issue body; undefined when absent or malformed (e.g. edited by hand). */
export function parseMarker(body: string | null | undefined): Marker | undefined {
  if (!body) return undefined;
  const start = body.lastIndexOf(PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(SUFFIX, start + PREFIX.length);
  if (end < 0) return undefined;
  try {
    const parsed = MarkerSchema.safeParse(JSON.parse(body.slice(start + PREFIX.length, end)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
