import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { boolOption, ConfigError, defineOptions, durationOption, intOption, loadOptions } from './config.ts';

const specs = defineOptions({
  port: { env: 'PORT', flag: '--port', schema: intOption(9000, 1, 65535), description: 'data port' },
  mode: {
    env: 'MODE',
    flag: '--mode',
    schema: z.enum(['header', 'fixed']).default('header'),
    description: 'identity mode',
  },
  ttl: { env: 'IDLE_TTL', schema: durationOption('10m'), description: 'idle TTL' },
  json: { env: 'JSON', flag: '--json', boolean: true, schema: boolOption(false), description: 'JSON output' },
});

describe('loadOptions', () => {
  it.each([
    ['defaults', {}, [], { port: 9000, mode: 'header', ttl: 600_000, json: false }],
    [
      'env values',
      { PORT: '8080', IDLE_TTL: '30s', JSON: 'yes' },
      [],
      { port: 8080, ttl: 30_000, json: true },
    ],
    ['flags win over env', { PORT: '8080' }, ['--port', '7000', '--json'], { port: 7000, json: true }],
    ['--flag=value form', {}, ['--mode=fixed'], { mode: 'fixed' }],
    ['empty string counts as unset', { PORT: '' }, [], { port: 9000 }],
  ])('%s', (_name, env, argv, expected) => {
    expect(loadOptions(specs, { env, argv }).options).toMatchObject(expected);
  });

  it('returns positionals', () => {
    expect(loadOptions(specs, { argv: ['a.log', '--json', 'b.log'] }).positionals).toEqual([
      'a.log',
      'b.log',
    ]);
  });

  it.each([
    ['PORT', { PORT: 'abc' }, /PORT \(--port\) = "abc": expected an integer between 1 and 65535/],
    ['PORT range', { PORT: '70000' }, /PORT \(--port\) = "70000": expected an integer between 1 and 65535/],
    ['MODE', { MODE: 'pod' }, /MODE \(--mode\) = "pod": allowed values: header, fixed/],
    ['IDLE_TTL', { IDLE_TTL: 'soon' }, /IDLE_TTL = "soon": expected a duration/],
  ])('names the variable, the bad value and the allowed ones: %s', (_name, env, pattern) => {
    expect(() => loadOptions(specs, { env })).toThrow(pattern);
  });

  it('reports every bad option at once', () => {
    try {
      loadOptions(specs, { env: { PORT: 'x', MODE: 'y' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });

  it('rejects unknown flags, listing the known ones', () => {
    expect(() => loadOptions(specs, { argv: ['--prot', '1'] })).toThrow(
      /unknown flag --prot; known flags: --json/,
    );
  });
});
