/**
 * @module proxy/identity/header — signed tenant tokens: `Authorization: Bearer <token>` where the token is an HMAC
 * over the tenant id and an expiry (lib/tenantToken.ts), minted by clients from the proxy's key file.
 */
import type { IncomingMessage } from 'node:http';
import { TenantTokenError, verifyTenantToken } from '../../lib/tenantToken.ts';
import { ProxyError } from '../errors.ts';
import { validateTenantId } from './tenantId.ts';
import type { TenantId } from '../backends/types.ts';
import type { IdentityResolver } from './types.ts';

export interface HeaderIdentityOptions {
  /** Verification keys (the key file's lines). */
  keys: readonly string[];
  /** Optional plain tenant header (default `X-Playwright-Id`): when sent, it must name the token's tenant. */
  header: string;
  maxIdLength: number;
  /** Tokens valid for longer than this from now are refused (PROXY_TOKEN_MAX_TTL). */
  maxTtlMs: number;
  now?: () => number;
}

/**
 * The tenant is the one a valid signed token names: knowing or guessing a tenant id is not enough. Tokens are
 * compared in constant time and never logged. The plain identity header is only a cross-check.
 */
export class HeaderIdentity implements IdentityResolver {
  readonly mode = 'header';
  readonly header: string;
  readonly #key: string;
  readonly #opts: HeaderIdentityOptions;

  constructor(opts: HeaderIdentityOptions) {
    if (opts.keys.length === 0) throw new Error('header identity needs at least one key');
    this.header = opts.header;
    this.#key = opts.header.toLowerCase();
    this.#opts = opts;
  }

  resolve(req: IncomingMessage): TenantId {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) {
      throw new ProxyError(
        'MissingTenantToken',
        'The request carries no tenant token (Authorization: Bearer <token>), so the proxy cannot tell which sandbox is yours.',
      );
    }
    let tenant: string;
    try {
      tenant = verifyTenantToken(m[1], {
        keys: this.#opts.keys,
        maxTtlMs: this.#opts.maxTtlMs,
        nowMs: (this.#opts.now ?? Date.now)(),
      }).tenant;
    } catch (err) {
      if (err instanceof TenantTokenError) {
        throw new ProxyError('InvalidTenantToken', err.message, { cause: err });
      }
      throw err;
    }
    const id = validateTenantId(tenant, this.#opts.maxIdLength, 'the tenant token');
    const named = req.headers[this.#key];
    if (named !== undefined && (Array.isArray(named) || named.trim() !== id)) {
      throw new ProxyError(
        'TenantMismatch',
        `Header ${this.header} names a different tenant than the token; send the token's tenant or leave the header out.`,
      );
    }
    return id;
  }
}
