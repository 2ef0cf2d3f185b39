/**
 * One configuration vocabulary (issue 10 item 5): every command reads the same names, the renamed ones keep their old
 * names for one release with a one-line warning, and `--help` shows the new names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS as CANARY_OPTIONS } from '../analysis/cli/canary.ts';
import { OPTIONS as JUDGE_OPTIONS } from '../analysis/cli/judge.ts';
import { LlmSchema } from '../analysis/canary/types.ts';
import { REPORT_OPTIONS } from '../analysis/report/config.ts';
import { DEMO_OPTIONS } from '../demo/config.ts';
import { Deprecations, loadOptions, type OptionSpecs } from '../lib/config.ts';
import { flagName, LLM_OPTIONS } from '../lib/vocabulary.ts';
import { BACKEND_OPTIONS, PROXY_OPTIONS } from '../proxy/config.ts';

const BIN = resolve(import.meta.dirname, '../bin/sentinel.js');

/** [command, its options, the old name, the new name, a value]: every rename of this release. */
const RENAMES: [string, OptionSpecs, string, string, string][] = (
  [
    ['judge', JUDGE_OPTIONS, '--model', '--llm-model', 'gemini-x'],
    ['judge', JUDGE_OPTIONS, '--gemini-key-file', '--llm-api-key-file', '/run/key'],
    ['judge', JUDGE_OPTIONS, '--gemini-base-url', '--llm-base-url', 'http://127.0.0.1:1/'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_GEMINI_API_KEY_FILE', 'SENTINEL_LLM_API_KEY_FILE', '/run/key'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_GEMINI_BASE_URL', 'SENTINEL_LLM_BASE_URL', 'http://127.0.0.1:1/'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_GEMINI_API_VERSION', 'SENTINEL_LLM_API_VERSION', 'v1'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_VERTEX_PROJECT', 'SENTINEL_LLM_VERTEX_PROJECT', 'p'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_VERTEX_LOCATION', 'SENTINEL_LLM_VERTEX_LOCATION', 'europe-west4'],
    ['judge', JUDGE_OPTIONS, 'SENTINEL_LLM_MAX_TOKENS', 'SENTINEL_LLM_MAX_INPUT_TOKENS', '6000'],
    ['report', REPORT_OPTIONS, '--policy', '--policy-file', 'policies.yaml'],
    ['report', REPORT_OPTIONS, 'REPORT_POLICY_FILE', 'SENTINEL_REPORT_POLICY_FILE', 'policies.yaml'],
    ['report', REPORT_OPTIONS, 'REPORT_LLM', 'SENTINEL_LLM', 'gemini'],
    ['report', REPORT_OPTIONS, 'REPORT_REPO', 'SENTINEL_REPORT_REPO', 'acme/shop'],
    ['report', REPORT_OPTIONS, 'REPORT_VERDICT_FILE', 'SENTINEL_REPORT_VERDICT', 'v.json'],
    ['report', REPORT_OPTIONS, 'REPORT_OUTBOX_DIR', 'SENTINEL_REPORT_OUTBOX', 'out'],
    ['report', REPORT_OPTIONS, 'REPORT_STATE_DIR', 'SENTINEL_REPORT_STATE_DIR', 'state'],
    ['report', REPORT_OPTIONS, 'REPORT_LEASE_TTL', 'SENTINEL_REPORT_LEASE_TTL', '5m'],
    ['report', REPORT_OPTIONS, 'REPORT_HANDOFF', 'SENTINEL_REPORT_HANDOFF', 'copilot'],
    ['report', REPORT_OPTIONS, 'REPORT_VERIFY_WITHIN', 'SENTINEL_REPORT_VERIFY_WITHIN', '0'],
    ['report', REPORT_OPTIONS, 'REPORT_DRY_RUN', 'SENTINEL_REPORT_DRY_RUN', 'true'],
    ['report', REPORT_OPTIONS, 'REPORT_JSON', 'SENTINEL_JSON', 'true'],
    ['report', REPORT_OPTIONS, 'GITHUB_TOKEN_FILE', 'SENTINEL_GITHUB_TOKEN_FILE', '/run/gh'],
    ['report', REPORT_OPTIONS, 'SENTINEL_GEMINI_API_KEY_FILE', 'SENTINEL_LLM_API_KEY_FILE', '/run/key'],
    ['demo', DEMO_OPTIONS, 'SENTINEL_DEMO_LLM', 'SENTINEL_LLM', 'gemini'],
    ['demo', DEMO_OPTIONS, 'CHROMIUM_PATH', 'SENTINEL_CHROMIUM_PATH', '/usr/bin/chromium'],
    ['proxy', PROXY_OPTIONS, 'IDLE_TTL', 'PROXY_IDLE_TTL', '5m'],
    ['proxy', PROXY_OPTIONS, 'IDLE_CHECK_INTERVAL', 'PROXY_IDLE_CHECK_INTERVAL', '5s'],
    ['proxy', PROXY_OPTIONS, 'ENSURE_TIMEOUT', 'PROXY_ENSURE_TIMEOUT', '20s'],
    ['proxy', PROXY_OPTIONS, 'LOG_LEVEL', 'PROXY_LOG_LEVEL', 'warn'],
    ['proxy local', BACKEND_OPTIONS.local, 'CHROMIUM_PATH', 'SENTINEL_CHROMIUM_PATH', '/usr/bin/chromium'],
    ['proxy local', BACKEND_OPTIONS.local, 'LOCAL_WARM_POOL', 'PROXY_LOCAL_WARM_POOL', '2'],
    ['proxy local', BACKEND_OPTIONS.local, 'LOCAL_SANDBOX_DIR', 'PROXY_LOCAL_SANDBOX_DIR', '/tmp/sb'],
    [
      'proxy local',
      BACKEND_OPTIONS.local,
      'LOCAL_ALLOW_LOOPBACK',
      'PROXY_LOCAL_ALLOW_LOOPBACK',
      '127.0.0.1:80',
    ],
    ['proxy local', BACKEND_OPTIONS.local, 'LOCAL_CHROMIUM_ARGS', 'PROXY_LOCAL_CHROMIUM_ARGS', '--a,--b'],
    ['proxy local', BACKEND_OPTIONS.local, 'LOCAL_LAUNCH_TIMEOUT', 'PROXY_LOCAL_LAUNCH_TIMEOUT', '9s'],
    [
      'proxy local',
      BACKEND_OPTIONS.local,
      'LOCAL_MAX_CONCURRENT_LAUNCHES',
      'PROXY_LOCAL_MAX_CONCURRENT_LAUNCHES',
      '3',
    ],
  ] as [string, OptionSpecs, string, string, string][]
).map(([c, specs, ...rest]) => [c, specs, ...rest]);

/** What a command needs besides the option under test (judge requires both logs). */
const REQUIRED: Record<string, Record<string, string>> = {
  judge: { SENTINEL_STABLE_LOG: 's.log', SENTINEL_CANARY_LOG: 'c.log' },
};

function parse(
  cmd: string,
  specs: OptionSpecs,
  name: string | undefined,
  value: string,
  deprecations: Deprecations,
): unknown {
  const env: Record<string, string> = { ...REQUIRED[cmd] };
  const argv: string[] = [];
  if (name?.startsWith('--')) argv.push(name, value);
  else if (name) env[name] = value;
  return loadOptions(specs, { env, argv, deprecations }).options;
}

describe('renamed options', () => {
  it.each(RENAMES.map(([c, specs, old, now, value]) => ({ c, specs, old, now, value })))(
    '$c: $old still works as $now, with one warning',
    ({ c, specs, old, now, value }) => {
      const lines: string[] = [];
      const deprecations = new Deprecations((l) => lines.push(l));
      const viaNew = parse(c, specs, now, value, deprecations);
      expect(lines).toEqual([]);
      const viaOld = parse(c, specs, old, value, deprecations);
      parse(c, specs, old, value, deprecations);
      expect(viaOld).toEqual(viaNew);
      expect(viaOld).not.toEqual(parse(c, specs, undefined, value, deprecations));
      expect(lines).toEqual([
        `sentinel: ${old} is deprecated, use ${now} (the old name stops working in the next release)\n`,
      ]);
    },
  );
});

describe('one LLM option set', () => {
  it('the canary document’s llm.X is --llm-X on the command line', () => {
    const fields = Object.keys(LlmSchema.def.shape ?? (LlmSchema as unknown as { shape: object }).shape);
    for (const field of fields) {
      if (field === 'provider') expect(LLM_OPTIONS.llm.flag).toBe('--llm');
      else if (field === 'apiKeySecret') expect(LLM_OPTIONS.llmApiKeyFile.flag).toBe('--llm-api-key-file');
      else expect(Object.values(LLM_OPTIONS).map((s) => s.flag)).toContain(flagName(`llm-${field}`));
    }
    expect(LlmSchema.shape.provider.unwrap().options).toEqual(LLM_OPTIONS.llm.schema.def.innerType.options);
  });

  it.each([
    ['judge', JUDGE_OPTIONS],
    ['report', REPORT_OPTIONS],
  ])('%s reads every LLM option under the same names', (_c, specs) => {
    for (const [key, spec] of Object.entries(LLM_OPTIONS)) {
      const here = (specs as OptionSpecs)[key];
      expect([here?.env, here?.flag]).toEqual([spec.env, spec.flag]);
    }
  });

  it('--policy is the verdict policy wherever it appears', () => {
    expect(JUDGE_OPTIONS.policy?.env).toBe('SENTINEL_POLICY');
    expect(Object.values(REPORT_OPTIONS).map((s) => s.flag)).not.toContain('--policy');
    expect(Object.values(CANARY_OPTIONS).map((s) => s.flag)).toContain('--json');
  });
});

describe('through the real CLI', () => {
  function sentinel(args: string[], env: Record<string, string> = {}) {
    return spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    });
  }

  it.each([
    ['judge', ['--llm-model', 'SENTINEL_LLM_API_KEY_FILE', '--llm-base-url', '--policy', '--json', '--html']],
    [
      'report',
      ['--policy-file', 'SENTINEL_REPORT_REPO', 'SENTINEL_GITHUB_TOKEN_FILE', '--llm-model', '--json'],
    ],
    ['canary', ['--config', '--json', '--html', '--timeout']],
    ['serve', ['--token-file', '--port']],
    ['demo', ['--llm', 'SENTINEL_LLM', 'SENTINEL_CHROMIUM_PATH']],
  ])('sentinel %s --help lists the new names', (command, names) => {
    const r = sentinel([command, '--help']);
    expect(r.status).toBe(0);
    for (const n of names) expect(r.stdout).toContain(n);
  });

  it('an old name works and warns once on stderr, naming the new name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-vocab-'));
    const log = ['2026-01-01T00:00:00Z INFO GET /cart 200 12ms', ''].join('\n');
    writeFileSync(join(dir, 's.log'), log);
    writeFileSync(join(dir, 'c.log'), log);
    const r = sentinel(
      ['judge', '--stable', join(dir, 's.log'), '--canary', join(dir, 'c.log'), '--json', '--model', 'm'],
      { SENTINEL_LLM: 'off', SENTINEL_LLM_MAX_TOKENS: '9000' },
    );
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'inconclusive', llm: { provider: 'none' } });
    const warnings = r.stderr.split('\n').filter((l) => l.includes('deprecated'));
    expect(warnings).toEqual([
      'sentinel: SENTINEL_LLM=off is deprecated, use SENTINEL_LLM=none (the old name stops working in the next release)',
      'sentinel: --model is deprecated, use --llm-model (the old name stops working in the next release)',
      'sentinel: SENTINEL_LLM_MAX_TOKENS is deprecated, use SENTINEL_LLM_MAX_INPUT_TOKENS (the old name stops working in the next release)',
    ]);
  });
});
