/**
 * @module analysis/serve/server — `sentinel serve`: the canary analysis over HTTP for controllers that cannot load a
 * plugin (Argo's `web` metric provider, Flagger webhooks, Kargo verifications). Callers are synchronous with a
 * timeout, so `POST /v1/analyses` starts an analysis (idempotent: the same rollout, hashes and step give the same
 * analysis) and answers its state; `GET /v1/analyses/{id}` polls it. Bearer-token authentication; zod-validated
 * bodies. The analysis is the same code path as the plugin and `sentinel canary`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage, SentinelError } from '../../lib/errors.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { describeCanaryIssues } from '../canary/parse.ts';
import { runCanaryAnalysis, type CanaryDeps } from '../canary/run.ts';
import { CanaryAnalysisSchema, type CanaryVerdict } from '../canary/types.ts';
import {
  FLAGGER_HOOKS,
  FlaggerPayloadSchema,
  flaggerRequest,
  flaggerStatus,
  type AnalysisState,
  type FlaggerHook,
} from './flagger.ts';

/** The POST body: a CanaryAnalysis plus the rollout step it gates (part of the idempotency key). */
export const AnalysisRequestSchema = z.object({
  analysis: CanaryAnalysisSchema,
  /** Canary step or any caller-chosen round marker (Argo: `{{args.step}}`, Flagger: the canary checksum). */
  step: z.union([z.string(), z.number()]).default(''),
});

export interface ServeOptions {
  /** The bearer token callers must present. */
  token: string;
  /**
   * Serve `/v1/flagger/*` without the bearer token: Flagger's webhooks cannot send headers. Off by default; turn it on
   * only with a NetworkPolicy that admits nothing but Flagger's namespace to this port.
   */
  flaggerWithoutToken?: boolean;
  deps: CanaryDeps;
  /** Analyses running at once; more get 429 (each runs journeys in browsers and reads logs). */
  maxRunning?: number;
  /** Finished analyses are kept this long for polling and idempotent retries. */
  keepMs?: number;
  /** Deadline of one analysis. */
  analysisTimeoutMs?: number;
  /** Longest `?wait=` a caller may ask for (callers have timeouts of their own). */
  maxWaitMs?: number;
  log?: Logger;
}

type Entry = {
  id: string;
  state: 'running' | 'done' | 'error';
  verdict?: CanaryVerdict;
  error?: { code: string; message: string };
  startedAt: number;
  doneAt?: number;
  done: Promise<void>;
  abort: AbortController;
};

/** Defaults, each with its reason. */
export const SERVE_DEFAULTS = {
  /** Two analyses at once: each may drive several browsers through the proxy; a 2-core service saturates beyond. */
  maxRunning: 2,
  /** An hour: longer than any canary step, so a retried POST never starts a second analysis of the same step. */
  keepMs: 3_600_000,
  analysisTimeoutMs: 900_000,
  /** 55 s fits under the 60 s timeouts Flagger webhooks and most gateways use. */
  maxWaitMs: 55_000,
} as const;

function keyOf(a: z.output<typeof AnalysisRequestSchema>): string {
  const x = a.analysis;
  const material = [
    x.namespace,
    x.rollout,
    x.canary.podTemplateHash,
    x.stable.podTemplateHash,
    String(a.step),
  ].join('\u0000');
  return createHash('sha256').update(material).digest('hex').slice(0, 24);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
}

async function readJson(req: IncomingMessage, limit = 1_048_576): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`body larger than ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
}

/** The state a caller sees. `verdict` is `pending` while running, so a `web` metric's conditions see a value. */
function view(e: Entry): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    verdict: e.verdict?.verdict ?? (e.state === 'running' ? 'pending' : 'error'),
    confidence: e.verdict?.confidence ?? 0,
    ...(e.verdict ? { result: e.verdict } : {}),
    ...(e.error ? { error: e.error } : {}),
  };
}

function stateOf(e: Entry): AnalysisState {
  return e.state === 'done' ? (e.verdict?.verdict ?? 'error') : e.state;
}

/** `?gate=true`: the HTTP status carries the decision (Flagger webhooks, CI): 200 promote only. */
function gateStatus(e: Entry): number {
  if (e.state === 'error') return 500;
  if (e.state === 'running') return 503;
  return e.verdict?.verdict === 'promote' ? 200 : e.verdict?.verdict === 'rollback' ? 412 : 503;
}

/** A Flagger payload as an analysis request; throws naming what is wrong. */
function fromFlagger(json: unknown): unknown {
  const payload = FlaggerPayloadSchema.safeParse(json);
  if (!payload.success)
    throw new Error(
      `expected Flagger's webhook payload {name, namespace, phase, checksum, metadata}: ${describeCanaryIssues(payload.error).join('; ')}`,
    );
  return flaggerRequest(payload.data);
}

