/**
 * @module plugin/checks/registry — check kind → implementation. A new `kind` in `PluginArgsSchema` does not compile
 * until it is registered here.
 *
 * `kind: canary` is loaded on its first measurement (dynamic import of canaryModule.ts: the check, the canary analysis,
 * the Kubernetes client and playwright-core): a plugin that only runs httpProbe never loads them, which keeps its idle
 * RSS low (`npm run bench:plugin-rss` measures two bundles side by side).
 */
import type { CanaryCheckConfig, CanaryCheckDeps } from './canary.ts';
import type { CheckKind, PluginArgs } from '../config.ts';
import { describeCanary } from './canaryMetadata.ts';
import { HttpProbeCheck } from './httpProbe.ts';
import type { Check, CheckContext, CheckResult } from './types.ts';

export type CheckRegistry = { [K in CheckKind]: Check<Extract<PluginArgs, { kind: K }>> };

/** `kind: canary`, with its implementation imported on the first `run` (describe needs only the config). */
export class LazyCanaryCheck implements Check<CanaryCheckConfig> {
  readonly #deps: CanaryCheckDeps;
  #check: Promise<Check<CanaryCheckConfig>> | undefined;
  constructor(deps: CanaryCheckDeps) {
    this.#deps = deps;
  }

  /** Whether the implementation has been imported (tests, the RSS bench). */
  get loaded(): boolean {
    return this.#check !== undefined;
  }

  describe(cfg: CanaryCheckConfig): Record<string, string> {
    return describeCanary(cfg);
  }

  async run(cfg: CanaryCheckConfig, ctx: CheckContext): Promise<CheckResult> {
    this.#check ??= import('./canaryModule.ts').then((m) => new m.CanaryCheck(this.#deps));
    return (await this.#check).run(cfg, ctx);
  }
}

/** The checks the plugin ships with. */
export function defaultChecks(deps: Partial<CanaryCheckDeps> = {}): CheckRegistry {
  let kc: Promise<Awaited<ReturnType<CanaryCheckDeps['kubeConfig']>>> | undefined;
  const canary: CanaryCheckDeps = {
    kubeConfig:
      deps.kubeConfig ?? (() => (kc ??= import('./canaryModule.ts').then((m) => m.defaultKubeConfig()))),
    journeyRunner:
      deps.journeyRunner ?? (async () => new (await import('./canaryModule.ts')).PlaywrightJourneyRunner()),
    collector: deps.collector,
  };
  return { httpProbe: new HttpProbeCheck(), canary: new LazyCanaryCheck(canary) } satisfies CheckRegistry;
}

/** The check for a parsed config. */
export function checkFor(registry: CheckRegistry, args: PluginArgs): Check<PluginArgs> {
  return registry[args.kind] as Check<PluginArgs>;
}
