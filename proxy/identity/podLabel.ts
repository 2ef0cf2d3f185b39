/** @module proxy/identity/podLabel — the caller's pod IP → its `playwright-id` label (the reference proxy's identity). */
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.ts';
import { type PodIndex } from '../k8s/podIndex.ts';
import { validateTenantId } from './tenantId.ts';
import { TokenIdentity } from './token.ts';
import type { TenantId } from '../backends/types.ts';
import type { IdentityResolver } from './types.ts';

export interface PodLabelIdentityOptions {
  index: PodIndex;
  labelKey: string;
  maxIdLength: number;
  /** Callers with an Authorization header are identified by token instead (synthetic checkers). */
  token?: TokenIdentity;
  /** How long a request may wait for the informer's first sync (default 5 s); `/readyz` is 503 until then. */
  syncWaitMs?: number;
}

/**
 * Identifies callers by the label of the pod whose IP the connection comes from (only pods in the proxy's namespace).
 * `X-Forwarded-For` is never trusted. Unknown and unlabelled callers get a fast 403 naming the missing label. Requests
 * carrying `Authorization` go to the token resolver, so a token can never be combined with someone else's pod IP.
 */
export class PodLabelIdentity implements IdentityResolver {
  readonly mode = 'podLabel';
  readonly #opts: PodLabelIdentityOptions;

  constructor(opts: PodLabelIdentityOptions) {
    this.#opts = opts;
  }

  ready(): boolean {
    return this.#opts.index.ready();
  }

  async resolve(req: IncomingMessage, signal?: AbortSignal): Promise<TenantId> {
    if (this.#opts.token && TokenIdentity.present(req)) return this.#opts.token.resolve(req);
    const ip = req.socket.remoteAddress;
    if (!ip) throw new ProxyError('UnknownCaller', 'Cannot determine the client IP of this connection.');
    if (!this.#opts.index.ready()) await this.#waitSync(signal);
    const found = await this.#opts.index.lookup(ip, signal);
    if (!found.found) throw new ProxyError('UnknownCaller', `Forbidden: ${found.reason}.`);
    return validateTenantId(
      found.id,
      this.#opts.maxIdLength,
      `label ${this.#opts.labelKey} of the client pod`,
    );
  }

  async #waitSync(signal?: AbortSignal): Promise<void> {
    const ms = this.#opts.syncWaitMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
    const aborted = new Promise<'timeout'>((r) =>
      signal?.addEventListener('abort', () => r('timeout'), { once: true }),
    );
    const outcome = await Promise.race([
      this.#opts.index.synced.then(() => 'synced' as const),
      timeout,
      aborted,
    ]);
    clearTimeout(timer);
    if (outcome !== 'synced') {
      throw new ProxyError(
        'IdentityNotReady',
        `The pod informer has not synced within ${ms} ms; cannot identify the caller yet.`,
      );
    }
  }

  async close(): Promise<void> {
    await this.#opts.index.close();
  }
}
