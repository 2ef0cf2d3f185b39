/**
 * plugin/inProcess: the provider the go-plugin server wraps, driven in-process the way the controller drives it — Run
 * answers Running at once, Resume at resumeAt until complete; an abort terminates the measurement. Real HTTP (an
 * `httpProbe` against a local server whose answer the test releases).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analysisRun,
  canaryMetric,
  inProcessProvider,
  measure,
  PLUGIN_NAME,
  type Measurement,
  type Metric,
} from './inProcess.ts';
import { verdictFileName } from './checks/canary.ts';

let server: Server;
let url: string;
/** Requests wait here until the test releases them. */
const held: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const probe = (): Metric => ({
  name: 'probe',
  successCondition: 'result.status == 200',
  failureCondition: '',
  plugin: {
    [PLUGIN_NAME]: new TextEncoder().encode(JSON.stringify({ kind: 'httpProbe', url, resumeAfter: '20ms' })),
  },
  raw: {},
});

/** Resolves once the server holds a request. */
async function requestArrived(): Promise<void> {
  while (held.length === 0) await new Promise((r) => setImmediate(r));
}

describe('plugin/inProcess', () => {
  const run = analysisRun({ name: 'shop-abc-1', namespace: 'demo', rollout: 'shop' });

  it('Run answers Running with resumeAt and a check id; Resume polls until the measurement completes', async () => {
    const provider = inProcessProvider({ collector: () => undefined });
    const seen: Measurement[] = [];
    const done = measure(
      provider,
      { run, metric: probe() },
      { signal: AbortSignal.timeout(30_000), onMeasurement: (m) => seen.push(m) },
    );
    await requestArrived();
    // The check is in flight behind a Running measurement: answer only once a Resume has found it still running.
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    held.shift()?.();
    const m = await done;
    provider.close();
    expect(seen[0]).toMatchObject({ phase: 'Running', metadata: { kind: 'httpProbe' } });
    expect(seen[0]?.resumeAt?.getTime()).toBeGreaterThan(seen[0]?.startedAt?.getTime() ?? Infinity);
    expect(seen.filter((x) => x.phase === 'Running').length).toBeGreaterThanOrEqual(2);
    expect(m).toMatchObject({ phase: 'Successful', metadata: { status: '200' } });
    expect(m.metadata?.['sentinel.check']).toBe(seen[0]?.metadata?.['sentinel.check']);
    expect(JSON.parse(m.value ?? '')).toMatchObject({ status: 200, ok: true });
  });

  it('an abort terminates the measurement (its check aborted) and rejects with the reason', async () => {
    const provider = inProcessProvider({ collector: () => undefined });
    const stop = new AbortController();
    const done = measure(provider, { run, metric: probe() }, { signal: stop.signal });
    await requestArrived();
    stop.abort(new Error('interrupted by SIGINT'));
    await expect(done).rejects.toThrow('interrupted by SIGINT');
    // Terminated: the provider holds no check for it any more.
    expect((provider as unknown as { jobCount: number }).jobCount).toBe(0);
    held.shift()?.();
    provider.close();
  });

  it('canaryMetric carries the block as the controller passes it (kind canary, JSON bytes under the plugin name)', () => {
    const m = canaryMetric('canary', {
      rollout: 'shop',
      canary: { podTemplateHash: 'c1' },
      stable: { podTemplateHash: 's1' },
      resumeAfter: '250ms',
    });
    const block = JSON.parse(new TextDecoder().decode(m.plugin[PLUGIN_NAME])) as Record<string, unknown>;
    expect(block).toMatchObject({ kind: 'canary', rollout: 'shop', resumeAfter: '250ms' });
    expect(inProcessProvider({ collector: () => undefined }).getMetadata(m)).toMatchObject({
      kind: 'canary',
      rollout: 'default/shop',
    });
  });

  it('the full verdict file is named per measurement, safe for any run or metric name', () => {
    const at = new Date(1_700_000_000_000);
    expect(verdictFileName('shop-6b9f-2', 'canary', at)).toBe(
      'verdict-shop-6b9f-2-canary-1700000000000.json',
    );
    expect(verdictFileName('../x', 'a b/c', at)).toBe('verdict-.._x-a_b_c-1700000000000.json');
    expect(verdictFileName('r1', 'canary', at)).not.toBe(verdictFileName('r2', 'canary', at));
  });
});
