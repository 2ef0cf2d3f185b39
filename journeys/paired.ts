/**
 * @module journeys/paired — {@link runPaired}: the same journeys against canary and stable, interleaved A/B/A/B so
 * that load and time of day touch both alike, `repeat` runs per side, through each backend; then compared.
 */
import { compareJourney, DEFAULT_THRESHOLDS, overallVerdict } from './compare.ts';
import { JourneyOptionsError } from './errors.ts';
import { checkRepeat, prepare, runThroughBackends, type Task } from './runner.ts';
import type { Journey, JourneySpec } from './spec.ts';
import type { ComparisonThresholds, PairedOptions, PairedReport } from './types.ts';

/**
 * The interleaved order: for each repeat and journey a canary/stable pair, the side that goes first alternating
 * between repeats (so neither side always runs on a browser the other has just warmed).
 */
export function interleave(
  journeys: readonly Journey[],
  canary: string,
  stable: string,
  repeat: number,
): Task[] {
  const tasks: Task[] = [];
  for (let a = 1; a <= repeat; a++) {
    for (const journey of journeys) {
      const c: Task = { journey, baseUrl: canary, side: 'canary', attempt: a };
      const s: Task = { journey, baseUrl: stable, side: 'stable', attempt: a };
      tasks.push(...(a % 2 === 1 ? [c, s] : [s, c]));
    }
  }
  return tasks;
}

function thresholdsOf(over: Partial<ComparisonThresholds> | undefined): ComparisonThresholds {
  const t = { ...DEFAULT_THRESHOLDS, ...over };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new JourneyOptionsError(
        `threshold ${k} must be a non-negative number (got ${String(v)}).`,
        'See ComparisonThresholds in journeys/types.ts.',
      );
    }
  }
  if (t.alpha <= 0 || t.alpha >= 1)
    throw new JourneyOptionsError(
      `threshold alpha must lie in (0, 1) (got ${t.alpha}).`,
      'The default is 0.05.',
    );
  return t;
}

/**
 * Runs the journeys `repeat` times against each of canary and stable (interleaved), through each backend, and
 * compares them per journey and step. Infrastructure failures make runs `error` and, when too many, journeys
 * `inconclusive` — never a regression. Throws only for bad options, before anything starts.
 */
export async function runPaired(spec: JourneySpec, opts: PairedOptions): Promise<PairedReport> {
  const repeat = checkRepeat(opts.repeat ?? 10, 'Use 10 or more per side for a meaningful comparison.');
  const thresholds = thresholdsOf(opts.thresholds);
  const { journeys, vars } = prepare(spec, opts, [opts.canary, opts.stable]);
  const tasks = interleave(journeys, opts.canary, opts.stable, repeat);
  const { startedAt, durationMs, backends } = await runThroughBackends(
    tasks,
    { spec, vars, opts },
    (conn, runs) => ({
      journeys: journeys.map((j) => compareJourney(j.name, conn.backend, runs, thresholds)),
    }),
  );
  const verdict = overallVerdict(
    backends.flatMap((b) => b.journeys),
    backends.every((b) => b.status === 'ok'),
  );
  return {
    canary: opts.canary,
    stable: opts.stable,
    repeat,
    startedAt,
    durationMs,
    thresholds,
    verdict,
    backends,
  };
}
