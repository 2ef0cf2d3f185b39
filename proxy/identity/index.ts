/** @module proxy/identity — builds the configured identity resolver. */
import { readFileSync } from 'node:fs';
import { ensureKeyFile, readKeyFile } from '../../lib/tenantToken.ts';
import { FixedIdentity } from './fixed.ts';
import { HeaderIdentity } from './header.ts';
import { TokenIdentity } from './token.ts';
import type { IdentityConfig } from '../config.ts';
import type { IdentityResolver } from './types.ts';

/**
 * The resolver for `cfg.mode`. The pod-label mode loads the Kubernetes client on demand (it costs ~80 MB of RSS
 * that the header and fixed modes should not pay).
 */
export async function createIdentity(cfg: IdentityConfig): Promise<IdentityResolver> {
  switch (cfg.mode) {
    case 'header':
      if (cfg.createKey) ensureKeyFile(cfg.keyFile);
      return new HeaderIdentity({
        keys: readKeyFile(cfg.keyFile),
        header: cfg.header,
        maxIdLength: cfg.maxIdLength,
        maxTtlMs: cfg.maxTtlMs,
      });
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
export function readTokens(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

async function podLabelIdentity(
  cfg: Extract<IdentityConfig, { mode: 'podLabel' }>,
): Promise<IdentityResolver> {
  const [{ PodLabelIdentity }, { kubeApiFor }, { PodIndex }] = await Promise.all([
    import('./podLabel.ts'),
    import('../k8s/kubeConfig.ts'),
    import('../k8s/podIndex.ts'),
  ]);
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
