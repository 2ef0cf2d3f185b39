/**
 * @module plugin/checks/registry — check kind → implementation. A new `kind` in `PluginArgsSchema` does not compile
 * until it is registered here.
 */
import type { CheckKind, PluginArgs } from '../config.ts';
import { HttpProbeCheck } from './httpProbe.ts';
import type { Check } from './types.ts';

export type CheckRegistry = { [K in CheckKind]: Check<Extract<PluginArgs, { kind: K }>> };

/** The checks the plugin ships with. */
export function defaultChecks(): CheckRegistry {
  return { httpProbe: new HttpProbeCheck() } satisfies CheckRegistry;
}

/** The check for a parsed config. */
export function checkFor(registry: CheckRegistry, args: PluginArgs): Check<PluginArgs> {
  return registry[args.kind] as Check<PluginArgs>;
}
