/** @module lib/testing/kube/kubeFixture — a real kube-apiserver + embedded etcd, built from Go modules, on loopback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import { cacheDir } from '../cacheDir.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const GO_DIR = join(HERE, 'apiserver');
/** The binary lives in the fixture cache (the repo's ignored `.cache/` unless SENTINEL_CACHE_DIR moves it). */
export const KUBE_CACHE_DIR = cacheDir('kube');

/** Go's module and build caches inside the fixture cache, shared with the other Go fixtures. */
export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: cacheDir('go', 'mod'),
    GOCACHE: cacheDir('go', 'build'),
    GOFLAGS: '-modcacherw',
  };
}

/** Runs a command; resolves with stdout, rejects with the command line and the tail of stderr. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: goEnv() });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${err.slice(-4000)}`));
    });
  });
}

async function sourceHash(): Promise<string> {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) h.update(await readFile(join(GO_DIR, f)));
  h.update(await run('go', ['version']));
  return h.digest('hex').slice(0, 16);
}

/** Where the `kube-fixture` binary for the current sources lives (it exists once built). */
export async function kubeFixturePath(): Promise<string> {
  return join(KUBE_CACHE_DIR, `kube-fixture-${await sourceHash()}`);
}

/**
 * Builds `kube-fixture` (kube-apiserver + embedded etcd) once per source hash into `.cache/kube/`, under a file lock
 * so parallel test workers build it once. Cold: downloads the Go modules and compiles (minutes); warm: instant.
 */
export async function buildKubeFixture(): Promise<string> {
  const bin = await kubeFixturePath();
  if (existsSync(bin)) return bin;
  await mkdir(KUBE_CACHE_DIR, { recursive: true });
  const script = `test -x "$1" || { go build -o "$1.tmp" . && mv "$1.tmp" "$1"; }`;
  await run('flock', [join(KUBE_CACHE_DIR, 'build.lock'), 'sh', '-c', script, 'sh', bin], { cwd: GO_DIR });
  return bin;
}

/** Below Linux's default ephemeral range (32768–60999), so no outgoing connection can take the port meanwhile. */
const FIXED_PORTS = { from: 20_000, to: 32_000 };

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server that binds it later (kube-apiserver binds seconds after etcd starts). Ports
 * handed out by the kernel (`listen(0)`) come from the ephemeral range, where any outgoing connection — the apiserver's
 * own to etcd — may take the port before it is bound; so pick one below that range and check it is free now.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(
    `no free port on 127.0.0.1 between ${FIXED_PORTS.from} and ${FIXED_PORTS.to} after 200 tries`,
  );
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

/** Options for {@link startKubeFixture}. */
export interface KubeFixtureOptions {
  /** Extra kube-apiserver flags. */
  extraArgs?: string[];
  /** How long to wait for `/readyz` (default 120 s: a cold start on a loaded 2-core machine). */
  readyTimeoutMs?: number;
}

/** A running API server. */
export interface KubeFixture {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** A KubeConfig for a bearer token (default: the fixture's admin, in group system:masters). */
  kubeConfig(opts?: { token?: string; namespace?: string; server?: string }): KubeConfig;
  /** Stops and starts kube-apiserver and etcd on the same ports and data (objects and resourceVersions survive). */
  restart(): Promise<void>;
  /** Kills the processes (SIGKILL) without restarting: the API server is down until `start()`. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Milliseconds the last start took to become ready. */
  readonly lastStartMs: number;
}

function apiserverArgs(dir: string, ports: Ports): string[] {
  return [
    `--etcd-dir=${join(dir, 'etcd')}`,
    `--etcd-client-port=${ports.etcdClient}`,
    `--etcd-peer-port=${ports.etcdPeer}`,
    '--',
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // No kube-controller-manager runs, so nobody creates a namespace's `default` ServiceAccount; pods name theirs.
    '--disable-admission-plugins=ServiceAccount',
    '--profiling=false',
    '--v=0',
  ];
}

class Fixture implements KubeFixture {
  readonly server: string;
  lastStartMs = 0;
  #child: ChildProcess | undefined;
  #log = '';
  readonly #bin: string;
  readonly #dir: string;
  readonly #ports: Ports;
  readonly #adminToken: string;
  readonly #opts: KubeFixtureOptions;

  constructor(bin: string, dir: string, ports: Ports, adminToken: string, opts: KubeFixtureOptions) {
    this.#bin = bin;
    this.#dir = dir;
    this.#ports = ports;
    this.#adminToken = adminToken;
    this.#opts = opts;
    this.server = `https://127.0.0.1:${ports.apiserver}`;
  }

  kubeConfig(opts: { token?: string; namespace?: string; server?: string } = {}): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fixture', server: opts.server ?? this.server, skipTLSVerify: true }],
      users: [{ name: 'u', token: opts.token ?? this.#adminToken }],
      contexts: [{ name: 'c', cluster: 'fixture', user: 'u', namespace: opts.namespace ?? 'default' }],
      currentContext: 'c',
    });
    return kc;
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    const args = [...apiserverArgs(this.#dir, this.#ports), ...(this.#opts.extraArgs ?? [])];
    const child = spawn(this.#bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#log = '';
    child.stderr?.on('data', (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-20_000);
    });
    await this.#waitReady(child, this.#opts.readyTimeoutMs ?? 120_000);
    this.lastStartMs = Math.round(performance.now() - t0);
  }

  async #waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`kube-fixture exited ${child.exitCode}:\n${this.#log.slice(-3000)}`);
      try {
        const res = await fetch(`${this.server}/readyz`, {
          headers: { Authorization: `Bearer ${this.#adminToken}` },
          signal: AbortSignal.timeout(2000),
          dispatcher: INSECURE,
        });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`kube-apiserver not ready after ${timeoutMs} ms:\n${this.#log.slice(-3000)}`);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

// The readiness probe skips TLS verification: kube-apiserver generates a self-signed serving certificate.
const INSECURE = new Agent({ connect: { rejectUnauthorized: false } });

/**
 * Builds (if needed) and starts a kube-apiserver with an embedded etcd on loopback ports, RBAC on, a static admin
 * token (generated at run time) and ServiceAccount token signing, so tests can act as the proxy's ServiceAccount.
 */
export async function startKubeFixture(opts: KubeFixtureOptions = {}): Promise<KubeFixture> {
  const bin = await buildKubeFixture();
  const dir = await mkdtemp(join(tmpdir(), 'kube-fixture-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const adminToken = randomBytes(24).toString('hex');
  await writeFile(
    join(dir, 'tokens.csv'),
    `${adminToken},fixture-admin,fixture-admin-uid,"system:masters"\n`,
  );
  // Another process can still take a chosen port before the fixture binds it: try fresh ports a few times.
  for (let attempt = 1; ; attempt++) {
    const ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() };
    const fx = new Fixture(bin, dir, ports, adminToken, opts);
    try {
      await fx.start();
      return fx;
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
      await fx.kill();
      // etcd recorded the old ports in its data: start the next attempt from an empty one.
      await rm(join(dir, 'etcd'), { recursive: true, force: true });
    }
  }
}
