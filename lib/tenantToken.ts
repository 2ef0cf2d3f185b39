/**
 * @module lib/tenantToken — the sandbox proxy's tenant credential: an HMAC-SHA256 token over a tenant id and an
 * expiry, keyed by a shared secret file (a mounted Secret). The proxy verifies; clients (the journey runner, the
 * plugin, the bench) mint from the same key file without importing `proxy/`.
 *
 * Token: `v1.<tenant>.<expiry, unix seconds>.<base64url HMAC-SHA256(key, "sentinel-tenant.v1.<tenant>.<expiry>")>`.
 * A tenant id is a DNS-1123 label, so it never contains a dot.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SentinelError } from './errors.ts';

const VERSION = 'v1';
/** Shortest accepted key (characters of the key file's line): 32 characters ≈ 192 bits of base64. */
export const MIN_KEY_CHARS = 32;

/** Why a token was refused (stable, for messages and tests). */
export type TokenProblem = 'malformed' | 'badSignature' | 'expired' | 'tooLong';

/** A token the proxy does not accept. The token itself is never part of the message. */
export class TenantTokenError extends SentinelError {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, message: string) {
    super('InvalidTenantToken', message, {
      hint: 'Mint a fresh token with mintTenantToken() (lib/tenantToken.ts) from the key file the proxy uses (PROXY_IDENTITY_KEY_FILE).',
    });
    this.problem = problem;
  }
}

/** The key file could not be used. */
export class TenantKeyError extends SentinelError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('TenantKeyUnusable', message, {
      ...opts,
      hint: `Write at least ${MIN_KEY_CHARS} random characters to the file, e.g. \`openssl rand -base64 48 > key && chmod 600 key\`.`,
    });
  }
}

const sign = (key: string, tenant: string, exp: number): string =>
  createHmac('sha256', key).update(`sentinel-tenant.${VERSION}.${tenant}.${exp}`).digest('base64url');

/**
 * Keys from a key file: one per line (blank lines and `#` comments ignored). The first key mints; every key verifies,
 * so a key can be rotated by adding the new one on top, then removing the old one once clients have moved.
 */
export function readKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenantKeyError(
      `Cannot read the tenant key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`,
      { cause: err },
    );
  }
  const keys = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (keys.length === 0) throw new TenantKeyError(`The tenant key file ${path} holds no key.`);
  const short = keys.findIndex((k) => k.length < MIN_KEY_CHARS);
  if (short >= 0) {
    throw new TenantKeyError(
      `Key ${short + 1} in ${path} has ${keys[short]?.length} characters; at least ${MIN_KEY_CHARS} are needed.`,
    );
  }
  return keys;
}

/** Writes a fresh random key to `path` (mode 0600, folder created 0700) unless the file exists; returns `path`. */
export function ensureKeyFile(path: string): string {
  try {
    statSync(path);
    return path;
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${randomBytes(36).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return path;
  }
}

export interface MintOptions {
  /** Keys as {@link readKeyFile} returns them (the first one signs), or one key. */
  key: string | readonly string[];
  tenant: string;
  /** Lifetime from now (default 1 h). */
  ttlMs?: number;
  /** Clock (ms since epoch); default Date.now(). */
  nowMs?: number;
}

/** A token proving the bearer may use `tenant`'s sandbox until the expiry. */
export function mintTenantToken(opts: MintOptions): string {
  const key = typeof opts.key === 'string' ? opts.key : opts.key[0];
  if (!key) throw new TenantKeyError('No key to sign the tenant token with.');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.tenant)) {
    throw new TenantTokenError(
      'malformed',
      `Tenant id ${JSON.stringify(opts.tenant)} is not a DNS-1123 label.`,
    );
  }
  const exp = Math.floor(((opts.nowMs ?? Date.now()) + (opts.ttlMs ?? 3_600_000)) / 1000);
  return `${VERSION}.${opts.tenant}.${exp}.${sign(key, opts.tenant, exp)}`;
}

export interface VerifyOptions {
  keys: readonly string[];
  /** Clock (ms since epoch); default Date.now(). */
  nowMs?: number;
  /** Refuse tokens that expire later than this from now (bounds the damage of a leaked token). */
  maxTtlMs: number;
}

/** The parts of a well-formed token, or a `malformed` error. */
function parse(token: string): { tenant: string; exp: number; mac: string } {
  const [version, tenant, expText, mac, ...rest] = token.split('.');
  const ok = version === VERSION && tenant && mac && rest.length === 0 && /^\d{1,12}$/.test(expText ?? '');
  if (!ok) {
    throw new TenantTokenError(
      'malformed',
      `The tenant token is not of the form ${VERSION}.<tenant>.<expiry>.<signature>.`,
    );
  }
  return { tenant, exp: Number(expText), mac };
}

/**
 * The tenant a signed tenant token names, read without verifying it (only the proxy holds the key), or undefined when
 * `token` is not of the signed form (a plain bearer token). Clients use it to send the token's own tenant.
 */
export function tenantOfToken(token: string): string | undefined {
  try {
    return parse(token).tenant;
  } catch {
    return undefined;
  }
}

/** The tenant a token names, if its signature verifies and it has not expired; otherwise a {@link TenantTokenError}. */
export function verifyTenantToken(
  token: string,
  opts: VerifyOptions,
): { tenant: string; expiresAtMs: number } {
  const { tenant, exp, mac } = parse(token);
  const given = Buffer.from(mac, 'base64url');
  const ok = opts.keys.some((k) => {
    const want = Buffer.from(sign(k, tenant, exp), 'base64url');
    return want.length === given.length && timingSafeEqual(want, given);
  });
  if (!ok)
    throw new TenantTokenError(
      'badSignature',
      'The tenant token was not signed with a key the proxy accepts.',
    );
  const now = opts.nowMs ?? Date.now();
  if (exp * 1000 <= now) {
    throw new TenantTokenError(
      'expired',
      `The tenant token expired at ${new Date(exp * 1000).toISOString()}.`,
    );
  }
  if (exp * 1000 - now > opts.maxTtlMs) {
    throw new TenantTokenError(
      'tooLong',
      `The tenant token is valid for ${Math.round((exp * 1000 - now) / 60_000)} more minutes; the proxy accepts at most ${Math.round(opts.maxTtlMs / 60_000)} (PROXY_TOKEN_MAX_TTL).`,
    );
  }
  return { tenant, expiresAtMs: exp * 1000 };
}
