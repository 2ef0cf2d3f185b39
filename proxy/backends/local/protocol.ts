/** @module proxy/backends/local/protocol — what the proxy and a browser-server host process say to each other. */

/** Passed to the host as its one argument (JSON). */
export interface HostParams {
  /** Chromium executable. */
  executablePath: string;
  /** Secret WebSocket path: only the proxy knows it, so tenants cannot reach each other's servers directly. */
  wsPath: string;
  /** Extra Chromium arguments. */
  args: string[];
  /** The sandbox's own folder: temp files and Chromium's user-data-dir go here. */
  dir: string;
  launchTimeoutMs: number;
  /**
   * Open and close one page before reporting ready (warm-pool members): the first connection and the first
   * renderer of a fresh browser are much slower than later ones, and a pooled sandbox should hand out a warm one.
   */
  warmUp?: boolean;
  /**
   * Loopback services the sandbox may reach (`host:port`); everything else local is refused by the host's network
   * guard (proxy/backends/local/netGuard.ts).
   */
  allowLoopback: string[];
  /** Node's compile cache folder, shared by all hosts (speeds up loading playwright-core). */
  compileCacheDir?: string;
}

/** Sent by the host over IPC, once. */
export type HostMessage =
  { type: 'ready'; wsEndpoint: string; browserPid: number } | { type: 'error'; message: string };
