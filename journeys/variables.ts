/**
 * @module journeys/variables — `{{name}}` substitution in step strings (plain text, one pass, never evaluated) and
 * the redactor that keeps secret values out of every output.
 */
import { readFileSync } from 'node:fs';
import { JourneyVariableError } from './errors.ts';
import type { JourneySpec, Step } from './spec.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const REDACTED = '[redacted]';

/** Resolved variable values and the redactor built from the secret ones. */
export interface Variables {
  /** Name → value, `baseUrl` excluded (it is per target). */
  values: ReadonlyMap<string, string>;
  /** Secret values (env and file variables unless `secret: false`, and `value:` ones marked secret). */
  secrets: readonly string[];
  /** Whether any secret is used by a step of this journey (traces are then never recorded). */
  usesSecret(journey: string): boolean;
  /** Replaces every secret value in `text` with `[redacted]`. */
  redact(text: string): string;
}

function resolveOne(
  name: string,
  v: JourneySpec['variables'][string],
  env: Readonly<Record<string, string | undefined>>,
): { value: string; secret: boolean } {
  if (typeof v === 'string') return { value: v, secret: false };
  if ('value' in v) return { value: v.value, secret: v.secret };
  if ('env' in v) {
    const value = env[v.env];
    if (value === undefined || value === '') {
      throw new JourneyVariableError(`Variable "${name}" reads env var ${v.env}, which is not set.`);
    }
    return { value, secret: v.secret };
  }
  try {
    return { value: readFileSync(v.file, 'utf8').replace(/\r?\n$/, ''), secret: v.secret };
  } catch (err) {
    throw new JourneyVariableError(
      `Variable "${name}" reads file ${v.file}, which cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`,
      { cause: err },
    );
  }
}

/** Every string inside a step (values, URLs, locator fields). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

/** The placeholder names a step uses. */
export function placeholdersOf(step: Step): string[] {
  return stringsOf(step).flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((m) => m[1] as string));
}

/**
 * Resolves the spec's variables from literals, `env` and mounted files, and checks that every `{{name}}` a step uses
 * is defined (`baseUrl` always is). Throws {@link JourneyVariableError} naming the journey, step and variable.
 */
export function resolveVariables(
  spec: JourneySpec,
  env: Readonly<Record<string, string | undefined>> = {},
): Variables {
  const values = new Map<string, string>();
  const secretNames = new Set<string>();
  for (const [name, v] of Object.entries(spec.variables)) {
    const r = resolveOne(name, v, env);
    values.set(name, r.value);
    if (r.secret) secretNames.add(name);
  }
  const usedSecret = new Set<string>();
  for (const j of spec.journeys) {
    j.steps.forEach((step, i) => {
      for (const name of placeholdersOf(step)) {
        if (name !== 'baseUrl' && !values.has(name)) {
          throw new JourneyVariableError(
            `Journey "${j.name}" step ${i + 1} (${step.action}) uses {{${name}}}, which is not defined.`,
          );
        }
        if (secretNames.has(name)) usedSecret.add(j.name);
      }
    });
  }
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...secretNames]
    .map((n) => values.get(n) as string)
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  return {
    values,
    secrets,
    usesSecret: (journey) => usedSecret.has(journey),
    redact: (text) => secrets.reduce((t, s) => t.split(s).join(REDACTED), text),
  };
}

/** Substitutes `{{name}}` in every string of a step (one pass; substituted text is not scanned again). */
export function substituteStep<S extends Step>(step: S, vars: Variables, baseUrl: string): S {
  const sub = (s: string): string =>
    s.replace(PLACEHOLDER, (_m, name: string) =>
      name === 'baseUrl' ? baseUrl : (vars.values.get(name) ?? ''),
    );
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return sub(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(step) as S;
}
