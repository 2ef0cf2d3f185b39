/**
 * @module analysis/eval/loghubCorpus — canary/stable pairs cut from real system logs (the Loghub-2k samples), so the
 * judge is measured on logs it was not written alongside. Generated in memory from a seed (the Loghub data is not
 * ours to commit; it lives in `../shared/data/loghub-2k`):
 *
 *   - `loghub-time-split` (promote): the first part of the log is the stable, the rest the canary — templates come
 *     and go because time passed (periodic jobs, phases, one-off actions);
 *   - `loghub-interleaved` (promote): each line goes to either side at random — same behaviour, noisy baselines
 *     included (the system's own errors at the same rate on both sides);
 *   - `loghub-multi-pod` (promote): interleaved over two stable and three canary pods (one source each);
 *   - `loghub-injected-error` (rollback): an interleaved split where one rare error/fatal event of the system itself
 *     (its lines removed from both sides first) is injected into the canary at a realistic rate (1–5 % of lines);
 *   - `loghub-low-traffic` (inconclusive): the canary is a handful of consecutive lines.
 *
 * Which events are error-level is decided by the judge's own structural level detection; systems without
 * error-level events (HDFS, HPC, OpenStack, Spark in the shared 8) get no injected-failure case.
 */
import { detectLevel, isErrorLevel } from '../logs/level.ts';
import type { LogSource } from '../logs/types.ts';
import { seededRandom } from '../../lib/random.ts';
import type { VerdictKind } from '../types.ts';
import { loadLoghub, loadLoghubRaw, loghubDatasets } from './loghub.ts';

/** One in-memory case of the real-log corpus. */
export interface RealLogCase {
  name: string;
  family: string;
  system: string;
  seed: number;
  expected: VerdictKind;
  description: string;
  stable: LogSource[];
  canary: LogSource[];
}

/** Rates at which an injected error event appears among the canary's lines (one picked per case). */
export const INJECTION_RATES = [0.01, 0.02, 0.05] as const;
/** An event is "rare" (a candidate for injection) when it is at most this share of the system's lines. */
const RARE_SHARE = 0.02;
/** Canary sizes of the low-traffic family (consecutive lines). */
const LOW_TRAFFIC_LINES = [5, 15, 30] as const;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function split(r: () => number, lines: readonly string[], share = 0.5): { a: string[]; b: string[] } {
  const a: string[] = [];
  const b: string[] = [];
  for (const l of lines) (r() < share ? b : a).push(l);
  return { a, b };
}

/** Error-level events that are rare: EventId → their lines. */
function rareErrorEvents(lines: readonly string[], eventIds: readonly string[]): Map<string, string[]> {
  const byEvent = new Map<string, string[]>();
  lines.forEach((l, i) => {
    const id = eventIds[i] as string;
    const arr = byEvent.get(id) ?? [];
    arr.push(l);
    byEvent.set(id, arr);
  });
  const out = new Map<string, string[]>();
  for (const [id, ls] of byEvent)
    if (ls.length <= RARE_SHARE * lines.length && ls.some((l) => isErrorLevel(detectLevel(l))))
      out.set(id, ls);
  return out;
}

/** The cases of one system for one seed. */
export function systemCases(
  system: string,
  lines: string[],
  eventIds: string[],
  seed: number,
): RealLogCase[] {
  const r = seededRandom(seed * 7919 + [...system].reduce((h, c) => h * 31 + c.charCodeAt(0), 0));
  const src = (name: string, ls: string[]): LogSource[] => [{ name, lines: ls }];
  const base = { system, seed };
  const cases: RealLogCase[] = [];

  const cut = Math.floor(lines.length * (0.4 + 0.2 * r()));
  cases.push({
    ...base,
    family: 'loghub-time-split',
    name: `loghub-time-split--${system}-s${seed}`,
    expected: 'promote',
    description: `${system}: lines 1–${cut} as the stable, the rest as the canary (time passed, nothing changed).`,
    stable: src('stable', lines.slice(0, cut)),
    canary: src('canary', lines.slice(cut)),
  });

  const { a, b } = split(r, lines);
  cases.push({
    ...base,
    family: 'loghub-interleaved',
    name: `loghub-interleaved--${system}-s${seed}`,
    expected: 'promote',
    description: `${system}: each line to a random side (same behaviour, same errors at the same rate).`,
    stable: src('stable', a),
    canary: src('canary', b),
  });

  const pods: string[][] = [[], [], [], [], []];
  for (const l of lines) (pods[Math.floor(r() * 5)] as string[]).push(l);
  cases.push({
    ...base,
    family: 'loghub-multi-pod',
    name: `loghub-multi-pod--${system}-s${seed}`,
    expected: 'promote',
    description: `${system}: lines spread over two stable and three canary pods.`,
    stable: pods.slice(0, 2).map((ls, i) => ({ name: `stable-${i + 1}/app`, lines: ls })),
    canary: pods.slice(2).map((ls, i) => ({ name: `canary-${i + 1}/app`, lines: ls })),
  });

  const rare = [...rareErrorEvents(lines, eventIds)].sort((x, y) => x[0].localeCompare(y[0]));
  if (rare.length > 0) {
    const [eventId, eventLines] = pick(r, rare);
    const rate = pick(r, INJECTION_RATES);
    const rest = lines.filter((_, i) => eventIds[i] !== eventId);
    const s = split(r, rest);
    const canary = [...s.b];
    const n = Math.max(3, Math.round((rate * canary.length) / (1 - rate)));
    for (let k = 0; k < n; k++) {
      const at = Math.floor(r() * (canary.length + 1));
      canary.splice(at, 0, eventLines[k % eventLines.length] as string);
    }
    cases.push({
      ...base,
      family: 'loghub-injected-error',
      name: `loghub-injected-error--${system}-s${seed}`,
      expected: 'rollback',
      description: `${system}: event ${eventId} (error-level, removed from both sides) injected into the canary at ${(rate * 100).toFixed(0)} % (${n} lines), e.g. ${(eventLines[0] as string).slice(0, 120)}`,
      stable: src('stable', s.a),
      canary: src('canary', canary),
    });
  }

  const size = pick(r, LOW_TRAFFIC_LINES);
  const from = Math.floor(r() * (b.length - size));
  cases.push({
    ...base,
    family: 'loghub-low-traffic',
    name: `loghub-low-traffic--${system}-s${seed}`,
    expected: 'inconclusive',
    description: `${system}: the canary wrote only ${size} lines.`,
    stable: src('stable', a),
    canary: src('canary', b.slice(from, from + size)),
  });
  return cases;
}

/** Every case for every system in `dir` and every seed. Systems in `only` (if given) are the only ones used. */
export function loghubCases(dir: string, seeds: readonly number[], only?: readonly string[]): RealLogCase[] {
  const out: RealLogCase[] = [];
  for (const system of loghubDatasets(dir)) {
    if (only && !only.includes(system)) continue;
    const { eventIds } = loadLoghub(dir, system);
    const lines = loadLoghubRaw(dir, system);
    for (const seed of seeds) out.push(...systemCases(system, lines, eventIds, seed));
  }
  return out;
}
