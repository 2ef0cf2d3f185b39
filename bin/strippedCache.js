// The JavaScript of the project's TypeScript modules, kept between runs, so that a process (and each of its worker
// threads) loads no type stripper once its modules have been stripped once.
//
// Node strips a `.ts` module's types with amaro, a WebAssembly build of swc, loaded per thread on the first `.ts`
// import; its memory only grows with the code it strips: ~15 MB RSS to load it, ~27 MB more for the 54 modules of
// `sentinel judge` (`node -e 0` is ~44 MB). Served from this cache, `sentinel judge` on 1M lines per side peaks at
// 132–140 MB with its default reader thread instead of 164–168 MB (110 MB instead of 139 MB in one thread; `npm run
// bench:judge-memory`), and starts ~0.4 s sooner.
//
// A module hook serves each `.ts` file outside node_modules as the JavaScript stripped from it earlier, found by the
// SHA-256 of the Node version and of its source: an edited file has another key, so nothing served can be stale. A
// file not in the cache is stripped here, with the `module.stripTypeScriptTypes` of the running Node (the same
// stripper Node uses, loaded as it would be), and written for the next run. The cache is
// node_modules/.cache/rollout-sentinel/stripped: a clone's `npm ci` empties it and then fills it (`postinstall`,
// ./fillStrippedCache.js); a module edited since is stripped by its first run. Where it cannot be written (an image's
// read-only node_modules) every run strips, as Node would, unless the image filled it when it was built. Old versions
// of edited files stay until the next `npm ci` (a few KB each).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where stripped modules are kept: a folder of `<sha256>.js` files. */
const STRIPPED_CACHE = join(
  import.meta.dirname,
  '..',
  'node_modules',
  '.cache',
  'rollout-sentinel',
  'stripped',
);

/**
 * Node 22 marks `module.stripTypeScriptTypes` experimental and prints an ExperimentalWarning on its first call; the
 * type stripping Node does for every `.ts` import is the same code and prints none. The warning is dropped for the
 * call.
 * @param {string} source
 */
function strip(source) {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * The JavaScript of a `.ts` file, from the cache or stripped now (and cached).
 * @param {string} url a file URL
 * @param {string} dir the cache folder
 */
function strippedSource(url, dir) {
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const key = createHash('sha256').update(process.version).update('\0').update(source).digest('hex');
  const file = join(dir, `${key}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // not cached yet (or unreadable): strip it below
  }
  const js = strip(source);
  try {
    mkdirSync(dir, { recursive: true });
    // Written whole under a temporary name first: a concurrent run reads the old state or the whole file.
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, js);
    renameSync(tmp, file);
  } catch {
    // a read-only install: every run strips, as Node would
  }
  return js;
}

/**
 * Strips every `.ts` module of the project under `root` (outside node_modules and dot folders) into the cache, so that
 * no run strips, not even the first after `npm ci` (its `postinstall`, ./fillStrippedCache.js): stripping loads the
 * type stripper, ~15 MB more RSS for that run and for each thread of it. Returns how many modules were looked at.
 * @param {string} root
 * @returns {number}
 */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- plain JavaScript, typed by its JSDoc
export function fillStrippedCache(root) {
  let n = 0;
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        strippedSource(pathToFileURL(path).href, STRIPPED_CACHE);
        n++;
      }
    }
  };
  walk(root);
  return n;
}

// Serves this thread's imports of the project's `.ts` modules from the cache: importing this file installs the hook.
registerHooks({
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/'))
      return nextLoad(url, context);
    return { format: 'module', source: strippedSource(url, STRIPPED_CACHE), shortCircuit: true };
  },
});
