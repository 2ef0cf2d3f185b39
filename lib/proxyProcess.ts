/**
 * @module lib/proxyProcess — the sandbox proxy (`sentinel proxy --backend local`) as a child process on loopback, with
 * ports picked by the OS: for `sentinel demo`, the journey tests and the benchmarks. Callers reach it over the wire
 * only (WebSocket, HTTP), as in production. By default it runs the product's default identity, signed tenant tokens
 * (`header`): a fresh key in a 0700 folder of its own and one token minted for `signedTenant`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './stopChild.ts';
import { mintTenantToken } from './tenantToken.ts';

const BIN = fileURLToPath(new URL('../bin/sentinel.js', import.meta.url));

/** How long the proxy may take to print its addresses (it loads Chromium's launcher, and machines are shared). */
export const PROXY_START_TIMEOUT_MS = 30_000;
/** SIGTERM → SIGKILL: the proxy closes its browsers and deletes local sandboxes within this. */
export const PROXY_STOP_GRACE_MS = 10_000;

export interface ProxyProcessOptions {
  /**
   * `header` (default, the proxy's default): signed tenant tokens; `token` of the result is one minted for
   * `signedTenant` with a fresh key. `token`: static bearer tokens, any tenant (tests of multi-tenant behaviour).
   */
  identity?: 'header' | 'token';
  /** The tenant of the minted token (identity `header`; default `sentinel`). */
  signedTenant?: string;
  /** Bearer token for identity `token` (default: a fixed test token). */
  token?: string;
  /** Loopback targets the sandboxes may reach (`127.0.0.1:port`; the local backend's network guard refuses the rest). */
  allowLoopback?: readonly string[];
  /** Where the local backend keeps its sandbox folders (`PROXY_LOCAL_SANDBOX_DIR`). */
  sandboxDir?: string;
  /** Most sandboxes at once (`--max-sandboxes`). */
  maxSandboxes?: number;
  /** Pre-launched browser servers (`--warm-pool`). */
  warmPool?: number;
  /** Idle TTL (`--idle-ttl`, e.g. `2s`), so sandboxes of finished runs go away. */
  idleTtl?: string;
  /** `--shutdown-sandboxes` (default: the proxy's own, `keep`; local sandboxes stop with the proxy either way). */
  shutdownSandboxes?: 'keep' | 'delete';
  /** The proxy's log level (default `warn`: its stderr is kept only to explain a failed start). */
  logLevel?: string;
  /** Extra env of the child (its own environment is this process's). */
  env?: Record<string, string>;
  /** Aborts the start (the child is stopped). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ProxyProcess {
  /** `ws://127.0.0.1:port/` */
  dataUrl: string;
  /** `http://127.0.0.1:port` (/healthz, /readyz, /metrics) */
  adminUrl: string;
  /** The credential: a signed tenant token (identity `header`) or the bearer token. */
  token: string;
  /** A 0600 file holding `token`, for callers that take secrets by reference (`{file}`); removed by `stop()`. */
  tokenFile: string;
  process: ChildProcess;
  pid: number | undefined;
  /** One metric's value from /metrics (sum over its label sets), or undefined when absent. */
  metric(name: string): Promise<number | undefined>;
  /** SIGTERM, then SIGKILL after {@link PROXY_STOP_GRACE_MS}; removes the key and token files. Idempotent. */
  stop(): Promise<void>;
}

/** Credentials in a fresh 0700 folder: the env naming them to the proxy, and the token a client presents. */
function credentials(
  dir: string,
  o: ProxyProcessOptions,
): { env: Record<string, string>; token: string; tokenFile: string } {
  const tokenFile = join(dir, 'client-token');
  if ((o.identity ?? 'header') === 'header') {
    const key = randomBytes(32).toString('base64url');
    const keyFile = join(dir, 'tenant.key');
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    const token = mintTenantToken({ key, tenant: o.signedTenant ?? 'sentinel', ttlMs: 24 * 3_600_000 });
    writeFileSync(tokenFile, token, { mode: 0o600 });
    return { env: { PROXY_IDENTITY_KEY_FILE: keyFile }, token, tokenFile };
  }
  const token = o.token ?? 'journey-test-token-0123456789';
  const accepted = join(dir, 'tokens');
  writeFileSync(accepted, `${token}\n`, { mode: 0o600 });
  writeFileSync(tokenFile, token, { mode: 0o600 });
  return { env: { PROXY_IDENTITY_TOKEN_FILE: accepted }, token, tokenFile };
}

function argsOf(o: ProxyProcessOptions): string[] {
  const args = [
    BIN,
    'proxy',
    '--backend',
    'local',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--admin-port',
    '0',
  ];
  args.push('--identity', o.identity ?? 'header', '--log-level', o.logLevel ?? 'warn');
  if (o.maxSandboxes !== undefined) args.push('--max-sandboxes', String(o.maxSandboxes));
  if (o.warmPool !== undefined) args.push('--warm-pool', String(o.warmPool));
  if (o.idleTtl) args.push('--idle-ttl', o.idleTtl, '--idle-check-interval', '200ms');
  if (o.shutdownSandboxes) args.push('--shutdown-sandboxes', o.shutdownSandboxes);
  return args;
}

/** Resolves with the addresses the proxy prints once it listens; rejects with its own words when it exits first. */
function listening(child: ChildProcess, signal: AbortSignal): Promise<{ data: string; admin: string }> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      const m = /data (\S+)\s+admin (http:\/\/\S+)/.exec(stderr);
      if (m) resolve({ data: (m[1] as string).replace(/^http/, 'ws'), admin: m[2] as string });
    });
    child.once('exit', (code, sig) =>
      reject(
        new Error(`sentinel proxy exited (${code ?? sig}) before listening: ${stderr.trim().slice(-1500)}`),
      ),
    );
    child.once('error', (err) => reject(new Error(`sentinel proxy did not start: ${err.message}`)));
    signal.addEventListener(
      'abort',
      () =>
        reject(
          signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
            ? new Error(
                `sentinel proxy did not listen within the start timeout; stderr: ${stderr.slice(-1500)}`,
              )
            : (signal.reason as Error),
        ),
      { once: true },
    );
  });
}

/** Starts the proxy and resolves once it prints its listening addresses. */
export async function startProxyProcess(o: ProxyProcessOptions = {}): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-proxy-'));
  const creds = credentials(dir, o);
  const child = spawn(process.execPath, argsOf(o), {
    env: {
      // eslint-disable-next-line no-restricted-properties -- the child inherits this process's environment, as spawn does by default
      ...process.env,
      ...creds.env,
      ...(o.allowLoopback?.length ? { PROXY_LOCAL_ALLOW_LOOPBACK: o.allowLoopback.join(',') } : {}),
      ...(o.sandboxDir ? { PROXY_LOCAL_SANDBOX_DIR: o.sandboxDir } : {}),
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    await stopChild(child, PROXY_STOP_GRACE_MS);
    rmSync(dir, { recursive: true, force: true });
  };
  const timeout = AbortSignal.timeout(o.timeoutMs ?? PROXY_START_TIMEOUT_MS);
  let urls: { data: string; admin: string };
  try {
    urls = await listening(child, o.signal ? AbortSignal.any([o.signal, timeout]) : timeout);
  } catch (err) {
    await stopChild(child, 2000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dataUrl: urls.data,
    adminUrl: urls.admin,
    token: creds.token,
    tokenFile: creds.tokenFile,
    process: child,
    pid: child.pid,
    async metric(name) {
      const text = await (await fetch(`${urls.admin}/metrics`)).text();
      const values = text
        .split('\n')
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
      return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
    },
    stop,
  };
}
