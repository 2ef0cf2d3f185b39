import { defineConfig } from 'vitest/config';

// The end-to-end suite on the one-machine cluster (lib/testing/cluster): `npm run test:e2e`. One file at a time: each
// starts a whole cluster (API server, controller-manager, Argo controller, simulated node).
export default defineConfig({
  test: {
    include: ['lib/testing/cluster/**/*.e2e.ts', 'deploy/**/*.e2e.ts', 'demo/e2e/**/*.e2e.ts'],
    exclude: ['**/node_modules/**', '.cache/**', 'dist/**'],
    testTimeout: 300_000,
    hookTimeout: 45 * 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
