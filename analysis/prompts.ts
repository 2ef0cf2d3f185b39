/**
 * @module analysis/prompts — loads prompt templates from `prompts/*.md` and fills their `{{var}}` placeholders in one
 * pass. Values (logs, templates, app output) are inserted literally: a value containing `{{x}}`, `$&` or
 * instructions is never evaluated as template text (CONVENTIONS.md 15).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisError } from './errors.ts';

/** Folder of the prompt files (repo `prompts/`). */
export const PROMPTS_DIR = join(import.meta.dirname, '..', 'prompts');

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** Reads `prompts/<name>.md`. */
export function loadPrompt(name: string, dir = PROMPTS_DIR): string {
  return readFileSync(join(dir, `${name}.md`), 'utf8');
}

/** The placeholder names a template uses, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * Substitutes every `{{name}}` of `template` with `vars[name]`, in a single left-to-right pass over the template only.
 * Throws when the template uses a variable that `vars` lacks (a bug, not bad input).
 */
export function renderPrompt(template: string, vars: Readonly<Record<string, string>>): string {
  const missing = placeholders(template).filter((n) => !Object.hasOwn(vars, n));
  if (missing.length > 0) {
    throw new AnalysisError(
      'LlmBadResponse',
      `Prompt template needs variables it was not given: ${missing.join(', ')}.`,
    );
  }
  return template.replace(PLACEHOLDER, (_m, name: string) => vars[name] as string);
}

/**
 * Wraps untrusted data between `<tag>` markers so the model can tell data from instructions. Any closing marker
 * inside the data is defused, so a log line cannot end the block early.
 */
export function delimit(tag: string, data: string): string {
  const defused = data.replaceAll(`</${tag}`, `<\\/${tag}`).replaceAll(`<${tag}`, `<\\${tag}`);
  return `<${tag}>\n${defused}\n</${tag}>`;
}
