/** @module proxy/identity — builds the configured identity resolver. */
import { FixedIdentity } from './fixed.ts';
import { HeaderIdentity } from './header.ts';
import { PodLabelIdentity } from './podLabel.ts';
import { TokenIdentity } from './token.ts';
import { kubeApiFor } from '../k8s/kubeConfig.ts';
import { PodIndex } from '../k8s/podIndex.ts';
import { readFileSync } from 'node:fs';
import type { IdentityConfig } from '../config.ts';
import type { IdentityResolver } from './types.ts';

/** The resolver for `cfg.mode`. */
export function createIdentity(cfg: IdentityConfig): IdentityResolver {
  switch (cfg.mode) {
    case 'header':
      return new HeaderIdentity({ header: cfg.header, maxIdLength: cfg.maxIdLength });
    case 'fixed':
      return new FixedIdentity({ id: cfg.id, maxIdLength: cfg.maxIdLength });
    case 'token':
      return new TokenIdentity({
        tokens: readTokens(cfg.tokenFile),
        header: cfg.header,
        maxIdLength: cfg.maxIdLength,
      });
    case 'podLabel':
      return podLabelIdentity(cfg);
  }
}

/** Accepted tokens: one per line of a file (a mounted Secret); blank lines and `#` comments ignored. */
function readTokens(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function podLabelIdentity(cfg: Extract<IdentityConfig, { mode: 'podLabel' }>): PodLabelIdentity {
  const index = new PodIndex({
    api: kubeApiFor(cfg.kubeconfig),
    namespace: cfg.namespace,
    labelKey: cfg.labelKey,
  });
  index.start();
  const token = cfg.tokenFile
    ? new TokenIdentity({
        tokens: readTokens(cfg.tokenFile),
        header: cfg.header,
        maxIdLength: cfg.maxIdLength,
      })
    : undefined;
  return new PodLabelIdentity({
    index,
    labelKey: cfg.labelKey,
    maxIdLength: cfg.maxIdLength,
    ...(token ? { token } : {}),
  });
}
