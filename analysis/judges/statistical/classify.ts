/**
 * @module analysis/judges/statistical/classify — turns a Comparison into findings: per-template rate tests (new
 * templates, rate increases, Benjamini-Hochberg across templates), critical signatures, pod status, overall and
 * per-pod error rates, 5xx rate, latency and journeys. Each finding says whether it alone justifies a rollback.
 */
import { parseRequest } from '../../logs/requests.ts';
import { redact } from '../../redact/redact.ts';
import { templateText } from '../../templates/drain.ts';
import type { Reason } from '../../types.ts';
import type { JourneyResult } from '../types.ts';
import type { StatsOptions } from './options.ts';
import type { Comparison, RouteStat, TemplateStat } from './preprocess.ts';
import { quantile, rankTestGreater } from '../../../lib/stats/exact.ts';
import { benjaminiHochberg, rateIncreasePValue } from './stats.ts';

/** One thing the statistics found. */
export interface Finding {
  reason: Reason;
  /** The p-value it rests on (after correction where one applies); 0 for pod status and journeys. */
  p: number;
  /** True when this finding alone justifies a rollback. */
  decisive: boolean;
  /** Suspicious but not significant (e.g. a new error seen twice): without a decisive finding, `inconclusive`. */
  suspicious?: boolean;
}

const SEVERE_POD_REASONS = new Set([
  'OOMKilled',
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'InvalidImageName',
]);

function samplesOf(stat: TemplateStat): string[] {
  return [...stat.samples.canary, ...stat.samples.stable].slice(0, 3).map((s) => redact(s));
}

function rate(count: number, total: number): number {
  return total > 0 ? count / total : 0;
}

/** A new error-level template too rare to be significant: worth saying, not enough to decide either way. */
function suspiciousNew(t: TemplateStat, template: string, x: { Ns: number; Nc: number; p: number }): Finding {
  return {
    p: x.p,
    decisive: false,
    suspicious: true,
    reason: {
      kind: 'new_template',
      summary: `New ${t.level}-level template in the canary, seen only ${t.counts.canary}× (too rare to decide): ${template}`,
      severity: 0.6,
      veto: false,
      evidence: {
        template,
        templateId: t.id,
        counts: { ...t.counts },
        totals: { stable: x.Ns, canary: x.Nc },
        samples: samplesOf(t),
        pValue: Math.min(1, x.p),
      },
    },
  };
}

/** Error-level templates seen on one side only and fewer than `minCount` times there: one-off errors. */
function rareNovel(c: Comparison, side: 'stable' | 'canary', o: StatsOptions): number {
  const other = side === 'stable' ? 'canary' : 'stable';
  let n = 0;
  for (const t of c.templates.values())
    if (
      (t.level === 'error' || t.level === 'fatal') &&
      t.counts[other] === 0 &&
      t.counts[side] > 0 &&
      t.counts[side] < o.minCount
    )
      n++;
  return n;
}

/**
 * Tarone's rule: a template whose total count is so small that even "all of them in the canary" could not reach
 * `alpha` cannot be significant, so it does not enlarge the Benjamini-Hochberg family (it would only dilute real
 * findings: real logs carry dozens of one-off error templates).
 */
function testable(t: TemplateStat, Ns: number, Nc: number, alpha: number): boolean {
  return rateIncreasePValue(0, t.counts.stable + t.counts.canary, Ns, Nc) < alpha;
}

/**
 * Temporal drift, stable side: a template that started partway through the stable's window and was still going at
 * its end is compared at the rate it had since it started, not diluted over the whole window (the stable was already
 * showing it when the canary's window began: an outage both share, not the canary's doing). Needs `minCount`
 * stable occurrences and the last one within the final `minNewTemplateSpan` of the stable's records.
 */
function ongoingStableRate(t: TemplateStat, Ns: number, o: StatsOptions): number {
  if (t.counts.stable < o.minCount || t.firstSeen.stable < 0) return 0;
  if (t.lastSeen.stable < Ns * (1 - o.minNewTemplateSpan)) return 0;
  return t.counts.stable / (Ns - t.firstSeen.stable);
}

/** Share of the canary's records between a template's first and last canary occurrence. */
function span(t: TemplateStat, Nc: number): number {
  return Nc > 0 && t.firstSeen.canary >= 0 ? (t.lastSeen.canary - t.firstSeen.canary + 1) / Nc : 0;
}

