/** @module lib/config — one zod schema per process, fed from env vars and flags, parsed once at start. */
import { z } from 'zod';
import { ConfigError } from './errors.ts';

// The configuration error lives in lib/errors.ts, which the judge's reader threads load without this module's zod.
export { ConfigError };

/** One configuration option: where it comes from (env var, flag) and what it may hold. */
export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** Environment variable, e.g. `PROXY_PORT`. */
  env: string;
  /** Long flag, e.g. `--port`. Flags win over env vars. */
  flag?: string;
  /** A flag that takes no value (`--json`); its presence means `"true"`. */
  boolean?: boolean;
  /** Validates and converts the raw string; defaults belong here (`.default(…)`). */
  schema: S;
  /** One line for `--help` and for error messages. */
  description: string;
  /** Names of an earlier release, still read (with a one-line warning on stderr) until the next release. */
  deprecated?: DeprecatedNames;
}

/** The old names of a renamed option, and old spellings of its values. */
export interface DeprecatedNames {
  /** Old environment variables, read after the new one. */
  env?: readonly string[];
  /** Old flags, read after the new one. */
  flags?: readonly string[];
  /** Old values and the new value each one means (`off` → `none`). */
  values?: Readonly<Record<string, string>>;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed configuration for a set of option specs. */
export type OptionsOf<T extends OptionSpecs> = { [K in keyof T]: z.output<T[K]['schema']> };

/** Where raw values come from. */
export interface ConfigSource {
  env?: Record<string, string | undefined>;
  argv?: readonly string[];
  /** Where deprecation warnings go; default {@link stderrDeprecations} (once per old name per process). */
  deprecations?: Deprecations;
}

/** Receives "old name → new name" notices; writes each old name at most once. */
export class Deprecations {
  private readonly seen = new Set<string>();
  private readonly write: (line: string) => void;
  constructor(write: (line: string) => void) {
    this.write = write;
  }

  /** One line naming the old name and the new one, the first time `old` is used. */
  warn(old: string, now: string): void {
    if (this.seen.has(old)) return;
    this.seen.add(old);
    this.write(
      `sentinel: ${old} is deprecated, use ${now} (the old name stops working in the next release)\n`,
    );
  }
}

/** The process-wide sink: stderr, each old name once. */
export const stderrDeprecations = new Deprecations((line) => process.stderr.write(line));

/** Identity helper that keeps the literal keys of a spec object. */
export function defineOptions<T extends OptionSpecs>(specs: T): T {
  return specs;
}

/** A boolean option read from env ("true"/"false", "1"/"0", "yes"/"no") or a bare flag. */
export function boolOption(defaultValue: boolean): z.ZodType<boolean> {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)) as unknown as z.ZodType<boolean>;
}

/** A duration such as `500ms`, `30s`, `10m`, `1h` or a bare number of milliseconds; returns milliseconds. */
export function durationOption(defaultValue: string): z.ZodType<number> {
  return z
    .string()
    .default(defaultValue)
    .transform((raw, ctx) => {
      const ms = parseDuration(raw);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 30s, 10m or 1h' });
        return z.NEVER;
      }
      return ms;
    }) as unknown as z.ZodType<number>;
}

/** An integer option within `[min, max]`. */
export function intOption(defaultValue: number, min: number, max: number): z.ZodType<number> {
  return z.coerce
    .number({ error: `expected an integer between ${min} and ${max}` })
    .int(`expected an integer between ${min} and ${max}`)
    .min(min, `expected an integer between ${min} and ${max}`)
    .max(max, `expected an integer between ${min} and ${max}`)
    .default(defaultValue);
}

/** A comma-separated list (`a, b,c` → `['a', 'b', 'c']`); unset → `[]`. */
export const csvOption = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * A duration field of a config document (`500ms`, `30s`, `10m`, `1h`) → milliseconds, at most `max`; the key stays
 * optional (the default applies). For env vars and flags use {@link durationOption}.
 */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- the inferred zod type keeps the key optional
