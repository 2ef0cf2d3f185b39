/**
 * @module journeys/vitals — Web Vitals and Navigation Timing, read in the page. The observer script is a constant the
 * runner installs with `addInitScript`; it runs in the browser, never in the runner's process.
 */
import type { Page } from 'playwright-core';
import type { NavigationTiming, WebVitals } from './types.ts';

/** Installed before any page script: LCP, CLS, long tasks (TBT) and event timing (INP approximation). */
export const VITALS_INIT_SCRIPT = `(() => {
  const v = { lcp: undefined, cls: 0, tbt: 0, inp: undefined };
  Object.defineProperty(window, '__sentinelVitals', { value: v, enumerable: false });
  const watch = (type, fn, extra) => {
    try { new PerformanceObserver((l) => l.getEntries().forEach(fn)).observe(Object.assign({ type, buffered: true }, extra)); } catch (e) {}
  };
  watch('largest-contentful-paint', (e) => { v.lcp = e.startTime; });
  watch('layout-shift', (e) => { if (!e.hadRecentInput) v.cls += e.value; });
  watch('longtask', (e) => { v.tbt += Math.max(0, e.duration - 50); });
  watch('event', (e) => { if (e.interactionId) v.inp = Math.max(v.inp || 0, e.duration); }, { durationThreshold: 16 });
})();`;

interface Raw {
  v?: { lcp?: number; cls: number; tbt: number; inp?: number };
  nav?: { responseStart: number; domContentLoadedEventEnd: number; loadEventEnd: number; startTime: number };
}

/** Evaluated in the page after the journey: what the observers saw, and the navigation entry. */
const READ_SCRIPT = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    v: window.__sentinelVitals ? Object.assign({}, window.__sentinelVitals) : undefined,
    nav: nav ? { responseStart: nav.responseStart, domContentLoadedEventEnd: nav.domContentLoadedEventEnd, loadEventEnd: nav.loadEventEnd, startTime: nav.startTime } : undefined,
  };
})()`;

const round = (x: number): number => Math.round(x * 10) / 10;

/** Reads vitals and timing from the page, or nothing if the page does not answer within `timeoutMs`. */
export async function readVitals(
  page: Page,
  timeoutMs = 2000,
): Promise<{ vitals?: WebVitals; navigation?: NavigationTiming }> {
  let timer: NodeJS.Timeout | undefined;
  const raw = await Promise.race([
    page.evaluate<Raw>(READ_SCRIPT).catch(() => undefined),
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs))),
  ]);
  clearTimeout(timer);
  const out: { vitals?: WebVitals; navigation?: NavigationTiming } = {};
  if (raw?.v) {
    const vitals: WebVitals = { cls: Math.round(raw.v.cls * 1000) / 1000, tbtMs: round(raw.v.tbt) };
    if (raw.v.lcp !== undefined) vitals.lcpMs = round(raw.v.lcp);
    if (raw.v.inp !== undefined) vitals.inpMs = round(raw.v.inp);
    out.vitals = vitals;
  }
  if (raw?.nav) {
    const n = raw.nav;
    out.navigation = {
      ttfbMs: round(n.responseStart - n.startTime),
      domContentLoadedMs: round(n.domContentLoadedEventEnd - n.startTime),
      loadMs: round(n.loadEventEnd - n.startTime),
    };
  }
  return out;
}
