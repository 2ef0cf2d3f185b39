/**
 * @module lib/stats/exact — small pure tests for paired canary/stable comparisons: Fisher's exact test on pass counts,
 * a Mann-Whitney rank test with Cliff's delta as its effect size, and quantiles.
 *
 * They live in lib/ because both the journey comparison (journeys/, which may import only lib/ at runtime) and the
 * statistical judge (analysis/judges/statistical/) use them; one implementation serves both.
 */

/** ln(n!) for small non-negative integers (exact sums; n stays in the hundreds here). */
function lnFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

function lnChoose(n: number, k: number): number {
  return lnFactorial(n) - lnFactorial(k) - lnFactorial(n - k);
}

/** Counts of one side: how many runs failed out of how many. */
export interface FailCount {
  failed: number;
  total: number;
}

/**
 * One-sided Fisher exact test that the canary fails more often than the stable (hypergeometric upper tail).
 * Returns the p-value; 1 when either side has no runs or nothing failed anywhere.
 */
export function fisherExactGreater(stable: FailCount, canary: FailCount): number {
  const n1 = canary.total;
  const n2 = stable.total;
  const k = canary.failed + stable.failed;
  if (n1 === 0 || n2 === 0 || k === 0) return 1;
  if (canary.failed < 0 || stable.failed < 0 || canary.failed > n1 || stable.failed > n2) {
    throw new RangeError(
      `fisherExactGreater: failed counts must lie in 0…total (got ${JSON.stringify({ stable, canary })})`,
    );
  }
  const n = n1 + n2;
  const denom = lnChoose(n, k);
  let p = 0;
  for (let x = canary.failed; x <= Math.min(k, n1); x++) {
    if (k - x > n2) continue;
    p += Math.exp(lnChoose(n1, x) + lnChoose(n2, k - x) - denom);
  }
  return Math.min(1, p);
}

/** Standard normal upper tail P(Z ≥ z) (Abramowitz–Stegun 7.1.26 erfc; |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Result of {@link rankTestGreater}. */
export interface RankTest {
  /** One-sided p-value that canary values tend to be larger. */
  p: number;
  /** Cliff's delta in −1…1: P(canary > stable) − P(canary < stable); +1 = every canary value is larger. */
  delta: number;
}

/** Midranks of the pooled sample and the tie term Σ(t³ − t). */
function pooledRanks(
  stable: readonly number[],
  canary: readonly number[],
): { canaryRankSum: number; ties: number } {
  const all = [...canary.map((v) => ({ v, c: true })), ...stable.map((v) => ({ v, c: false }))].sort(
    (a, b) => a.v - b.v,
  );
  let canaryRankSum = 0;
  let ties = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    ties += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.c) canaryRankSum += rank;
    i = j + 1;
  }
  return { canaryRankSum, ties };
}

/**
 * One-sided Mann-Whitney U test that canary values are larger than stable ones (normal approximation with tie and
 * continuity correction — adequate from about 8 values per side), with Cliff's delta as the effect size.
 * Empty sides give `{ p: 1, delta: 0 }`.
 */
export function rankTestGreater(stable: readonly number[], canary: readonly number[]): RankTest {
  const n1 = canary.length;
  const n2 = stable.length;
  if (n1 === 0 || n2 === 0) return { p: 1, delta: 0 };
  const { canaryRankSum, ties } = pooledRanks(stable, canary);
  const u = canaryRankSum - (n1 * (n1 + 1)) / 2;
  // U counts canary>stable pairs plus half the ties, so 2U/(n1·n2) − 1 is Cliff's delta.
  const delta = (2 * u) / (n1 * n2) - 1;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  if (sigma === 0) return { p: 1, delta };
  return { p: normalUpperTail((u - (n1 * n2) / 2 - 0.5) / sigma), delta };
}

/** The q-quantile (0…1) of values (linear interpolation); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
