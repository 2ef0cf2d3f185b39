/** @module plugin/checks/httpProbe — one HTTP request per measurement: status, latency and (JSON) body as the result. */
import type { z } from 'zod';
import type { HttpProbeSchema } from '../config.ts';
import { checkFailed } from '../errors.ts';
import type { Check, CheckContext, CheckResult } from './types.ts';

export type HttpProbeConfig = z.output<typeof HttpProbeSchema>;

/** The value conditions see as `result`. */
export interface HttpProbeResult {
  status: number;
  ok: boolean;
  latencyMs: number;
  /** Parsed JSON when the body is JSON and fits `maxBodyBytes`, else the (truncated) text. */
  body: unknown;
}

async function readLimited(res: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    if (size > limit) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  return { text: Buffer.concat(parts).subarray(0, limit).toString('utf8'), truncated };
}

function parseBody(text: string, truncated: boolean, contentType: string): unknown {
  if (truncated || !/json/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeFailure(err: unknown, cfg: HttpProbeConfig, signal: AbortSignal): string {
  if (signal.aborted) return 'the measurement was terminated';
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `${cfg.method} ${cfg.url} gave no response within ${cfg.timeout} ms`;
  const cause = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return `${cfg.method} ${cfg.url} failed: ${cause}`;
}

/** The `httpProbe` check. */
export class HttpProbeCheck implements Check<HttpProbeConfig> {
  describe(cfg: HttpProbeConfig): Record<string, string> {
    return { kind: cfg.kind, method: cfg.method, url: cfg.url };
  }

  async run(cfg: HttpProbeConfig, ctx: CheckContext): Promise<CheckResult> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(cfg.timeout)]);
    const started = performance.now();
    let res: Response;
    let body: { text: string; truncated: boolean };
    try {
      const init: RequestInit = { method: cfg.method, headers: cfg.headers, signal, redirect: 'manual' };
      if (cfg.body !== undefined && cfg.method === 'POST') init.body = cfg.body;
      res = await fetch(cfg.url, init);
      body = await readLimited(res, cfg.maxBodyBytes);
    } catch (err) {
      throw checkFailed('httpProbe', describeFailure(err, cfg, ctx.signal));
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const result: HttpProbeResult = {
      status: res.status,
      ok: res.ok,
      latencyMs,
      body: parseBody(body.text, body.truncated, res.headers.get('content-type') ?? ''),
    };
    ctx.log.debug({ url: cfg.url, status: res.status, latencyMs }, 'http probe done');
    return {
      result,
      metadata: { url: cfg.url, status: String(res.status), latencyMs: String(latencyMs) },
    };
  }
}
