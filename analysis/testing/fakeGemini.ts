/**
 * @module analysis/testing/fakeGemini — a local HTTP server speaking the Gemini REST API (`/v1` and `/v1beta`:
 * `models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:countTokens`) for tests.
 *
 * Gemini cannot run here, so this stands in for it on the wire: the real `@google/genai` client talks to it over
 * HTTP. Requests are checked against the documented request shapes (unknown fields are rejected with 400
 * INVALID_ARGUMENT as the real API does), the API key header is required, and replies use the real response shape
 * (`candidates[].content.parts[].text`, `usageMetadata`, `modelVersion`, Google's `{error:{code,message,status}}`).
 * Token counts are an estimate (4 characters per token), not Gemini's tokenizer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** One request the fake received. */
export interface RecordedGeminiRequest {
  apiVersion: 'v1' | 'v1beta';
  model: string;
  action: 'generateContent' | 'streamGenerateContent' | 'countTokens';
  headers: Record<string, string | string[] | undefined>;
  body: GenerateContentBody | CountTokensBody;
  /** The prompt text (system instruction and contents) joined, for assertions. */
  promptText: string;
}

/** What the fake answers. `text` is the model's text; `status` + `error` produce a Google error body. */
export interface FakeGeminiReply {
  text?: string;
  status?: number;
  error?: { message: string; status: string };
  finishReason?: string;
  /** Wait before answering (to test deadlines). */
  delayMs?: number;
}

export type FakeGeminiHandler = (req: RecordedGeminiRequest) => FakeGeminiReply | Promise<FakeGeminiReply>;

const PartSchema = z.strictObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  inlineData: z.strictObject({ mimeType: z.string(), data: z.string() }).optional(),
});
const ContentSchema = z.strictObject({
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(PartSchema).min(1),
});
const GenerationConfigSchema = z.strictObject({
  stopSequences: z.array(z.string()).optional(),
  responseMimeType: z.enum(['text/plain', 'application/json', 'text/x.enum']).optional(),
  responseSchema: z.record(z.string(), z.unknown()).optional(),
  responseJsonSchema: z.unknown().optional(),
  candidateCount: z.number().int().min(1).max(8).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().optional(),
  topK: z.number().optional(),
  seed: z.number().int().optional(),
  presencePenalty: z.number().optional(),
  frequencyPenalty: z.number().optional(),
  responseLogprobs: z.boolean().optional(),
  logprobs: z.number().optional(),
  thinkingConfig: z
    .strictObject({ thinkingBudget: z.number().optional(), includeThoughts: z.boolean().optional() })
    .optional(),
});
const GenerateContentBodySchema = z.strictObject({
  contents: z.array(ContentSchema).min(1),
  systemInstruction: ContentSchema.optional(),
  generationConfig: GenerationConfigSchema.optional(),
  safetySettings: z.array(z.strictObject({ category: z.string(), threshold: z.string() })).optional(),
  tools: z.array(z.unknown()).optional(),
  toolConfig: z.unknown().optional(),
  cachedContent: z.string().optional(),
});
const CountTokensBodySchema = z.strictObject({
  contents: z.array(ContentSchema).optional(),
  generateContentRequest: z.unknown().optional(),
});
type GenerateContentBody = z.infer<typeof GenerateContentBodySchema>;
type CountTokensBody = z.infer<typeof CountTokensBodySchema>;

const ROUTE =
  /^\/(v1|v1beta)\/models\/([A-Za-z0-9._-]+):(generateContent|streamGenerateContent|countTokens)$/;
const MAX_BODY = 4 * 1024 * 1024;

/** Rough token estimate the fake reports: 4 characters per token. */
export function fakeTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

function textOf(contents: readonly z.infer<typeof ContentSchema>[] | undefined): string {
  return (contents ?? []).flatMap((c) => c.parts.map((p) => p.text ?? '')).join('\n');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(data),
  });
  res.end(data);
}

