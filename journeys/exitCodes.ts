/** @module journeys/exitCodes — the judge's exit codes, for `sentinel journey` and any caller mapping a verdict. */
import type { PairedReport } from './types.ts';

/** 0 no regression, 1 regression, 2 inconclusive, 3 usage, 4 internal error. */
export const EXIT_CODES = { noRegression: 0, regression: 1, inconclusive: 2, usage: 3, internal: 4 } as const;

/** The exit code of a verdict. */
export function verdictExitCode(verdict: PairedReport['verdict']): number {
  return verdict === 'regression'
    ? EXIT_CODES.regression
    : verdict === 'inconclusive'
      ? EXIT_CODES.inconclusive
      : EXIT_CODES.noRegression;
}
