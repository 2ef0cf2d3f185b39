/** @module proxy/identity/fixed — every caller is the same tenant; for single-user local use. */
import { validateTenantId } from './tenantId.ts';
import type { TenantId } from '../backends/types.ts';
import type { IdentityResolver } from './types.ts';

/** Always the configured id (validated once, at construction, so a bad id fails at start-up). */
export class FixedIdentity implements IdentityResolver {
  readonly mode = 'fixed';
  readonly #id: TenantId;

  constructor(opts: { id: string; maxIdLength: number }) {
    this.#id = validateTenantId(opts.id, opts.maxIdLength, 'PROXY_FIXED_ID');
  }

  resolve(): TenantId {
    return this.#id;
  }
}