function sendError(res: ServerResponse, code: number, status: string, message: string): void {
  sendJson(res, code, { error: { code, message, status } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function generateResponse(model: string, reply: FakeGeminiReply, prompt: string): unknown {
  const text = reply.text ?? '';
  return {
    candidates: [
      { content: { role: 'model', parts: [{ text }] }, finishReason: reply.finishReason ?? 'STOP', index: 0 },
    ],
    usageMetadata: {
      promptTokenCount: fakeTokenCount(prompt),
      candidatesTokenCount: fakeTokenCount(text),
      totalTokenCount: fakeTokenCount(prompt) + fakeTokenCount(text),
    },
    modelVersion: model,
    responseId: `fake-${Date.now().toString(36)}`,
  };
}

/** A local fake Gemini endpoint. Start with {@link FakeGemini.start}; always `close()` it. */
export class FakeGemini {
  readonly requests: RecordedGeminiRequest[] = [];
  readonly #server: Server;
  readonly #apiKey: string;
  readonly #queue: FakeGeminiReply[] = [];
  #handler: FakeGeminiHandler | undefined;

  private constructor(server: Server, apiKey: string) {
    this.#server = server;
    this.#apiKey = apiKey;
  }

  /** Starts the server on 127.0.0.1 and a free port. `apiKey` is the only key it accepts. */
  static async start(opts: { apiKey?: string; handler?: FakeGeminiHandler } = {}): Promise<FakeGemini> {
    const server = createServer();
    const fake = new FakeGemini(server, opts.apiKey ?? 'test-key');
    fake.#handler = opts.handler;
    server.on('request', (req, res) => {
      fake.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', String(err));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Base URL to give the client (`httpOptions.baseUrl`). */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queues replies, answered in order before the handler is consulted. */
  enqueue(...replies: FakeGeminiReply[]): void {
    this.#queue.push(...replies);
  }

  /** Sets the function that answers when the queue is empty. */
  setHandler(handler: FakeGeminiHandler): void {
    this.#handler = handler;
  }

  /** Stops the server and drops open connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = ROUTE.exec(url.pathname);
    if (!m || req.method !== 'POST')
      return sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}`);
    const [, apiVersion, model, action] = m as unknown as [
      string,
      'v1' | 'v1beta',
      string,
      RecordedGeminiRequest['action'],
    ];
    if (req.headers['x-goog-api-key'] !== this.#apiKey) {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'Expected content-type application/json.');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req));
    } catch (err) {
      return sendError(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${String(err)}`);
    }
    const schema = action === 'countTokens' ? CountTokensBodySchema : GenerateContentBodySchema;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        `Invalid JSON payload received. ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    const body = parsed.data as GenerateContentBody | CountTokensBody;
    const promptText = [
      'systemInstruction' in body ? textOf(body.systemInstruction ? [body.systemInstruction] : []) : '',
      textOf(body.contents),
    ]
      .filter(Boolean)
      .join('\n');
    const recorded: RecordedGeminiRequest = {
      apiVersion,
      model,
      action,
      headers: req.headers,
      body,
      promptText,
    };
    this.requests.push(recorded);
    if (action === 'countTokens') return sendJson(res, 200, { totalTokens: fakeTokenCount(promptText) });
    await this.#answer(recorded, res, url);
  }

  async #answer(recorded: RecordedGeminiRequest, res: ServerResponse, url: URL): Promise<void> {
    const reply = this.#queue.shift() ?? (this.#handler ? await this.#handler(recorded) : undefined);
    if (!reply) return sendError(res, 500, 'INTERNAL', 'fake Gemini: no scripted reply');
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    if (reply.status && reply.status !== 200) {
      return sendError(
        res,
        reply.status,
        reply.error?.status ?? 'UNAVAILABLE',
        reply.error?.message ?? 'fake error',
      );
    }
    const payload = generateResponse(recorded.model, reply, recorded.promptText);
    if (recorded.action === 'streamGenerateContent' && url.searchParams.get('alt') === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(payload)}\r\n\r\n`);
      return;
    }
    sendJson(res, 200, payload);
  }
}
