/**
 * @module demo/fleet — the shop's "pods" (one child process each, own log file, pod-template-hash in the name) and a
 * round-robin "Service" in front, like Kubernetes ReplicaSets behind a Service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../lib/stopChild.ts';

/** A pod's SIGTERM → SIGKILL grace (the shop closes its server and log file in milliseconds). */
const POD_STOP_GRACE_MS = 3000;

const APP_MAIN = fileURLToPath(new URL('./app/main.ts', import.meta.url));

/** Kubernetes' safe alphabet for generated names (no vowels, no confusable characters). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function safeString(bytes: Buffer, length: number): string {
  return [...bytes.subarray(0, length)].map((b) => SAFE[b % SAFE.length]).join('');
}

/** A stable pod-template-hash for an app version (the same version always gets the same hash, as in Kubernetes). */
export function podTemplateHash(app: string, version: string): string {
  return safeString(createHash('sha256').update(`${app}:${version}`).digest(), 10);
}

export interface Pod {
  name: string;
  url: string;
  logFile: string;
  process: ChildProcess;
}

/** A version's pods. */
export interface ReplicaSet {
  version: string;
  hash: string;
  pods: Pod[];
  stop(): Promise<void>;
}

/**
 * A Kubernetes-like Service: one stable address whose pods can be swapped (the canary Service moves from v2's pods to
 * v3's when the fix ships), round-robin over the current pods.
 */
export interface Service {
  url: string;
  /** The port, for the proxy's loopback allow-list. */
  port: number;
  /** The ReplicaSet currently behind the Service. */
  replicaSet: ReplicaSet | undefined;
  route(rs: ReplicaSet): void;
  close(): void;
}

export interface StartReplicaSetOptions {
  app: string;
  version: 'v1' | 'v2' | 'v3';
  replicas: number;
  logDir: string;
  signal: AbortSignal;
  /** How long a pod may take to print its address. */
  startTimeoutMs?: number;
}

/** Starts one pod and resolves once it listens. */
async function startPod(o: StartReplicaSetOptions & { name: string }): Promise<Pod> {
  const logFile = join(o.logDir, `${o.name}.log`);
  const child = spawn(
    process.execPath,
    [APP_MAIN, '--version', o.version, '--pod', o.name, '--log-file', logFile],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const timeout = AbortSignal.timeout(o.startTimeoutMs ?? 15_000);
  const signal = AbortSignal.any([o.signal, timeout]);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const fail = (why: string): void =>
        reject(new Error(`pod ${o.name} did not start: ${why}${stderr ? `\n${stderr}` : ''}`));
      lines.on('line', (l) => l.startsWith('listening ') && resolve(l.slice('listening '.length)));
      child.once('exit', (code) => fail(`exited with code ${code}`));
      child.once('error', (err) => fail(err.message));
      signal.addEventListener('abort', () => fail(timeout.aborted ? 'timed out' : 'interrupted'), {
        once: true,
      });
    });
    return { name: o.name, url, logFile, process: child };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Starts a Service on a free loopback port; until a ReplicaSet is routed to it, it answers 503. */
export async function startService(): Promise<Service> {
  let next = 0;
  let current: ReplicaSet | undefined;
  const server = createServer((req, res) => {
    const pods = current?.pods ?? [];
    if (pods.length === 0) return void res.writeHead(503).end('no pods behind this service');
    const target = new URL(req.url ?? '/', (pods[next++ % pods.length] as Pod).url);
    const up = request(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream pod unavailable');
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get replicaSet() {
      return current;
    },
    route(rs) {
      current = rs;
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Starts `replicas` pods of a version, concurrently; resolves when all listen (stops them all if one fails). */
export async function startReplicaSet(o: StartReplicaSetOptions): Promise<ReplicaSet> {
  const hash = podTemplateHash(o.app, o.version);
  const names = Array.from({ length: o.replicas }, () => `${o.app}-${hash}-${safeString(randomBytes(5), 5)}`);
  const settled = await Promise.allSettled(names.map((name) => startPod({ ...o, name })));
  const pods = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(pods.map((p) => stopChild(p.process, POD_STOP_GRACE_MS)));
    throw failed.reason;
  }
  return {
    version: o.version,
    hash,
    pods,
    stop: async () => {
      await Promise.all(pods.map((p) => stopChild(p.process, POD_STOP_GRACE_MS)));
    },
  };
}
