/**
 * @module lib/testing/globalSetup — vitest global setup: builds the kube-apiserver fixture (lib/testing/kube) before
 * any test file starts. Cold, the Go build takes minutes; inside a test's `beforeAll` it ran into the hook's timeout
 * while other files waited on the same build lock (a cold CI run timed out analysis/canary/run.test.ts after 300 s).
 * Warm, it finds the cached binary at once.
 */
import { existsSync } from 'node:fs';
import { buildKubeFixture, kubeFixturePath } from './kube/kubeFixture.ts';

export default async function setup(): Promise<void> {
  try {
    const bin = await kubeFixturePath();
    if (existsSync(bin)) return;
    process.stderr.write(
      `globalSetup: building the kube-apiserver fixture (Go, first run only: a few minutes) → ${bin}\n`,
    );
    const t0 = performance.now();
    await buildKubeFixture();
    process.stderr.write(`globalSetup: built in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  } catch (err) {
    // The tests that need the fixture build it again and fail with this error themselves; the others still run.
    process.stderr.write(
      `globalSetup: building the kube-apiserver fixture failed:\n${(err as Error).message}\n`,
    );
  }
}
