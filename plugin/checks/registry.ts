/**
 * @module plugin/checks/registry — check kind → implementation. A new `kind` in `PluginArgsSchema` does not compile
 * until it is registered here.
 */
import type { CheckKind, PluginArgs } from '../config.ts';
import { PlaywrightJourneyRunner } from '../../analysis/index.ts';
import { CanaryCheck, defaultKubeConfig, type CanaryCheckDeps } from './canary.ts';
import { HttpProbeCheck } from './httpProbe.ts';
import type { Check } from './types.ts';

export type CheckRegistry = { [K in CheckKind]: Check<Extract<PluginArgs, { kind: K }>> };

/** The checks the plugin ships with. */
export function defaultChecks(deps: Partial<CanaryCheckDeps> = {}): CheckRegistry {
  let kc: Promise<Awaited<ReturnType<typeof defaultKubeConfig>>> | undefined;
  const canary: CanaryCheckDeps = {
    kubeConfig: deps.kubeConfig ?? (() => (kc ??= defaultKubeConfig())),
    journeyRunner: deps.journeyRunner ?? (async () => new PlaywrightJourneyRunner()),
    collector: deps.collector,
  };
  return { httpProbe: new HttpProbeCheck(), canary: new CanaryCheck(canary) } satisfies CheckRegistry;
}

/** The check for a parsed config. */
export function checkFor(registry: CheckRegistry, args: PluginArgs): Check<PluginArgs> {
  return registry[args.kind] as Check<PluginArgs>;
}
