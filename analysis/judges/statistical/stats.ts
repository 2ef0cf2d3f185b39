/**
 * @module analysis/judges/statistical/stats — exact tests used by the statistical judge (binomial tail, rate test,
 * Benjamini-Hochberg). The rank test, normal tail and quantiles it shares with journeys/ live in lib/stats/exact.ts.
 */

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, ~15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes `betacf`, modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    c = 1 + aa / c;
    d = 1 / (Math.abs(d) < TINY ? TINY : d);
    c = Math.abs(c) < TINY ? TINY : c;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    c = 1 + aa / c;
    d = 1 / (Math.abs(d) < TINY ? TINY : d);
    c = Math.abs(c) < TINY ? TINY : c;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(a, b, x)) / a;
  return 1 - (front * betaCf(b, a, 1 - x)) / b;
}

/** P(X ≥ k) for X ~ Binomial(n, p): the exact one-sided binomial test. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return Math.min(1, Math.max(0, incompleteBeta(p, k, n - k + 1)));
}

/**
 * One-sided test that the canary rate of an event exceeds the stable rate, conditioning on the total count
 * (the exact conditional test for two Poisson rates): c ~ Bin(s + c, Nc / (Ns + Nc)).
 */
export function rateIncreasePValue(
  stableCount: number,
  canaryCount: number,
  stableTotal: number,
  canaryTotal: number,
): number {
  if (canaryTotal <= 0 || canaryCount <= 0) return 1;
  if (stableTotal <= 0) return 1;
  return binomialUpperTail(canaryCount, stableCount + canaryCount, canaryTotal / (stableTotal + canaryTotal));
}

/** Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const n = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(n);
  let min = 1;
  for (let r = n - 1; r >= 0; r--) {
    const { p, i } = order[r] as { p: number; i: number };
    min = Math.min(min, (p * n) / (r + 1));
    adjusted[i] = Math.min(1, min);
  }
  return adjusted;
}
