/** @module analysis/judges/statistical/options — thresholds of the statistical judge, one set for every service. */

/** Thresholds of the statistical judge. Defaults are in {@link DEFAULT_STATS_OPTIONS}. */
export interface StatsOptions {
  /** Fewer canary records than this → `inconclusive` (unless a critical veto already decides). */
  minCanaryRecords: number;
  /** False-discovery level for per-template tests (Benjamini-Hochberg) and the other tests. */
  alpha: number;
  /** A template's canary rate must be at least this multiple of the stable rate to count. */
  minRateRatio: number;
  /** …and exceed it by at least this fraction of canary records (an effect floor). */
  minExcess: number;
  /** A template must occur at least this often in the canary to count. */
  minCount: number;
  /** Overall error-rate test: minimum ratio and minimum excess (fraction of records). */
  errorRateMinRatio: number;
  errorRateMinExcess: number;
  /** 5xx test: minimum requests per side, minimum ratio and excess. */
  minRequests: number;
  serverErrorMinExcess: number;
  /** Latency: minimum samples per side, and the p95 or median ratio that counts as a regression. */
  minLatencySamples: number;
  latencyP95Ratio: number;
  latencyMedianRatio: number;
}

export const DEFAULT_STATS_OPTIONS: StatsOptions = {
  minCanaryRecords: 50,
  alpha: 0.01,
  minRateRatio: 2,
  minExcess: 0.005,
  minCount: 3,
  errorRateMinRatio: 1.5,
  errorRateMinExcess: 0.01,
  minRequests: 30,
  serverErrorMinExcess: 0.01,
  minLatencySamples: 30,
  latencyP95Ratio: 1.5,
  latencyMedianRatio: 1.3,
};
