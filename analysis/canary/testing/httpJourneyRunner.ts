/**
 * @module analysis/canary/testing/httpJourneyRunner — a small JourneyRunner for tests of the canary analysis while
 * journeys/ (the Playwright runner) is built elsewhere: a "journey" is a list of HTTP GET steps with an expected
 * status, run paired on canary and stable. It honours the contract's parts the analysis relies on: the proxy must
 * accept a TCP connection or every run is an infrastructure failure; app failures are failed runs; abort stops all.
 */
import { connect } from 'node:net';
import type { JourneyOutcome, JourneyRun, JourneyRunner, JourneyRunRequest } from '../journeys.ts';

export interface HttpJourney {
  name: string;
  steps: { name: string; path: string; status?: number }[];
}

function parseSpecs(text: string, origin: string): HttpJourney[] {
  const doc = JSON.parse(text) as unknown;
  const list = (doc as { journeys?: unknown }).journeys;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(`${origin}: expected {"journeys": [...]} with at least one journey`);
  return list.map((j: HttpJourney, i) => {
    if (typeof j.name !== 'string' || !Array.isArray(j.steps))
      throw new Error(`${origin}: journeys[${i}] needs name and steps`);
    return j;
  });
}

function reachable(url: string, signal: AbortSignal): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port), signal });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function runOne(
  base: string,
  j: HttpJourney,
  signal: AbortSignal,
): Promise<Omit<JourneyRun, 'journey' | 'backend' | 'side' | 'repeat'>> {
  const steps: JourneyRun['steps'] = [];
  const t0 = performance.now();
  for (const step of j.steps) {
    const s0 = performance.now();
    const res = await fetch(new URL(step.path, base), { signal });
    await res.arrayBuffer();
    const passed = res.status === (step.status ?? 200);
    steps.push({ name: step.name, durationMs: performance.now() - s0, passed });
    if (!passed)
      return {
        passed: false,
        durationMs: performance.now() - t0,
        steps,
        failedStep: step.name,
        error: `${step.path} answered ${res.status}`,
      };
  }
  return { passed: true, durationMs: performance.now() - t0, steps };
}

export class HttpJourneyRunner implements JourneyRunner {
  /** Runs started, for abort tests. */
  started = 0;

  parse(text: string, origin: string): unknown {
    return parseSpecs(text, origin);
  }

  async run(req: JourneyRunRequest): Promise<JourneyOutcome> {
    const specs = req.specs as HttpJourney[];
    const proxyUp = await reachable(req.proxy.url, req.signal);
    req.signal.throwIfAborted();
    const plan = req.backends.flatMap((backend) =>
      specs.flatMap((j) =>
        Array.from({ length: req.repeat }, (_, repeat) =>
          (['canary', 'stable'] as const).map((side) => ({
            j,
            id: { journey: j.name, backend, side, repeat },
          })),
        ).flat(),
      ),
    );
    const out: JourneyRun[] = [];
    for (const { j, id } of plan) {
      req.signal.throwIfAborted();
      this.started++;
      if (!proxyUp) {
        out.push({
          ...id,
          passed: false,
          durationMs: 0,
          steps: [],
          infrastructure: true,
          error: `proxy ${req.proxy.url} refused the connection`,
        });
        continue;
      }
      out.push({
        ...id,
        ...(await runOne(id.side === 'canary' ? req.canaryUrl : req.stableUrl, j, req.signal)),
      });
    }
    return { runs: out };
  }
}
