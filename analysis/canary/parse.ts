/** @module analysis/canary/parse — a CanaryAnalysis from a config file or HTTP body, with errors naming field and fix. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AnalysisError } from '../errors.ts';
import { CanaryAnalysisSchema, type CanaryAnalysis } from './types.ts';

/** "field: problem" lines for the first five issues. */
export function describeCanaryIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(the analysis)';
    if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_value')
      return `${path}: allowed values are ${issue.values.map(String).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
}

/** Validates a parsed document. Throws `CanaryConfigInvalid`. */
export function parseCanaryAnalysis(value: unknown, source: string): CanaryAnalysis {
  const parsed = CanaryAnalysisSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AnalysisError(
    'CanaryConfigInvalid',
    `${source} is not a valid canary analysis: ${describeCanaryIssues(parsed.error).join('; ')}.`,
    {
      hint: 'Fix the named fields; analysis/canary/README.md documents every field with an example.',
    },
  );
}

/** Reads a YAML or JSON file holding a CanaryAnalysis (the same shape as the plugin block, without `kind`). */
export async function loadCanaryAnalysis(path: string): Promise<CanaryAnalysis> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AnalysisError(
      'CanaryConfigInvalid',
      `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`,
      {
        hint: 'Give the path of a YAML or JSON canary analysis with --config.',
      },
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AnalysisError(
      'CanaryConfigInvalid',
      `${path} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}.`,
      {
        hint: 'Check the indentation and quoting around the reported position.',
      },
    );
  }
  const { kind: _kind, resumeAfter: _r, ...rest } = (doc ?? {}) as Record<string, unknown>;
  return parseCanaryAnalysis(rest, path);
}
