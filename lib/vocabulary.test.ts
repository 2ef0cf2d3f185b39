import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOptions, Deprecations, loadOptions, optionsHelp } from './config.ts';
import { envName, flagName, LLM_OPTIONS, llmOptions, namedOptions } from './vocabulary.ts';

function collect(): { lines: string[]; deprecations: Deprecations } {
  const lines: string[] = [];
  return { lines, deprecations: new Deprecations((l) => lines.push(l)) };
}

describe('names derived from one camelCase name', () => {
  it.each([
    ['llm', '--llm', 'SENTINEL_LLM'],
    ['llmModel', '--llm-model', 'SENTINEL_LLM_MODEL'],
    ['llmMaxInputTokens', '--llm-max-input-tokens', 'SENTINEL_LLM_MAX_INPUT_TOKENS'],
  ])('%s → %s, %s', (name, flag, env) => {
    expect(flagName(name)).toBe(flag);
    expect(envName(name)).toBe(env);
  });

  it('a prefix, a public name, env-only and vendor names', () => {
    const o = namedOptions(
      {
        leaseTtlMs: { name: 'leaseTtl', schema: z.string(), description: 'd' },
        secret: { flag: false, schema: z.string(), description: 'd' },
        key: { env: 'GEMINI_API_KEY', flag: false, schema: z.string(), description: 'd' },
      },
      'SENTINEL_REPORT',
    );
    expect(o.leaseTtlMs).toMatchObject({ flag: '--lease-ttl', env: 'SENTINEL_REPORT_LEASE_TTL' });
    expect(o.secret.flag).toBeUndefined();
    expect(o.key).toMatchObject({ env: 'GEMINI_API_KEY' });
  });

  it('every flag and env var of the LLM set is --llm… / SENTINEL_LLM… (but Google’s own key variable)', () => {
    for (const [key, spec] of Object.entries(LLM_OPTIONS)) {
      if (key === 'llmApiKey') continue;
      expect(spec.env).toBe(envName(key));
      expect(spec.flag).toBe(flagName(key));
    }
  });
});

describe('deprecated names', () => {
  const specs = defineOptions({
    ...llmOptions('none', ['OLD_LLM']),
  });

  it.each([
    ['old flag', [], ['--model', 'm1'], 'llmModel', 'm1', '--model is deprecated, use --llm-model'],
    [
      'old env var',
      { SENTINEL_GEMINI_BASE_URL: 'http://127.0.0.1:1/' },
      [],
      'llmBaseUrl',
      'http://127.0.0.1:1/',
      'SENTINEL_GEMINI_BASE_URL is deprecated, use SENTINEL_LLM_BASE_URL',
    ],
    [
      'old env var with a default',
      { SENTINEL_LLM_MAX_TOKENS: '9000' },
      [],
      'llmMaxInputTokens',
      9000,
      'SENTINEL_LLM_MAX_TOKENS is deprecated, use SENTINEL_LLM_MAX_INPUT_TOKENS',
    ],
    ['old value', [], ['--llm', 'off'], 'llm', 'none', '--llm off is deprecated, use --llm none'],
    [
      'command-specific old env',
      { OLD_LLM: 'gemini' },
      [],
      'llm',
      'gemini',
      'OLD_LLM is deprecated, use SENTINEL_LLM',
    ],
  ] as const)('%s still works and warns once, naming the new name', (_n, env, argv, key, value, says) => {
    const { lines, deprecations } = collect();
    const source = { env: { ...env } as Record<string, string>, argv };
    const first = loadOptions(specs, { ...source, deprecations }).options;
    const second = loadOptions(specs, { ...source, deprecations }).options;
    expect(first[key]).toEqual(value);
    expect(second[key]).toEqual(value);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(says);
    expect(lines[0]).toMatch(/^[^\n]+\n$/);
  });

  it('the new name wins over the old one and warns nothing', () => {
    const { lines, deprecations } = collect();
    const o = loadOptions(specs, {
      env: { SENTINEL_LLM_MODEL: 'new', SENTINEL_GEMINI_API_KEY_FILE: '' },
      argv: ['--llm-model', 'flag-new'],
      deprecations,
    }).options;
    expect(o.llmModel).toBe('flag-new');
    expect(lines).toEqual([]);
  });

  it('an unknown flag error lists the new flags, not the old ones', () => {
    expect(() => loadOptions(specs, { argv: ['--modl', 'x'] })).toThrow(/known flags: .*--llm-model/);
    expect(() => loadOptions(specs, { argv: ['--modl', 'x'] })).not.toThrow(/--gemini-key-file/);
  });

  it('help lists the new names first, then the old ones with what they became', () => {
    const help = optionsHelp(specs);
    const [current, renamed] = help.split('renamed');
    expect(current).toContain('--llm-api-key-file');
    expect(current).toContain('SENTINEL_LLM_API_KEY_FILE');
    expect(current).not.toContain('SENTINEL_GEMINI_API_KEY_FILE');
    expect(renamed).toContain('--gemini-key-file, SENTINEL_GEMINI_API_KEY_FILE → --llm-api-key-file');
  });
});
