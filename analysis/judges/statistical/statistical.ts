/** @module analysis/judges/statistical/statistical — the statistical judge: classify the comparison, then score it. */
import type { Judge, JudgeInput, JudgeVerdict } from '../types.ts';
import {
  errorRateFindings,
  journeyFindings,
  latencyFindings,
  podFindings,
  routeErrorFindings,
  serverErrorFindings,
  templateFindings,
  type Finding,
} from './classify.ts';
import { DEFAULT_STATS_OPTIONS, type StatsOptions } from './options.ts';
import { score } from './score.ts';
import { benjaminiHochberg, rateIncreasePValue } from './stats.ts';
import type { Comparison } from './preprocess.ts';

/** Smallest BH-corrected p-value over the warn-and-worse templates: how close the canary came to a finding. */
function nearestMiss(c: Comparison): number {
  const Ns = c.totals.stable.records;
  const Nc = c.totals.canary.records;
  const ps = [...c.templates.values()]
    .filter((t) => t.counts.canary > 0 && (t.level === 'warn' || t.level === 'error' || t.level === 'fatal'))
    .map((t) => rateIncreasePValue(t.counts.stable, t.counts.canary, Ns, Nc));
  const err = rateIncreasePValue(c.totals.stable.errors, c.totals.canary.errors, Ns, Nc);
  return Math.min(1, err, ...benjaminiHochberg(ps));
}

/** Decides by statistics alone. Deterministic, synchronous inside, never throws for any Comparison. */
export class StatisticalJudge implements Judge {
  readonly name = 'statistical';
  readonly #o: StatsOptions;

  constructor(opts: Partial<StatsOptions> = {}) {
    this.#o = { ...DEFAULT_STATS_OPTIONS, ...opts };
  }

  async judge(input: JudgeInput, opts: { signal?: AbortSignal | undefined } = {}): Promise<JudgeVerdict> {
    opts.signal?.throwIfAborted();
    return this.judgeSync(input);
  }

  /** The same decision, synchronously. */
  judgeSync(input: JudgeInput): JudgeVerdict {
    const c = input.comparison;
    const findings: Finding[] = [
      ...podFindings(c),
      ...templateFindings(c, this.#o),
      ...errorRateFindings(c, this.#o),
      ...serverErrorFindings(c, this.#o),
      ...routeErrorFindings(c, this.#o),
      ...latencyFindings(c, this.#o),
      ...journeyFindings(input.journeys),
    ];
    return { ...score(c, findings, this.#o, nearestMiss(c)), tokens: { input: 0, output: 0 } };
  }
}