export function boundedDuration(fallback: string, max: number) {
  return z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const ms = parseDuration(raw);
      if (ms === undefined || ms > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 500ms, 30s or 10m (at most ${max / 1000}s), got "${raw}"`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

/** Parses `500ms`, `2s`, `1.5m`, `1h`, or a bare number (milliseconds). */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1;
  return Math.round(n * factor);
}

/** Result of splitting argv: flag values by flag name, and the positional arguments. */
interface SplitArgs {
  flags: Map<string, string>;
  positionals: string[];
}

/** Every flag of `specs`, old names included, with its spec. */
export function flagsOf(specs: OptionSpecs): Map<string, OptionSpec> {
  return new Map(
    Object.values(specs).flatMap((s) =>
      [s.flag, ...(s.deprecated?.flags ?? [])].flatMap((f) => (f ? [[f, s] as const] : [])),
    ),
  );
}

function splitArgv(specs: OptionSpecs, argv: readonly string[]): SplitArgs {
  const byFlag = flagsOf(specs);
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(name);
    if (!spec) {
      const known = Object.values(specs)
        .flatMap((s) => (s.flag ? [s.flag] : []))
        .sort()
        .join(', ');
      throw new ConfigError([`unknown flag ${name}; known flags: ${known || '(none)'}`]);
    }
    if (eq >= 0) flags.set(name, arg.slice(eq + 1));
    else if (spec.boolean) flags.set(name, 'true');
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError([`flag ${name} needs a value (${spec.description})`]);
      flags.set(name, next);
      i++;
    }
  }
  return { flags, positionals };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') {
    return `allowed values: ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  return issue.message;
}

function label(spec: OptionSpec): string {
  return spec.flag ? `${spec.env} (${spec.flag})` : spec.env;
}

function parseOne(
  spec: OptionSpec,
  value: string | undefined,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  const parsed = spec.schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const shown = value === undefined ? '(unset)' : JSON.stringify(value);
  const why = parsed.error.issues.map(describeIssue).join('; ');
  return { ok: false, problem: `${label(spec)} = ${shown}: ${why}. ${spec.description}` };
}

/** Empty strings count as unset. */
function given(v: string | undefined): string | undefined {
  return v === '' ? undefined : v;
}

/**
 * The raw value of one option: the flag, an old flag, the env var, an old env var — in that order; an old name or an
 * old value spelling is used with a deprecation notice naming the new one.
 */
function rawValue(
  spec: OptionSpec,
  flags: ReadonlyMap<string, string>,
  env: Record<string, string | undefined>,
  deprecations: Deprecations,
): string | undefined {
  const old = spec.deprecated;
  const candidates: [name: string, value: string | undefined, isOld: boolean][] = [
    ...(spec.flag ? [[spec.flag, flags.get(spec.flag), false] as [string, string | undefined, boolean]] : []),
    ...(old?.flags ?? []).map((f) => [f, flags.get(f), true] as [string, string | undefined, boolean]),
    [spec.env, env[spec.env], false],
    ...(old?.env ?? []).map((e) => [e, env[e], true] as [string, string | undefined, boolean]),
  ];
  const hit = candidates.find(([, v]) => given(v) !== undefined);
  if (!hit) return undefined;
  const [name, value, isOld] = hit;
  if (isOld) deprecations.warn(name, name.startsWith('--') ? (spec.flag ?? spec.env) : spec.env);
  const renamed = old?.values?.[value as string];
  if (renamed === undefined) return value;
  const sep = name.startsWith('--') ? ' ' : '=';
  deprecations.warn(`${name}${sep}${value}`, `${name}${sep}${renamed}`);
  return renamed;
}

/**
 * Reads every option from flags (first) or env vars, treating empty strings as unset, and validates them.
 * Throws {@link ConfigError} listing every bad option with its value and the allowed ones.
 */
export function loadOptions<T extends OptionSpecs>(
  specs: T,
  source: ConfigSource = {},
): { options: OptionsOf<T>; positionals: string[] } {
  const env = source.env ?? {};
  const deprecations = source.deprecations ?? stderrDeprecations;
  const { flags, positionals } = splitArgv(specs, source.argv ?? []);
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const raw = rawValue(spec, flags, env, deprecations);
    const result = parseOne(spec, raw === '' ? undefined : raw);
    if (result.ok) out[key] = result.value;
    else problems.push(result.problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { options: out as OptionsOf<T>, positionals };
}

/** A command's options from its argv and this process's environment (flags win). Throws {@link ConfigError}. */
export function loadCommandOptions<T extends OptionSpecs>(
  specs: T,
  argv: readonly string[],
): { options: OptionsOf<T>; positionals: string[] } {
  return loadOptions(specs, { env: process.env, argv });
}

/** Help text listing each option with its flag, env var and description, then the renamed options' old names. */
export function optionsHelp(specs: OptionSpecs): string {
  const rows = Object.values(specs).map(
    (s) => `  ${(s.flag ?? '').padEnd(22)} ${s.env.padEnd(28)} ${s.description}`,
  );
  const renamed = Object.values(specs).flatMap((s) => {
    const old = [...(s.deprecated?.flags ?? []), ...(s.deprecated?.env ?? [])];
    const values = Object.entries(s.deprecated?.values ?? {}).map(([o, n]) => `${o} → ${n}`);
    return old.length + values.length > 0
      ? [`  ${[...old, ...values].join(', ')} → ${[s.flag, s.env].filter(Boolean).join(' / ')}`]
      : [];
  });
  if (renamed.length === 0) return rows.join('\n');
  return `${rows.join('\n')}\n\nrenamed (the old names still work until the next release, with a warning):\n${renamed.join('\n')}`;
}
