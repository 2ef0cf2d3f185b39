/**
 * @module journeys/testing/proxyProcess — the real proxy (`sentinel proxy --backend local`) as a child process on
 * loopback, for journey tests and the bench: the runner reaches it over the wire only, as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { mintTenantToken } from '../../lib/tenantToken.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sentinel.js');

export interface ProxyProcessOptions {
  /** Loopback targets the sandboxes may reach (`127.0.0.1:port`; the proxy's local-backend network guard). */
  allowLoopback?: readonly string[];
  /** Bearer token for the proxy's `token` identity mode (default: a fixed test token). */
  token?: string;
  /**
   * `token` (default): static bearer tokens, any tenant. `header`: signed tenant tokens; `token` of the result is
   * then one minted for `signedTenant` with a fresh key.
   */
  identity?: 'token' | 'header';
  /** The tenant of the minted token (identity `header`). */
  signedTenant?: string;
  /** Most sandboxes at once (`--max-sandboxes`). */
  maxSandboxes?: number;
  /** Pre-launched browser servers (`--warm-pool`). */
  warmPool?: number;
  /** Idle TTL (`--idle-ttl`, e.g. `2s`), so sandboxes of finished runs go away. */
  idleTtl?: string;
  /** Extra env. */
  env?: Record<string, string>;
}

export interface ProxyProcess {
  /** `ws://127.0.0.1:port/` */
  dataUrl: string;
  /** `http://127.0.0.1:port` (/healthz, /readyz, /metrics) */
  adminUrl: string;
  token: string;
  pid: number | undefined;
  /** One metric's value from /metrics (sum over its label sets), or undefined when absent. */
  metric(name: string): Promise<number | undefined>;
  /** SIGTERM, then SIGKILL after 5 s; removes the token file. */
  stop(): Promise<void>;
}

/** Starts the proxy and resolves once it prints its listening addresses. */
export async function startProxyProcess(opts: ProxyProcessOptions = {}): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'journey-proxy-'));
  const identity = opts.identity ?? 'token';
  const tokenFile = join(dir, 'tokens');
  const keyFile = join(dir, 'tenant.key');
  let token = opts.token ?? 'journey-test-token-0123456789';
  if (identity === 'header') {
    const key = randomBytes(32).toString('base64url');
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    token = mintTenantToken({ key, tenant: opts.signedTenant ?? 'journey-signed' });
  } else {
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  }
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
    '--identity',
    identity,
  ];
  if (opts.maxSandboxes !== undefined) args.push('--max-sandboxes', String(opts.maxSandboxes));
  if (opts.warmPool !== undefined) args.push('--warm-pool', String(opts.warmPool));
  if (opts.idleTtl) args.push('--idle-ttl', opts.idleTtl, '--idle-check-interval', '200ms');
  const child: ChildProcess = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...(identity === 'header'
        ? { PROXY_IDENTITY_KEY_FILE: keyFile }
        : { PROXY_IDENTITY_TOKEN_FILE: tokenFile }),
      PROXY_LOG_LEVEL: 'warn',
      ...(opts.allowLoopback?.length ? { PROXY_LOCAL_ALLOW_LOOPBACK: opts.allowLoopback.join(',') } : {}),
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const urls = await new Promise<{ data: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the proxy did not start within 30 s; stderr: ${stderr.slice(-2000)}`)),
      30_000,
    );
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /data (ws:\/\/\S+)\s+admin (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ data: m[1] as string, admin: m[2] as string });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the proxy exited (${code}) before listening; stderr: ${stderr.slice(-2000)}`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    dataUrl: urls.data,
    adminUrl: urls.admin,
    token,
    pid: child.pid,
    async metric(name) {
      const text = await (await fetch(`${urls.admin}/metrics`)).text();
      const values = text
        .split('\n')
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
      return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
