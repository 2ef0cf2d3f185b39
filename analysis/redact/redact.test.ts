import { describe, expect, it } from 'vitest';
import { REDACTION_KINDS, placeholder, redact, redactWithReport, type RedactionKind } from './redact.ts';

// Fake secrets are assembled at test time so that no realistic token is committed (and secret scanners stay quiet).
const j = (...parts: string[]): string => parts.join('');
const A36 = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const jwt = j('eyJ', 'hbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0In0', '.', 'abcDEF123_-xyz');
const pem = j(
  '-----BEGIN ',
  'RSA PRIVATE KEY-----\n',
  'MIIEowIBAAKCAQEA',
  A36,
  '\n',
  A36,
  '\n-----END ',
  'RSA PRIVATE KEY-----',
);

interface Case {
  name: string;
  kind: RedactionKind;
  input: string;
  /** The secret part that must be gone. */
  secret: string;
  /** Parts that must survive (context for diagnosis). */
  keep?: string[];
  opts?: { emails?: boolean; ips?: boolean };
}

const CASES: Case[] = [
  {
    name: 'PEM private key',
    kind: 'private_key',
    input: `loaded key ${pem} ok`,
    secret: A36,
    keep: ['loaded key', ' ok'],
  },
  {
    name: 'PEM block cut before its END line',
    kind: 'private_key',
    input: j('-----BEGIN ', 'PRIVATE KEY-----\n', A36, A36, '\n', A36, '\nrequest 42 served'),
    secret: A36,
    keep: ['\nrequest 42 served'],
  },
  {
    name: 'bare key-body line without its BEGIN line',
    kind: 'private_key',
    input: j('2026-11-21T20:15:03Z ', 'MIIEowIBAAKCAQEA', A36, 'x9Y8'),
    secret: A36,
    keep: ['2026-11-21T20:15:03Z '],
  },
  {
    name: 'JWT in a query',
    kind: 'jwt',
    input: `GET /cb?id_token=${jwt} 200`,
    secret: jwt,
    keep: ['GET /cb', ' 200'],
  },
  {
    name: 'bearer header',
    kind: 'bearer',
    input: j('Authorization: Bearer ', 'abc123', 'DEF456ghi789'),
    secret: 'abc123DEF456ghi789',
    keep: ['Authorization: Bearer'],
  },
  {
    name: 'basic auth header',
    kind: 'basic_auth',
    input: j('authorization=Basic ', 'dXNlcjpw', 'YXNzd29yZA=='),
    secret: 'dXNlcjpwYXNzd29yZA==',
  },
  {
    name: 'password in a URL',
    kind: 'url_password',
    input: j('connecting to postgres://app:', 'S3cr3tPw', '@db.internal:5432/orders'),
    secret: 'S3cr3tPw',
    keep: ['postgres://app:', '@db.internal:5432/orders'],
  },
  {
    name: 'connection string',
    kind: 'connection_string',
    input: j('Server=tcp:db;Database=orders;User Id=app;Password=', 'Hunter2x', ';Encrypt=true'),
    secret: 'Hunter2x',
    keep: ['Server=tcp:db;Database=orders', ';Encrypt=true'],
  },
  {
    name: 'AWS access key',
    kind: 'aws_access_key',
    input: j('key id AKIA', 'ABCDEFGHIJ234567'),
    secret: 'ABCDEFGHIJ234567',
  },
  { name: 'GitHub token', kind: 'github_token', input: j('push with gh', 'p_', A36), secret: A36 },
  {
    name: 'GitLab token',
    kind: 'gitlab_token',
    input: j('glpat', '-', 'abcdefghij0123456789XY'),
    secret: 'abcdefghij0123456789XY',
  },
  {
    name: 'Slack token',
    kind: 'slack_token',
    input: j('xox', 'b-', '1234567890-abcdefghij'),
    secret: '1234567890-abcdefghij',
  },
  {
    name: 'Stripe key',
    kind: 'stripe_key',
    input: j('sk_', 'live_', 'abcdefghijklmnop1234'),
    secret: 'abcdefghijklmnop1234',
  },
  {
    name: 'Google API key',
    kind: 'google_api_key',
    input: j('key=AI', 'za', 'SyA', A36.slice(0, 32)),
    secret: A36.slice(0, 32),
  },
  {
    name: 'OpenAI-style key',
    kind: 'openai_key',
    input: j('using sk', '-proj-', 'abcdefghijklmnopqrstuv12'),
    secret: 'abcdefghijklmnopqrstuv12',
  },
  { name: 'npm token', kind: 'npm_token', input: j('npm', '_', A36), secret: A36 },
  {
    name: 'password= assignment',
    kind: 'secret_assignment',
    input: j('login failed user=bob password=', 'tr0ub4dor', ' attempt=3'),
    secret: 'tr0ub4dor',
    keep: ['user=bob', 'attempt=3'],
  },
  {
    name: 'JSON secret field',
    kind: 'secret_assignment',
    input: j('{"level":"info","client_secret":"', 'zz9plural', '","msg":"token refresh"}'),
    secret: 'zz9plural',
    keep: ['"msg":"token refresh"'],
  },
  {
    name: 'email',
    kind: 'email',
    input: 'reset mail sent to jane.doe@example.com',
    secret: 'jane.doe@example.com',
  },
  {
    name: 'generic: REDIS_PASS=value',
    kind: 'secret_assignment',
    input: j('env REDIS_PASS=', 'n0tS0s3cret', ' REDIS_HOST=cache'),
    secret: 'n0tS0s3cret',
    keep: ['REDIS_PASS=', 'REDIS_HOST=cache'],
  },
  {
    name: 'generic: --password value on a command line',
    kind: 'secret_flag',
    input: j('exec mysql --user app --password ', 'Tr1cky-Pa55', ' --host db'),
    secret: 'Tr1cky-Pa55',
    keep: ['--user app --password', '--host db'],
  },
  {
    name: 'generic: --db-token=value',
    kind: 'secret_flag',
    input: j('argv: worker --db-token=', 'qq7hunter42', ' --verbose'),
    secret: 'qq7hunter42',
    keep: ['--verbose'],
  },
  {
    name: 'generic: Set-Cookie header',
    kind: 'secret_header',
    input: j('< Set-Cookie: session=', 'f00dCafe99bar', '; Path=/; HttpOnly'),
    secret: 'f00dCafe99bar',
    keep: ['Set-Cookie: session=', '; Path=/; HttpOnly'],
  },
  {
    name: 'generic: Cookie header',
    kind: 'secret_header',
    input: j('> Cookie: sid=', 'abc123xyz', '; theme=dark'),
    secret: 'abc123xyz',
  },
  {
    name: 'gitleaks rule set: a Hugging Face token no hand rule knows',
    kind: 'gitleaks',
    input: j('loading model with hf', '_', 'QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi', ' ok'),
    secret: 'QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi',
    keep: ['loading model with', ' ok'],
  },
  {
    name: 'entropy: a bare 40-character AWS secret key',
    kind: 'high_entropy',
    input: j('aws configure set ', 'wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCY3EXAMPLEK9y2'),
    secret: j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCY3EXAMPLEK9y2'),
    keep: ['aws configure set '],
  },
  {
    name: "Slack token: the whole secret tail (issue 13's xoxb-<*>-<*>-AbCd…)",
    kind: 'slack_token',
    input: j('slack post failed token=xox', 'b-', '1234567890123-9876543210987-', 'AbCdEfGhIjKlMnOpQrStUvWx'),
    secret: 'AbCdEfGhIjKlMnOpQrStUvWx',
  },
  {
    name: 'Google API key (AIza…) as a bare word',
    kind: 'google_api_key',
    input: j('maps call with AI', 'za', 'SyD-', A36.slice(0, 31), ' failed'),
    secret: A36.slice(0, 31),
    keep: [' failed'],
  },
  {
    name: 'IPv4 when enabled',
    kind: 'ipv4',
    input: 'peer 10.1.2.3 closed',
    secret: '10.1.2.3',
    opts: { ips: true },
  },
  {
    name: 'IPv6 when enabled',
    kind: 'ipv6',
    input: 'peer fe80::1ff:fe23:4567:890a closed',
    secret: 'fe80::1ff:fe23:4567:890a',
    opts: { ips: true },
  },
];

