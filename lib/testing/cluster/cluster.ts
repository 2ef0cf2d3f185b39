/**
 * @module lib/testing/cluster/cluster — a one-machine Kubernetes cluster for end-to-end tests: the real kube-apiserver
 * (lib/testing/kube), the real kube-controller-manager (ReplicaSet + garbage collector), the real Argo Rollouts
 * controller v1.10.2 with the plugin installed as users install it (`argo-rollouts-config` → `metricProviderPlugins`),
 * Argo's own CRDs, and a simulated node (simNode.ts) whose containers are local processes. See README.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { freePort, startKubeFixture, type KubeFixture } from '../kube/kubeFixture.ts';
import { installArgoCrds } from './argoCrds.ts';
import { buildComponent, COMPONENTS } from './goBuild.ts';
import { SimNode, type ContainerProcess, type ImageTable } from './simNode.ts';

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

/**
 * The test images (by path, never imported: lib/ imports no product folder):
 * - `sentinel.test/app:<version>` runs testApp.ts (a version containing `broken` fails /healthz);
 * - `sentinel.test/shop:<v1|v2|v3>` runs one demo shop pod (demo/app/main.ts) on the pod's address, logging to stdout;
 * - `sentinel.test/sentinel:<tag>` runs `sentinel <container args>` (bin/sentinel.js; e.g. `args: [proxy]`, configured by
 *   the container's `env` as in deploy/), with PROXY_HOST and PROXY_ADMIN_HOST defaulting to the pod's address.
 */
