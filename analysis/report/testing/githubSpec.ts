/** @module analysis/report/testing/githubSpec — GitHub's official OpenAPI description, fetched once from npm. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from '../../../lib/testing/cacheDir.ts';

const run = promisify(execFile);

/** The pinned `@octokit/openapi` release (GitHub's description of api.github.com, OpenAPI 3.0.3). */
export const OPENAPI_PACKAGE = '@octokit/openapi@23.0.2';

const CACHE = cacheDir('github-openapi', '23.0.2');

/**
 * Path of `api.github.com.json`. The package is 385 MB unpacked (every GHES variant), so instead of a dependency we
 * `npm pack` the 29 MB tarball once into `.cache/` (ignored by git) and extract only this 13 MB file. Concurrent test
 * files wait on a lock directory. Needs the npm registry the first time only.
 */
export async function ensureGithubSpec(): Promise<string> {
  const target = join(CACHE, 'api.github.com.json');
  if (existsSync(target)) return target;
  await mkdir(CACHE, { recursive: true });
  const lock = join(CACHE, '.lock');
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (existsSync(target)) return target;
      if (i > 600)
        throw new Error(`timed out waiting for ${lock}; delete it if no test run is downloading the spec`);
      await sleep(200);
    }
  }
  try {
    if (existsSync(target)) return target;
    const tmp = await mkdtemp(join(CACHE, 'dl-'));
    const { stdout } = await run('npm', ['pack', OPENAPI_PACKAGE, '--pack-destination', tmp, '--silent'], {
      timeout: 300_000,
    });
    const tgz = join(tmp, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tgz, '-C', tmp, 'package/generated/api.github.com.json'], { timeout: 120_000 });
    await rename(join(tmp, 'package/generated/api.github.com.json'), target);
    await rm(tmp, { recursive: true, force: true });
    return target;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
