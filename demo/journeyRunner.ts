/**
 * @module demo/journeyRunner — the canary analysis' JourneyRunner contract implemented with journeys/ (runPaired:
 * canary and stable interleaved, through the sandbox proxy). Lives here until the product ships its own adapter;
 * swap it in `canaryStep.ts`.
 */
import { parseJourneySpec, runPaired, type JourneySpec } from '../journeys/index.ts';
import type { JourneyRun as JourneysRun } from '../journeys/index.ts';
import type { JourneyRun, JourneyRunner, JourneyRunRequest } from '../analysis/index.ts';

function toRun(r: JourneysRun, repeat: number): JourneyRun {
  const failed = r.failedStep === undefined ? undefined : r.steps[r.failedStep - 1];
  return {
    journey: r.journey,
    backend: r.backend,
    side: r.side ?? 'canary',
    repeat,
    passed: r.status === 'passed',
    durationMs: r.durationMs,
    steps: r.steps
      .filter((s) => s.status !== 'skipped')
      .map((s) => ({ name: s.label, durationMs: s.durationMs, passed: s.status === 'passed' })),
    ...(r.reason ? { error: r.reason } : {}),
    ...(failed ? { failedStep: failed.label } : {}),
    ...(r.artifacts.trace ? { trace: r.artifacts.trace } : {}),
    ...(r.artifacts.screenshot ? { screenshot: r.artifacts.screenshot } : {}),
    ...(r.status === 'error' ? { infrastructure: true } : {}),
  };
}

/** Runs the journeys paired through the proxy, one sandbox (tenant) per backend, and flattens every run. */
export const playwrightJourneyRunner: JourneyRunner = {
  parse: (text, origin) => parseJourneySpec(text, { source: origin }),
  async run(req: JourneyRunRequest): Promise<JourneyRun[]> {
    const report = await runPaired(req.specs as JourneySpec, {
      canary: req.canaryUrl,
      stable: req.stableUrl,
      repeat: req.repeat,
      browser: {
        kind: 'proxy',
        wsEndpoint: req.proxy.url,
        backends: req.backends,
        ...(req.proxy.token ? { token: req.proxy.token } : {}),
      },
      ...(req.artifactsDir ? { artifactsDir: req.artifactsDir } : {}),
      signal: req.signal,
    });
    req.signal.throwIfAborted();
    return report.backends.flatMap((b) => b.runs.map((r) => toRun(r, r.attempt - 1)));
  },
};
