/** @module lib/testing/kube/faultProxy — an HTTPS proxy in front of the API server that injects errors, resets and stalls. */
import { createServer, request, type Server } from 'node:https';
import { seededRandom } from '../../random.ts';
import { selfSignedCert } from '../tls.ts';

/** Probabilities (0..1) of each fault per request; the rest pass through. */
export interface FaultRates {
  /** Answer 500/503 with a Kubernetes Status body. */
  error: number;
  /** Close the connection without answering. */
  reset: number;
  /** Hold the request for `stallMs`, then close it (a client-side timeout). */
  stall: number;
}

/** Counts of injected faults, for the test's report. */
export interface FaultCounts {
  passed: number;
  error: number;
  reset: number;
  stall: number;
}

/**
 * Forwards every request to `upstream` (the real API server) unless a fault is drawn. A seeded PRNG keeps runs
 * reproducible. Watches may be reset too (the client must resume them), but are never answered with an error body.
 */
export class FaultProxy {
  readonly counts: FaultCounts = { passed: 0, error: 0, reset: 0, stall: 0 };
  rates: FaultRates;
  readonly #upstream: URL;
  readonly #stallMs: number;
  readonly #random: () => number;
  #server: Server | undefined;
  port = 0;

  constructor(opts: { upstream: string; rates: FaultRates; seed?: number; stallMs?: number }) {
    this.#upstream = new URL(opts.upstream);
    this.rates = opts.rates;
    this.#random = seededRandom(opts.seed ?? 42);
    this.#stallMs = opts.stallMs ?? 3000;
  }

  async start(): Promise<string> {
    const server = createServer(selfSignedCert(), (req, res) => {
      const r = this.#random();
      const { error, reset, stall } = this.rates;
      const isWatch = (req.url ?? '').includes('watch=');
      if (!isWatch && r < error) {
        this.counts.error++;
        const code = r < error / 2 ? 500 : 503;
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: code === 500 ? 'InternalError' : 'ServiceUnavailable',
            code,
            message: 'injected fault',
          }),
        );
        return;
      }
      if (r < error + reset) {
        this.counts.reset++;
        req.socket.destroy();
        return;
      }
      if (!isWatch && r < error + reset + stall) {
        this.counts.stall++;
        setTimeout(() => req.socket.destroy(), this.#stallMs).unref();
        return;
      }
      this.counts.passed++;
      const up = request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          rejectUnauthorized: false,
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.#server = server;
    this.port = (server.address() as { port: number }).port;
    return `https://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((r) => this.#server?.close(r) ?? r(undefined));
  }
}
