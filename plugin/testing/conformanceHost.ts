/**
 * @module plugin/testing/conformanceHost — builds (cached by source hash) the bundled plugin and the Go conformance
 * host in plugin/conformance (Argo Rollouts' own client and analysis controller), and runs the host.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir } from '../../lib/testing/cacheDir.ts';

const run = promisify(execFile);

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CONFORMANCE_DIR = join(REPO, 'plugin/conformance');
/** Go caches live in the fixture cache (the repo's ignored .cache/ unless SENTINEL_CACHE_DIR moves it). */
const GO_DIR = cacheDir('go');
/** argo-rollouts v1.10.2 declares `go 1.26.10`; go fetches that toolchain through the module proxy if needed. */
const GO_TOOLCHAIN = 'go1.26.10';

export function goEnv(): NodeJS.ProcessEnv {
  return {
    // Test tooling: the Go toolchain needs the caller's environment (PATH, HOME, proxy settings).
    // eslint-disable-next-line no-restricted-properties
    ...process.env,
    GOMODCACHE: join(GO_DIR, 'mod'),
    GOCACHE: join(GO_DIR, 'build'),
    GOTOOLCHAIN: GO_TOOLCHAIN,
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

/** Builds dist/sentinel-plugin.js with the package.json script (esbuild, ~1 s). */
export async function buildPlugin(): Promise<string> {
  await run('npm', ['run', '--silent', 'build:plugin'], { cwd: REPO, maxBuffer: 1 << 24 });
  return join(REPO, 'dist/sentinel-plugin.js');
}

/** Builds the Go host unless a binary for the same sources exists. Cold (empty caches): minutes; warm: instant. */
export async function buildHost(): Promise<string> {
  const hash = createHash('sha256').update('-ldflags=-s -w CGO_ENABLED=0');
  for (const f of readdirSync(CONFORMANCE_DIR).sort()) {
    if (/\.(go|mod|sum)$/.test(f)) hash.update(f).update(readFileSync(join(CONFORMANCE_DIR, f)));
  }
  const bin = join(GO_DIR, `conformance-host-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(GO_DIR, { recursive: true });
  // Old binaries are ~80 MB each: keep only the one for the current sources.
  for (const f of readdirSync(GO_DIR))
    if (f.startsWith('conformance-host-')) rmSync(join(GO_DIR, f), { force: true });
  try {
    await run('go', ['build', '-ldflags=-s -w', '-o', bin, '.'], {
      cwd: CONFORMANCE_DIR,
      env: goEnv(),
      maxBuffer: 1 << 24,
      timeout: 30 * 60_000,
    });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'The Go toolchain (`go`) is not on PATH; the conformance host needs Go ≥ 1.21 (it fetches go1.26.10 itself).',
        { cause: err },
      );
    }
    throw new Error(`Building the Go conformance host failed:\n${e.stderr ?? e.message}`, { cause: err });
  }
  return bin;
}

/** Runs the host in a mode and parses its JSON report. Node 22 from node_modules/.bin runs the plugin's shebang. */
export async function runHost(
  host: string,
  args: string[],
  timeoutMs = 180_000,
): Promise<Record<string, unknown>> {
  // eslint-disable-next-line no-restricted-properties -- test tooling: the host inherits our environment
  const env = { ...process.env, PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH ?? ''}` };
  const { stdout } = await run(host, args, { env, maxBuffer: 1 << 26, timeout: timeoutMs });
  return JSON.parse(stdout) as Record<string, unknown>;
}
