/**
 * The vendored samples are what gitleaks' own rule generator makes at the rules' version: the updater, run for real
 * (Go module from the module proxy, the generator built and run with our recorder), finds nothing to change.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../../../lib/testing/cacheDir.ts';
import { gitleaksExamples } from '../testing/gitleaksExamples.ts';

const SCRIPT = resolve(import.meta.dirname, 'updateGitleaksExamples.ts');
const hasGo = ((): boolean => {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Go's module and build caches in the fixture cache, shared with the other Go fixtures. */
const GO_ENV = { ...process.env, GOMODCACHE: cacheDir('go', 'mod'), GOCACHE: cacheDir('go', 'build') };

/** Cold caches download gitleaks' module and its dependencies and compile the generator: minutes on a loaded box. */
const UPDATE_TIMEOUT_MS = 600_000;

describe('update:redact-examples', () => {
  // Skipped only where `go` is not on the PATH.
  it.skipIf(!hasGo)(
    're-recording the samples from the generator reproduces the vendored file',
    () => {
      const { version } = gitleaksExamples();
      const r = spawnSync(process.execPath, [SCRIPT, version, '--check'], {
        encoding: 'utf8',
        env: GO_ENV,
        timeout: UPDATE_TIMEOUT_MS,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/is up to date with github\.com\/zricethezav\/gitleaks\/v8@v8\.\d+\.\d+/);
    },
    UPDATE_TIMEOUT_MS,
  );

  it('a malformed version is a usage error naming the command to run (exit 3, no stack trace)', () => {
    const r = spawnSync(process.execPath, [SCRIPT, 'not-a-version'], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/usage: npm run update:redact-examples -- v8\.X\.Y/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
