/**
 * @module proxy/backends/local — one Chromium browser server per tenant, as child processes of the proxy
 * (playwright-core `launchServer`, each in its own folder with its own user-data-dir), with an optional warm pool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../../lib/chromium.ts';
import { errorMessage } from '../../lib/errors.ts';
import { componentLogger, type Logger } from '../../lib/log.ts';
import { killGroup } from './local/processes.ts';
import {
  BackendError,
  type Endpoint,
  type SandboxBackend,
  type SandboxRecord,
  type TenantId,
} from './types.ts';
import type { LocalBackendConfig } from '../config.ts';
import type { HostMessage, HostParams } from './local/protocol.ts';

const HOST_SCRIPT = fileURLToPath(new URL('./local/host.ts', import.meta.url));

/** One browser server process and its folder. */
interface Sandbox {
  /** The tenant, once assigned (pool members have none). */
  tenant: TenantId | undefined;
  child: ChildProcess;
  dir: string;
  endpoint: Endpoint;
  browserPid: number;
  alive: boolean;
  exited: Promise<void>;
}

/** A counting semaphore for launches, so 50 simultaneous tenants do not start 50 Chromiums at once. */
class Gate {
  #free: number;
  readonly #queue: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async enter(signal: AbortSignal): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(go);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(aborted(signal));
      };
      this.#queue.push(go);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  leave(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}

function aborted(signal: AbortSignal): BackendError {
  return new BackendError('Aborted', `Creating a local sandbox was aborted: ${errorMessage(signal.reason)}`, {
    cause: signal.reason,
  });
}

/** The `local` backend. Sandboxes never outlive the proxy process. */
export class LocalBackend implements SandboxBackend {
  readonly kind = 'local';
  /** Folder holding every sandbox folder of this backend instance (processes mention it: see processes.ts). */
  readonly rootDir: string;
  readonly #cfg: LocalBackendConfig;
  readonly #log: Logger;
  readonly #executable: string;
  readonly #byTenant = new Map<TenantId, Sandbox>();
  readonly #pool: Sandbox[] = [];
  readonly #all = new Set<Sandbox>();
  readonly #gate: Gate;
  readonly #closing = new AbortController();
  #refilling = 0;
  #poolWaiters: (() => void)[] = [];
  readonly #onExit = (): void => this.#killAllSync();

