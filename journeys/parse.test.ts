import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JourneySpecError, JourneyVariableError } from './errors.ts';
import { parseJourneySpec } from './parse.ts';
import { SHOP_SPEC_YAML } from './testing/faultApp.ts';
import { resolveVariables, substituteStep } from './variables.ts';

function problems(text: string): string[] {
  try {
    parseJourneySpec(text, { source: 'spec.yaml' });
  } catch (err) {
    expect(err).toBeInstanceOf(JourneySpecError);
    expect((err as JourneySpecError).message).toContain('spec.yaml');
    return [...(err as JourneySpecError).problems];
  }
  throw new Error('expected the spec to be refused');
}

const one = (steps: string): string => `journeys:\n  - name: checkout\n    steps:\n${steps}`;

describe('parseJourneySpec', () => {
  it('accepts the shop spec and applies defaults', () => {
    const spec = parseJourneySpec(SHOP_SPEC_YAML);
    expect(spec.journeys[0]?.name).toBe('add to cart');
    expect(spec.journeys[0]?.steps).toHaveLength(5);
    expect(spec.defaults).toEqual({ timeoutMs: 60_000, stepTimeoutMs: 10_000 });
    expect(spec.variables).toEqual({});
  });

  it('accepts JSON', () => {
    const spec = parseJourneySpec(
      JSON.stringify({ journeys: [{ name: 'j', steps: [{ action: 'goto', url: '/' }] }] }),
    );
    expect(spec.journeys[0]?.steps[0]).toEqual({ action: 'goto', url: '/' });
  });

  it('accepts every action and locator kind', () => {
    const spec = parseJourneySpec(
      one(`      - { action: goto, url: "{{baseUrl}}/x", waitUntil: domcontentloaded }
      - { action: click, locator: { role: button, name: Buy, exact: true } }
      - { action: fill, locator: { label: Email }, value: a@b.c }
      - { action: press, key: Enter }
      - { action: press, key: Tab, locator: { placeholder: Search } }
      - { action: select, locator: { css: select }, value: [a, b] }
      - { action: check, locator: { testId: terms }, checked: false }
      - { action: hover, locator: { text: Menu, nth: 1 } }
      - { action: waitFor, loadState: networkidle }
      - { action: waitFor, url: /done }
      - { action: waitFor, locator: { css: "#x" }, state: hidden }
      - { action: expect, locator: { css: "#x" }, count: 2 }
      - { action: expect, locator: { css: "#x" }, value: "3" }
      - { action: expect, title: Shop, exact: true }
      - { action: expect, status: 200 }
      - { action: expect, request: /api/cart, status: 201 }
      - { action: screenshot, fullPage: true, name: end, timeoutMs: 5000 }
`),
    );
    expect(spec.journeys[0]?.steps).toHaveLength(17);
  });

  it.each([
    [
      'an unknown step',
      '      - { action: tap, locator: { css: a } }',
      /journey "checkout" step 1 \(tap\) field "action": unknown action; expected one of goto, click/,
    ],
    [
      'an unknown locator kind',
      '      - { action: click, locator: { xpath: "//a" } }',
      /journey "checkout" step 1 \(click\) field "locator": unknown field "xpath"/,
    ],
    [
      'two locator kinds',
      '      - { action: click, locator: { role: button, css: a } }',
      /step 1 \(click\) field "locator": a locator needs exactly one of .* \(got role \+ css\)/,
    ],
    [
      'a name without a role',
      '      - { action: click, locator: { css: a, name: x } }',
      /field "locator.name": "name" is only valid with "role"/,
    ],
    ['a missing field', '      - { action: fill, locator: { css: a } }', /step 1 \(fill\) field "value"/],
    [
      'a misspelt field',
      '      - { action: goto, ur: / }',
      /step 1 \(goto\) (field "url"|: unknown field "ur")/,
    ],
    [
      'an expect with two assertions',
      '      - { action: expect, title: a, url: b }',
      /step 1 \(expect\): needs exactly one of url, title, status \(got url \+ title\)/,
    ],
    [
      'a locator assertion without a locator',
      '      - { action: expect, text: a }',
      /step 1 \(expect\) field "text": "text" needs a locator/,
    ],
    [
      'request without status',
      '      - { action: expect, request: /api, url: x }',
      /field "request": "request" needs "status"/,
    ],
    [
      'a negative timeout',
      '      - { action: goto, url: /, timeoutMs: -1 }',
      /step 1 \(goto\) field "timeoutMs"/,
    ],
  ])('%s → names journey, step and field', (_name, step, message) => {
    const found = problems(one(`      - { action: goto, url: / }\n${step}`).replace('step 1', 'step 2'));
    expect(found.join('\n')).toMatch(new RegExp(message.source.replace('step 1', 'step 2')));
  });

  it('duplicate journey names', () => {
    const text = `journeys:\n  - { name: a, steps: [{ action: goto, url: / }] }\n  - { name: a, steps: [{ action: goto, url: / }] }\n`;
    expect(problems(text).join('\n')).toMatch(/journey "a" field "name": duplicate journey name "a"/);
  });

  it('YAML syntax errors and non-mappings', () => {
    expect(problems('journeys: [\n')[0]).toMatch(/^YAML: /);
    expect(problems('- a\n- b\n')[0]).toMatch(/must be a mapping/);
    expect(problems('journeys: []\n')[0]).toMatch(/field "journeys"/);
  });

  it('unknown top-level fields', () => {
    expect(problems(`${one('      - { action: goto, url: / }\n')}journey: x\n`).join('\n')).toMatch(
      /unknown field "journey"/,
    );
  });
});

