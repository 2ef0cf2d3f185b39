/**
 * @module lib/testing/cacheDir — where test fixtures keep what they build or download between runs (Go module and
 * build caches, the conformance host, kube-apiserver, GitHub's OpenAPI description).
 *
 * Default: the repository's ignored `.cache/`. `SENTINEL_CACHE_DIR` moves it (CI points it at a folder that outlives
 * a fresh clone, so only a new machine pays the cold build).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A path inside the fixture cache. */
export function cacheDir(...parts: string[]): string {
  return join(process.env.SENTINEL_CACHE_DIR || join(REPO, '.cache'), ...parts);
}
