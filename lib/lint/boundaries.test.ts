/**
 * The module boundaries of eslint.config.mjs, checked against the real config: a rule that stops firing fails here.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Type-aware parsing needs files on disk; the boundary rules do not, so lint probe text without it.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
});

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const probe = x;\n`, {
    filePath: join(root, file),
  });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('module boundaries', () => {
  it.each([
    [
      'proxy must not import analysis',
      'proxy/server.ts',
      "import { x } from '../analysis/index.ts';",
      /proxy\//,
    ],
    [
      'proxy must not import plugin',
      'proxy/sessions.ts',
      "import { x } from '../plugin/main.ts';",
      /proxy\//,
    ],
    [
      'analysis must not import proxy',
      'analysis/index.ts',
      "import { x } from '../proxy/server.ts';",
      /analysis\//,
    ],
    [
      'plugin only through analysis/index.ts',
      'plugin/aiProvider.ts',
      "import { x } from '../analysis/judges/a.ts';",
      /index\.ts/,
    ],
    [
      'plugin must not import proxy',
      'plugin/aiProvider.ts',
      "import { x } from '../proxy/server.ts';",
      /HTTP/,
    ],
    [
      'analysis imports journeys only through its index',
      'analysis/canary/run.ts',
      "import { x } from '../../journeys/paired.ts';",
      /journeys\/index\.ts/,
    ],
    [
      'plugin runs journeys through the analysis',
      'plugin/checks/canary.ts',
      "import { x } from '../../journeys/index.ts';",
      /through analysis/,
    ],
    ['lib imports no product folder', 'lib/log.ts', "import { x } from '../proxy/server.ts';", /lib\//],
    [
      'demo drives binaries, not imports',
      'demo/e2e/run.ts',
      "import { x } from '../../analysis/index.ts';",
      /demo\//,
    ],
    [
      'demo/canaryStep.ts runs the analysis through the provider, not directly',
      'demo/canaryStep.ts',
      "import { x } from '../analysis/index.ts';",
      /through the plugin's provider/,
    ],
    [
      'demo/canaryStep.ts reaches the plugin only through its in-process entry',
      'demo/canaryStep.ts',
      "import { x } from '../plugin/checkProvider.ts';",
      /only through plugin\/inProcess\.ts/,
    ],
    [
      'demo/canaryStep.ts never imports the proxy',
      'demo/canaryStep.ts',
      "import { x } from '../proxy/app.ts';",
      /never imports the proxy/,
    ],
    [
      'the rest of demo/ does not import the plugin entry',
      'demo/main.ts',
      "import { x } from '../plugin/inProcess.ts';",
      /demo\//,
    ],
    [
      'demo tests use only the analysis test stand-ins',
      'demo/services.test.ts',
      "import { x } from '../analysis/canary/run.ts';",
      /only the test stand-ins/,
    ],
    [
      'demo/config.ts takes option definitions only',
      'demo/config.ts',
      "import { x } from '../analysis/index.ts';",
      /only the option definitions/,
    ],
    [
      'the demo app imports no product folder',
      'demo/app/shop.ts',
      "import { x } from '../../analysis/report/page/index.ts';",
      /demo\//,
    ],
    [
      'journeys talk to the proxy over the wire',
      'journeys/runner.ts',
      "import { x } from '../proxy/app.ts';",
      /journeys\//,
    ],
    [
      'journeys do not import analysis at runtime',
      'journeys/judge.ts',
      "import { x } from '../analysis/judges/statistical/stats.ts';",
      /journeys\//,
    ],
    [
      'backends do not import proxy internals',
      'proxy/backends/local.ts',
      "import { x } from '../sessions.ts';",
      /internals/,
    ],
    [
      'backends do not import each other',
      'proxy/backends/local.ts',
      "import { x } from './sandboxClaim.ts';",
      /each other/,
    ],
  ])('%s', async (_name, file, source, message) => {
    const errors = await boundaryErrors(file, source);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['type-only imports may cross', 'proxy/server.ts', "import type { x } from '../analysis/types.ts';"],
    ['plugin uses the analysis surface', 'plugin/aiProvider.ts', "import { x } from '../analysis/index.ts';"],
    ['backends use the contract', 'proxy/backends/local.ts', "import { x } from './types.ts';"],
    ['backends use k8s helpers', 'proxy/backends/sandboxClaim.ts', "import { x } from '../k8s/watch.ts';"],
    ['backends use lib', 'proxy/backends/local.ts', "import { x } from '../../lib/chromium.ts';"],
    ['the registry imports backends', 'proxy/backends/registry.ts', "import { x } from './local.ts';"],
    ['journeys use lib', 'journeys/runner.ts', "import { x } from '../lib/stats/exact.ts';"],
    [
      'journeys read the judge types',
      'journeys/judge.ts',
      "import type { x } from '../analysis/judges/types.ts';",
    ],
    [
      "the demo drives the plugin's provider in-process",
      'demo/canaryStep.ts',
      "import { x } from '../plugin/inProcess.ts';",
    ],
    [
      'demo tests stand up the fake GitHub',
      'demo/services.test.ts',
      "import { x } from '../analysis/report/testing/harness.ts';",
    ],
    [
      'the demo reuses the report options',
      'demo/config.ts',
      "import { x } from '../analysis/report/config.ts';",
    ],
    [
      'the demo writes the report page',
      'demo/canaryStep.ts',
      "import { x } from '../analysis/report/page/index.ts';",
    ],
    ['the demo uses lib', 'demo/main.ts', "import { x } from '../lib/chromium.ts';"],
    ['the CLI dispatches anywhere', 'cli/sentinel.ts', "import { x } from '../proxy/main.ts';"],
  ])('%s', async (_name, file, source) => {
    expect(await boundaryErrors(file, source)).toEqual([]);
  });
});
