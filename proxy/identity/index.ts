/** @module proxy/identity — builds the configured identity resolver. */
import { FixedIdentity } from './fixed.ts';
import { HeaderIdentity } from './header.ts';
import type { IdentityConfig } from '../config.ts';
import type { IdentityResolver } from './types.ts';

/** The resolver for `cfg.mode`. */
export function createIdentity(cfg: IdentityConfig): IdentityResolver {
  switch (cfg.mode) {
    case 'header':
      return new HeaderIdentity({ header: cfg.header, maxIdLength: cfg.maxIdLength });
    case 'fixed':
      return new FixedIdentity({ id: cfg.id, maxIdLength: cfg.maxIdLength });
  }
}