  constructor(cfg: LocalBackendConfig, deps: { log: Logger }) {
    this.#cfg = cfg;
    this.#log = componentLogger(deps.log, 'backend.local');
    this.#executable = findChromium({ explicitPath: cfg.chromiumPath });
    // Private folders (0700; mkdtemp's default, made explicit): no other user reads a tenant's profile.
    this.rootDir = mkdtempSync(join(cfg.rootDir ?? tmpdir(), 'sentinel-local-'));
    chmodSync(this.rootDir, 0o700);
    this.#gate = new Gate(cfg.maxConcurrentLaunches);
    process.on('exit', this.#onExit);
    this.#refill();
  }

  async ensure(id: TenantId, signal: AbortSignal): Promise<Endpoint> {
    if (signal.aborted) throw aborted(signal);
    const existing = this.#byTenant.get(id);
    if (existing?.alive) return existing.endpoint;
    if (existing) this.#byTenant.delete(id);
    const pooled = this.#takeFromPool();
    const sandbox = pooled ?? (await this.#launch(signal));
    if (signal.aborted) {
      await this.#stop(sandbox);
      throw aborted(signal);
    }
    sandbox.tenant = id;
    this.#byTenant.set(id, sandbox);
    this.#refill();
    this.#log.debug({ tenant: id, pooled: Boolean(pooled), pid: sandbox.child.pid }, 'sandbox assigned');
    return sandbox.endpoint;
  }

  async delete(id: TenantId): Promise<void> {
    const sandbox = this.#byTenant.get(id);
    if (!sandbox) return;
    this.#byTenant.delete(id);
    await this.#stop(sandbox);
  }

  async list(): Promise<SandboxRecord[]> {
    return [...this.#byTenant.values()].filter((s) => s.alive).map((s) => ({ id: s.tenant as TenantId }));
  }

  async close(): Promise<void> {
    this.#closing.abort(new Error('backend closing'));
    await Promise.allSettled([...this.#all].map((s) => this.#stop(s)));
    this.#byTenant.clear();
    this.#pool.length = 0;
    rmSync(this.rootDir, { recursive: true, force: true });
    process.off('exit', this.#onExit);
  }

  /** Resolves when the warm pool is full (immediately without a pool); for the bench. */
  async waitForPool(signal: AbortSignal): Promise<void> {
    while (this.#pool.length < this.#cfg.warmPool) {
      if (signal.aborted) throw aborted(signal);
      await new Promise<void>((resolve) => {
        this.#poolWaiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  /** Live browser-server processes of this backend (pool included). */
  get processCount(): number {
    return [...this.#all].filter((s) => s.alive).length;
  }

  // ---- internals ----

  #takeFromPool(): Sandbox | undefined {
    while (this.#pool.length > 0) {
      const s = this.#pool.shift() as Sandbox;
      if (s.alive) return s;
    }
    return undefined;
  }

  /** Tops the warm pool up in the background, one launch at a time. */
  #refill(): void {
    const missing = this.#cfg.warmPool - this.#pool.length - this.#refilling;
    if (missing <= 0 || this.#closing.signal.aborted) return;
    this.#refilling++;
    // Pool members open and close one page first: nobody waits for them, and the tenant gets a warm browser.
    this.#launch(this.#closing.signal, true)
      .then((s) => {
        if (this.#closing.signal.aborted) return this.#stop(s);
        this.#pool.push(s);
        for (const w of this.#poolWaiters.splice(0)) w();
        return undefined;
      })
      .catch((err: unknown) => {
        if (!this.#closing.signal.aborted)
          this.#log.warn({ err: errorMessage(err) }, 'warm pool launch failed');
      })
      .finally(() => {
        this.#refilling--;
        if (!this.#closing.signal.aborted) setTimeout(() => this.#refill(), 0).unref();
      });
  }

  async #launch(signal: AbortSignal, warmUp = false): Promise<Sandbox> {
    await this.#gate.enter(signal);
    try {
      return await this.#spawnHost(AbortSignal.any([signal, this.#closing.signal]), warmUp);
    } finally {
      this.#gate.leave();
    }
  }

  async #spawnHost(signal: AbortSignal, warmUp: boolean): Promise<Sandbox> {
    const dir = mkdtempSync(join(this.rootDir, 'sbx-'));
    chmodSync(dir, 0o700);
    const params: HostParams = {
      allowLoopback: this.#cfg.allowLoopback,
      executablePath: this.#executable,
      wsPath: `/${randomUUID()}`,
      args: this.#cfg.chromiumArgs,
      dir,
      launchTimeoutMs: this.#cfg.launchTimeoutMs,
      compileCacheDir: join(tmpdir(), 'sentinel-node-compile-cache'),
      warmUp,
    };
    // detached: the host leads its own process group, so a terminal's Ctrl-C reaches the proxy only and the proxy
    // decides; the host still exits when the proxy dies (IPC channel closes).
    const child = spawn(process.execPath, [HOST_SCRIPT, JSON.stringify(params)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      detached: true,
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const sandbox: Sandbox = {
      tenant: undefined,
      child,
      dir,
      endpoint: { host: '127.0.0.1', port: 0, wsPath: params.wsPath },
      browserPid: 0,
      alive: false,
      exited,
    };
    this.#all.add(sandbox);
    try {
      const msg = await this.#firstMessage(child, signal, () => stderr);
      const url = new URL(msg.wsEndpoint);
      sandbox.endpoint = { host: url.hostname, port: Number(url.port), wsPath: url.pathname };
      sandbox.browserPid = msg.browserPid;
      sandbox.alive = true;
      child.once('exit', (code, sig) => this.#onHostExit(sandbox, code, sig));
      return sandbox;
    } catch (err) {
      await this.#stop(sandbox);
      throw err;
    }
  }

  #firstMessage(
    child: ChildProcess,
    signal: AbortSignal,
    stderr: () => string,
  ): Promise<Extract<HostMessage, { type: 'ready' }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          finish(
            new BackendError('Timeout', `Chromium did not start within ${this.#cfg.launchTimeoutMs} ms.`),
          ),
        this.#cfg.launchTimeoutMs + 2000,
      );
      const onAbort = (): void => finish(aborted(signal));
      const onMessage = (m: HostMessage): void => {
        if (m.type === 'ready') finish(undefined, m);
        else finish(new BackendError('Failed', `Starting Chromium failed: ${m.message}`));
      };
      const onExit = (code: number | null): void =>
        finish(
          new BackendError(
            'Failed',
            `The browser server exited with code ${code} before it was ready: ${stderr().trim()}`,
          ),
        );
      const finish = (err?: BackendError, msg?: Extract<HostMessage, { type: 'ready' }>): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve(msg as Extract<HostMessage, { type: 'ready' }>);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }

  #onHostExit(s: Sandbox, code: number | null, sig: NodeJS.Signals | null): void {
    const unexpected = s.alive;
    s.alive = false;
    this.#all.delete(s);
    killGroup(s.browserPid, 'SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
    if (s.tenant && this.#byTenant.get(s.tenant) === s) this.#byTenant.delete(s.tenant);
    const i = this.#pool.indexOf(s);
    if (i >= 0) {
      this.#pool.splice(i, 1);
      this.#refill();
    }
    if (unexpected)
      this.#log.warn({ tenant: s.tenant, code, signal: sig }, 'browser server exited unexpectedly');
  }

  /**
   * Stops a sandbox at once: SIGKILL to Chromium's process group (Playwright launches it detached, so it leads its
   * own) and to the host's; a deleted sandbox keeps no state worth a graceful close. Then removes its folder.
   */
  async #stop(s: Sandbox): Promise<void> {
    s.alive = false;
    killGroup(s.browserPid, 'SIGKILL');
    if (s.child.exitCode === null && s.child.signalCode === null) {
      killGroup(s.child.pid ?? 0, 'SIGKILL');
      await s.exited;
    }
    this.#all.delete(s);
    rmSync(s.dir, { recursive: true, force: true });
  }

  /** Last resort when the proxy exits without close(): kill every group synchronously. */
  #killAllSync(): void {
    for (const s of this.#all) {
      killGroup(s.child.pid ?? 0, 'SIGKILL');
      killGroup(s.browserPid, 'SIGKILL');
    }
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}
