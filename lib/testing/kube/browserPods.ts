/** @module lib/testing/kube/browserPods — a warm pool of real Playwright browser servers as "sandbox pods" on distinct 127.x addresses. */
import { chromium, type BrowserServer } from 'playwright-core';
import { findChromium } from '../../chromium.ts';

/**
 * Each pod is `chromium.launchServer({ host: <its IP>, port: <sandbox port>, wsPath })`, exactly what the sandbox
 * image runs. A pool of pods is kept launched, like agent-sandbox's SandboxWarmPool, so binding a claim is instant and
 * the bench measures the proxy's side of a cold start, not Chromium's launch.
 */
export class BrowserPods {
  readonly #port: number;
  readonly #block: number;
  readonly #wsPath: string;
  readonly #exe: string;
  readonly #ready: { ip: string; server: BrowserServer }[] = [];
  readonly #inUse = new Map<string, BrowserServer>();
  #next = 1;
  #target = 0;
  #filling: Promise<void> = Promise.resolve();

  constructor(opts: { port: number; block: number; wsPath: string; chromiumPath?: string }) {
    this.#port = opts.port;
    this.#block = opts.block;
    this.#wsPath = opts.wsPath;
    this.#exe = findChromium({ explicitPath: opts.chromiumPath });
  }

  async #launch(): Promise<void> {
    const n = this.#next++;
    const ip = `127.${this.#block}.${Math.floor(n / 250) + 1}.${(n % 250) + 1}`;
    const server = await chromium.launchServer({
      executablePath: this.#exe,
      host: ip,
      port: this.#port,
      wsPath: this.#wsPath,
    });
    this.#ready.push({ ip, server });
  }

  /** Keeps `n` pods launched and idle; resolves when they are. */
  async fill(n: number): Promise<void> {
    this.#target = n;
    await this.#refill();
  }

  #refill(): Promise<void> {
    this.#filling = this.#filling.then(async () => {
      while (this.#ready.length < this.#target) await this.#launch();
    });
    return this.#filling;
  }

  /** Waits until the pool is full again (after takes). */
  settled(): Promise<void> {
    return this.#refill();
  }

  /** Takes a launched pod (launching one if none is ready) and returns its IP; the pool refills in the background. */
  async take(): Promise<string> {
    if (this.#ready.length === 0) await this.#launch();
    const pod = this.#ready.shift() as { ip: string; server: BrowserServer };
    this.#inUse.set(pod.ip, pod.server);
    void this.#refill();
    return pod.ip;
  }

  /** Stops the pod at `ip` (its sandbox was deleted). */
  async release(ip: string): Promise<void> {
    const server = this.#inUse.get(ip);
    this.#inUse.delete(ip);
    await server?.close();
  }

  /** A {@link PodRunner} view: one pod per key. */
  runner(): {
    start(key: string): Promise<string>;
    stop(key: string): Promise<void>;
    running: number;
    stopAll(): Promise<void>;
  } {
    const byKey = new Map<string, string>();
    const take = (): Promise<string> => this.take();
    const release = (ip: string): Promise<void> => this.release(ip);
    const close = (): Promise<void> => this.close();
    return {
      async start(key) {
        const have = byKey.get(key);
        if (have) return have;
        const ip = await take();
        byKey.set(key, ip);
        return ip;
      },
      async stop(key) {
        const ip = byKey.get(key);
        byKey.delete(key);
        if (ip) await release(ip);
      },
      get running() {
        return byKey.size;
      },
      stopAll: close,
    };
  }

  async close(): Promise<void> {
    this.#target = 0;
    await this.#filling;
    await Promise.all([
      ...this.#ready.splice(0).map((p) => p.server.close()),
      ...[...this.#inUse.values()].map((s) => s.close()),
    ]);
    this.#inUse.clear();
  }
}
