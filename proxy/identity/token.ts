/** @module proxy/identity/token — bearer-token callers (synthetic checkers) choose their tenant with the identity header. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.ts';
import { validateTenantId } from './tenantId.ts';
import type { TenantId } from '../backends/types.ts';
import type { IdentityResolver } from './types.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>` plus the identity header (default `X-Playwright-Id`). For callers that carry no pod
 * label — the Argo Rollouts controller pod, where the metric plugin runs. Tokens are compared in constant time on
 * their SHA-256 digests; they are never logged.
 */
export class TokenIdentity implements IdentityResolver {
  readonly mode = 'token';
  readonly #digests: Buffer[];
  readonly #header: string;
  readonly #key: string;
  readonly #maxLength: number;

  constructor(opts: { tokens: string[]; header: string; maxIdLength: number }) {
    if (opts.tokens.length === 0) throw new Error('token identity needs at least one token');
    this.#digests = opts.tokens.map(digest);
    this.#header = opts.header;
    this.#key = opts.header.toLowerCase();
    this.#maxLength = opts.maxIdLength;
  }

  /** Whether the request carries an Authorization header at all (pod-label mode then defers to this resolver). */
  static present(req: IncomingMessage): boolean {
    return req.headers.authorization !== undefined;
  }

  resolve(req: IncomingMessage): TenantId {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const given = m?.[1] ? digest(m[1]) : undefined;
    if (!given || !this.#digests.some((d) => timingSafeEqual(d, given))) {
      throw new ProxyError('InvalidToken', 'The bearer token is missing or not one the proxy accepts.');
    }
    const value = req.headers[this.#key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ProxyError(
        'MissingTenantId',
        `A token caller must name its tenant in the ${this.#header} header.`,
      );
    }
    return validateTenantId(value.trim(), this.#maxLength, `header ${this.#header}`);
  }
}
