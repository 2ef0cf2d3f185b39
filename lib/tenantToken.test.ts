import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  tenantOfToken,
  ensureKeyFile,
  mintTenantToken,
  readKeyFile,
  TenantKeyError,
  verifyTenantToken,
} from './tenantToken.ts';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-token-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'k'.repeat(40);
const NOW = Date.UTC(2026, 0, 1);
const verify = (token: string, keys = [KEY], nowMs = NOW): string =>
  verifyTenantToken(token, { keys, nowMs, maxTtlMs: 86_400_000 }).tenant;

describe('tenant tokens', () => {
  it('round-trips: the token names its tenant and expiry', () => {
    const t = mintTenantToken({ key: KEY, tenant: 'alice', ttlMs: 60_000, nowMs: NOW });
    expect(t).toMatch(/^v1\.alice\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(verify(t)).toBe('alice');
  });

  it.each([
    [
      'another key',
      () => mintTenantToken({ key: 'o'.repeat(40), tenant: 'alice', nowMs: NOW }),
      'badSignature',
    ],
    [
      'the tenant changed',
      () => mintTenantToken({ key: KEY, tenant: 'alice', nowMs: NOW }).replace('.alice.', '.bob.'),
      'badSignature',
    ],
    [
      'the expiry pushed out',
      () => {
        const [v, id, exp, sig] = mintTenantToken({ key: KEY, tenant: 'alice', nowMs: NOW }).split('.');
        return `${v}.${id}.${Number(exp) + 60}.${sig}`;
      },
      'badSignature',
    ],
    ['expired', () => mintTenantToken({ key: KEY, tenant: 'alice', ttlMs: -1, nowMs: NOW }), 'expired'],
    [
      'valid for too long',
      () => mintTenantToken({ key: KEY, tenant: 'alice', ttlMs: 2 * 86_400_000, nowMs: NOW }),
      'tooLong',
    ],
    ['not a token', () => 'alice', 'malformed'],
    ['five parts', () => 'v1.a.1.b.c', 'malformed'],
    [
      'an unknown version',
      () => mintTenantToken({ key: KEY, tenant: 'alice', nowMs: NOW }).replace(/^v1/, 'v2'),
      'malformed',
    ],
  ])('refuses a token with %s', (_name, make, problem) => {
    expect(() => verify(make())).toThrow(expect.objectContaining({ problem, code: 'InvalidTenantToken' }));
  });

  it('verifies with any listed key (rotation), mints with the first', () => {
    const old = mintTenantToken({ key: KEY, tenant: 'alice', nowMs: NOW });
    const fresh = mintTenantToken({ key: ['n'.repeat(40), KEY], tenant: 'alice', nowMs: NOW });
    expect(verify(old, ['n'.repeat(40), KEY])).toBe('alice');
    expect(verify(fresh, ['n'.repeat(40)])).toBe('alice');
  });

  it('refuses to mint for an id that is not a DNS-1123 label', () => {
    expect(() => mintTenantToken({ key: KEY, tenant: 'a.b' })).toThrow(/not a DNS-1123 label/);
  });

  it('never puts the token in an error message', () => {
    const t = mintTenantToken({ key: 'o'.repeat(40), tenant: 'alice', nowMs: NOW });
    try {
      verify(t);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(t.split('.')[3]);
    }
  });
});

describe('key files', () => {
  it('ensureKeyFile creates a 0600 key once and keeps it', () => {
    const path = join(dir, 'sub', 'tenant.key');
    ensureKeyFile(path);
    const key = readKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    ensureKeyFile(path);
    expect(readKeyFile(path)).toEqual(key);
    expect(key[0]?.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['missing', undefined, /Cannot read the tenant key file .*ENOENT/],
    ['empty', '# only a comment\n\n', /holds no key/],
    ['short', 'short-key\n', /Key 1 in .* has 9 characters; at least 32 are needed/],
  ])('a %s key file is a clear TenantKeyError', (name, content, message) => {
    const path = join(dir, `${name}.key`);
    if (content !== undefined) writeFileSync(path, content);
    expect(() => readKeyFile(path)).toThrow(TenantKeyError);
    expect(() => readKeyFile(path)).toThrow(message);
  });
});

describe('tenantOfToken', () => {
  it('reads the tenant of a signed token without the key, and nothing from a plain bearer token', () => {
    const token = mintTenantToken({ key: 'k'.repeat(40), tenant: 'journey-signed' });
    expect(tenantOfToken(token)).toBe('journey-signed');
    expect(tenantOfToken('journey-test-token-0123456789')).toBeUndefined();
    expect(tenantOfToken('v1.a.b.c.d')).toBeUndefined();
  });
});
