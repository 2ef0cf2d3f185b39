/**
 * The generic `name=value` rule with odd spacing and operators, values that are templates, quoted values with
 * spaces, and the URL and GitLab edges gitleaks' own samples exposed.
 */
import { describe, expect, it } from 'vitest';
import { redact, redactWithPart } from './redact.ts';

// Assembled at run time so no token-shaped literal is committed.
const j = (...parts: string[]): string => parts.join('');

describe('secret assignments with odd delimiters', () => {
  const value = j('hunter2', 'Xq9');
  it.each([
    ['= then a space', `token= ${value}`],
    ['= then a tab', `token=\t${value}`],
    ['spaces around =', `password =   ${value}`],
    [':=', `token := ${value}`],
    ['::=', `db_token ::= "${value}"`],
    ['=>', `"api_key" => '${value}'`],
    ['?=', `SECRET ?= ${value}`],
    ['JSON', `{"password": "${value}", "user": "app"}`],
    ['YAML', `client_secret: ${value}`],
  ])('%s', (_name, line) => {
    const out = redact(line);
    expect(out).not.toContain(value);
    expect(out).toContain('[REDACTED:secret_assignment]');
  });

  it('takes a quoted value whole, spaces and commas included, and keeps its quotes', () => {
    const line = j('FLY_API_TOKEN="FlyV1 ', 'fm9x_Ab12', ',fm9y_Cd34', '" next=1');
    expect(redact(line)).toBe('FLY_API_TOKEN="[REDACTED:secret_assignment]" next=1');
  });

  it('keeps templates and markers as values, but not what follows them (token= {{x…)', () => {
    expect(redact('token= {{x}}')).toBe('token= {{x}}');
    expect(redact('password=${DB_PASS}')).toBe('password=${DB_PASS}');
    expect(redact('password: "{{ .Values.password }}"')).toBe('password: "{{ .Values.password }}"');
    const text = j('token= {{xpassword=', 'hunter2x');
    expect(redact(text)).not.toContain('hunter2x');
    expect(redact(text)).toBe('token= {{xpassword=[REDACTED:secret_assignment]');
    // The full text and its message agree (the message was redacted, the full text was not).
    const r = redactWithPart(j('2026-12-02T08:00:00Z INFO ', text), text);
    expect(r.text).not.toContain('hunter2x');
    expect(r.part).not.toContain('hunter2x');
  });

  it('keeps a quoted value that already is a placeholder as it is', () => {
    const line = j('Authorization: Bearer ', 'abc123DEF456ghi789');
    expect(redact(`token="${line}"`)).not.toContain('abc123DEF456ghi789');
    expect(redact('token="[REDACTED:jwt]"')).toBe('token="[REDACTED:jwt]"');
  });
});

describe('URL users and GitLab tokens', () => {
  it('redacts a URL user that looks like a key (Sidekiq), keeps one that reads as a name', () => {
    const sidekiq = j('https://cafe', 'babe:dead', 'beef@gems.contribsys.com/');
    expect(redact(sidekiq)).toBe(
      'https://[REDACTED:url_password]:[REDACTED:url_password]@gems.contribsys.com/',
    );
    expect(redact(j('postgres://app:', 'S3cr3tPw', '@db:5432/x'))).toBe(
      'postgres://app:[REDACTED:url_password]@db:5432/x',
    );
  });

  it("takes a routable GitLab token's tail", () => {
    const token = j('glpat-', 'od11smzs41yh2ll5g9ab6uijbj2', '.5jvkg0ukp');
    expect(redact(`token ${token} used`)).toBe('token [REDACTED:gitlab_token] used');
  });
});

describe('redactWithPart agrees with redact on these lines', () => {
  it('for every suffix of each line, with and without a header', () => {
    const lines = [
      j('token= {{xpassword=', 'hunter2x'),
      j('FLY_API_TOKEN="FlyV1 ', 'fm9x_Ab12', ',fm9y_Cd34', '" next=1'),
      j('db_token ::= "', 'hunter2Xq9', '"; api_key => ', "'s3cr3tV4lue'"),
      j('password: "{{ .Values.pw }}" secret=', 'x9y8z7w6'),
      j(
        'https://cafe',
        'babe:dead',
        'beef@gems.contribsys.com/ and glpat-',
        'od11smzs41yh2ll5g9ab6uijbj2',
        '.5jvkg0ukp',
      ),
    ];
    let checked = 0;
    for (const h of ['', '2026-12-02T08:00:00Z INFO ']) {
      for (const line of lines) {
        const text = h + line;
        for (let k = 1; k < text.length; k++) {
          const part = text.slice(k);
          const r = redactWithPart(text, part);
          expect(r.text).toBe(redact(text));
          expect(r.part, `${JSON.stringify(text)} from ${k}`).toBe(redact(part));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
