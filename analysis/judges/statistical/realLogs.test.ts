import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../lib/random.ts';
import { loadLoghub, loadLoghubRaw, loghubDatasets } from '../../eval/loghub.ts';
import { systemCases } from '../../eval/loghubCorpus.ts';
import { ComparisonBuilder } from './preprocess.ts';
import { StatisticalJudge } from './statistical.ts';

function judge(stable: string[], canary: string[] | string[][]) {
  const b = new ComparisonBuilder();
  b.addLines('stable', 'stable-pod', stable);
  const pods = Array.isArray(canary[0]) ? (canary as string[][]) : [canary as string[]];
  pods.forEach((lines, i) => b.addLines('canary', `canary-pod-${i}`, lines));
  return new StatisticalJudge().judgeSync({ comparison: b.build() });
}

/**
 * A small web shop in a log format the judge was not written for:
 * `2026-12-02 03:04:05.678 [worker-3] INFO  shop.http - GET /book/7 200 12ms rid=…`.
 */
function shop(
  seed: number,
  n: number,
  opts: { slowPage?: string; slow?: number; api404?: number; cssMissing?: boolean } = {},
): string[] {
  const r = seededRandom(seed);
  const pages = ['/', '/book/:id', '/cart', '/search'];
  const out: string[] = [];
  let t = Date.parse('2026-12-02T03:00:00Z');
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 900);
    const ts = new Date(t).toISOString().replace('T', ' ').replace('Z', '');
    const worker = `worker-${Math.floor(r() * 8)}`;
    const rid = Math.floor(r() * 1e9).toString(36);
    const x = r();
    let method = 'GET';
    let path: string;
    let status = 200;
    let page = '';
    if (x < 0.15) {
      path = '/static/site.css';
      if (opts.cssMissing) status = 404;
    } else if (x < 0.35) {
      path = `/api/books/${Math.floor(r() * 500)}`;
      if (r() < (opts.api404 ?? 0.005)) status = 404;
    } else if (x < 0.4) {
      method = 'POST';
      path = '/cart/items';
      page = '/cart';
    } else {
      page = pages[Math.floor(r() * pages.length)] as string;
      path = page.replace(':id', String(Math.floor(r() * 500)));
    }
    let ms = Math.round(8 + r() * 30);
    if (opts.slowPage && page === opts.slowPage) ms *= opts.slow ?? 12;
    const level = status >= 500 ? 'ERROR' : status >= 400 ? 'WARN ' : 'INFO ';
    out.push(`${ts} [${worker}] ${level} shop.http - ${method} ${path} ${status} ${ms}ms rid=${rid}`);
    if (r() < 0.05)
      out.push(`${ts} [${worker}] INFO  shop.cache - refreshed ${Math.floor(r() * 90)} entries`);
  }
  return out;
}

