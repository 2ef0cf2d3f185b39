// @ts-check
/**
 * Lint guard-rails and module boundaries (CONVENTIONS.md 4, 5, 9, 13).
 *
 * Boundaries are enforced here, not by reviewers: each product folder may import only what its rule allows.
 * `import type` is exempt everywhere — interfaces may cross a boundary, runtime code may not.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Builds one no-restricted-imports rule from `[regex, message]` pairs. */
function restrict(...pairs) {
  return [
    'error',
    {
      patterns: pairs.map(([regex, message]) => ({ regex, message, allowTypeImports: true })),
    },
  ];
}

const UP = '^(\\.\\./)+';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', '**/__fixtures__/**', '**/testdata/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['warn', 10],
      'max-depth': ['error', 4],
      'max-params': ['error', 4],
      'no-console': 'error',
      // Configuration is parsed once, in each process's config.ts (CONVENTIONS.md 5).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read env only in a config.ts and pass values down.' },
      ],
    },
  },
  {
    files: ['bin/*.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    files: [
      '**/config.ts',
      '**/*.test.ts',
      '**/*.case.ts',
      'lib/testing/**',
      'journeys/testing/**',
      'bin/**',
      'cli/**',
      '*.mjs',
      '*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/main.ts', 'cli/**', 'bin/**', 'demo/**', '**/*.test.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.case.ts', 'lib/testing/**'],
    rules: { 'max-params': 'off', complexity: 'off' },
  },
  // ---- module boundaries ----
  {
    files: ['lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        `${UP}(plugin|proxy|analysis|demo|cli)(/|$)`,
        'lib/ is shared by every process and imports no product folder.',
      ]),
    },
  },
  {
    files: ['proxy/**/*.ts'],
    ignores: ['proxy/backends/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        `${UP}(plugin|analysis|demo|cli)(/|$)`,
        'proxy/ is a separate process: it imports nothing from plugin/, analysis/, demo/ or cli/.',
      ]),
    },
  },
  {
    files: ['proxy/backends/*.ts'],
    ignores: ['proxy/backends/registry.ts', 'proxy/backends/*.test.ts', 'proxy/backends/*.case.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [
          `${UP}(plugin|analysis|demo|cli)(/|$)`,
          'proxy/ is a separate process: it imports nothing from plugin/, analysis/, demo/ or cli/.',
        ],
        [
          '^\\.\\./(?!k8s/|grpc/|\\.\\./lib/)',
          'A backend imports only backends/types.ts, proxy/k8s/, proxy/grpc/ and lib/ — not the proxy internals.',
        ],
        [
          '^\\./(?!types\\.ts$)[^/]+\\.ts$',
          'Backends do not import each other; share code through proxy/k8s/ or proxy/grpc/.',
        ],
      ),
    },
  },
  {
    files: ['analysis/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [
          `${UP}(plugin|proxy|demo|cli)(/|$)`,
          'analysis/ is a library: it imports nothing from plugin/, proxy/, demo/ or cli/.',
        ],
        [
          `${UP}journeys/(?!index\\.ts$|testing/)`,
          'analysis/ may import journeys/ only through journeys/index.ts (and its test fixtures in journeys/testing/).',
        ],
      ),
    },
  },
  {
    files: ['plugin/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [`${UP}(proxy|demo|cli)(/|$)`, 'plugin/ talks to the proxy over HTTP/WebSocket, never by import.'],
        [
          `${UP}journeys(/|$)`,
          'plugin/ runs journeys through analysis/index.ts (the canary analysis), not directly.',
        ],
        [
          `${UP}analysis/(?!index\\.ts$|schema\\.ts$)`,
          'plugin/ may import analysis/ only through analysis/index.ts, its public surface (or analysis/schema.ts, its config schema alone).',
        ],
      ),
    },
  },
  {
    files: ['journeys/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        `${UP}(plugin|proxy|analysis|demo|cli)(/|$)`,
        'journeys/ imports only lib/ and playwright-core; it talks to the proxy over the wire (WebSocket), never by import.',
      ]),
    },
  },
  {
    // A benchmark wires the whole product with the fixtures of every folder; it ships in no process.
    files: ['plugin/bench/canary.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off', 'no-console': 'off' },
  },
  {
    files: ['demo/**/*.ts'],
    ignores: ['demo/canaryStep.ts', 'demo/config.ts', 'demo/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([
        `${UP}(plugin|proxy|analysis|journeys|cli)(/|$)`,
        "demo/ drives the product through its binaries and HTTP, not by import (only demo/canaryStep.ts calls the plugin's provider in-process).",
      ]),
    },
  },
  // The narrow exception (issue 11: "the same kind: canary code path the plugin serves, driven in-process through the
  // provider's Run/Resume"): demo/canaryStep.ts drives the plugin's metric provider through its one public in-process
  // entry, plugin/inProcess.ts, and writes the report page through analysis/report/page/index.ts. Nothing else.
  {
    files: ['demo/canaryStep.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [
          `${UP}plugin/(?!inProcess\\.ts$)`,
          'demo/canaryStep.ts may import the plugin only through plugin/inProcess.ts, its in-process entry.',
        ],
        [`${UP}(proxy|cli)(/|$)`, 'demo/ never imports the proxy or the CLI.'],
        [
          `${UP}analysis/(?!report/page/index\\.ts$)`,
          "demo/canaryStep.ts runs the analysis through the plugin's provider; of analysis/ it imports only the report page (analysis/report/page/index.ts).",
        ],
        [`${UP}journeys(/|$)`, "demo/ reaches journeys/ through the plugin's canary check."],
      ),
    },
  },
  // The demo's tests run the real binary; against --llm gemini / --github they stand up the local stand-ins that speak
  // the real REST APIs (analysis' test fixtures), and import nothing else of the product at runtime.
  {
    files: ['demo/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [
          `${UP}analysis/(?!testing/|report/testing/)`,
          'demo tests run the binary; of analysis/ they use only the test stand-ins (analysis/testing/, analysis/report/testing/).',
        ],
        [`${UP}(plugin|proxy|journeys|cli)(/|$)`, 'demo tests run the binary, not the product by import.'],
      ),
    },
  },
  // demo/config.ts takes the LLM and GitHub options (names, env vars, schemas) from their one definition, the report
  // options, instead of defining them a second time.
  {
    files: ['demo/config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [
          `${UP}analysis/(?!report/config\\.ts$)`,
          'demo/config.ts may import only the option definitions of analysis/report/config.ts.',
        ],
        [
          `${UP}(plugin|proxy|journeys|cli)(/|$)`,
          'demo/config.ts defines options; it imports no product code.',
        ],
      ),
    },
  },
);
