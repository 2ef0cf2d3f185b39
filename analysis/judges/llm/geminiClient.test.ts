import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError } from '../../errors.ts';
import { FakeGemini } from '../../testing/fakeGemini.ts';
import { GeminiClient, type GeminiClientOptions } from './geminiClient.ts';

const SCHEMA = { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'] };
let fake: FakeGemini;

beforeAll(async () => {
  fake = await FakeGemini.start({ apiKey: 'test-key' });
});
afterAll(async () => {
  await fake.close();
});

function client(extra: Partial<GeminiClientOptions> = {}): GeminiClient {
  return new GeminiClient({
    apiKey: 'test-key',
    model: 'gemini-2.5-flash',
    baseUrl: fake.url,
    backoffMs: 10,
    ...extra,
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    expect(err).toBeInstanceOf(AnalysisError);
    return (err as AnalysisError).code;
  }
}

describe('GeminiClient against the fake Gemini REST server', () => {
  it.each(['v1', 'v1beta'] as const)(
    'sends a JSON-mode request at temperature 0 on %s',
    async (apiVersion) => {
      fake.enqueue({ text: '{"verdict":"rollback"}' });
      const before = fake.requests.length;
      const r = await client({ apiVersion }).generateJson({
        system: 'SYS',
        user: 'USER',
        jsonSchema: SCHEMA,
      });
      expect(JSON.parse(r.text)).toEqual({ verdict: 'rollback' });
      expect(r.promptTokens).toBeGreaterThan(0);
      const req = fake.requests[before];
      expect(req?.apiVersion).toBe(apiVersion);
      expect(req?.model).toBe('gemini-2.5-flash');
      expect(req?.headers['x-goog-api-key']).toBe('test-key');
      expect(req?.body).toMatchObject({
        contents: [{ role: 'user', parts: [{ text: 'USER' }] }],
        systemInstruction: { parts: [{ text: 'SYS' }] },
        generationConfig: {
          temperature: 0,
          responseMimeType: 'application/json',
          responseJsonSchema: SCHEMA,
        },
      });
    },
  );

  it('counts tokens with countTokens', async () => {
    const n = await client().countTokens('x'.repeat(400));
    expect(n).toBe(100);
    expect(fake.requests.at(-1)?.action).toBe('countTokens');
  });

  it('retries 429 and 503 with backoff, then succeeds', async () => {
    fake.enqueue(
      { status: 429, error: { status: 'RESOURCE_EXHAUSTED', message: 'quota' } },
      { status: 503, error: { status: 'UNAVAILABLE', message: 'overloaded' } },
      { text: '{"verdict":"promote"}' },
    );
    const r = await client({ attempts: 3 }).generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA });
    expect(r.attempts).toBe(3);
  });

  it.each([
    { name: '429 on every attempt', replies: [429, 429], code: 'LlmRateLimited' },
    { name: '500 on every attempt', replies: [500, 500], code: 'LlmServerError' },
    { name: '400 is not retried', replies: [400], code: 'LlmRequestRejected' },
  ])('$name → $code', async ({ replies, code }) => {
    const before = fake.requests.length;
    fake.enqueue(...replies.map((status) => ({ status, error: { status: 'X', message: 'm' } })));
    expect(
      await codeOf(client({ attempts: 2 }).generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA })),
    ).toBe(code);
    expect(fake.requests.length - before).toBe(replies.length);
  });

  it('a wrong API key is rejected, not retried', async () => {
    expect(
      await codeOf(client({ apiKey: 'wrong' }).generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA })),
    ).toBe('LlmRequestRejected');
  });

  it('an empty reply is a bad response', async () => {
    fake.enqueue({ text: '', finishReason: 'SAFETY' });
    expect(await codeOf(client().generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA }))).toBe(
      'LlmBadResponse',
    );
  });

  it('gives up at the deadline', async () => {
    fake.enqueue({ text: '{}', delayMs: 2_000 });
    const t0 = Date.now();
    expect(
      await codeOf(client({ timeoutMs: 200 }).generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA })),
    ).toBe('LlmTimeout');
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('stops when the caller aborts', async () => {
    fake.enqueue({ text: '{}', delayMs: 2_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    expect(
      await codeOf(client().generateJson({ system: 's', user: 'u', jsonSchema: SCHEMA, signal: ac.signal })),
    ).toBe('LlmAborted');
  });

  it('refuses to start without credentials', () => {
    expect(() => new GeminiClient({ model: 'm' })).toThrow(/API key/);
  });
});

describe('FakeGemini checks requests like the real API', () => {
  it.each([
    { name: 'unknown top-level field', body: { contents: [{ parts: [{ text: 'x' }] }], bogus: 1 } },
    {
      name: 'unknown generationConfig field',
      body: { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temp: 0 } },
    },
    { name: 'no contents', body: {} },
  ])('400 INVALID_ARGUMENT for $name', async ({ body }) => {
    const res = await fetch(`${fake.url}/v1beta/models/m:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
  });

  it('404 for an unknown path', async () => {
    const res = await fetch(`${fake.url}/v2/models/m:generateContent`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});
