/**
 * @module proxy/backends/local/host — one tenant's browser server: a child process of the proxy that runs
 * playwright-core's `chromium.launchServer` and reports its endpoint over the IPC channel.
 *
 * Lifetime rules (so nothing outlives the proxy): the host exits when the IPC channel closes (the proxy exited or
 * was killed), on SIGTERM/SIGINT (after closing the browser), and when the browser itself exits (a crash) — the
 * proxy sees that exit and gives the tenant a fresh sandbox next time. If the host is killed outright, Chromium
 * exits too: it loses its `--remote-debugging-pipe` peer.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import module from 'node:module';
import type { AddressInfo } from 'node:net';
import { installSocketGuard, NetPolicy, portOf, startForwardProxy } from './netGuard.ts';
import type { BrowserServer } from 'playwright-core';
import type { HostMessage, HostParams } from './protocol.ts';

/** Exit code when the browser went away without being asked to. */
export const EXIT_BROWSER_GONE = 70;

const params = JSON.parse(process.argv[2] ?? '{}') as HostParams;
let server: BrowserServer | undefined;
let stopping = false;

function send(msg: HostMessage): void {
  if (process.connected) process.send?.(msg);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code), 3000);
  force.unref();
  try {
    await server?.close();
  } catch {
    await server?.kill().catch(() => undefined);
  }
  // The proxy removes the folder too, unless it is the one that went away.
  rmSync(params.dir, { recursive: true, force: true });
  process.exit(code);
}

process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  // playwright-core takes most of the host's start-up to load; V8's code cache makes later hosts start faster.
  if (params.compileCacheDir) module.enableCompileCache(params.compileCacheDir);
  const { chromium } = await import('playwright-core');
  // Chromium's user-data-dir and Playwright's temp files go to os.tmpdir(): make that the sandbox's own folder.
  // eslint-disable-next-line no-restricted-properties -- a child process's own temp dir, not configuration
  process.env.TMPDIR = params.dir;
  // Confinement (issue 13.3): Chromium reaches the network only through this process's guard, and this process's
  // own connections (context.request runs here) are checked by the same policy once the warm-up is done.
  const policy = new NetPolicy(params.allowLoopback);
  const guard = await startForwardProxy(policy);
  server = await chromium.launchServer({
    proxy: { server: `http://127.0.0.1:${portOf(guard)}` },
    executablePath: params.executablePath,
    host: '127.0.0.1',
    port: 0,
    wsPath: params.wsPath,
    // No UDP around the proxy (WebRTC); no file: pages (also refused by the proxy's protocol policy).
    args: ['--force-webrtc-ip-handling-policy=disable_non_proxied_udp', ...params.args],
    timeout: params.launchTimeoutMs,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  server.on('close', () => {
    if (!stopping) process.exit(EXIT_BROWSER_GONE);
  });
  if (params.warmUp) {
    // Load a real http page (served here, on loopback, for this one request) so the network service and the
    // renderer path are warm too, not just the protocol connection.
    const local = createServer((_req, res) => res.end('<title>warm-up</title>'));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const warmPort = (local.address() as AddressInfo).port;
    const wasAllowed = policy.allowedLoopbackPorts.has(warmPort);
    policy.allowedLoopbackPorts.add(warmPort);
    const browser = await chromium.connect(server.wsEndpoint(), { timeout: params.launchTimeoutMs });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${(local.address() as AddressInfo).port}/`);
    await browser.close();
    local.close();
    if (!wasAllowed) policy.allowedLoopbackPorts.delete(warmPort);
  }
  installSocketGuard(policy, [portOf(guard)]);
  send({ type: 'ready', wsEndpoint: server.wsEndpoint(), browserPid: server.process().pid ?? 0 });
  if (!process.connected) await stop(0);
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  await stop(1);
}
