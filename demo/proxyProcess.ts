/** @module demo/proxyProcess — the sandbox proxy as a child process (`sentinel proxy`, local backend, loopback, free ports). */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from './config.ts';
import { stopChild } from './fleet.ts';

const BIN = fileURLToPath(new URL('../bin/sentinel.js', import.meta.url));

export interface ProxyProcess {
  /** ws:// data URL journeys connect to. */
  dataUrl: string;
  adminUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `sentinel proxy --backend local` on 127.0.0.1 with ports picked by the OS (nothing to collide with), and
 * resolves once it prints its addresses. Rejects with the proxy's own words when it exits first.
 */
export async function startProxy(o: {
  signal: AbortSignal;
  sandboxDir: string;
  /** Loopback ports the sandboxed browsers may open (the shop's Services); everything else local stays refused. */
  allowPorts: readonly number[];
  timeoutMs?: number;
}): Promise<ProxyProcess> {
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
  // One user on one machine: `fixed` identity (one sandbox, loopback only). The cluster uses signed tenant tokens.
  args.push(
    '--identity',
    'fixed',
    '--fixed-id',
    'demo',
    '--shutdown-sandboxes',
    'delete',
    '--log-level',
    'warn',
  );
  args.push('--allow-loopback', o.allowPorts.map((p) => `127.0.0.1:${p}`).join(','));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv({ PROXY_LOCAL_SANDBOX_DIR: o.sandboxDir }),
  });
  let stderr = '';
  const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs ?? 30_000)]);
  try {
    const [dataUrl, adminUrl] = await new Promise<[string, string]>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
        const m = /sentinel proxy: data (\S+)\s+admin (\S+)/.exec(stderr);
        if (m) resolve([m[1] as string, m[2] as string]);
      });
      child.once('exit', (code) =>
        reject(new Error(`sentinel proxy exited with code ${code}: ${stderr.trim().slice(-1500)}`)),
      );
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    return {
      dataUrl: dataUrl.replace(/^http/, 'ws'),
      adminUrl,
      process: child,
      stop: () => stopChild(child, 10_000),
    };
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
}