describe('redact: each kind is caught', () => {
  it.each(CASES)('$name', ({ kind, input, secret, keep, opts }) => {
    const { text, counts } = redactWithReport(input, opts);
    expect(text).not.toContain(secret);
    // gitleaks' placeholders name the rule: [REDACTED:gitleaks:<rule id>].
    expect(text).toContain(placeholder(kind).slice(0, -1));
    expect(counts[kind]).toBeGreaterThanOrEqual(1);
    for (const k of keep ?? []) expect(text).toContain(k);
  });

  it('compiles every vendored gitleaks rule', async () => {
    const { GITLEAKS_DATA, compileGitleaks } = await import('./gitleaks.ts');
    expect(GITLEAKS_DATA.rules.length).toBeGreaterThan(200);
    expect(compileGitleaks(GITLEAKS_DATA).rules).toHaveLength(GITLEAKS_DATA.rules.length);
    expect(GITLEAKS_DATA.license).toMatch(/MIT/);
  });

  it('covers every declared kind', () => {
    expect(new Set(CASES.map((c) => c.kind))).toEqual(new Set(REDACTION_KINDS));
  });
});

const ORDINARY = [
  '2026-11-21T20:15:03.123Z INFO  checkout  order 48213 placed total=129.99 currency=EUR',
  'GET /api/v1/cart/items?page=2 200 12ms',
  'password reset requested for user 4411',
  'token refresh succeeded after 2 attempts',
  'Bearer authentication failed: missing header',
  'Basic authentication is disabled',
  'max_tokens=1024 temperature=0',
  'level=warn msg="slow query" duration=1.2s table=orders',
  'connecting to https://payments.internal:8443/v2/charge',
  'panic: runtime error: invalid memory address or nil pointer dereference',
  '\tat com.acme.cart.CartService.add(CartService.java:42)',
  'goroutine 17 [running]:',
  'pod checkout-7f9c6d-abcde restarted 3 times',
  'listening on 0.0.0.0:8080',
  'uuid=3f2b8c1e-9d4a-4b6f-8e2a-1c0d9e8f7a6b processed',
  'image digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'loaded AbstractSingletonProxyFactoryBeanConfigurationLoaderWithRetries2',
  'GET /static/img/aGVsbG8td29ybGQtdGhpcy1pcy1hLXRlc3Q0MjA5ODc2.png 200',
  'GET /blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 200',
  'commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 deployed',
  'cache miss key=user:4411:cart',
  'token_count=512 max_tokens=1024',
  '--token-file /var/run/secrets/token --verbose',
  'password_reset_count=3',
  'auth ok for user 42',
];

describe('redact: ordinary lines survive intact', () => {
  it.each(ORDINARY)('%s', (line) => {
    expect(redact(line)).toBe(line);
  });

  it('keeps IPs by default and emails can be switched off', () => {
    expect(redact('peer 10.1.2.3 closed')).toBe('peer 10.1.2.3 closed');
    expect(redact('mail to a@b.io', { emails: false })).toBe('mail to a@b.io');
  });

  it('is idempotent', () => {
    for (const c of CASES) {
      const once = redact(c.input, c.opts);
      expect(redact(once, c.opts)).toBe(once);
    }
  });

  it('handles a 1 MB line quickly and without catastrophic backtracking', () => {
    const big = 'x='.repeat(300_000) + 'a'.repeat(400_000);
    const t0 = performance.now();
    redact(big);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