/** Per-template tests on warn-and-worse templates, with Benjamini-Hochberg across all tested templates. */
export function templateFindings(c: Comparison, o: StatsOptions): Finding[] {
  const Ns = c.totals.stable.records;
  const Nc = c.totals.canary.records;
  const candidates = [...c.templates.values()].filter(
    (t) =>
      t.counts.canary > 0 && (t.level === 'warn' || t.level === 'error' || t.level === 'fatal' || t.critical),
  );
  const tested = candidates.filter((t) => testable(t, Ns, Nc, o.alpha) || t.critical);
  const raw = tested.map((t) => rateIncreasePValue(t.counts.stable, t.counts.canary, Ns, Nc));
  const adjusted = benjaminiHochberg(raw);
  const pOf = new Map(tested.map((t, i) => [t, { p: adjusted[i] as number, raw: raw[i] as number }]));
  // Noisy baseline: one-off errors on the canary side are suspicious only beyond the stable's own one-off errors.
  const churnS = rareNovel(c, 'stable', o) * (Nc / Math.max(Ns, 1));
  const churnC = rareNovel(c, 'canary', o);
  const churnExcess = churnS === 0 ? churnC > 0 : churnC > churnS * o.noveltyChurnRatio;
  const out: Finding[] = [];
  for (const t of candidates) {
    const { p, raw: rawP } = pOf.get(t) ?? { p: 1, raw: 1 };
    const rs = Math.max(rate(t.counts.stable, Ns), ongoingStableRate(t, Ns, o));
    const rc = rate(t.counts.canary, Nc);
    const ratio = rc / Math.max(rs, 0.5 / Math.max(Ns, 1));
    const cluster = c.miner.clusters.find((k) => k.id === t.id);
    const template = redact(cluster ? templateText(cluster) : t.id);
    const isNew = t.counts.stable === 0;
    const errorish = t.level === 'error' || t.level === 'fatal';
    const effect = t.counts.canary >= o.minCount && ratio >= o.minRateRatio && rc - rs >= o.minExcess;
    // A critical signature is a veto when it is new in the canary, or significantly more frequent than in the stable.
    const critical = t.critical !== undefined && (isNew || (rawP < o.alpha && ratio >= o.minRateRatio));
    // Access-log lines are judged per route and by the 5xx test, not by novelty.
    const accessLog = t.samples.canary.some((x) => parseRequest(x)?.status !== undefined);
    if (!critical && !(p < o.alpha && effect)) {
      // Recurring (not a one-off) but short of significance, or a one-off beyond the stable's own churn: suspicious.
      const recurring = t.counts.canary >= o.minCount && rawP < o.suspiciousAlpha;
      const oneOff = t.counts.canary >= o.minSuspiciousCount && churnExcess;
      if (isNew && errorish && !accessLog && (recurring || oneOff))
        out.push(suspiciousNew(t, template, { Ns, Nc, p }));
      continue;
    }
    // Temporal drift: a new template in a burst (a one-off action, a restart) does not decide alone.
    const burst = !critical && isNew && span(t, Nc) < o.minNewTemplateSpan;
    if (burst) {
      if (errorish && !accessLog) out.push(burstFinding(t, template, { Ns, Nc, p }, span(t, Nc)));
      continue;
    }
    const summary = critical
      ? `Critical signature (${t.critical}) in the canary${isNew ? ', never seen in the stable' : ` at ${ratio.toFixed(1)}× the stable rate`}: ${template}`
      : isNew
        ? `New ${t.level}-level log template in the canary (${t.counts.canary}×, never in the stable): ${template}`
        : `${t.level}-level template ${ratio.toFixed(1)}× more frequent in the canary (${(rc * 100).toFixed(2)} % vs ${(rs * 100).toFixed(2)} % of records): ${template}`;
    out.push({
      p: critical && isNew ? 0 : critical ? rawP : p,
      decisive: critical || (errorish && !accessLog),
      reason: {
        kind: critical ? 'critical' : isNew ? 'new_template' : 'rate_change',
        summary,
        severity: critical ? 1 : errorish ? 0.9 : 0.4,
        veto: critical,
        evidence: {
          template,
          templateId: t.id,
          counts: { ...t.counts },
          totals: { stable: Ns, canary: Nc },
          samples: samplesOf(t),
          pValue: Math.min(1, p),
          source: [...t.sources.canary].slice(0, 5).join(', '),
        },
      },
    });
  }
  return out;
}