describe('requests in a format never seen (web shop)', () => {
  it('healthy → promote', () => {
    expect(judge(shop(1, 1500), shop(2, 600)).verdict).toBe('promote');
  });

  it('a 12× latency regression on one page → rollback naming the route', () => {
    const v = judge(shop(1, 1500), shop(2, 600, { slowPage: '/cart', slow: 12 }));
    expect(v.verdict).toBe('rollback');
    expect(v.reasons[0]?.summary).toMatch(/Latency regression on (GET|POST) \/cart/);
  });

  it('millisecond pages: a few ms more is clock resolution and scheduling noise, not a regression; 1 ms against 8 ms is', () => {
    const fast = (ms: (i: number) => number): string[] =>
      Array.from(
        { length: 400 },
        (_, i) => `2026-12-02 03:04:05.678 [w] INFO  shop.http - POST /api/cart 200 ${ms(i)}ms`,
      );
    expect(
      judge(
        fast((i) => (i % 4 === 0 ? 1 : 0)),
        fast((i) => (i % 4 === 0 ? 0 : 1)),
      ).verdict,
    ).toBe('promote');
    // The demo's healthy v3 on a loaded CI machine: p50 1 ms vs 0 ms, p95 3 ms vs 1 ms.
    expect(
      judge(
        fast((i) => (i % 10 === 0 ? 1 : 0)),
        fast((i) => (i % 10 === 0 ? 3 : 1)),
      ).verdict,
    ).toBe('promote');
    const v = judge(
      fast((i) => (i % 4 === 0 ? 2 : 1)),
      fast((i) => (i % 4 === 0 ? 9 : 8)),
    );
    expect(v.verdict).toBe('rollback');
    expect(v.reasons[0]?.summary).toMatch(/Latency regression on POST \/api\/cart/);
  });

  it('an API answering 404 for a fifth of calls (WARN lines) → rollback', () => {
    const v = judge(shop(1, 1500), shop(2, 600, { api404: 0.2 }));
    expect(v.verdict).toBe('rollback');
    expect(v.reasons[0]?.summary).toMatch(/Route GET \/api\/books\/:id: .* 4xx/);
  });

  it('a stylesheet missing on every page (WARN 404) → rollback', () => {
    const v = judge(shop(1, 1500), shop(2, 600, { cssMissing: true }));
    expect(v.verdict).toBe('rollback');
    expect(v.reasons[0]?.summary).toMatch(/Route GET \/static\/site\.css: 100\.0 % .* 4xx/);
  });

  it('too little evidence → inconclusive saying what is missing and how much is needed, never promote', () => {
    const v = judge(shop(1, 1500), shop(2, 8));
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]).toMatchObject({ kind: 'insufficient_data' });
    expect(v.reasons[0]?.summary).toMatch(/Too little canary traffic: .*at least \d+ are needed/);
  });
});

describe('named rules on real-format lines', () => {
  const hadoop = (i: number, level: string, msg: string): string =>
    `2015-10-18 18:${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')} ${level} [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator: ${msg}`;
  const normal = (i: number): string =>
    hadoop(i, 'INFO', `Recalculating schedule, headroom=<memory:${i % 97}, vCores:-${i % 5}>`);

  it('temporal drift: errors that began before the end of the stable window and go on in the canary → promote', () => {
    // The stable's last fifth already shows the outage (at ~25 %); the canary keeps showing it at that rate.
    const stable = Array.from({ length: 1000 }, (_, i) =>
      i > 800 && i % 4 === 0 ? hadoop(i, 'ERROR', 'ERROR IN CONTACTING RM.') : normal(i),
    );
    const canary = Array.from({ length: 800 }, (_, i) =>
      i % 4 === 0 ? hadoop(i, 'ERROR', 'ERROR IN CONTACTING RM.') : normal(i),
    );
    expect(judge(stable, canary).verdict).toBe('promote');
    // The same canary against a stable that never erred is a rollback: the rule needs the stable's own onset.
    expect(
      judge(
        stable.map((l, i) => (l.includes('ERROR IN') ? normal(i) : l)),
        canary,
      ).verdict,
    ).toBe('rollback');
  });

  it('temporal drift: a new error template in one burst (a one-off action) is suspicious, not a rollback', () => {
    const stable = Array.from({ length: 1000 }, (_, i) => normal(i));
    const canary = Array.from({ length: 1000 }, (_, i) =>
      i >= 500 && i < 520 ? hadoop(i, 'ERROR', 'Container killed by the ApplicationMaster.') : normal(i),
    );
    const v = judge(stable, canary);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]?.summary).toMatch(/burst/);
    // Spread over the canary's whole window, the same 20 lines are a rollback.
    const spread = Array.from({ length: 1000 }, (_, i) =>
      i % 50 === 7 ? hadoop(i, 'ERROR', 'Container killed by the ApplicationMaster.') : normal(i),
    );
    expect(judge(stable, spread).verdict).toBe('rollback');
  });

  it('noisy baseline: one-off errors on both sides (churn) → promote; one-offs only in the canary → inconclusive', () => {
    const oneOffs = [
      'Unexpected Exception:',
      'Snapshot file corrupted, skipping it',
      'Leader election took too long (3 rounds), restarting election',
      'Failed to sync with the leader',
    ];
    const oneOff = (_i: number, k: number): string =>
      `2015-07-29 19:0${k}:12,394 - ERROR [CommitProcessor:1:NIOServerCnxn@18${k}] - ${oneOffs[k]}`;
    const zk = (i: number): string =>
      `2015-07-29 19:04:12,394 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: ${3200 + (i % 7) * 100}`;
    const stable = Array.from({ length: 1000 }, (_, i) =>
      i === 100 ? oneOff(i, 0) : i === 600 ? oneOff(i, 1) : zk(i),
    );
    const churn = Array.from({ length: 1000 }, (_, i) =>
      i === 200 || i === 700 ? oneOff(i, 2) : i === 400 ? oneOff(i, 3) : zk(i),
    );
    expect(judge(stable, churn).verdict).toBe('promote');
    const quiet = Array.from({ length: 1000 }, (_, i) => zk(i));
    expect(judge(quiet, churn).verdict).toBe('inconclusive');
  });

  it('levels come from structure: alarming words in INFO/DEBUG lines do not roll back', () => {
    const base = (i: number): string =>
      `2026-12-02 03:04:05.${String(i % 1000).padStart(3, '0')} INFO  cart - item ${i} added`;
    const stable = Array.from({ length: 800 }, (_, i) => base(i));
    const canary = Array.from({ length: 800 }, (_, i) =>
      i % 20 === 0
        ? ([
            `2026-12-02 03:04:05.000 INFO  cart - retry succeeded after failure`,
            `2026-12-02 03:04:05.000 DEBUG cart - panic handler installed`,
            `2026-12-02 03:04:05.000 INFO  cart - entering critical section`,
            `2026-12-02 03:04:05.000 INFO  alerts - alert rule loaded`,
          ][(i / 20) % 4] as string)
        : base(i),
    );
    expect(judge(stable, canary).verdict).toBe('promote');
  });
});

