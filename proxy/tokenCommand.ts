/**
 * @module proxy/tokenCommand — `sentinel proxy token --tenant alice`: prints a tenant token minted from the proxy's key
 * file, for clients that are not TypeScript (curl, a Python Playwright script) and for trying the proxy by hand.
 */
import { z } from 'zod';
import { defineOptions, durationOption, loadOptions, optionsHelp, type ConfigSource } from '../lib/config.ts';
import { mintTenantToken, readKeyFile } from '../lib/tenantToken.ts';
import { configEnv, defaultKeyFile } from './config.ts';

export const TOKEN_OPTIONS = defineOptions({
  tenant: {
    env: 'SENTINEL_TENANT',
    flag: '--tenant',
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a DNS-1123 label'),
    description: 'the tenant the token names',
  },
  ttlMs: {
    env: 'SENTINEL_TOKEN_TTL',
    flag: '--ttl',
    schema: durationOption('1h'),
    description: 'how long the token is valid (at most the proxy’s PROXY_TOKEN_MAX_TTL)',
  },
  keyFile: {
    env: 'PROXY_IDENTITY_KEY_FILE',
    flag: '--key-file',
    schema: z.string().optional(),
    description: 'the proxy’s key file (default: the one a loopback proxy creates)',
  },
});

export const TOKEN_USAGE = `usage: sentinel proxy token --tenant ID [--ttl 1h] [--key-file F]

Prints a tenant token; send it as Authorization: Bearer <token>. Options (flag, env var, meaning):
${optionsHelp(TOKEN_OPTIONS)}`;

/**
 * The token for the options in `source` (flags; env vars, default the process's, read via proxy/config.ts). Throws
 * ConfigError or TenantKeyError with a clear message.
 */
export function tokenFor(source: ConfigSource): string {
  const { options } = loadOptions(TOKEN_OPTIONS, { env: configEnv(source.env), argv: source.argv ?? [] });
  const key = readKeyFile(options.keyFile ?? defaultKeyFile());
  return mintTenantToken({ key, tenant: options.tenant, ttlMs: options.ttlMs });
}