/** A new error template that appeared in a burst: suspicious (time may explain it), never decisive alone. */
function burstFinding(
  t: TemplateStat,
  template: string,
  x: { Ns: number; Nc: number; p: number },
  share: number,
): Finding {
  const f = suspiciousNew(t, template, x);
  f.reason.summary = `New ${t.level}-level template in the canary, ${t.counts.canary}× but all within ${(share * 100).toFixed(1)} % of its records (a burst: a one-off event, not a steady failure): ${template}`;
  return f;
}

/** Pod status and events: severe reasons on canary pods are vetoes; restarts and readiness failures count too. */
export function podFindings(c: Comparison): Finding[] {
  const out: Finding[] = [];
  const stableReasons = new Set(c.pods.filter((p) => p.side === 'stable').flatMap((p) => p.reasons));
  const stableRestarts = c.pods.filter((p) => p.side === 'stable').reduce((n, p) => n + p.restarts, 0);
  for (const pod of c.pods.filter((p) => p.side === 'canary')) {
    const severe = pod.reasons.filter((r) => SEVERE_POD_REASONS.has(r) && !stableReasons.has(r));
    if (severe.length > 0) {
      out.push({
        p: 0,
        decisive: true,
        reason: {
          kind: 'critical',
          summary: `Canary pod ${pod.pod} is ${severe.join(', ')}`,
          severity: 1,
          veto: true,
          evidence: { source: pod.pod },
        },
      });
    } else if (pod.restarts >= 2 && stableRestarts === 0) {
      out.push({
        p: 0,
        decisive: true,
        reason: {
          kind: 'pod_event',
          summary: `Canary pod ${pod.pod} restarted ${pod.restarts} times; stable pods did not restart`,
          severity: 0.8,
          veto: false,
          evidence: { source: pod.pod },
        },
      });
    }
    const unhealthy = pod.events.filter(
      (e) => e.reason === 'Unhealthy' || e.reason === 'BackOff' || e.reason === 'Failed',
    );
    if (unhealthy.length > 0) {
      const n = unhealthy.reduce((s, e) => s + e.count, 0);
      out.push({
        p: 1,
        decisive: false,
        reason: {
          kind: 'pod_event',
          summary: `Canary pod ${pod.pod}: ${n} warning event(s): ${redact(unhealthy[0]?.message ?? '').slice(0, 200)}`,
          severity: 0.5,
          veto: false,
          evidence: {
            source: pod.pod,
            samples: unhealthy.slice(0, 3).map((e) => redact(`${e.reason}: ${e.message}`)),
          },
        },
      });
    }
  }
  return out;
}

function ratioTest(opts: {
  s: number;
  c: number;
  Ns: number;
  Nc: number;
  minRatio: number;
  minExcess: number;
}): { p: number; ratio: number; hit: boolean; rs: number; rc: number } {
  const rs = rate(opts.s, opts.Ns);
  const rc = rate(opts.c, opts.Nc);
  const p = rateIncreasePValue(opts.s, opts.c, opts.Ns, opts.Nc);
  const ratio = rc / Math.max(rs, 0.5 / Math.max(opts.Ns, 1));
  return { p, ratio, rs, rc, hit: ratio >= opts.minRatio && rc - rs >= opts.minExcess };
}

