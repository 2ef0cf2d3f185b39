/** @module plugin/checks/canaryMetadata — `kind: canary`'s static metadata (GetMetadata), without loading the analysis. */
import type { CanaryCheckConfig } from './canary.ts';

export function describeCanary(cfg: CanaryCheckConfig): Record<string, string> {
  return {
    kind: cfg.kind,
    rollout: `${cfg.namespace}/${cfg.rollout}`,
    canary: cfg.canary.podTemplateHash,
    stable: cfg.stable.podTemplateHash,
  };
}