describe('variables', () => {
  const spec = (vars: string, value = '{{password}}'): ReturnType<typeof parseJourneySpec> =>
    parseJourneySpec(
      `variables:\n${vars}\njourneys:\n  - name: login\n    steps:\n      - { action: goto, url: "{{baseUrl}}/login?u={{user}}" }\n      - { action: fill, locator: { label: Password }, value: "${value}" }\n`,
    );

  it('resolves literals, env and files; env and files are secret; redacts secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journey-vars-'));
    writeFileSync(join(dir, 'pw'), 's3cr3t-from-file\n');
    const s = spec(`  user: alice\n  password: { file: ${join(dir, 'pw')} }\n  other: { env: OTHER }`);
    const v = resolveVariables(s, { OTHER: 'hunter2' });
    expect(v.values.get('password')).toBe('s3cr3t-from-file');
    expect(v.secrets).toEqual(['s3cr3t-from-file', 'hunter2']);
    expect(v.usesSecret('login')).toBe(true);
    expect(v.redact('typed s3cr3t-from-file and hunter2')).toBe('typed [redacted] and [redacted]');
    const step = substituteStep(s.journeys[0]!.steps[0]!, v, 'http://shop:8080');
    expect(step).toEqual({ action: 'goto', url: 'http://shop:8080/login?u=alice' });
  });

  it('substitutes once: a value containing {{…}} is not expanded again', () => {
    const s = spec('  user: "{{password}}"\n  password: x', 'y');
    const v = resolveVariables(s);
    expect(substituteStep(s.journeys[0]!.steps[0]!, v, 'http://h')).toMatchObject({
      url: 'http://h/login?u={{password}}',
    });
  });

  it.each([
    [
      'an undefined variable',
      '  user: a',
      /Journey "login" step 2 \(fill\) uses \{\{password\}\}, which is not defined/,
      {},
    ],
    [
      'an unset env var',
      '  user: a\n  password: { env: NOPE_PW }',
      /reads env var NOPE_PW, which is not set/,
      {},
    ],
    [
      'an unreadable file',
      '  user: a\n  password: { file: /nonexistent/pw }',
      /reads file \/nonexistent\/pw, which cannot be read: ENOENT/,
      {},
    ],
  ])('%s → JourneyVariableError', (_n, vars, message, env) => {
    expect(() => resolveVariables(spec(vars), env)).toThrow(JourneyVariableError);
    expect(() => resolveVariables(spec(vars), env)).toThrow(message);
  });

  it('baseUrl cannot be redefined', () => {
    expect(() => spec('  baseUrl: x\n  user: a\n  password: b')).toThrow(/"baseUrl" is built in/);
  });
});