/** Overall error rate, then each canary source (pod/container) against the stable, Bonferroni across sources. */
export function errorRateFindings(c: Comparison, o: StatsOptions): Finding[] {
  const S = c.totals.stable;
  const C = c.totals.canary;
  const out: Finding[] = [];
  // Temporal drift: error templates still going at the end of the stable's window count at their recent rate.
  let drift = 0;
  for (const t of c.templates.values())
    if (t.level === 'error' || t.level === 'fatal')
      drift += Math.max(0, ongoingStableRate(t, S.records, o) * S.records - t.counts.stable);
  const stableErrors = S.errors + Math.round(drift);
  // …and a new error template in one burst (a one-off event) is judged as such, not as a raised error rate.
  let burst = 0;
  for (const t of c.templates.values())
    if (
      (t.level === 'error' || t.level === 'fatal') &&
      t.counts.stable === 0 &&
      span(t, C.records) < o.minNewTemplateSpan
    )
      burst += t.counts.canary;
  const canaryErrors = C.errors - burst;
  const all = ratioTest({
    s: stableErrors,
    c: canaryErrors,
    Ns: S.records,
    Nc: C.records,
    minRatio: o.errorRateMinRatio,
    minExcess: o.errorRateMinExcess,
  });
  if (all.p < o.alpha && all.hit) {
    out.push({
      p: all.p,
      decisive: true,
      reason: {
        kind: 'error_rate',
        summary: `Error-level records: ${(all.rc * 100).toFixed(2)} % in the canary vs ${(all.rs * 100).toFixed(2)} % in the stable (${all.ratio.toFixed(1)}×)`,
        severity: 0.85,
        veto: false,
        evidence: {
          counts: { stable: stableErrors, canary: canaryErrors },
          totals: { stable: S.records, canary: C.records },
          pValue: all.p,
        },
      },
    });
  }
  const sources = [...C.bySource].filter(([, v]) => v.errors >= o.minCount);
  for (const [source, v] of sources) {
    const t = ratioTest({
      s: stableErrors,
      c: v.errors,
      Ns: S.records,
      Nc: v.records,
      minRatio: o.minRateRatio,
      minExcess: 0.05,
    });
    const p = Math.min(1, t.p * Math.max(1, C.bySource.size));
    if (p < o.alpha && t.hit && C.bySource.size > 1) {
      out.push({
        p,
        decisive: true,
        reason: {
          kind: 'error_rate',
          summary: `Canary source ${source}: ${(t.rc * 100).toFixed(1)} % error-level records vs ${(t.rs * 100).toFixed(2)} % in the stable (one pod failing)`,
          severity: 0.85,
          veto: false,
          evidence: {
            source,
            counts: { stable: S.errors, canary: v.errors },
            totals: { stable: S.records, canary: v.records },
            pValue: p,
          },
        },
      });
    }
  }
  return out;
}

/** HTTP 5xx share of requests. */
export function serverErrorFindings(c: Comparison, o: StatsOptions): Finding[] {
  const S = c.totals.stable;
  const C = c.totals.canary;
  if (S.requests < o.minRequests || C.requests < o.minRequests) return [];
  const t = ratioTest({
    s: S.serverErrors,
    c: C.serverErrors,
    Ns: S.requests,
    Nc: C.requests,
    minRatio: o.errorRateMinRatio,
    minExcess: o.serverErrorMinExcess,
  });
  if (!t.hit) return [];
  if (!(t.p < o.alpha)) {
    if (t.p >= o.suspiciousAlpha) return [];
    // More 5xx, but too few requests to be sure: not a promote.
    return [
      {
        p: t.p,
        decisive: false,
        suspicious: true,
        reason: {
          kind: 'error_rate',
          summary: `HTTP 5xx up but not significant (p = ${t.p.toFixed(3)}): ${(t.rc * 100).toFixed(2)} % of ${C.requests} canary requests vs ${(t.rs * 100).toFixed(2)} % of ${S.requests} stable requests; more canary traffic would tell`,
          severity: 0.5,
          veto: false,
          evidence: {
            counts: { stable: S.serverErrors, canary: C.serverErrors },
            totals: { stable: S.requests, canary: C.requests },
            pValue: t.p,
          },
        },
      },
    ];
  }
  return [
    {
      p: t.p,
      decisive: true,
      reason: {
        kind: 'error_rate',
        summary: `HTTP 5xx: ${(t.rc * 100).toFixed(2)} % of canary requests vs ${(t.rs * 100).toFixed(2)} % of stable requests`,
        severity: 0.9,
        veto: false,
        evidence: {
          counts: { stable: S.serverErrors, canary: C.serverErrors },
          totals: { stable: S.requests, canary: C.requests },
          pValue: t.p,
        },
      },
    },
  ];
}

