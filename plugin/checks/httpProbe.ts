/** @module plugin/checks/httpProbe — one HTTP request per measurement: status, latency and (JSON) body as the result. */
import type { Agent, request as httpRequest } from 'node:http';
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

/** One response, its body cut at `limit` bytes. */
interface Fetched {
  status: number;
  contentType: string;
  text: string;
  truncated: boolean;
}

/**
 * node:http rather than fetch: undici's WASM parser memory grows with concurrent connections and never shrinks,
 * which kept ~16 MB resident after a burst of probes; the native parser frees per socket.
 */
const clients = new Map<string, Promise<{ request: typeof httpRequest; agent: Agent }>>();

/** Loads node:http / node:https on first use (TLS costs ~6 MB RSS that http-only probes never need). */
function client(protocol: string): Promise<{ request: typeof httpRequest; agent: Agent }> {
  let c = clients.get(protocol);
  if (!c) {
    const load = protocol === 'https:' ? import('node:https') : import('node:http');
    c = load.then((mod) => ({
      request: mod.request,
      // No keep-alive: every measurement opens its own connection. A reused connection to a Service stays pinned to
      // the pod it first reached (kube-proxy's conntrack entry outlives selector changes), so after Argo points the
      // canary Service at the new ReplicaSet the probe would keep measuring the old one (found by the cluster e2e:
      // a broken canary was promoted on the stable pod's answers).
      agent: new mod.Agent({ keepAlive: false }),
    }));
    clients.set(protocol, c);
  }
  return c;
}

async function request(cfg: HttpProbeConfig, signal: AbortSignal): Promise<Fetched> {
  const url = new URL(cfg.url);
  const { request: send, agent } = await client(url.protocol);
  return new Promise((resolve, reject) => {
    const req = send(url, { method: cfg.method, headers: cfg.headers, signal, agent }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        parts.push(chunk);
        size += chunk.length;
        if (size > cfg.maxBodyBytes) {
          truncated = true;
          res.destroy();
          finish();
        }
      });
      const finish = (): void =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(parts).subarray(0, cfg.maxBodyBytes).toString('utf8'),
          truncated,
        });
      res.on('end', finish);
      res.on('error', reject);
    });
    req.on('error', reject);
    if (cfg.body !== undefined && cfg.method === 'POST') req.write(cfg.body);
    req.end();
  });
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
  if (e.name === 'TimeoutError' || (e.name === 'AbortError' && !signal.aborted))
    return `${cfg.method} ${cfg.url} gave no response within ${cfg.timeout} ms`;
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
    let res: Fetched;
    try {
      res = await request(cfg, signal);
    } catch (err) {
      throw checkFailed('httpProbe', describeFailure(err, cfg, ctx.signal));
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const result: HttpProbeResult = {
      status: res.status,
      ok: res.status >= 200 && res.status < 300,
      latencyMs,
      body: parseBody(res.text, res.truncated, res.contentType),
    };
    ctx.log.debug({ url: cfg.url, status: res.status, latencyMs }, 'http probe done');
    return {
      result,
      metadata: { url: cfg.url, status: String(res.status), latencyMs: String(latencyMs) },
    };
  }
}
