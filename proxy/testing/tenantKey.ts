/**
 * @module proxy/testing/tenantKey — a throw-away tenant key file for tests and the bench, and the headers a client
 * of a header-identity proxy sends (a token minted from that key).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKeyFile, mintTenantToken, readKeyFile } from '../../lib/tenantToken.ts';

let keyFile: string | undefined;

/** The key file of this process (created on first use in a private temp folder, removed at exit). */
export function testKeyFile(): string {
  if (keyFile) return keyFile;
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-key-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  keyFile = ensureKeyFile(join(dir, 'tenant.key'));
  return keyFile;
}

/** Headers that identify a client as `tenant` to a proxy using {@link testKeyFile}. */
export function tenantHeaders(tenant: string, ttlMs = 3_600_000): Record<string, string> {
  const token = mintTenantToken({ key: readKeyFile(testKeyFile()), tenant, ttlMs });
  return { Authorization: `Bearer ${token}` };
}

/** The header-identity section of a proxy config using {@link testKeyFile}. */
export function headerIdentity(): {
  mode: 'header';
  header: string;
  maxIdLength: number;
  keyFile: string;
  maxTtlMs: number;
} {
  return {
    mode: 'header',
    header: 'X-Playwright-Id',
    maxIdLength: 63,
    keyFile: testKeyFile(),
    maxTtlMs: 86_400_000,
  };
}
