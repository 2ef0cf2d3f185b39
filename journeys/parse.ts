/** @module journeys/parse — spec text (YAML or JSON) → a validated {@link JourneySpec}, or errors naming journey/step/field. */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { JourneySpecError } from './errors.ts';
import { JourneySpecSchema, type JourneySpec } from './spec.ts';
import type { z } from 'zod';

/** Where a problem sits, in words: `journey "checkout" step 3 (click) field "locator.role"`. */
function where(raw: unknown, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let rest = [...path];
  if (rest[0] === 'journeys' && typeof rest[1] === 'number') {
    const j = (raw as { journeys?: Array<{ name?: unknown }> }).journeys?.[rest[1]];
    parts.push(typeof j?.name === 'string' ? `journey "${j.name}"` : `journey #${rest[1] + 1}`);
    rest = rest.slice(2);
    if (rest[0] === 'steps' && typeof rest[1] === 'number') {
      const step = (j as { steps?: Array<{ action?: unknown }> } | undefined)?.steps?.[rest[1]];
      const action = typeof step?.action === 'string' ? ` (${step.action})` : '';
      parts.push(`step ${rest[1] + 1}${action}`);
      rest = rest.slice(2);
    }
  }
  if (rest.length) parts.push(`field "${rest.map(String).join('.')}"`);
  return parts.length ? parts.join(' ') : 'the spec';
}

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && 'options' in issue) {
    const opts = (issue as { options: unknown[] }).options.join(', ');
    return `${where(raw, issue.path)}: unknown ${String((issue as { discriminator: unknown }).discriminator)}; expected one of ${opts}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `${where(raw, issue.path)}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${where(raw, issue.path)}: ${issue.message}`;
}

/**
 * Parses spec text: YAML (JSON is YAML too) → {@link JourneySpecSchema}. Throws {@link JourneySpecError} listing every
 * problem with the journey name, the 1-based step number and the field; `source` names the file in the message.
 */
export function parseJourneySpec(text: string, opts: { source?: string } = {}): JourneySpec {
  const source = opts.source ?? 'the journey spec';
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new JourneySpecError(
      source,
      doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  }
  return validateJourneySpec(doc.toJS() as unknown, { source });
}

/** Validates an already-parsed object (for callers holding JSON or YAML values, e.g. from a ConfigMap). */
export function validateJourneySpec(raw: unknown, opts: { source?: string } = {}): JourneySpec {
  const source = opts.source ?? 'the journey spec';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new JourneySpecError(source, ['the spec must be a mapping with a `journeys:` list']);
  }
  const r = JourneySpecSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new JourneySpecError(
    source,
    r.error.issues.map((i) => describeIssue(raw, i)),
  );
}

/** Reads and parses a spec file; an unreadable file is a {@link JourneySpecError} too. */
export async function loadJourneySpec(path: string): Promise<JourneySpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new JourneySpecError(path, [
      `the file cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    ]);
  }
  return parseJourneySpec(text, { source: path });
}
