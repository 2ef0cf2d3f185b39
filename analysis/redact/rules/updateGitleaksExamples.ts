/* eslint-disable no-console -- a maintainer's script: it reports what it wrote */
/**
 * @module analysis/redact/rules/updateGitleaksExamples — `npm run update:redact-examples -- v8.27.2`: refreshes
 * gitleaksExamples.json, the true- and false-positive samples with which gitleaks' rule generator validates each rule
 * (`cmd/generate/config/rules/*.go`, Go module github.com/zricethezav/gitleaks/v8, MIT). gitleaks.toml carries no
 * examples, so the generator itself is run: in a scratch copy of the module from the Go module proxy, two small files
 * of ours (goRecorder/) make `utils.Validate` write each rule's samples, with the secrets gitleaks' own detector finds
 * in them, and seed `secrets.NewSecret` from a counter instead of the clock (the generated samples are the same on
 * every update, and are marked `generated`). The module's version must be the one the vendored rules came from: its
 * config/gitleaks.toml (without the header comment) must hash to gitleaks.json's sha256. Needs `go` on the PATH.
 * `-- v8.X.Y --check` writes nothing and exits 4 when the vendored file is not what the generator makes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MODULE = 'github.com/zricethezav/gitleaks/v8';
const HERE = import.meta.dirname;
const RULES = resolve(HERE, 'gitleaks.json');
const OUT = resolve(HERE, 'gitleaksExamples.json');

interface Recorded {
  text: string;
  secrets: string[];
  generated?: boolean;
  path?: string;
}
interface RecordedRule {
  rule: string;
  tps: Recorded[];
  fps: Recorded[];
}

/** The TOML as the npm package ships it: without the generator's header comment, with one final newline. */
function normalizeToml(toml: string): string {
  const lines = toml.split('\n');
  let i = 0;
  while (i < lines.length && /^\s*(?:#.*)?$/.test(lines[i] as string)) i++;
  return `${lines.slice(i).join('\n').trimEnd()}\n`;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** Replaces `anchor` in a file of the scratch module, or fails naming what changed upstream. */
function patch(file: string, anchor: string, replacement: string): void {
  const src = readFileSync(file, 'utf8');
  if (!src.includes(anchor))
    throw new Error(
      `${file} no longer contains ${JSON.stringify(anchor)}: gitleaks' generator changed; adapt the patch in updateGitleaksExamples.ts`,
    );
  writeFileSync(file, src.replace(anchor, replacement));
}

function go(args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return runGo(args, cwd, env);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error("`go` is not on the PATH: this update runs gitleaks' Go rule generator", {
        cause: err,
      });
    throw new Error(`go ${args.join(' ')} failed in ${cwd}:\n${e.stderr ?? e.message}`, { cause: err });
  }
}

function runGo(args: string[], cwd: string, env: Record<string, string>): string {
  return execFileSync('go', args, {
    cwd,
    encoding: 'utf8',
    // eslint-disable-next-line no-restricted-properties -- a maintainer's script: go inherits the user's environment
    env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false -modcacherw', GOTOOLCHAIN: 'local', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
}

function record(dir: string, scratch: string): RecordedRule[] {
  const mod = join(scratch, 'gitleaks');
  cpSync(dir, mod, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', mod]);
  const utils = join(mod, 'cmd/generate/config/utils');
  const secrets = join(mod, 'cmd/generate/secrets');
  copyFileSync(join(HERE, 'goRecorder/recordExamples.go'), join(utils, 'sentinel_record_examples.go'));
  copyFileSync(join(HERE, 'goRecorder/seededSecrets.go'), join(secrets, 'sentinel_seeded_secrets.go'));
  patch(
    join(utils, 'validate.go'),
    'd := createSingleRuleDetector(r)\n\tfor _, tp := range truePositives {',
    'd := createSingleRuleDetector(r)\n\tsentinelRecord(r, d, truePositives, falsePositives)\n\tfor _, tp := range truePositives {',
  );
  patch(
    join(utils, 'validate.go'),
    'd := createSingleRuleDetector(r)\n\tfor path, tp := range truePositives {',
    'd := createSingleRuleDetector(r)\n\tsentinelRecordPaths(r, d, truePositives, falsePositives)\n\tfor path, tp := range truePositives {',
  );
  patch(
    join(secrets, 'regen.go'),
    'func NewSecret(regex string) string {',
    'func NewSecret(regex string) string {\n\treturn sentinelNewSecret(regex)\n}\n\nfunc upstreamNewSecret(regex string) string {',
  );
  const out = join(scratch, 'examples.jsonl');
  const toml = join(scratch, 'generated.toml');
  // The generator reads its template from rules/config.tmpl, relative to its own folder.
  go(['run', '.', toml], join(mod, 'cmd/generate/config'), { SENTINEL_EXAMPLES_OUT: out });
  // The generator, as patched, must still produce the config that the module ships: the samples are the ones its
  // rules were validated with.
  if (
    normalizeToml(readFileSync(toml, 'utf8')) !==
    normalizeToml(readFileSync(join(dir, 'config/gitleaks.toml'), 'utf8'))
  )
    throw new Error('the patched generator no longer produces the config/gitleaks.toml of the module');
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RecordedRule);
}

const byText = (a: { text: string }, b: { text: string }): number =>
  a.text < b.text ? -1 : a.text > b.text ? 1 : 0;

/** With `--check`: nothing is written; the exit code says whether the vendored file is what the generator makes. */
const CHECK = process.argv.includes('--check');

/** The version argument, or a usage error. */
function versionArg(): string {
  const version = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!version || !/^v8\.\d+\.\d+$/.test(version))
    throw new Error(
      'usage: npm run update:redact-examples -- v8.X.Y (the gitleaks version whose config/gitleaks.toml is the vendored gitleaks.json)',
    );
  return version;
}

/** The module's folder and zip in Go's module cache, downloaded through the module proxy when missing. */
function download(version: string): { Dir: string; Zip: string; Sum?: string } {
  const info = JSON.parse(go(['mod', 'download', '-json', `${MODULE}@${version}`], HERE)) as {
    Dir?: string;
    Zip?: string;
    Sum?: string;
    Error?: string;
  };
  if (info.Error || !info.Dir || !info.Zip)
    throw new Error(`go mod download ${MODULE}@${version}: ${info.Error}`);
  return { Dir: info.Dir, Zip: info.Zip, Sum: info.Sum };
}

/** Writes the file, or with `--check` only says whether it is up to date (exit 4 when not). */
function writeOrCheck(text: string, version: string): boolean {
  if (!CHECK) {
    writeFileSync(OUT, text);
    return true;
  }
  const same = readFileSync(OUT, 'utf8') === text;
  console.log(
    same
      ? `${OUT} is up to date with ${MODULE}@${version}`
      : `${OUT} differs from what ${MODULE}@${version}'s generator makes`,
  );
  process.exitCode = same ? 0 : 4;
  return false;
}

function main(): void {
  const version = versionArg();
  const rules = JSON.parse(readFileSync(RULES, 'utf8')) as { sha256: string; rules: { id: string }[] };
  const info = download(version);
  const tomlSha = sha256(normalizeToml(readFileSync(join(info.Dir, 'config/gitleaks.toml'), 'utf8')));
  if (tomlSha !== rules.sha256)
    throw new Error(
      `${MODULE}@${version}'s config/gitleaks.toml hashes to ${tomlSha}, gitleaks.json's rules to ${rules.sha256}: pick the gitleaks version the rules came from (or update the rules first)`,
    );
  const scratch = mkdtempSync(join(tmpdir(), 'gitleaks-examples-'));
  try {
    const recorded = record(info.Dir, scratch);
    const ids = new Set(rules.rules.map((r) => r.id));
    const kept = recorded.filter((r) => ids.has(r.rule)).sort((a, b) => (a.rule < b.rule ? -1 : 1));
    const enc = (e: Recorded): Record<string, unknown> => ({
      text: b64(e.text),
      secrets: e.secrets.map(b64),
      ...(e.generated ? { generated: true } : {}),
    });
    const data = {
      source: `Go module ${MODULE}@${version}: the true-positive (tps) and false-positive (fps) samples its rule generator (cmd/generate/config/rules/*.go) validates each rule with, recorded by running the generator; secrets are what gitleaks' detector finds in each sample`,
      upstream: 'https://github.com/gitleaks/gitleaks',
      version,
      license: "MIT. Copyright (c) 2019 Zachary Rice (gitleaks' rules and samples). See LICENSE-gitleaks.md.",
      sha256: sha256(readFileSync(info.Zip)),
      goSum: info.Sum,
      rulesSha256: tomlSha,
      encoding:
        'text and secrets are base64 of UTF-8, so that secret scanners do not flag this file: many samples are real-looking (some once real, published) tokens',
      generated:
        'samples marked generated hold a value from secrets.NewSecret, seeded 1, 2, 3… in call order (the same on every update)',
      rules: kept.map((r) => ({
        id: r.rule,
        tps: [...r.tps].sort(byText).map(enc),
        fps: [...r.fps].sort(byText).map((e) => ({ text: b64(e.text) })),
      })),
    };
    // Formatted as the repository formats it (its prettier configuration, chosen by the file's path).
    const text = execFileSync(
      resolve(HERE, '../../../node_modules/.bin/prettier'),
      ['--stdin-filepath', OUT],
      {
        input: `${JSON.stringify(data, null, 1)}\n`,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    if (!writeOrCheck(text, version)) return;
    const tps = kept.reduce((n, r) => n + r.tps.length, 0);
    const generated = kept.reduce((n, r) => n + r.tps.filter((e) => e.generated).length, 0);
    const fps = kept.reduce((n, r) => n + r.fps.length, 0);
    const missing = [...ids].filter((id) => !kept.some((r) => r.rule === id));
    console.log(
      `wrote ${kept.length} rules' samples (${tps} true positives, ${generated} of them generated; ${fps} false positives) from ${MODULE}@${version} to ${OUT}`,
    );
    if (missing.length)
      console.log(`rules without samples (their generator does not validate): ${missing.join(', ')}`);
    const dropped = recorded.filter((r) => !ids.has(r.rule)).map((r) => r.rule);
    if (dropped.length)
      console.log(`samples of rules not in gitleaks.json (path-only rules), not kept: ${dropped.join(', ')}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`update:redact-examples: ${(err as Error).message}`);
  process.exitCode = 3;
}
