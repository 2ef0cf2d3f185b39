/** @module analysis/judges/llm/geminiClient — a small Gemini client: JSON-mode generation and token counting with deadline, retries and abort. */
import { createRequire } from 'node:module';
import type * as GenaiSdk from '@google/genai';
import type { GoogleGenAI } from '@google/genai';
import { errorMessage } from '../../../lib/errors.ts';
import { silentLogger, type Logger } from '../../../lib/log.ts';
import { AnalysisError } from '../../errors.ts';

/** How to reach Gemini. Built once from config (analysis/config.ts) and passed down. */
export interface GeminiClientOptions {
  /** Gemini Developer API key. Not needed with `vertex`. */
  apiKey?: string | undefined;
  /** Model name, e.g. `gemini-2.5-flash`. */
  model: string;
  /** Override of the API endpoint (tests point it at the local fake server). */
  baseUrl?: string | undefined;
  /** API version path segment; set explicitly because SDK defaults differ between versions. */
  apiVersion?: 'v1' | 'v1beta';
  /** Use Vertex AI (application default credentials) instead of an API key. */
  vertex?: { project: string; location: string } | undefined;
  /** Deadline of one whole call, retries included, in ms. */
  timeoutMs?: number;
  /** Attempts in all (1 = no retry) for 429, 5xx and network errors. */
  attempts?: number;
  /** First backoff delay in ms; doubles each retry, with jitter, capped at 8 s. */
  backoffMs?: number;
  log?: Logger;
}

/** One JSON-mode request. */
export interface GenerateJsonRequest {
  system: string;
  user: string;
  /** Plain JSON Schema of the expected reply (sent as `responseJsonSchema`). */
  jsonSchema: unknown;
  signal?: AbortSignal | undefined;
}

/** What the model answered, with the token usage it reported. */
export interface GenerateJsonResult {
  text: string;
  promptTokens: number;
  outputTokens: number;
  modelVersion: string | undefined;
  attempts: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function statusOf(err: unknown): number | undefined {
  return genaiModule && err instanceof genaiModule.ApiError ? err.status : undefined;
}

/** Network-level failures (connection refused/reset) are retried like a 503. */
function isNetworkError(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /fetch failed|network|ECONNRE/i.test(`${err.message} ${errorMessage(err.cause)}`)
  );
}

/** Turns whatever the SDK threw into an {@link AnalysisError} that says what to do. */
function classify(err: unknown, deadline: AbortSignal, caller: AbortSignal | undefined): AnalysisError {
  if (caller?.aborted)
    return new AnalysisError('LlmAborted', 'The Gemini call was cancelled by the caller.', { cause: err });
  if (deadline.aborted) {
    return new AnalysisError('LlmTimeout', 'The Gemini call did not finish before its deadline.', {
      hint: 'Raise SENTINEL_LLM_TIMEOUT or check connectivity to the Gemini endpoint.',
      cause: err,
    });
  }
  const status = statusOf(err);
  if (status === 429) {
    return new AnalysisError(
      'LlmRateLimited',
      'Gemini kept answering 429 (rate limited or quota exhausted).',
      {
        hint: 'Check the project quota; cached verdicts are reused for identical evidence.',
        cause: err,
      },
    );
  }
  if (status !== undefined && status >= 500) {
    return new AnalysisError('LlmServerError', `Gemini answered HTTP ${status} on every attempt.`, {
      cause: err,
    });
  }
  if (status !== undefined) {
    return new AnalysisError(
      'LlmRequestRejected',
      `Gemini rejected the request with HTTP ${status}: ${errorMessage(err).slice(0, 300)}`,
      {
        hint:
          status === 401 || status === 403
            ? 'Check the API key (GEMINI_API_KEY or the mounted secret).'
            : 'Check the model name.',
        cause: err,
      },
    );
  }
  return new AnalysisError('LlmServerError', `Calling Gemini failed: ${errorMessage(err).slice(0, 300)}`, {
    cause: err,
  });
}

