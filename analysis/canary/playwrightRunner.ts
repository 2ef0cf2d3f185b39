/**
 * @module analysis/canary/playwrightRunner — the production {@link JourneyRunner}: journeys/ (Playwright through the
 * sandbox proxy, paired canary vs stable, exact tests per journey and backend). journeys/ is loaded on first use, so
 * processes that never run a journey (an httpProbe-only plugin) do not load playwright-core.
 */
import type * as Journeys from '../../journeys/index.ts';
import type { JourneyRun as PwRun, JourneySpec, PairedReport } from '../../journeys/index.ts';
import type { JourneyOutcome, JourneyRun, JourneyRunner, JourneyRunRequest } from './journeys.ts';

type JourneysModule = typeof Journeys;
let loaded: Promise<JourneysModule> | undefined;
const journeys = (): Promise<JourneysModule> => (loaded ??= import('../../journeys/index.ts'));

function toRun(r: PwRun): JourneyRun {
  const failed = r.failedStep === undefined ? undefined : r.steps.find((s) => s.step === r.failedStep);
  return {
    journey: r.journey,
    backend: r.backend,
    side: r.side ?? 'canary',
    repeat: r.attempt - 1,
    passed: r.status === 'passed',
    durationMs: r.durationMs,
    steps: r.steps
      .filter((s) => s.status !== 'skipped')
      .map((s) => ({ name: s.label, durationMs: s.durationMs, passed: s.status === 'passed' })),
    error: r.reason,
    failedStep: failed?.label,
    trace: r.artifacts.trace,
    screenshot: r.artifacts.screenshot,
    infrastructure: r.status === 'error',
  };
}

/** Runs journeys/ paired through the proxy; every backend's runs and its own comparison for the judge. */
export class PlaywrightJourneyRunner implements JourneyRunner {
  async parse(text: string, origin: string): Promise<unknown> {
    return (await journeys()).parseJourneySpec(text, { source: origin });
  }

  async run(req: JourneyRunRequest): Promise<JourneyOutcome> {
    const j = await journeys();
    const report: PairedReport = await j.runPaired(req.specs as JourneySpec, {
      browser: {
        kind: 'proxy',
        wsEndpoint: req.proxy.url,
        backends: req.backends,
        ...(req.proxy.token ? { token: req.proxy.token } : {}),
      },
      canary: req.canaryUrl,
      stable: req.stableUrl,
      repeat: req.repeat,
      signal: req.signal,
      ...(req.artifactsDir ? { artifactsDir: req.artifactsDir } : {}),
    });
    req.signal.throwIfAborted();
    return { runs: report.backends.flatMap((b) => b.runs.map(toRun)), judge: j.toJourneyResults(report) };
  }
}
