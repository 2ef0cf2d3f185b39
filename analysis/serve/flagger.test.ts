/**
 * `sentinel serve` as Flagger calls it: a client sending exactly Flagger's webhook payload
 * (`{name, namespace, phase, checksum, metadata}`, metadata values strings) to the rollout, confirm-promotion and
 * rollback hooks, and the HTTP status each hook gets while the analysis runs and after each verdict.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryAnalysisSchema } from '../canary/types.ts';
import type { LogCollector, Side, SideLogs } from '../logs/types.ts';
import { flaggerRequest, flaggerStatus } from './flagger.ts';
import { createCanaryService } from './server.ts';

const TOKEN = 'flagger-test-token-0123456789';

/** Holds every collection until released (no timing in the test); the canary panics when `broken`. */
function heldCollector(broken: boolean): { collector: LogCollector; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const collector: LogCollector = {
    async collect(side: Side): Promise<SideLogs> {
      await gate;
      const lines = Array.from({ length: 300 }, (_, i) => `INFO GET /cart/${i % 9} 200 in 12ms`);
      if (broken && side === 'canary')
        for (let i = 0; i < 10; i++) lines.push('panic: runtime error: nil map');
      return {
        sources: [{ name: `${side}-0/app`, lines }],
        pods: [{ pod: `${side}-0`, side, ready: true, restarts: 0, reasons: [], events: [] }],
        warnings: [],
      };
    },
  };
  return { collector, release: () => release() };
}

const broken = heldCollector(true);
const healthy = heldCollector(false);
const services = [broken, healthy].map((h) =>
  createCanaryService({ token: TOKEN, deps: { collector: h.collector } }),
);
/** As deployed for Flagger, whose webhooks send no headers: /v1/flagger/* open, everything else still guarded. */
const open = createCanaryService({
  token: TOKEN,
  deps: { collector: heldCollector(false).collector },
  flaggerWithoutToken: true,
});
const bases: string[] = [];
beforeAll(async () => {
  for (const s of [...services, open]) {
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    bases.push(`http://127.0.0.1:${(s.server.address() as AddressInfo).port}`);
  }
});
afterAll(() => [...services, open].forEach((s) => s.close()));

/** Flagger's payload, as its controller marshals it. */
const payload = (checksum = '6d5cb5d8c4') => ({
  name: 'podinfo',
  namespace: 'test',
  phase: 'Progressing',
  checksum,
  metadata: { analysis: 'policy: stats-decide\nlogs:\n  sidecars: [istio-proxy]\n' },
});
async function hook(
  base: string,
  type: string,
  body: unknown = payload(),
  q = '',
  token: string | null = TOKEN,
) {
  const r = await fetch(`${base}/v1/flagger/${type}${q}`, {
    method: 'POST',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('Flagger webhooks on sentinel serve', () => {
  it('a broken canary: rollout passes while running, then fails; promotion held; the rollback hook fires', async () => {
    const [base] = bases as [string];
    const first = await hook(base, 'rollout');
    expect(first).toMatchObject({
      status: 202,
      body: { hook: 'rollout', state: 'running', verdict: 'pending' },
    });
    expect((await hook(base, 'confirm-promotion')).status).toBe(503);
    expect((await hook(base, 'rollback')).status).toBe(503);
    broken.release();
    const done = await hook(base, 'rollout', payload(), '?wait=30s');
    expect(done).toMatchObject({
      status: 412,
      body: { state: 'done', verdict: 'rollback', id: first.body.id },
    });
    expect((await hook(base, 'confirm-promotion')).status).toBe(412);
    expect((await hook(base, 'rollback')).status).toBe(200);
  });

  it('a healthy canary: rollout passes, promotion confirmed, the rollback hook does not fire', async () => {
    const [, base] = bases as [string, string];
    expect((await hook(base, 'confirm-promotion')).status).toBe(503);
    healthy.release();
    const done = await hook(base, 'confirm-promotion', payload(), '?wait=30s');
    expect(done).toMatchObject({ status: 200, body: { verdict: 'promote' } });
    expect((await hook(base, 'rollout')).status).toBe(200);
    expect((await hook(base, 'rollback')).status).toBe(412);
  });

  it('a new canary revision (checksum) is a new analysis', async () => {
    const [base] = bases as [string];
    const a = await hook(base, 'rollout', payload('aaaa'));
    const b = await hook(base, 'rollout', payload('bbbb'));
    expect(a.body.id).not.toBe(b.body.id);
  });

  it.each([
    ['not Flagger’s payload', { analysis: {} }, 400, /FlaggerPayloadInvalid/],
    ['metadata.analysis not a mapping', { ...payload(), metadata: { analysis: '- a' } }, 400, /mapping/],
    [
      'an invalid analysis field',
      { ...payload(), metadata: { analysis: 'logs: { window: weekly }' } },
      422,
      /analysis\.logs\.window: allowed values/,
    ],
  ])('%s → %i naming the problem', async (_n, body, status, says) => {
    const r = await hook(bases[0] as string, 'rollout', body);
    expect(r.status).toBe(status);
    expect(JSON.stringify(r.body)).toMatch(says);
  });

  it('without a token: 401, unless the service opens /v1/flagger/* (and only that) for Flagger', async () => {
    expect((await hook(bases[0] as string, 'rollout', payload(), '', null)).status).toBe(401);
    const openBase = bases[2] as string;
    expect((await hook(openBase, 'rollout', payload('cccc'), '', null)).status).toBe(202);
    const other = await fetch(`${openBase}/v1/analyses`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(401);
  });

  it('an unknown hook type is 404 listing the served ones', async () => {
    const r = await hook(bases[0] as string, 'pre-rollout');
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).toMatch(/rollout\|confirm-promotion\|rollback/);
  });
});

describe('the Flagger mapping', () => {
  it("the Canary's name, namespace and Flagger's pods; the checksum is the step; the metadata's analysis wins", () => {
    const r = flaggerRequest(payload());
    expect(r.step).toBe('6d5cb5d8c4');
    const a = CanaryAnalysisSchema.parse(r.analysis);
    expect(a).toMatchObject({
      rollout: 'podinfo',
      namespace: 'test',
      canary: { selector: 'app=podinfo' },
      stable: { selector: 'app=podinfo-primary' },
      policy: 'stats-decide',
      logs: { sidecars: ['istio-proxy'] },
    });
    const custom = flaggerRequest({
      ...payload(),
      metadata: { analysis: '{"canary": {"selector": "app.kubernetes.io/name=podinfo"}}' },
    });
    expect(CanaryAnalysisSchema.parse(custom.analysis).canary.selector).toBe(
      'app.kubernetes.io/name=podinfo',
    );
  });

  it.each([
    ['rollout', ['running', 'promote', 'inconclusive', 'error', 'rollback'], [202, 200, 200, 200, 412]],
    [
      'confirm-promotion',
      ['running', 'promote', 'inconclusive', 'error', 'rollback'],
      [503, 200, 412, 500, 412],
    ],
    ['rollback', ['running', 'promote', 'inconclusive', 'error', 'rollback'], [503, 412, 412, 500, 200]],
  ] as const)('%s hook statuses', (type, states, statuses) => {
    expect(states.map((s) => flaggerStatus(type, s))).toEqual(statuses);
  });
});
