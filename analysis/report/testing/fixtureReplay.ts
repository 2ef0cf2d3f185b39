/**
 * @module analysis/report/testing/fixtureReplay — replays real recorded GitHub exchanges from `@octokit/fixtures`
 * on a local server, in order, and reports where our requests differ from the recorded ones.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

/** One recorded exchange (nock format, normalized by @octokit/fixtures). */
export interface RecordedExchange {
  method: string;
  path: string;
  body?: unknown;
  status: number;
  response: unknown;
  headers?: Record<string, string>;
}

/** What we sent for one exchange. */
export interface ReplayedRequest {
  method: string;
  path: string;
  body: unknown;
  recorded: RecordedExchange | undefined;
}

/** Loads a scenario recorded against api.github.com, e.g. `add-labels-to-issue`. */
export function loadScenario(name: string): RecordedExchange[] {
  const pkg = createRequire(import.meta.url).resolve('@octokit/fixtures/package.json');
  return JSON.parse(
    readFileSync(join(dirname(pkg), 'scenarios', 'api.github.com', name, 'normalized-fixture.json'), 'utf8'),
  ) as RecordedExchange[];
}

/**
 * Serves the exchanges in recorded order. `matchQuery: false` compares paths without the query string (for calls
 * whose query we build differently, e.g. a search phrase), so the real recorded response still reaches our parser.
 */
export class FixtureReplay {
  readonly sent: ReplayedRequest[] = [];
  readonly mismatches: string[] = [];
  readonly #exchanges: RecordedExchange[];
  readonly #matchQuery: boolean;
  #server: Server | undefined;
  #origin = '';

  constructor(exchanges: RecordedExchange[], opts: { matchQuery: boolean }) {
    this.#exchanges = [...exchanges];
    this.#matchQuery = opts.matchQuery;
  }

  get baseUrl(): string {
    return this.#origin;
  }

  /** Exchanges not requested yet. */
  get remaining(): number {
    return this.#exchanges.length;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body: unknown = raw ? JSON.parse(raw) : undefined;
        const method = (req.method ?? 'GET').toLowerCase();
        const path = req.url ?? '/';
        const rec = this.#exchanges.shift();
        this.sent.push({ method, path, body, recorded: rec });
        if (!rec) {
          this.mismatches.push(`unexpected ${method} ${path}`);
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
          return;
        }
        const strip = (p: string): string => (this.#matchQuery ? p : (p.split('?')[0] ?? p));
        if (rec.method !== method || strip(rec.path) !== strip(path))
          this.mismatches.push(`sent ${method} ${path}, recorded ${rec.method} ${rec.path}`);
        for (const [k, v] of Object.entries((rec.body as Record<string, unknown> | undefined) ?? {})) {
          if (JSON.stringify((body as Record<string, unknown> | undefined)?.[k]) !== JSON.stringify(v))
            this.mismatches.push(`body.${k} differs from the recording`);
        }
        const text = JSON.stringify(rec.response ?? '').replaceAll('https://api.github.com', this.#origin);
        const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
        if (rec.headers?.['link'])
          headers['link'] = rec.headers['link'].replaceAll('https://api.github.com', this.#origin);
        res.writeHead(rec.status, headers).end(rec.status === 204 ? undefined : text);
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