/** Whether canary latencies regressed against stable ones: Mann-Whitney plus an effect floor on p50/p95. */
function latencyTest(
  s: readonly number[],
  k: readonly number[],
  o: StatsOptions,
): { p: number; p50: number; p95: number; hit: boolean } {
  const { p } = rankTestGreater(s, k);
  const [s50, k50, s95, k95] = [quantile(s, 0.5), quantile(k, 0.5), quantile(s, 0.95), quantile(k, 0.95)];
  const p95 = k95 / Math.max(s95, 1e-9);
  const p50 = k50 / Math.max(s50, 1e-9);
  // A p95 jump alone is often a handful of outliers: it counts only when the median moved too. A ratio counts only
  // with an excess in milliseconds that is more than clock resolution.
  const tail =
    p95 >= o.latencyP95Ratio && k95 - s95 >= o.latencyMinExcessMs && p50 >= o.latencyTailMinMedianRatio;
  const median = p50 >= o.latencyMedianRatio && k50 - s50 >= o.latencyMinExcessMs;
  return { p, p50, p95, hit: tail || median };
}

function latencyFinding(
  where: string,
  s: readonly number[],
  k: readonly number[],
  t: { p: number; p50: number; p95: number },
): Finding {
  return {
    p: t.p,
    decisive: true,
    reason: {
      kind: 'rate_change',
      summary: `Latency regression${where}: canary p50 ${quantile(k, 0.5).toFixed(0)} ms vs ${quantile(s, 0.5).toFixed(0)} ms (${t.p50.toFixed(2)}×), p95 ${quantile(k, 0.95).toFixed(0)} ms vs ${quantile(s, 0.95).toFixed(0)} ms (${t.p95.toFixed(2)}×)`,
      severity: 0.7,
      veto: false,
      evidence: {
        totals: { stable: s.length, canary: k.length },
        pValue: t.p,
        ...(where ? { source: where.trim() } : {}),
      },
    },
  };
}

/**
 * Latency, per route when the logs name routes (a slower mix of pages is not a regression; one page 12× slower is),
 * Bonferroni across routes; pooled over every duration otherwise.
 */
export function latencyFindings(c: Comparison, o: StatsOptions): Finding[] {
  const S = c.totals.stable.routes;
  const C = c.totals.canary.routes;
  const routes = [...C].filter(([key, r]) => {
    const sr = S.get(key);
    return (
      key !== 'other' &&
      sr &&
      r.latency.values.length >= o.minLatencySamples &&
      sr.latency.values.length >= o.minLatencySamples
    );
  });
  if (routes.length > 0) {
    const out: Finding[] = [];
    for (const [key, r] of routes) {
      const s = (S.get(key) as RouteStat).latency.values;
      const t = latencyTest(s, r.latency.values, o);
      const p = Math.min(1, t.p * routes.length);
      if (p < o.alpha && t.hit) out.push(latencyFinding(` on ${key}`, s, r.latency.values, { ...t, p }));
    }
    return out;
  }
  // Logs that name routes are judged per route only: pooling mixes pages, and a different mix is not a regression.
  if ([...C.values()].some((r) => r.latency.seen > 0)) return [];
  const s = c.totals.stable.latency.values;
  const k = c.totals.canary.latency.values;
  if (s.length < o.minLatencySamples || k.length < o.minLatencySamples) return [];
  const t = latencyTest(s, k, o);
  return t.p < o.alpha && t.hit ? [latencyFinding('', s, k, t)] : [];
}

/**
 * Per route, the share of requests answered 4xx or 5xx: a new spike on one route is evidence whatever level the
 * lines carry (a stylesheet missing on every page, an API answering 404 to a fifth of calls). A route the stable
 * never served is compared with the stable's share over all routes. Bonferroni across tested routes.
 */
