/**
 * @module plugin/build — builds `dist/sentinel-plugin.js`, the one file the controller's ConfigMap installs
 * (`npm run build:plugin`; `node plugin/build.ts [outfile]`).
 *
 * The bundle has nothing beside it, so what its dependencies read from their own package folder at run time must be
 * inside it: playwright-core (the journeys) reads its `package.json` through `__dirname` when it loads, which is
 * replaced here by the JSON itself; `__dirname`/`__filename`/`require` exist in the ESM bundle through the banner.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const REPO = fileURLToPath(new URL('../', import.meta.url));

/**
 * Shebang: a small young generation and one V8 worker thread (fewer malloc arenas) keep idle RSS low after bursts;
 * `env -S` needs coreutils ≥ 8.30 (Debian 10+, node:*-slim images).
 */
const SHEBANG = '#!/usr/bin/env -S node --max-semi-space-size=1 --v8-pool-size=1';
const BANNER = [
  "import { createRequire as __sentinelRequire } from 'node:module';",
  'const require = __sentinelRequire(import.meta.url);',
  'const __filename = import.meta.filename;',
  'const __dirname = import.meta.dirname;',
].join(' ');

/** `require(path.join(packageRoot, "<file>.json"))`: a JSON file of playwright-core's own package folder. */
const OWN_JSON = /require\(\s*[\w$]+\.default\.join\(\s*packageRoot\s*,\s*"([\w.-]+\.json)"\s*\)\s*\)/g;

/** Inlines the JSON files (package.json, browsers.json) that playwright-core reads from its package folder. */
export function inlinePlaywrightPackageJson(): Plugin {
  const root = dirname(createRequire(join(REPO, 'package.json')).resolve('playwright-core/package.json'));
  const libDir = join(root, 'lib');
  return {
    name: 'inline-playwright-package-json',
    setup(b) {
      b.onLoad({ filter: /[\\/]playwright-core[\\/]lib[\\/][^\\/]+\.js$/ }, (args) => {
        if (!args.path.startsWith(libDir)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const contents = source.replace(
          OWN_JSON,
          (_, file: string) => `(${readFileSync(join(root, file), 'utf8')})`,
        );
        return contents === source ? undefined : { contents, loader: 'js' };
      });
    },
  };
}

/** The esbuild options of the plugin bundle (shared with the bundle's test). */
export function bundleOptions(outfile: string, entry = join(REPO, 'plugin/bundle.ts')): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    outfile,
    logLevel: 'warning',
    banner: { js: `${SHEBANG}\n${BANNER}` },
    plugins: [inlinePlaywrightPackageJson()],
  };
}

/** Builds the bundle into `outfile` and makes it executable. */
export async function buildPlugin(outfile: string = join(REPO, 'dist/sentinel-plugin.js')): Promise<string> {
  await build(bundleOptions(outfile));
  chmodSync(outfile, 0o755);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPlugin(process.argv[2]);
