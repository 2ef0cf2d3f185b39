/**
 * @module lib/testing/cluster/cluster — a one-machine Kubernetes cluster for end-to-end tests: the real kube-apiserver
 * (lib/testing/kube), the real kube-controller-manager (ReplicaSet + garbage collector), the real Argo Rollouts
 * controller v1.10.2 with the plugin installed as users install it (`argo-rollouts-config` → `metricProviderPlugins`),
 * Argo's own CRDs, and a simulated node (simNode.ts) whose containers are local processes. See README.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { freePort, startKubeFixture, type KubeFixture } from '../kube/kubeFixture.ts';
import { installArgoCrds } from './argoCrds.ts';
import { buildComponent, COMPONENTS } from './goBuild.ts';
import { SimNode, type ImageTable } from './simNode.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Node 22 (the `node` devDependency) first on PATH: the plugin's shebang is `env node`. */
const NODE_BIN = join(REPO, 'node_modules/.bin');
export const ARGO_NAMESPACE = 'argo-rollouts';
export const PLUGIN_NAME = 'rollout-sentinel/canary';

/** Builds dist/sentinel-plugin.js (the package.json script, esbuild, ~1 s) and returns its path. */
export async function buildPluginBundle(): Promise<string> {
  await new Promise<void>((res, rej) => {
    const c = spawn('npm', ['run', '--silent', 'build:plugin'], { cwd: REPO, stdio: 'inherit' });
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`npm run build:plugin exited ${code}`))));
  });
  return join(REPO, 'dist/sentinel-plugin.js');
}

/** The test images: `sentinel.test/app:<version>` runs testApp.ts (a version containing `broken` fails /healthz). */
export const testImages: ImageTable = (image, ctx) => {
  const m = /^sentinel\.test\/app:(.+)$/.exec(image);
  if (!m) return undefined;
  const port = ctx.container.ports?.[0]?.containerPort ?? 8080;
  return {
    command: join(NODE_BIN, 'node'),
    args: [join(REPO, 'lib/testing/cluster/testApp.ts')],
    env: { APP_VERSION: m[1] as string, PORT: String(port) },
  };
};

export interface ClusterOptions {
  images?: ImageTable;
  /** The plugin executable the ConfigMap points at (default: dist/sentinel-plugin.js, built by the caller). */
  pluginPath: string;
  /** Override the ConfigMap's sha256 (to test a wrong one); default: the file's real digest. */
  pluginSha256?: string;
}

/** A process of the cluster with its last log lines. */
export class Proc {
  #child?: ChildProcess;
  #log: string[] = [];
  readonly name: string;
  readonly #cmd: string;
  readonly #args: string[];
  readonly #opts: { cwd?: string; env?: NodeJS.ProcessEnv };
  constructor(name: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }) {
    this.name = name;
    this.#cmd = cmd;
    this.#args = args;
    this.#opts = opts;
  }

  start(): void {
    const child = spawn(this.#cmd, this.#args, {
      cwd: this.#opts.cwd,
      env: this.#opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const collect = (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l) this.#log.push(l);
      if (this.#log.length > 50_000) this.#log.splice(0, 10_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Every log line so far (stdout and stderr). */
  get log(): string[] {
    return this.#log;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
}

export interface Cluster {
  kube: KubeFixture;
  kc: KubeConfig;
  node: SimNode;
  controller: Proc;
  kcm: Proc;
  /** The controller's working folder (it downloads plugins into `plugin-bin/` there). */
  controllerDir: string;
  /** Restarts the Argo controller (SIGTERM; Control.Quit reaches the plugin) — or SIGKILLs it first if `kill`. */
  restartController(opts?: { kill?: boolean }): Promise<void>;
  /** PIDs of plugin processes the controller started (children of the controller). */
  pluginPids(): Promise<number[]>;
  close(): Promise<void>;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** The `argo-rollouts-config` ConfigMap installing the plugin from a local file, as deploy/plugin does. */
export function pluginConfigMap(location: string, digest: string): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argo-rollouts-config', namespace: ARGO_NAMESPACE },
    data: {
      metricProviderPlugins: `- name: ${PLUGIN_NAME}\n  location: ${location}\n  sha256: "${digest}"\n`,
    },
  };
}

/** Starts the whole cluster (builds the Go components first if needed: minutes when cold). */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const [kcmBin, argoBin] = await Promise.all([
    buildComponent(COMPONENTS.kubeControllerManager),
    buildComponent(COMPONENTS.rolloutsController),
  ]);
  const kube = await startKubeFixture({ extraArgs: ['--kubelet-preferred-address-types=InternalIP'] });
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-cluster-'));
  const procs: Proc[] = [];
  let node: SimNode | undefined;
  try {
    const kc = kube.kubeConfig();
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    await installArgoCrds(kc);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ARGO_NAMESPACE } } });
    const digest = opts.pluginSha256 ?? (await sha256(opts.pluginPath));
    await core.createNamespacedConfigMap({
      namespace: ARGO_NAMESPACE,
      body: pluginConfigMap(`file://${opts.pluginPath}`, digest) as never,
    });

    // Test fixture: child processes inherit PATH, HOME.
    const baseEnv = process.env;
    const kcm = new Proc(
      'kube-controller-manager',
      kcmBin,
      [
        `--kubeconfig=${kubeconfig}`,
        '--controllers=replicaset-controller,garbage-collector-controller',
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        '--use-service-account-credentials=false',
        '--concurrent-replicaset-syncs=5',
        '--v=1',
      ],
      { env: baseEnv },
    );
    kcm.start();
    procs.push(kcm);

    node = new SimNode({ kc, images: opts.images ?? testImages });
    await node.start();

    const controllerDir = join(dir, 'controller');
    await mkdir(controllerDir);
    const controllerArgs = async () => [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      `--metricsPort=${await freePort()}`,
      `--healthzPort=${await freePort()}`,
      '--loglevel=info',
      '--logformat=text',
    ];
    const controllerEnv = {
      ...baseEnv,
      POD_NAMESPACE: ARGO_NAMESPACE,
      PATH: `${NODE_BIN}:${baseEnv.PATH ?? ''}`,
    };
    let controller = new Proc('rollouts-controller', argoBin, await controllerArgs(), {
      cwd: controllerDir,
      env: controllerEnv,
    });
    controller.start();
    procs.push(controller);

    const cluster: Cluster = {
      kube,
      kc,
      node,
      kcm,
      controllerDir,
      get controller() {
        return controller;
      },
      async restartController({ kill = false } = {}) {
        await controller.stop(kill ? 'SIGKILL' : 'SIGTERM');
        const log = controller.log;
        controller = new Proc('rollouts-controller', argoBin, await controllerArgs(), {
          cwd: controllerDir,
          env: controllerEnv,
        });
        controller.log.push(...log, '--- restarted ---');
        controller.start();
        procs.push(controller);
      },
      async pluginPids() {
        const pid = controller.pid;
        if (!pid) return [];
        const out = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
        return out.trim().split(/\s+/).filter(Boolean).map(Number);
      },
      async close() {
        for (const p of procs.reverse()) await p.stop('SIGKILL');
        await node?.close();
        await kube.stop();
        await rm(dir, { recursive: true, force: true });
      },
    } as Cluster;
    return cluster;
  } catch (err) {
    for (const p of procs) await p.stop('SIGKILL');
    await node?.close();
    await kube.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
