/** @module lib/testing/kube/loopbackPods — "pods" as HTTP servers on distinct 127.x addresses, so each sandbox has its own IP. */
import { createServer, type Server } from 'node:http';

/**
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so every fake pod gets its own address
 * (127.<block>.<n>.<m>) and all of them can listen on the same sandbox port, as real pods do.
 */
export class LoopbackPods {
  readonly #port: number;
  readonly #block: number;
  readonly #servers = new Map<string, { ip: string; server: Server }>();
  #next = 1;

  /** `block` (1..254) keeps parallel test files apart; `port` is the sandbox port every pod listens on. */
  constructor(opts: { port: number; block: number }) {
    this.#port = opts.port;
    this.#block = opts.block;
  }

  /** Starts a pod for `key` and returns its IP (the same one again if it already runs). */
  async start(key: string): Promise<string> {
    const have = this.#servers.get(key);
    if (have) return have.ip;
    const n = this.#next++;
    const ip = `127.${this.#block}.${Math.floor(n / 250) + 1}.${(n % 250) + 1}`;
    const server = createServer((req, res) => res.end(`sandbox ${key} at ${ip}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, ip, resolve);
    });
    this.#servers.set(key, { ip, server });
    return ip;
  }

  /** Stops the pod for `key` (the kubelet's part when its pod is deleted). */
  async stop(key: string): Promise<void> {
    const s = this.#servers.get(key);
    if (!s) return;
    this.#servers.delete(key);
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }

  /** Pods still running. */
  get running(): number {
    return this.#servers.size;
  }

  async stopAll(): Promise<void> {
    for (const k of [...this.#servers.keys()]) await this.stop(k);
  }
}
