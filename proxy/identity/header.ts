/** @module proxy/identity/header — the tenant id is the value of one request header (default `X-Playwright-Id`). */
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.ts';
import { validateTenantId } from './tenantId.ts';
import type { TenantId } from '../backends/types.ts';
import type { IdentityResolver } from './types.ts';

/** Reads the tenant id from a header. Trusts the caller: put it behind something that sets the header. */
export class HeaderIdentity implements IdentityResolver {
  readonly mode = 'header';
  readonly header: string;
  readonly #key: string;
  readonly #maxLength: number;

  constructor(opts: { header: string; maxIdLength: number }) {
    this.header = opts.header;
    this.#key = opts.header.toLowerCase();
    this.#maxLength = opts.maxIdLength;
  }

  resolve(req: IncomingMessage): TenantId {
    const value = req.headers[this.#key];
    if (Array.isArray(value)) {
      throw new ProxyError(
        'InvalidTenantId',
        `Header ${this.header} was sent ${value.length} times; send it once.`,
      );
    }
    if (value === undefined || value.trim() === '') {
      throw new ProxyError(
        'MissingTenantId',
        `The request has no ${this.header} header, so the proxy cannot tell which sandbox is yours.`,
      );
    }
    return validateTenantId(value.trim(), this.#maxLength, `header ${this.header}`);
  }
}
