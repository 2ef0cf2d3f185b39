import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bin,cli,lib,plugin,proxy,analysis,journeys,demo}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.case.ts', '.cache/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Builds the kube-apiserver fixture once, before the files that start it (cold: minutes, longer than a hook).
    globalSetup: ['lib/testing/globalSetup.ts'],
    pool: 'forks',
    // Tests start real Chromium processes: keep concurrency within the 2-core machines we run on.
    maxWorkers: 2,
  },
});