export function routeErrorFindings(c: Comparison, o: StatsOptions): Finding[] {
  const S = c.totals.stable;
  const C = c.totals.canary;
  if (S.requests < o.minRequests) return [];
  const tested = [...C.routes].filter(([key, r]) => key !== 'other' && r.requests >= o.minRouteRequests);
  const out: Finding[] = [];
  for (const [key, r] of tested) {
    const sr = S.routes.get(key);
    // 4xx and 5xx apart: a route that normally answers 404 now and then must not hide new 500s, nor the reverse.
    for (const cls of ['5xx', '4xx'] as const) {
      const pick = (x: { clientErrors: number; serverErrors: number }): number =>
        cls === '5xx' ? x.serverErrors : x.clientErrors;
      const base =
        sr && sr.requests > 0
          ? { bad: pick(sr), n: sr.requests, what: 'on the same route in the stable' }
          : {
              bad: pick(S),
              n: S.requests,
              what: 'over all stable requests (a route the stable never served)',
            };
      const bad = pick(r);
      const t = ratioTest({
        s: base.bad,
        c: bad,
        Ns: base.n,
        Nc: r.requests,
        minRatio: o.routeErrorMinRatio,
        minExcess: o.routeErrorMinExcess,
      });
      const p = Math.min(1, t.p * tested.length * 2);
      if (!(p < o.alpha && t.hit && bad >= o.minCount)) continue;
      out.push({
        p,
        decisive: true,
        reason: {
          kind: 'error_rate',
          summary: `Route ${key}: ${(t.rc * 100).toFixed(1)} % of canary requests answered ${cls} vs ${(t.rs * 100).toFixed(1)} % ${base.what}`,
          severity: 0.85,
          veto: false,
          evidence: {
            source: key,
            counts: { stable: base.bad, canary: bad },
            totals: { stable: base.n, canary: r.requests },
            pValue: p,
          },
        },
      });
    }
  }
  return out;
}

/**
 * Synthetic journeys: a journey failing on the canary but not on the stable decides; so do, from paired runs, a step
 * the runner found slower and an error seen only on the canary. Too little data (infrastructure errors) is suspicious
 * only — never a rollback on its own.
 */
export function journeyFindings(journeys: readonly JourneyResult[] = []): Finding[] {
  return journeys.flatMap((j) =>
    j.inconclusive ? [journeyInconclusive(j, j.inconclusive)] : journeyRegressions(j),
  );
}

function journeyRegressions(j: JourneyResult): Finding[] {
  const source = j.backend ? `${j.name} (${j.backend})` : j.name;
  const found: Finding[] = [];
  if (!j.canary.passed) {
    const regression = j.stable?.passed !== false;
    const rate = j.canary.runs
      ? ` in ${j.canary.runs - (j.canary.passes ?? 0)} of ${j.canary.runs} runs`
      : '';
    found.push({
      p: j.passRatePValue ?? 0,
      decisive: regression,
      reason: {
        kind: 'journey' as const,
        summary: `Journey "${j.name}" failed on the canary${rate}${regression ? '' : ' (and on the stable)'}: ${redact(j.canary.error ?? 'no detail').slice(0, 200)}`,
        severity: regression ? 0.9 : 0.3,
        veto: false,
        evidence: { source },
      },
    });
  }
  for (const s of (j.steps ?? []).filter((x) => x.regression)) {
    found.push({
      p: s.pValue,
      decisive: true,
      reason: {
        kind: 'journey',
        summary: `Journey "${j.name}" step ${s.step} (${redact(s.name).slice(0, 80)}) is slower on the canary: p50 ${s.canary.p50Ms.toFixed(0)} ms vs ${s.stable.p50Ms.toFixed(0)} ms (Cliff's delta ${s.effectSize.toFixed(2)})`,
        severity: 0.7,
        veto: false,
        evidence: { source, pValue: s.pValue },
      },
    });
  }
  for (const n of j.newOnCanary ?? []) {
    found.push({
      p: 0,
      decisive: true,
      reason: {
        kind: 'journey',
        summary: `Journey "${j.name}": new ${n.kind === 'request' ? 'failed request' : `${n.kind} error`} on the canary in ${n.canaryRuns} runs, never on the stable: ${redact(n.text).slice(0, 160)}`,
        severity: 0.8,
        veto: false,
        evidence: { source, counts: { stable: 0, canary: n.canaryRuns } },
      },
    });
  }
  return found;
}

function journeyInconclusive(j: JourneyResult, why: string): Finding {
  return {
    p: 1,
    decisive: false,
    suspicious: true,
    reason: {
      kind: 'insufficient_data',
      summary: `Journey "${j.name}"${j.backend ? ` (${j.backend})` : ''} could not be judged: ${redact(why).slice(0, 200)}`,
      severity: 0.2,
      veto: false,
      evidence: { source: j.name },
    },
  };
}