export const testImages: ImageTable = (image, ctx): ContainerProcess | undefined => {
  const m = /^sentinel\.test\/(app|shop|sentinel):(.+)$/.exec(image);
  if (!m) return undefined;
  const tag = m[2] as string;
  const port = ctx.container.ports?.[0]?.containerPort ?? 8080;
  const node = join(NODE_BIN, 'node');
  if (m[1] === 'shop')
    return {
      command: node,
      args: [
        join(REPO, 'demo/app/main.ts'),
        ...['--version', tag, '--pod', ctx.env.POD_NAME ?? 'shop', '--log-file', '/dev/stdout'],
        ...['--port', String(port), '--host', ctx.podIP],
      ],
    };
  if (m[1] === 'sentinel')
    return {
      command: node,
      args: [join(REPO, 'bin/sentinel.js'), ...(ctx.container.args ?? [])],
      env: {
        PROXY_HOST: ctx.podIP,
        PROXY_ADMIN_HOST: ctx.podIP,
        ...ctx.env,
        PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`,
      },
    };
  return {
    command: node,
    args: [join(REPO, 'lib/testing/cluster/testApp.ts')],
    env: { APP_VERSION: tag, PORT: String(port) },
  };
};

export interface ClusterOptions {
  images?: ImageTable;
  /**
   * `custom-image` (default): deploy/plugin/custom-image — the controller runs on this machine (Node 22 from
   * node_modules/.bin on its PATH) and the ConfigMap points it at the static shim in launcher mode
   * (`args: [--node-bundle, <pluginPath>]`), which checks for Node and execs it on the bundle.
   * `bundle`: the ConfigMap points at the bundle itself (its `env node` shebang), as an http(s) install would.
   * `stock-image`: the controller runs in a chroot holding only its static binary, the static plugin shim, a kubeconfig
   * and empty folders — no libc, no /usr, no shell, no Node, like the distroless image — as UID 999; the
   * `sentinel plugin --serve` sidecar runs outside it (as UID 999 too) on the socket the shim names.
   */
  route?: 'custom-image' | 'bundle' | 'stock-image';
  /**
   * `custom-image` route: a controller image WITHOUT Node — the controller runs in the chroot of the stock-image route
   * (as UID 999, no /usr, no shell), which holds the shim and the bundle at deploy/plugin/Dockerfile's paths.
   */
  withoutNode?: boolean;
  /** The plugin bundle (dist/sentinel-plugin.js, built by the caller). */
  pluginPath: string;
  /** Override the ConfigMap's sha256 (to test a wrong one); default: the file's real digest. */
  pluginSha256?: string;
  /**
   * Extra environment of the controller, which go-plugin passes on to the plugin process (the pod spec's `env`; in the
   * chroot it is the whole environment besides POD_NAMESPACE and HOME). The plugin also gets `KUBECONFIG` = the cluster's kubeconfig, the stand-in for
   * the in-cluster ServiceAccount a `kind: canary` check reads pods, logs, ConfigMaps and Secrets with.
   */
  controllerEnv?: Record<string, string>;
}

interface ProcOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

/** Where the stock-image route puts the shim and the sidecar's socket (deploy/plugin/stock-image uses the same). */
export const SHIM_PATH = '/opt/rollout-sentinel/bin/sentinel-plugin-shim';
export const SOCKET_PATH = '/var/run/rollout-sentinel/plugin.sock';
/** Where deploy/plugin/Dockerfile puts the bundle in the custom controller image. */
export const IMAGE_BUNDLE_PATH = '/opt/rollout-sentinel/sentinel-plugin.js';
/** coreutils' chroot, by path: the chroot'ed controller's environment has no PATH. */
const CHROOT = ['/usr/sbin/chroot', '/usr/bin/chroot', '/sbin/chroot'].find((p) => existsSync(p)) ?? 'chroot';
/** The stock image's user (distroless `USER 999`). */
const ARGO_UID = 999;

/**
 * The stock controller image's filesystem, reduced to what the controller and our install put there: the static
 * controller binary, the static shim (the init container's copy), the kubeconfig (the ServiceAccount mount's stand-in)
 * and empty folders (the emptyDirs: the socket's, /tmp, the controller's home where it writes plugin-bin/).
 */
async function stockImageRoot(
  dir: string,
  argoBin: string,
  kubeconfig: string,
  shim: string,
  bundle?: string,
): Promise<{ root: string }> {
  const root = join(dir, 'root');
  for (const d of [
    'bin',
    'opt/rollout-sentinel/bin',
    'var/run/rollout-sentinel',
    'home/argo-rollouts',
    'tmp',
  ])
    await mkdir(join(root, d), { recursive: true });
  await copyFile(argoBin, join(root, 'bin/rollouts-controller'));
  await copyFile(shim, join(root, SHIM_PATH));
  await chmod(join(root, 'bin/rollouts-controller'), 0o755);
  await chmod(join(root, SHIM_PATH), 0o755);
  if (bundle) await copyFile(bundle, join(root, IMAGE_BUNDLE_PATH));
  await copyFile(kubeconfig, join(root, 'var/run/kubeconfig'));
  // chroot starts the controller in `/`, where it creates plugin-bin/: the root is the controller's, like its home.
  for (const d of ['', 'var/run/rollout-sentinel', 'home/argo-rollouts', 'tmp', 'var/run/kubeconfig'])
    await chown(join(root, d), ARGO_UID, ARGO_UID);
  await chmod(dir, 0o755);
  return { root };
}

/** A process of the cluster with its last log lines. */
export class Proc {
  #child?: ChildProcess;
  #log: string[] = [];
  readonly name: string;
  readonly #cmd: string;
  readonly #args: string[];
  readonly #opts: ProcOptions;
  constructor(name: string, cmd: string, args: string[], opts: ProcOptions) {
    this.name = name;
    this.#cmd = cmd;
    this.#args = args;
    this.#opts = opts;
  }

  start(): void {
    const child = spawn(this.#cmd, this.#args, {
      cwd: this.#opts.cwd,
      env: this.#opts.env,
      ...(this.#opts.uid === undefined ? {} : { uid: this.#opts.uid, gid: this.#opts.gid ?? this.#opts.uid }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const collect = (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l) this.#log.push(l);
      if (this.#log.length > 50_000) this.#log.splice(0, 10_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (err) => this.#log.push(`${this.name}: cannot start ${this.#cmd}: ${err.message}`));
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
  /** `stock-image` route (and `withoutNode`): the chroot the controller runs in; the sidecar (started by `startSidecar`). */
  root?: string;
  sidecar?: Proc;
  startSidecar(): Promise<void>;
  close(): Promise<void>;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** The `argo-rollouts-config` ConfigMap installing the plugin (`file://` or `http(s)://`), as deploy/plugin does. */
export function pluginConfigMap(location: string, digest: string, args: string[] = []): object {
  const argLines = args.length ? `  args:\n${args.map((a) => `    - ${JSON.stringify(a)}\n`).join('')}` : '';
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argo-rollouts-config', namespace: ARGO_NAMESPACE },
    data: {
      metricProviderPlugins: `- name: ${PLUGIN_NAME}\n  location: ${location}\n  sha256: "${digest}"\n${argLines}`,
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
    const route = opts.route ?? 'custom-image';
    const shim = route === 'bundle' ? undefined : await buildComponent(COMPONENTS.pluginShim);
    const chrooted = route === 'stock-image' || (route === 'custom-image' && opts.withoutNode === true);
    const stock = chrooted
      ? await stockImageRoot(
          dir,
          argoBin,
          kubeconfig,
          shim!,
          route === 'custom-image' ? opts.pluginPath : undefined,
        )
      : undefined;
    // What the ConfigMap names, and the file on this machine whose digest it carries.
    const [location, localFile, args] =
      route === 'bundle'
        ? [opts.pluginPath, opts.pluginPath, []]
        : route === 'stock-image'
          ? [SHIM_PATH, join(stock!.root, SHIM_PATH), []]
          : stock
            ? [SHIM_PATH, join(stock.root, SHIM_PATH), ['--node-bundle', IMAGE_BUNDLE_PATH]]
            : [shim!, shim!, ['--node-bundle', opts.pluginPath]];
    const digest = opts.pluginSha256 ?? (await sha256(localFile));
    await core.createNamespacedConfigMap({
      namespace: ARGO_NAMESPACE,
      body: pluginConfigMap(`file://${location}`, digest, args) as never,
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

    const controllerDir = stock ? stock.root : join(dir, 'controller');
    if (!stock) await mkdir(controllerDir);
    const controllerArgs = async () => [
      ...(stock ? ['--userspec=999:999', stock.root, '/bin/rollouts-controller'] : []),
      `--kubeconfig=${stock ? '/var/run/kubeconfig' : kubeconfig}`,
      '--leader-elect=false',
      `--metricsPort=${await freePort()}`,
      `--healthzPort=${await freePort()}`,
      '--loglevel=info',
      '--logformat=text',
    ];
    // The chroot'ed controller gets what the stock pod gives it: no PATH to anything, its namespace, its home.
    const controllerEnv = stock
      ? { ...opts.controllerEnv, POD_NAMESPACE: ARGO_NAMESPACE, HOME: '/home/argo-rollouts' }
      : {
          ...baseEnv,
          KUBECONFIG: kubeconfig,
          ...opts.controllerEnv,
          POD_NAMESPACE: ARGO_NAMESPACE,
          PATH: `${NODE_BIN}:${baseEnv.PATH ?? ''}`,
        };
    const controllerCmd = stock ? CHROOT : argoBin;
    let controller = new Proc('rollouts-controller', controllerCmd, await controllerArgs(), {
      cwd: controllerDir,
      env: controllerEnv,
    });
    controller.start();
    procs.push(controller);

    let sidecar: Proc | undefined;
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
        controller = new Proc('rollouts-controller', controllerCmd, await controllerArgs(), {
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
        // Go starts children from whichever OS thread runs the goroutine: read every thread's children.
        const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
        const out = await Promise.all(
          tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')),
        );
        return out.join(' ').trim().split(/\s+/).filter(Boolean).map(Number);
      },
      ...(stock ? { root: stock.root } : {}),
      get sidecar() {
        return sidecar;
      },
      async startSidecar() {
        if (!stock || route !== 'stock-image')
          throw new Error('startSidecar: only the stock-image route has a sidecar');
        await sidecar?.stop('SIGKILL');
        sidecar = new Proc(
          'sentinel-plugin-sidecar',
          join(NODE_BIN, 'node'),
          [join(REPO, 'bin/sentinel.js'), 'plugin', '--serve', '--socket', join(stock.root, SOCKET_PATH)],
          { env: { ...baseEnv, PATH: `${NODE_BIN}:${baseEnv.PATH ?? ''}` }, uid: 999, gid: 999 },
        );
        sidecar.start();
        procs.push(sidecar);
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
