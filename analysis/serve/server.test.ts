import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogCollector, Side, SideLogs } from '../logs/types.ts';
import { createCanaryService } from './server.ts';

const TOKEN = 'serve-test-token-0123456789';
let release: () => void = () => undefined;
const gate = new Promise<void>((r) => (release = r));
let collects = 0;

/** Evidence on demand: holds every collection until the test releases it (no timing in the test). */
const collector: LogCollector = {
  async collect(side: Side): Promise<SideLogs> {
    collects++;
    await gate;
    const lines = Array.from({ length: 300 }, (_, i) => `INFO GET /cart/${i % 9} 200 in 12ms`);
    if (side === 'canary') for (let i = 0; i < 10; i++) lines.push('panic: runtime error: nil map');
    return {
      sources: [{ name: `${side}-0/app`, lines }],
      pods: [{ pod: `${side}-0`, side, ready: true, restarts: 0, reasons: [], events: [] }],
      warnings: [],
    };
  },
};

const svc = createCanaryService({ token: TOKEN, deps: { collector } });
let base = '';
beforeAll(async () => {
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}`;
});
afterAll(() => svc.close());

const body = (step: string | number = 1) => ({
  analysis: {
    rollout: 'shop',
    namespace: 'shop',
    canary: { podTemplateHash: 'bbb' },
    stable: { podTemplateHash: 'aaa' },
  },
  step,
});
const post = (b: unknown, q = '', token = TOKEN) =>
  fetch(`${base}/v1/analyses${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(b),
  });

describe('sentinel serve', () => {
  it('refuses callers without the bearer token', async () => {
    const r = await post(body(), '', 'wrong-token-0123456789xx');
    expect(r.status).toBe(401);
  });

  it('validates the body and names the field', async () => {
    const r = await post({ analysis: { rollout: 'shop', canary: { podTemplateHash: 'bbb' } } });
    expect(r.status).toBe(422);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
      /analysis\.stable: is required/,
    );
  });

  it('POST starts one analysis per rollout+hashes+step (idempotent), GET polls it, ?gate maps the verdict to HTTP', async () => {
    const first = await post(body());
    expect(first.status).toBe(202);
    const a = (await first.json()) as { id: string; state: string; verdict: string };
    expect(a).toMatchObject({ state: 'running', verdict: 'pending' });
    const again = await post(body());
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(a.id);
    const running = await fetch(`${base}/v1/analyses/${a.id}?gate=true`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(running.status).toBe(503);
    release();
    const done = await fetch(`${base}/v1/analyses/${a.id}?wait=30s&gate=true`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(done.status).toBe(412);
    const v = (await done.json()) as {
      state: string;
      verdict: string;
      result: { reasons: { kind: string }[] };
    };
    expect(v).toMatchObject({ state: 'done', verdict: 'rollback' });
    expect(v.result.reasons[0]?.kind).toBe('critical');
    expect(collects).toBe(2); // one analysis: one collection per side
    const next = (await (await post(body(2))).json()) as { id: string };
    expect(next.id).not.toBe(a.id);
  });

  it('an unknown id is 404', async () => {
    const r = await fetch(`${base}/v1/analyses/${'0'.repeat(24)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(404);
  });
});
