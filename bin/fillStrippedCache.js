#!/usr/bin/env node
// `npm ci`'s postinstall: strips the project's TypeScript modules into the cache that bin/sentinel.js and its threads
// load them from (./strippedCache.js), so that the first run after an install loads no type stripper either. An install
// never fails for it: a cache that could not be filled is filled by the first runs, as before.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

try {
  const [major, minor] = process.versions.node.split('.').map(Number);
  // The cache is keyed by the Node version: only the Node the project runs on (>= 22.19, its `node` devDependency,
  // first on npm's PATH) fills it usefully.
  if (major > 22 || (major === 22 && minor >= 19)) {
    const { fillStrippedCache } = await import('./strippedCache.js');
    const started = performance.now();
    const n = fillStrippedCache(join(import.meta.dirname, '..'));
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `rollout-sentinel: ${n} TypeScript modules in the stripped-module cache for Node ${process.version} (${ms} ms)\n`,
    );
  }
} catch (err) {
  process.stderr.write(
    `rollout-sentinel: the stripped-module cache was not filled (${err instanceof Error ? err.message : err}); runs fill it as they go\n`,
  );
}