/** The service; `listen` it. */
export function createCanaryService(opts: ServeOptions): { server: Server; close(): void } {
  const o = { ...SERVE_DEFAULTS, log: silentLogger, ...opts };
  const entries = new Map<string, Entry>();
  const expected = Buffer.from(`Bearer ${o.token}`);
  const authorized = (req: IncomingMessage): boolean => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const sweep = (): void => {
    const now = Date.now();
    for (const [k, e] of entries) if (e.doneAt !== undefined && now - e.doneAt > o.keepMs) entries.delete(k);
  };
  const start = (id: string, body: z.output<typeof AnalysisRequestSchema>): Entry => {
    const abort = new AbortController();
    const entry: Entry = { id, state: 'running', startedAt: Date.now(), abort, done: Promise.resolve() };
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(o.analysisTimeoutMs)]);
    entry.done = runCanaryAnalysis(body.analysis, { ...o.deps, log: o.log }, { signal })
      .then(
        (v) => Object.assign(entry, { state: 'done', verdict: v, doneAt: Date.now() }),
        (err: unknown) =>
          Object.assign(entry, {
            state: 'error',
            doneAt: Date.now(),
            error: {
              code: err instanceof SentinelError ? err.code : 'AnalysisFailed',
              message: err instanceof SentinelError ? err.describe() : errorMessage(err),
            },
          }),
      )
      .then(() => undefined);
    entries.set(id, entry);
    return entry;
  };
  const respond = async (
    res: ServerResponse,
    e: Entry,
    url: URL,
    how: { created: boolean; hook?: FlaggerHook | undefined },
  ): Promise<void> => {
    const { created, hook } = how;
    const wait = Math.min(
      Number(url.searchParams.get('wait')?.replace(/s$/, '') ?? 0) * 1000 || 0,
      o.maxWaitMs,
    );
    if (wait > 0 && e.state === 'running')
      await Promise.race([e.done, new Promise((r) => setTimeout(r, wait).unref())]);
    if (hook) return send(res, flaggerStatus(hook, stateOf(e)), { hook, ...view(e) });
    if (url.searchParams.get('gate') === 'true') return send(res, gateStatus(e), view(e));
    send(res, e.state === 'error' ? 500 : created && e.state === 'running' ? 202 : 200, view(e));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://serve');
    if (url.pathname === '/healthz') return send(res, 200, { ok: true });
    const flaggerOpen = o.flaggerWithoutToken === true && url.pathname.startsWith('/v1/flagger/');
    if (!flaggerOpen && !authorized(req))
      return send(res, 401, {
        error: {
          code: 'Unauthorized',
          message: 'send Authorization: Bearer <token> (the token sentinel serve was started with)',
        },
      });
    sweep();
    const flagger = /^\/v1\/flagger\/([a-z-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && (url.pathname === '/v1/analyses' || flagger)) {
      const hook = flagger?.[1] as FlaggerHook | undefined;
      if (hook !== undefined && !FLAGGER_HOOKS.includes(hook))
        return send(res, 404, {
          error: {
            code: 'UnknownHook',
            message: `no Flagger hook "${hook}"; use /v1/flagger/{${FLAGGER_HOOKS.join('|')}}`,
          },
        });
      let json: unknown;
      try {
        json = await readJson(req);
        if (hook) json = fromFlagger(json);
      } catch (err) {
        return send(res, 400, {
          error: { code: hook ? 'FlaggerPayloadInvalid' : 'BodyNotJson', message: errorMessage(err) },
        });
      }
      const parsed = AnalysisRequestSchema.safeParse(json);
      if (!parsed.success)
        return send(res, 422, {
          error: { code: 'CanaryConfigInvalid', message: describeCanaryIssues(parsed.error).join('; ') },
        });
      const id = keyOf(parsed.data);
      const existing = entries.get(id);
      if (existing) return respond(res, existing, url, { created: false, hook });
      const running = [...entries.values()].filter((e) => e.state === 'running').length;
      if (running >= o.maxRunning)
        return send(res, 429, {
          error: {
            code: 'TooManyAnalyses',
            message: `${running} analyses are running (limit ${o.maxRunning}); retry later`,
          },
        });
      return respond(res, start(id, parsed.data), url, { created: true, hook });
    }
    const m = /^\/v1\/analyses\/([0-9a-f]{24})$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const e = entries.get(m[1] as string);
      return e
        ? respond(res, e, url, { created: false })
        : send(res, 404, {
            error: {
              code: 'AnalysisNotFound',
              message: 'no such analysis (finished ones are kept for an hour)',
            },
          });
    }
    send(res, 404, {
      error: {
        code: 'NotFound',
        message:
          'POST /v1/analyses, GET /v1/analyses/{id}, or POST /v1/flagger/{rollout|confirm-promotion|rollback}',
      },
    });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.error({ err: errorMessage(err) }, 'serve request failed');
      if (!res.headersSent) send(res, 500, { error: { code: 'Internal', message: 'internal error' } });
    });
  });
  return {
    server,
    close: () => {
      for (const e of entries.values()) e.abort.abort(new Error('sentinel serve is shutting down'));
      server.close();
    },
  };
}