const DIR =
  process.env.SENTINEL_LOGHUB_DIR ?? resolve(import.meta.dirname, '../../../../shared/data/loghub-2k');
const present = loghubDatasets(DIR).includes('Hadoop') && loghubDatasets(DIR).includes('BGL');

describe.skipIf(!present)(`the named rules on Loghub lines (data: ${DIR})`, () => {
  const cases = (system: string) =>
    systemCases(system, loadLoghubRaw(DIR, system), loadLoghub(DIR, system).eventIds, 1);
  const run = (c: ReturnType<typeof cases>[number]) => {
    const b = new ComparisonBuilder();
    for (const s of c.stable) b.addLines('stable', s.name, s.lines as string[]);
    for (const s of c.canary) b.addLines('canary', s.name, s.lines as string[]);
    return new StatisticalJudge().judgeSync({ comparison: b.build() });
  };

  it('temporal drift: Hadoop split in time (an RM outage that began in the stable) → promote', () => {
    const c = cases('Hadoop').find((x) => x.family === 'loghub-time-split');
    expect(c && run(c).verdict).toBe('promote');
  });

  it("noisy baseline: BGL's own FATAL lines on both sides → promote", () => {
    const c = cases('BGL').find((x) => x.family === 'loghub-interleaved');
    expect(c && run(c).verdict).toBe('promote');
  });

  it('a rare error of the system itself injected into the canary → not promote', () => {
    for (const system of ['BGL', 'Hadoop']) {
      const c = cases(system).find((x) => x.family === 'loghub-injected-error');
      expect(c && run(c).verdict, system).not.toBe('promote');
    }
  });

  it('too little evidence: a handful of canary lines → inconclusive', () => {
    const c = cases('BGL').find((x) => x.family === 'loghub-low-traffic');
    expect(c && run(c).verdict).toBe('inconclusive');
  });
});
