/**
 * @module analysis/judges/statistical/options — thresholds of the statistical judge, one set for every service.
 * Each default says why it is what it is; they were tuned on the generated corpus and five of the eight shared
 * Loghub systems, and checked on the other three (see `npm run eval`).
 */

/** Thresholds of the statistical judge. Defaults are in {@link DEFAULT_STATS_OPTIONS}. */
export interface StatsOptions {
  /**
   * Fewer canary records than this → `inconclusive` (unless a critical veto already decides). 100: a failure on 3 %
   * of the canary's lines is then expected 3 times, the least the rate tests can call (with `minCount`).
   */
  minCanaryRecords: number;
  /** False-discovery level for per-template tests (Benjamini-Hochberg) and the other tests. 0.01: a rollback is costly. */
  alpha: number;
  /** A template's canary rate must be at least this multiple of the stable rate to count (2: a doubling). */
  minRateRatio: number;
  /** …and exceed it by at least this fraction of canary records (0.5 %: an effect floor against huge volumes). */
  minExcess: number;
  /** A template must occur at least this often in the canary to count (3: fewer is no rate evidence). */
  minCount: number;
  /**
   * A new error-level template seen at least this often (but fewer than `minCount` times) is suspicious: 2. A single
   * line is as likely on either side when both have the same rate (p ≥ 0.5 at equal volumes), so once is no signal.
   */
  minSuspiciousCount: number;
  /**
   * Noisy baseline (churn): when the stable has one-off error templates of its own (absent from the canary), the
   * canary's one-off error templates are suspicious only beyond this multiple of the stable's count (scaled by
   * volume). 3: real logs carry one-off errors on both sides (Loghub BGL has dozens per thousand lines), and a
   * random split gives one side up to about twice the other's; when the stable has none, any is suspicious.
   */
  noveltyChurnRatio: number;
  /**
   * Temporal drift: a new template must span at least this share of the canary's records (from its first to its
   * last occurrence) to decide alone. 0.1: a burst (a one-off admin action, a restart, a periodic job firing once)
   * is suspicious, not a rollback; a failure of the new version recurs for as long as the canary serves.
   */
  minNewTemplateSpan: number;
  /** Overall error-rate test: minimum ratio (1.5) and minimum excess (1 % of records). */
  errorRateMinRatio: number;
  errorRateMinExcess: number;
  /** 5xx test: minimum requests per side (30: a 10 % failure shows 3 times), minimum excess (1 % of requests). */
  minRequests: number;
  serverErrorMinExcess: number;
  /**
   * When the stable serves requests (at least `minRequests`), a canary that answered fewer than this is
   * `inconclusive`: 10, the fewest at which a failure of a third of requests shows the `minCount` times a rate test
   * needs. (More would be better, but a canary often takes a tenth of the traffic, and its other logs still count.)
   */
  minCanaryRequests: number;
  /** Per-route tests (4xx/5xx share, latency) need this many canary requests on the route (20). */
  minRouteRequests: number;
  /**
   * A route's 4xx+5xx share must rise by at least this much (5 percentage points: a missing asset on every page or an
   * API failing for a fifth of calls is far above it; a 404 more or less among bots is below it).
   */
  routeErrorMinExcess: number;
  /**
   * …and reach at least this multiple of the stable's share (3). Routes often answer 4xx normally (404 for unknown
   * ids, 401 before login) at 10–20 %; sampling noise alone doubles such a share now and then on small routes.
   */
  routeErrorMinRatio: number;
  /**
   * A 5xx increase with this raw p-value or less and the effect floors met, but not significant at `alpha`, makes
   * the verdict `inconclusive` instead of `promote` (0.1): too few requests to tell is not "healthy".
   */
  suspiciousAlpha: number;
  /** Latency: minimum samples per side (30), and the p95 (1.5×) or median (1.3×) ratio that counts as a regression. */
  minLatencySamples: number;
  latencyP95Ratio: number;
  latencyMedianRatio: number;
  /**
   * A p95 jump counts only when the median moved too, by at least this ratio. 1.2: a few slow outliers are not a
   * regression, and the old 1.1 sat at the generator's benign "8 % slower" case (medians of ~100 samples wander by
   * ±10 %), so re-seeding flipped verdicts.
   */
  latencyTailMinMedianRatio: number;
  /**
   * …and the canary's median (or, for a tail regression, its p95) must exceed the stable's by at least this many ms
   * (5). Below that a ratio means nothing: many logs write whole milliseconds, so 1 ms against 0 ms is "∞×", and on a
   * busy node a scheduler time slice or a young-generation GC pause adds a few ms to a freshly started pod. The
   * demo's healthy v3 was rolled back for `p50 1 ms vs 0 ms` (floor 0), then on a loaded CI machine for
   * `p95 3 ms vs 1 ms` (floor 2).
   */
  latencyMinExcessMs: number;
}

export const DEFAULT_STATS_OPTIONS: StatsOptions = {
  minCanaryRecords: 100,
  alpha: 0.01,
  minRateRatio: 2,
  minExcess: 0.005,
  minCount: 3,
  minSuspiciousCount: 2,
  noveltyChurnRatio: 3,
  minNewTemplateSpan: 0.1,
  errorRateMinRatio: 1.5,
  errorRateMinExcess: 0.01,
  minRequests: 30,
  serverErrorMinExcess: 0.01,
  minCanaryRequests: 10,
  minRouteRequests: 20,
  routeErrorMinExcess: 0.05,
  routeErrorMinRatio: 3,
  suspiciousAlpha: 0.1,
  minLatencySamples: 30,
  latencyP95Ratio: 1.5,
  latencyMedianRatio: 1.3,
  latencyTailMinMedianRatio: 1.2,
  latencyMinExcessMs: 5,
};
