import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import type { AnalysisRun, Measurement, Metric } from './argoTypes.ts';
import { CHECK_ID_KEY, CheckProvider, GC_GRACE_MS, REPLAY_MS } from './checkProvider.ts';
import { defaultChecks, type CheckRegistry } from './checks/registry.ts';
import { PLUGIN_NAME } from './errors.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.setHeader('content-type', 'application/json');
      res.end('{"healthy":true,"n":3}');
    } else if (req.url === '/big') res.end('x'.repeat(10_000));
    else if (req.url === '/hang') req.on('close', () => res.end());
    else {
      res.statusCode = 500;
      res.end('boom');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const run: AnalysisRun = {
  name: 'r',
  namespace: 'default',
  uid: 'u1',
  labels: {},
  annotations: {},
  ownerReferences: [],
  raw: null,
};
function metric(cfg: unknown, successCondition = '', failureCondition = ''): Metric {
  const plugin =
    cfg === undefined
      ? ({} as Record<string, Uint8Array>)
      : { [PLUGIN_NAME]: Buffer.from(typeof cfg === 'string' ? cfg : JSON.stringify(cfg)) };
  return { name: 'm', successCondition, failureCondition, plugin, raw: null };
}
const provider = (): CheckProvider => new CheckProvider({ checks: defaultChecks(), log: silentLogger });

async function finish(p: CheckProvider, m: Metric, first: Measurement): Promise<Measurement> {
  let cur = first;
  for (let i = 0; i < 100 && cur.phase === 'Running'; i++) {
    await new Promise((r) => setTimeout(r, 10));
    cur = await p.resume(run, m, cur);
  }
  return cur;
}

describe('CheckProvider', () => {
  it.each([
    ['success condition holds', '/ok', 'result.status == 200 && result.body.healthy', '', 'Successful'],
    ['success condition fails', '/500', 'result.status == 200', '', 'Failed'],
    ['failure condition holds', '/500', '', 'result.status >= 500', 'Failed'],
    ['neither holds → Inconclusive', '/ok', 'result.status == 201', 'result.status == 500', 'Inconclusive'],
    ['no conditions → Successful', '/500', '', '', 'Successful'],
    ['truncated body stays text', '/big', 'len(result.body) == 100', '', 'Successful'],
  ])('%s', async (_name, path, success, failure, phase) => {
    const p = provider();
    const m = metric(
      { kind: 'httpProbe', url: base + path, resumeAfter: '10ms', maxBodyBytes: 100 },
      success,
      failure,
    );
    const first = await p.run(run, m);
    expect(first.phase).toBe('Running');
    expect(first.resumeAt!.getTime() - first.startedAt!.getTime()).toBe(10);
    const done = await finish(p, m, first);
    expect(done.phase).toBe(phase);
    expect(JSON.parse(done.value!)).toHaveProperty('status');
    expect(done.metadata).toMatchObject({ kind: 'httpProbe', url: base + path });
    expect(p.jobCount).toBe(0);
  });

  it.each([
    ['no plugin block', undefined, /PluginConfigMissing/],
    ['not JSON', '{kind:', /PluginConfigNotJson/],
    ['unknown kind', { kind: 'nope' }, /kind: is required and must be one of httpProbe/],
    [
      'bad url and unknown field',
      { kind: 'httpProbe', url: 'ftp://x', extra: 1 },
      /url: expected an absolute.*unknown field\(s\) extra/,
    ],
  ])('invalid config (%s) is an Error measurement naming the problem', async (_name, cfg, message) => {
    const m = await provider().run(run, metric(cfg));
    expect(m.phase).toBe('Error');
    expect(m.message).toMatch(message);
    expect(m.message).toMatch(/Hint:/);
  });

  it('an unreachable target is an Error measurement (CheckFailed)', async () => {
    const p = provider();
    const m = metric({ kind: 'httpProbe', url: 'http://127.0.0.1:1/x', resumeAfter: '10ms' });
    const done = await finish(p, m, await p.run(run, m));
    expect(done.phase).toBe('Error');
    expect(done.message).toMatch(/CheckFailed.*ECONNREFUSED/);
  });

  it('a condition that fails at run time is an Error measurement that keeps the value', async () => {
    const p = provider();
    const m = metric({ kind: 'httpProbe', url: `${base}/ok`, resumeAfter: '10ms' }, "result.status > 'x'");
    const done = await finish(p, m, await p.run(run, m));
    expect(done.phase).toBe('Error');
    expect(done.message).toMatch(/ConditionEvaluation.*cannot compare number > string/);
    expect(JSON.parse(done.value!).status).toBe(200);
  });

  it('terminate aborts the request; resume afterwards reports MeasurementNotFound', async () => {
    const p = provider();
    const m = metric({ kind: 'httpProbe', url: `${base}/hang`, resumeAfter: '10ms' });
    const first = await p.run(run, m);
    expect((await p.resume(run, m, first)).phase).toBe('Running');
    const t = await p.terminate(run, m, first);
    expect(t.phase).toBe('Inconclusive');
    expect(t.finishedAt).toBeInstanceOf(Date);
    expect(p.jobCount).toBe(0);
    expect((await p.resume(run, m, first)).message).toMatch(/MeasurementNotFound/);
  });

  it("garbageCollect in Argo's call order past retention: no measurement is lost (count 14, limit 3)", async () => {
    // analysis/analysis.go v1.10.2, reconcileAnalysisRun: runMeasurements (Run, or Resume of the incomplete last
    // measurement) → the measurement is written into run.status → garbageCollectMeasurements: once a metric holds more
    // than `limit` measurements, GarbageCollect(run, metric, limit) on that same run, then the history is trimmed.
    // A fast check is already done when that GarbageCollect arrives; an instant check makes that deterministic.
    const instant: CheckRegistry = {
      ...defaultChecks(),
      httpProbe: { run: async () => ({ result: { status: 200 }, metadata: {} }), describe: () => ({}) },
    };
    const p = new CheckProvider({ checks: instant, log: silentLogger });
    const m = metric({ kind: 'httpProbe', url: `${base}/ok`, resumeAfter: '10ms' }, 'result.status == 200');
    const limit = 3;
    const measurements: Measurement[] = [];
    const asRun = (): AnalysisRun => ({
      ...run,
      raw: {
        Status: {
          MetricResults: [
            // Another metric's Running measurement must not protect (or lose) ours.
            { Name: 'other', Measurements: [{ Phase: 'Running', Metadata: { [CHECK_ID_KEY]: 'x' } }] },
            {
              Name: m.name,
              Measurements: measurements.map((x) => ({ Phase: x.phase, Metadata: { ...x.metadata } })),
            },
          ],
        },
      },
    });
    let completed = 0;
    for (let reconcile = 0; reconcile < 28; reconcile++) {
      const last = measurements.at(-1);
      if (last?.phase === 'Running') measurements[measurements.length - 1] = await p.resume(asRun(), m, last);
      else measurements.push(await p.run(asRun(), m));
      if (measurements.at(-1)!.phase !== 'Running') completed++;
      await new Promise((r) => setImmediate(r)); // the check finishes before the controller's next call
      if (measurements.length > limit) {
        await p.garbageCollect(asRun(), m, limit);
        measurements.splice(0, measurements.length - limit);
      }
    }
    expect(measurements.map((x) => x.message ?? '').join('')).not.toMatch(/MeasurementNotFound/);
    expect(completed).toBe(14);
    expect(measurements.map((x) => x.phase)).toEqual(['Successful', 'Successful', 'Successful']);
    expect(p.jobCount).toBe(0);
  });

  it('garbageCollect drops only finished checks of that run and metric no incomplete measurement refers to', async () => {
    let now = Date.now();
    const p = new CheckProvider({ checks: defaultChecks(), log: silentLogger, now: () => new Date(now) });
    const m = metric({ kind: 'httpProbe', url: `${base}/ok`, resumeAfter: '10ms' });
    const hang = { ...metric({ kind: 'httpProbe', url: `${base}/hang`, resumeAfter: '10ms' }), name: 'hang' };
    const orphan = await p.run(run, m); // its measurement was trimmed from the status
    const awaited = await p.run(run, m); // the status' Running measurement
    const running = await p.run(run, hang); // still running: never dropped
    const otherRun = await p.run({ ...run, uid: 'other' }, m);
    await new Promise((r) => setTimeout(r, 100));
    const status = (ms: Measurement[]) => ({
      Status: {
        MetricResults: [
          {
            Name: m.name,
            Measurements: [
              { Phase: 'Successful', Metadata: { ...orphan.metadata } },
              ...ms.map((x) => ({ Phase: x.phase, Metadata: { ...x.metadata } })),
            ],
          },
        ],
      },
    });
    // Unreadable status (no Status at all): nothing is dropped.
    await p.garbageCollect(run, m, 1);
    expect(p.jobCount).toBe(4);
    // A status that does not (yet) show a check that has just finished may be a stale copy: kept for the grace period.
    await p.garbageCollect({ ...run, raw: status([awaited]) }, m, 1);
    expect(p.jobCount).toBe(4);
    now += GC_GRACE_MS + 1000;
    await p.garbageCollect({ ...run, raw: status([awaited]) }, m, 1);
    expect(p.jobCount).toBe(3);
    await p.garbageCollect({ ...run, raw: { Status: {} } }, hang, 1);
    expect(p.jobCount).toBe(3);
    expect((await p.resume(run, m, orphan)).message).toMatch(
      new RegExp(`MeasurementNotFound.*${orphan.metadata![CHECK_ID_KEY]}`),
    );
    expect((await p.resume(run, m, awaited)).phase).toBe('Successful');
    expect((await p.resume({ ...run, uid: 'other' }, m, otherRun)).phase).toBe('Successful');
    expect((await p.terminate(run, hang, running)).phase).toBe('Inconclusive');
    expect(p.jobCount).toBe(0);
  });

  it('a repeated Resume of a finished measurement (a reconcile from a stale cache) gets the same result', async () => {
    let now = Date.now();
    const p = new CheckProvider({ checks: defaultChecks(), log: silentLogger, now: () => new Date(now) });
    const m = metric({ kind: 'httpProbe', url: `${base}/ok`, resumeAfter: '10ms' }, 'result.status == 200');
    const first = await p.run(run, m);
    const done = await finish(p, m, first);
    expect(done.phase).toBe('Successful');
    const again = await p.resume(run, m, first);
    expect(again).toEqual(done);
    expect(p.jobCount).toBe(0);
    // Kept for REPLAY_MS only: the next Run's sweep drops it.
    now += REPLAY_MS + 1000;
    await p.run(run, m);
    expect((await p.resume(run, m, first)).message).toMatch(/MeasurementNotFound/);
  });

  it('each measurement opens its own connection (a kept-alive one would stay on the pod it first reached)', async () => {
    let connections = 0;
    const counted = createServer((_req, res) => res.end('{}'));
    counted.on('connection', () => connections++);
    await new Promise<void>((r) => counted.listen(0, '127.0.0.1', r));
    const addr = counted.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    try {
      const p = provider();
      const m = metric({ kind: 'httpProbe', url, resumeAfter: '10ms' });
      for (let i = 0; i < 3; i++) expect((await finish(p, m, await p.run(run, m))).phase).toBe('Successful');
      expect(connections).toBe(3);
    } finally {
      counted.closeAllConnections();
      counted.close();
    }
  });

  it('drops finished checks nobody resumed for an hour when the next Run starts', async () => {
    let now = Date.now();
    const p = new CheckProvider({ checks: defaultChecks(), log: silentLogger, now: () => new Date(now) });
    const m = metric({ kind: 'httpProbe', url: `${base}/ok`, resumeAfter: '10ms' });
    const orphan = await p.run(run, m);
    await new Promise((r) => setTimeout(r, 100));
    now += 61 * 60 * 1000;
    await p.run(run, m);
    expect(p.jobCount).toBe(1);
    expect((await p.resume(run, m, orphan)).message).toMatch(/MeasurementNotFound/);
  });

  it('getMetadata describes the target, or carries the config error', () => {
    expect(provider().getMetadata(metric({ kind: 'httpProbe', url: `${base}/ok` }))).toEqual({
      kind: 'httpProbe',
      method: 'GET',
      url: `${base}/ok`,
    });
    expect(provider().getMetadata(metric({ kind: 'httpProbe' })).error).toMatch(
      /PluginConfigInvalid: .*url: is required/,
    );
  });
});