/** A Gemini client for the judge. Safe to share and to call concurrently. */
/** The SDK, loaded on the first client: a judge without an LLM does not pay its ~35 MB of RSS and 0.5 s of start-up. */
let genaiModule: typeof GenaiSdk | undefined;
function genai(): typeof GenaiSdk {
  genaiModule ??= createRequire(import.meta.url)('@google/genai') as typeof GenaiSdk;
  return genaiModule;
}

export class GeminiClient {
  readonly model: string;
  readonly #ai: GoogleGenAI;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #log: Logger;

  constructor(opts: GeminiClientOptions) {
    if (!opts.vertex && !opts.apiKey) {
      throw new AnalysisError(
        'LlmNotConfigured',
        'The Gemini judge needs an API key or Vertex AI settings.',
        {
          hint: 'Set GEMINI_API_KEY, or SENTINEL_LLM_API_KEY_FILE to a mounted secret, or SENTINEL_LLM_VERTEX_PROJECT.',
        },
      );
    }
    this.model = opts.model;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#attempts = Math.max(1, opts.attempts ?? 3);
    this.#backoffMs = opts.backoffMs ?? 500;
    this.#log = opts.log ?? silentLogger;
    const httpOptions = {
      apiVersion: opts.apiVersion ?? 'v1beta',
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      // Retries are ours (deadline- and abort-aware), so the SDK makes exactly one request per attempt.
      retryOptions: { attempts: 1 },
    };
    const { GoogleGenAI } = genai();
    this.#ai = opts.vertex
      ? new GoogleGenAI({
          vertexai: true,
          project: opts.vertex.project,
          location: opts.vertex.location,
          httpOptions,
        })
      : new GoogleGenAI({ apiKey: opts.apiKey as string, httpOptions });
  }

  /** Runs `fn` with the deadline, retrying 429/5xx/network failures with exponential backoff and jitter. */
  async #withRetries<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (s: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        return { value: await fn(combined), attempts: attempt };
      } catch (err) {
        lastErr = err;
        const status = statusOf(err);
        const retryable = (status !== undefined && RETRYABLE.has(status)) || isNetworkError(err);
        if (combined.aborted || !retryable || attempt === this.#attempts) break;
        const delay = Math.min(8_000, this.#backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        this.#log.warn({ what, attempt, status, delayMs: Math.round(delay) }, 'gemini call failed, retrying');
        try {
          await sleep(delay, combined);
        } catch {
          break;
        }
      }
    }
    throw classify(lastErr, deadline, signal);
  }

  /** Asks for a JSON reply matching `jsonSchema`, at temperature 0. The reply is returned as text, not parsed. */
  async generateJson(req: GenerateJsonRequest): Promise<GenerateJsonResult> {
    const { value, attempts } = await this.#withRetries('generateContent', req.signal, (abortSignal) =>
      this.#ai.models.generateContent({
        model: this.model,
        contents: [{ role: 'user', parts: [{ text: req.user }] }],
        config: {
          systemInstruction: req.system,
          temperature: 0,
          candidateCount: 1,
          responseMimeType: 'application/json',
          responseJsonSchema: req.jsonSchema,
          abortSignal,
        },
      }),
    );
    const text = value.text;
    if (text === undefined || text === '') {
      const reason =
        value.candidates?.[0]?.finishReason ?? value.promptFeedback?.blockReason ?? 'no candidates';
      throw new AnalysisError('LlmBadResponse', `Gemini returned no text (finish reason: ${reason}).`);
    }
    return {
      text,
      promptTokens: value.usageMetadata?.promptTokenCount ?? 0,
      outputTokens: value.usageMetadata?.candidatesTokenCount ?? 0,
      modelVersion: value.modelVersion,
      attempts,
    };
  }

  /** Counts the tokens of `text` with the model's own tokenizer (one `countTokens` call). */
  async countTokens(text: string, signal?: AbortSignal): Promise<number> {
    const { value } = await this.#withRetries('countTokens', signal, (abortSignal) =>
      this.#ai.models.countTokens({
        model: this.model,
        contents: [{ role: 'user', parts: [{ text }] }],
        config: { abortSignal },
      }),
    );
    return value.totalTokens ?? 0;
  }
}
