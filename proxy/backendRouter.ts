/**
 * @module proxy/backendRouter — several backends behind one proxy: the client picks one per connection with the
 * `X-Sentinel-Backend` header (the contract with the journey runner); absent → the default (the first configured).
 * Sessions are per (backend, tenant): each backend has its own session manager.
 */
import type { IncomingMessage } from 'node:http';
import { ProxyError } from './errors.ts';
import type { SandboxBackend } from './backends/types.ts';
import type { SessionManager } from './sessions.ts';

/** The request header naming the backend (any case on the wire). */
export const BACKEND_HEADER = 'X-Sentinel-Backend';
const KEY = BACKEND_HEADER.toLowerCase();

/** One served backend and its sessions. */
export interface BackendRoute {
  readonly kind: string;
  readonly backend: SandboxBackend;
  readonly sessions: SessionManager;
}

/** Picks the route of a request. Safe to share between requests; immutable after construction. */
export class BackendRouter {
  readonly #routes: BackendRoute[];
  readonly #byKind = new Map<string, BackendRoute>();

  /** `routes[0]` is the default. Kinds must be distinct. */
  constructor(routes: BackendRoute[]) {
    if (routes.length === 0) throw new Error('a proxy needs at least one backend');
    for (const r of routes) {
      if (this.#byKind.has(r.kind.toLowerCase())) throw new Error(`backend ${r.kind} is configured twice`);
      this.#byKind.set(r.kind.toLowerCase(), r);
    }
    this.#routes = routes;
  }

  /** The default route (the first configured backend). */
  get default(): BackendRoute {
    return this.#routes[0] as BackendRoute;
  }

  /** Every route, the default first. */
  all(): readonly BackendRoute[] {
    return this.#routes;
  }

  /** The kinds served, the default first. */
  kinds(): string[] {
    return this.#routes.map((r) => r.kind);
  }

  /** The route `req` asks for (case-insensitive kind); `UnknownBackend` (400) naming the valid ones otherwise. */
  pick(req: IncomingMessage): BackendRoute {
    const raw = req.headers[KEY];
    if (Array.isArray(raw)) {
      throw new ProxyError(
        'UnknownBackend',
        `Header ${BACKEND_HEADER} was sent ${raw.length} times; send it once.`,
      );
    }
    const wanted = raw?.trim() ?? '';
    if (wanted === '') return this.default;
    const route = this.#byKind.get(wanted.toLowerCase());
    if (route) return route;
    const shown = JSON.stringify(wanted.length > 40 ? `${wanted.slice(0, 40)}…` : wanted);
    throw new ProxyError(
      'UnknownBackend',
      `Backend ${shown} (header ${BACKEND_HEADER}) is not served by this proxy; valid: ${this.kinds().join(', ')} (default ${this.default.kind}).`,
    );
  }
}
