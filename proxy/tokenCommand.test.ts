import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/config.ts';
import { readKeyFile, TenantKeyError, verifyTenantToken } from '../lib/tenantToken.ts';
import { testKeyFile } from './testing/tenantKey.ts';
import { tokenFor } from './tokenCommand.ts';

describe('sentinel proxy token', () => {
  it('mints a token the proxy accepts, from the key file in PROXY_IDENTITY_KEY_FILE', () => {
    const token = tokenFor({
      env: { PROXY_IDENTITY_KEY_FILE: testKeyFile() },
      argv: ['--tenant', 'alice', '--ttl', '10m'],
    });
    const v = verifyTenantToken(token, { keys: readKeyFile(testKeyFile()), maxTtlMs: 86_400_000 });
    expect(v.tenant).toBe('alice');
    expect(v.expiresAtMs - Date.now()).toBeLessThanOrEqual(600_000);
  });

  it.each([
    ['no tenant', [], ConfigError, /SENTINEL_TENANT \(--tenant\) = \(unset\)/],
    ['a tenant that is not a DNS label', ['--tenant', 'Alice'], ConfigError, /expected a DNS-1123 label/],
    ['a missing key file', ['--tenant', 'a', '--key-file', '/nonexistent/key'], TenantKeyError, /ENOENT/],
  ])('%s → a clear error', (_name, argv, type, message) => {
    const run = (): string => tokenFor({ env: { PROXY_IDENTITY_KEY_FILE: testKeyFile() }, argv });
    expect(run).toThrow(type);
    expect(run).toThrow(message);
  });
});
