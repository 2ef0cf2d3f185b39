/**
 * @module plugin/build — builds `dist/sentinel-plugin.js`, the one file the controller's ConfigMap installs
 * (`npm run build:plugin`; `node plugin/build.ts [outfile]`).
 *
 * The bundle has nothing beside it, so what its dependencies read from their own package folder at run time must be
 * inside it: playwright-core (the journeys) reads its `package.json` through `__dirname` when it loads, which is
 * replaced here by the JSON itself; `__dirname`/`__filename`/`require` exist in the ESM bundle through the banner.
 *
 * Two layers, so that a plugin that never runs `kind: canary` does not pay for it: the main bundle (the protocol,
 * httpProbe, the config schemas; ~0.8 MB) and the canary payload (plugin/checks/canaryModule.ts: the analysis, the
 * Kubernetes client, playwright-core; ~12.6 MB), built as CommonJS, gzip'ed and appended to the file as a base64
 * comment. V8 then neither parses nor keeps the payload's code until the first canary measurement imports
 * canaryModule.ts, which reads it back from the file and evaluates it (`npm run bench:plugin-rss`: idle RSS).
 */
import { appendFileSync, chmodSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
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

/** Opens the comment holding the canary payload at the end of the bundle (base64 of the gzip'ed CommonJS code). */
export const PAYLOAD_MARK = '/*rollout-sentinel:canary-payload:';
const CANARY_MODULE = join(REPO, 'plugin/checks/canaryModule.ts');

/**
 * What `./canaryModule.ts` becomes in the main bundle: a loader of the payload at the end of this very file (esbuild
 * wraps it so that it runs on the first `import()`, not at start-up).
 */
const PAYLOAD_LOADER = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runInThisContext } from 'node:vm';
const self = import.meta.filename;
const text = readFileSync(self, 'latin1');
const at = text.lastIndexOf(${JSON.stringify(PAYLOAD_MARK)});
if (at < 0) throw new Error('The plugin bundle ' + self + ' has no canary payload (kind: canary cannot run). Rebuild it with npm run build:plugin.');
const code = gunzipSync(Buffer.from(text.slice(at + ${PAYLOAD_MARK.length}, text.lastIndexOf('*/')), 'base64')).toString('utf8');
const mod = { exports: {} };
runInThisContext('(function (exports, require, module, __filename, __dirname) {' + code + '\\n})', { filename: self + '#canary' })(mod.exports, createRequire(self), mod, self, dirname(self));
export const { CanaryCheck, defaultKubeConfig, PlaywrightJourneyRunner } = mod.exports;
`;

/** Swaps `./canaryModule.ts` (imported by plugin/checks/registry.ts) for PAYLOAD_LOADER. */
function canaryPayloadLoader(): Plugin {
  return {
    name: 'canary-payload-loader',
    setup(b) {
      b.onResolve({ filter: /(^|[\\/])canaryModule\.ts$/ }, () => ({
        path: 'canaryModule',
        namespace: 'canary-payload',
      }));
      b.onLoad({ filter: /.*/, namespace: 'canary-payload' }, () => ({
        contents: PAYLOAD_LOADER,
        loader: 'js',
      }));
    },
  };
}

/**
 * The esbuild options of the canary payload: `entry` (canaryModule.ts) and all it imports as CommonJS, evaluated with
 * the bundle's own file names (shared with the bundle's test, which runs playwright-core bundled this way).
 */
export function payloadOptions(entry: string = CANARY_MODULE): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    logLevel: 'warning',
    // The payload runs as CommonJS with the bundle's __filename/__dirname: import.meta answers from those.
    define: {
      'import.meta.url': '__sentinelMetaUrl',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    },
    banner: { js: 'const __sentinelMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [inlinePlaywrightPackageJson()],
  };
}

/** The canary payload, gzip'ed, in base64. */
async function canaryPayload(): Promise<string> {
  const r = await build({ ...payloadOptions(), write: false });
  return gzipSync(r.outputFiles[0]!.contents, { level: 9 }).toString('base64');
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
    plugins: [inlinePlaywrightPackageJson(), canaryPayloadLoader()],
  };
}

/** Builds the bundle into `outfile` and makes it executable. */
export async function buildPlugin(outfile: string = join(REPO, 'dist/sentinel-plugin.js')): Promise<string> {
  const [payload] = await Promise.all([canaryPayload(), build(bundleOptions(outfile))]);
  appendFileSync(outfile, `\n${PAYLOAD_MARK}${payload}*/\n`);
  chmodSync(outfile, 0o755);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPlugin(process.argv[2]);
