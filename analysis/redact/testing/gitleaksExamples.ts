/**
 * @module analysis/redact/testing/gitleaksExamples — gitleaks' own per-rule samples (rules/gitleaksExamples.json,
 * recorded from its rule generator by `npm run update:redact-examples`), decoded, for tests and benchmarks. Read
 * from disk rather than imported, so that no bundle carries them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One true-positive sample: the text, the secrets gitleaks' detector finds in it, and whether one was generated. */
export interface TruePositive {
  text: string;
  secrets: string[];
  /** Holds a value gitleaks' generator made up (secrets.NewSecret), rather than a literal from its source. */
  generated: boolean;
}

/** The samples of one rule. */
export interface RuleExamples {
  id: string;
  tps: TruePositive[];
  fps: string[];
}

/** The vendored file, decoded. */
export interface GitleaksExamples {
  source: string;
  version: string;
  license: string;
  sha256: string;
  rulesSha256: string;
  rules: RuleExamples[];
}

interface Encoded {
  source: string;
  version: string;
  license: string;
  sha256: string;
  rulesSha256: string;
  rules: {
    id: string;
    tps: { text: string; secrets: string[]; generated?: boolean }[];
    fps: { text: string }[];
  }[];
}

export const GITLEAKS_EXAMPLES_FILE = resolve(import.meta.dirname, '../rules/gitleaksExamples.json');

const decode = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Loads and decodes the vendored samples. */
export function gitleaksExamples(file = GITLEAKS_EXAMPLES_FILE): GitleaksExamples {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Encoded;
  return {
    source: data.source,
    version: data.version,
    license: data.license,
    sha256: data.sha256,
    rulesSha256: data.rulesSha256,
    rules: data.rules.map((r) => ({
      id: r.id,
      tps: r.tps.map((t) => ({
        text: decode(t.text),
        secrets: t.secrets.map(decode),
        generated: t.generated ?? false,
      })),
      fps: r.fps.map((f) => decode(f.text)),
    })),
  };
}

/**
 * A sample as an application would log it: after a timestamp and level, its line breaks folded to spaces (the
 * samples are config and source snippets, some over several lines, as a collector joining a record would pass them).
 */
export function asLogLine(text: string, level = 'ERROR'): string {
  return `2026-12-02T08:00:00.000Z ${level} handler: ${text.replace(/\r?\n/g, ' ')}`;
}
