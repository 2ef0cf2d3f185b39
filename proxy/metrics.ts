/**
 * @module proxy/metrics — the proxy's Prometheus metrics. Names follow the `playwright_*` set of the reference
 * proxy's fork (ai-ecoverse/playwright-k8s-sandbox `internal/metrics/metrics.go`), so its alerts and dashboard fit.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets for sandbox creation: from a warm pool (tens of ms) to a slow cold start (minutes). */
const ENSURE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

/**
 * Label value for errors answered before a backend was chosen (bad identity, unknown backend). No metric carries a
 * tenant id: ids are private, and one series per tenant would grow without bound.
 */
export const NO_BACKEND = 'none';

/** Every metric the proxy exports, on its own registry (nothing global, so tests can create several). */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly buildInfo: Gauge<'version' | 'backend'>;
  readonly sessionsActive: Gauge<'backend'>;
  readonly activeConnections: Gauge<'backend'>;
  readonly ensureDuration: Histogram<'backend' | 'outcome'>;
  readonly sessionsCreated: Counter<'backend' | 'outcome'>;
  readonly sessionsReaped: Counter<'reason' | 'backend'>;
  readonly requests: Counter<'protocol' | 'code' | 'backend'>;
  readonly connectionDuration: Histogram<'protocol' | 'backend'>;
  readonly bytes: Counter<'direction' | 'backend'>;
  readonly errors: Counter<'kind' | 'backend'>;
  readonly dialFailures: Counter<'backend'>;
  readonly deleteFailures: Counter<'backend'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.buildInfo = new Gauge({
      name: 'playwright_build_info',
      help: 'Build information; always 1.',
      labelNames: ['version', 'backend'],
      registers,
    });
    this.sessionsActive = new Gauge({
      name: 'playwright_sessions_active',
      help: 'Tenants with a sandbox (or one being created) known to this proxy, by backend.',
      labelNames: ['backend'],
      registers,
    });
    this.activeConnections = new Gauge({
      name: 'playwright_active_connections',
      help: 'Client connections being proxied right now (WebSocket and HTTP), by backend.',
      labelNames: ['backend'],
      registers,
    });
    this.ensureDuration = new Histogram({
      name: 'playwright_session_ensure_duration_seconds',
      help: 'Time to get a ready sandbox from the backend, by outcome (ok, timeout, aborted, error).',
      labelNames: ['backend', 'outcome'],
      buckets: ENSURE_BUCKETS,
      registers,
    });
    this.sessionsCreated = new Counter({
      name: 'playwright_sessions_created_total',
      help: 'Backend ensure calls, by outcome.',
      labelNames: ['backend', 'outcome'],
      registers,
    });
    this.sessionsReaped = new Counter({
      name: 'playwright_sessions_reaped_total',
      help: 'Sandboxes deleted or forgotten by the proxy, by reason (idle, gone, shutdown, removed).',
      labelNames: ['reason', 'backend'],
      registers,
    });
    this.requests = new Counter({
      name: 'playwright_requests_total',
      help: 'Requests and upgrades answered, by protocol (http, ws) and status code (101 for a proxied WebSocket).',
      labelNames: ['protocol', 'code', 'backend'],
      registers,
    });
    this.connectionDuration = new Histogram({
      name: 'playwright_connection_duration_seconds',
      help: 'Lifetime of proxied connections.',
      labelNames: ['protocol', 'backend'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.bytes = new Counter({
      name: 'playwright_bytes_transferred_total',
      help: 'Payload bytes proxied, by direction (c2b client to sandbox, b2c sandbox to client).',
      labelNames: ['direction', 'backend'],
      registers,
    });
    this.errors = new Counter({
      name: 'playwright_proxy_errors_total',
      help: 'Errors reported to clients, by error code (the names in proxy/errors.ts).',
      labelNames: ['kind', 'backend'],
      registers,
    });
    this.dialFailures = new Counter({
      name: 'playwright_backend_dial_failures_total',
      help: 'Failed connections to a sandbox that the backend reported ready.',
      labelNames: ['backend'],
      registers,
    });
    this.deleteFailures = new Counter({
      name: 'playwright_backend_delete_failures_total',
      help: 'Failed sandbox deletions (retried on the next reaper tick).',
      labelNames: ['backend'],
      registers,
    });
  }
}
