/** @module lib/config — one zod schema per process, fed from env vars and flags, parsed once at start. */
import { z } from 'zod';

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
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed configuration for a set of option specs. */
export type OptionsOf<T extends OptionSpecs> = { [K in keyof T]: z.output<T[K]['schema']> };

/** Where raw values come from. */
export interface ConfigSource {
  env?: Record<string, string | undefined>;
  argv?: readonly string[];
}

/** The configuration is invalid; `message` names each variable, its bad value and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

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

function splitArgv(specs: OptionSpecs, argv: readonly string[]): SplitArgs {
  const byFlag = new Map(
    Object.values(specs)
      .filter((s) => s.flag)
      .map((s) => [s.flag as string, s]),
  );
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
      const known = [...byFlag.keys()].sort().join(', ');
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

/**
 * Reads every option from flags (first) or env vars, treating empty strings as unset, and validates them.
 * Throws {@link ConfigError} listing every bad option with its value and the allowed ones.
 */
export function loadOptions<T extends OptionSpecs>(
  specs: T,
  source: ConfigSource = {},
): { options: OptionsOf<T>; positionals: string[] } {
  const env = source.env ?? {};
  const { flags, positionals } = splitArgv(specs, source.argv ?? []);
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const raw = (spec.flag ? flags.get(spec.flag) : undefined) ?? env[spec.env];
    const result = parseOne(spec, raw === '' ? undefined : raw);
    if (result.ok) out[key] = result.value;
    else problems.push(result.problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { options: out as OptionsOf<T>, positionals };
}

/** Help text listing each option with its flag, env var and description. */
export function optionsHelp(specs: OptionSpecs): string {
  return Object.values(specs)
    .map((s) => `  ${(s.flag ?? '').padEnd(22)} ${s.env.padEnd(28)} ${s.description}`)
    .join('\n');
}
