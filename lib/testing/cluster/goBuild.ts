/**
 * @module lib/testing/cluster/goBuild — builds the one-machine cluster's Go components (the real rollouts-controller,
 * kube-controller-manager, the stock-image plugin shim) from Go modules into the fixture cache: once per source hash,
 * under `flock` so parallel test workers (and other worktrees sharing the cache) build each one once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../cacheDir.ts';
import { run } from '../kube/kubeFixture.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Binaries of the cluster fixture (the repo's ignored `.cache/cluster/` unless SENTINEL_CACHE_DIR moves it). */
export const CLUSTER_CACHE_DIR = cacheDir('cluster');

/** One Go component of the cluster. */
export interface GoComponent {
  /** File name prefix in the cache, e.g. `rollouts-controller`. */
  name: string;
  /** The Go module folder (go.mod, go.sum, *.go), relative to lib/testing/cluster or absolute. */
  dir: string;
  /** The package to build (`.` or an import path of a dependency's `main`). */
  pkg: string;
  /** GOTOOLCHAIN (a module may declare a newer `go` than the machine's; go fetches it through the module proxy). */
  toolchain?: string;
  /**
   * Build settings. They are part of Go's build-cache keys, so each component uses those of the fixture it shares
   * most packages with: kube-controller-manager those of the kube-apiserver fixture (cgo as the machine has it), the
   * Argo controller those of the plugin conformance host (`CGO_ENABLED=0`, static, as in Argo's distroless image).
   */
  cgo: boolean;
}

/** argo-rollouts v1.10.2 declares `go 1.26.10`. */
const ARGO_TOOLCHAIN = 'go1.26.10';

export const COMPONENTS = {
  /** The real Argo Rollouts controller, `github.com/argoproj/argo-rollouts/cmd/rollouts-controller` v1.10.2. */
  rolloutsController: {
    name: 'rollouts-controller',
    dir: 'argo',
    pkg: 'github.com/argoproj/argo-rollouts/cmd/rollouts-controller',
    toolchain: ARGO_TOOLCHAIN,
    cgo: false,
  },
  /** The real kube-controller-manager, k8s.io/kubernetes v1.36.3 (the API server fixture's release). */
  kubeControllerManager: { name: 'kube-controller-manager', dir: 'kcm', pkg: '.', cgo: true },
  /** The stock-image route's static plugin shim (plugin/shim, no dependencies), as the sentinel image ships it. */
  pluginShim: {
    name: 'sentinel-plugin-shim',
    dir: join(HERE, '../../../plugin/shim'),
    pkg: '.',
    cgo: false,
  },
  /** kustomize v5 for the manifest tests, only when kubectl (which embeds it) is not on PATH. */
  kustomize: { name: 'kustomize', dir: 'kustomize', pkg: 'sigs.k8s.io/kustomize/kustomize/v5', cgo: false },
} as const satisfies Record<string, GoComponent>;

/** Stripped (linker only: the compiled packages stay shared with the other Go fixtures' builds). */
const FLAGS = ['-ldflags=-s -w'];

function sourceHash(dir: string, c: GoComponent, goVersion: string): string {
  const h = createHash('sha256').update(JSON.stringify({ pkg: c.pkg, FLAGS, cgo: c.cgo, goVersion }));
  for (const f of readdirSync(dir).sort()) {
    if (/\.(go|mod|sum)$/.test(f)) h.update(f).update(readFileSync(join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

function env(c: GoComponent): Record<string, string> {
  return { ...(c.cgo ? {} : { CGO_ENABLED: '0' }), ...(c.toolchain ? { GOTOOLCHAIN: c.toolchain } : {}) };
}

/** The cached binary's path for a component (it may not exist yet). */
export async function binaryPath(c: GoComponent): Promise<string> {
  const dir = c.dir.startsWith('/') ? c.dir : join(HERE, c.dir);
  const goVersion = c.toolchain ?? (await run('go', ['env', 'GOVERSION'])).trim();
  return join(CLUSTER_CACHE_DIR, `${c.name}-${sourceHash(dir, c, goVersion)}`);
}

/**
 * Builds a component unless the binary for its sources exists. Cold: minutes (see README.md for the measured costs);
 * warm: instant. Throws with the tail of go's stderr.
 */
export async function buildComponent(c: GoComponent, timeoutMs = 40 * 60_000): Promise<string> {
  const bin = await binaryPath(c);
  if (existsSync(bin)) return bin;
  await mkdir(CLUSTER_CACHE_DIR, { recursive: true });
  const dir = c.dir.startsWith('/') ? c.dir : join(HERE, c.dir);
  const vars = Object.entries(env(c))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const flags = FLAGS.map((f) => `'${f}'`).join(' ');
  const script = `test -x "$1" || { env ${vars || 'GOFLAGS=-modcacherw'} go build ${flags} -o "$1.tmp" "$2" && mv "$1.tmp" "$1"; }`;
  const lock = join(CLUSTER_CACHE_DIR, `${c.name}.lock`);
  await run('flock', [lock, 'sh', '-c', script, 'sh', bin, c.pkg], { cwd: dir, timeoutMs });
  return bin;
}
