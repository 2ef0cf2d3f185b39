import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromiumNotFound, findChromium } from './chromium.ts';

function fakeExecutable(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findChromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chromium-find-'));

  it('uses an explicit path when it is executable', () => {
    const exe = fakeExecutable(join(dir, 'explicit', 'chrome'));
    expect(findChromium({ explicitPath: exe, systemCandidates: [] })).toBe(exe);
  });

  it('refuses a missing explicit path instead of falling back', () => {
    expect(() => findChromium({ explicitPath: join(dir, 'nope') })).toThrow(/SENTINEL_CHROMIUM_PATH=.*nope/);
  });

  it('prefers the first system candidate that exists', () => {
    const second = fakeExecutable(join(dir, 'sys', 'chromium'));
    expect(findChromium({ systemCandidates: [join(dir, 'sys', 'missing'), second], browsersPath: dir })).toBe(
      second,
    );
  });

  it("falls back to Playwright's browser cache, newest revision first", () => {
    const cache = join(dir, 'cache');
    fakeExecutable(join(cache, 'chromium_headless_shell-1200', 'chrome-linux', 'headless_shell'));
    const newest = fakeExecutable(
      join(cache, 'chromium_headless_shell-1255', 'chrome-headless-shell-linux64', 'chrome-headless-shell'),
    );
    expect(findChromium({ systemCandidates: [], browsersPath: cache })).toBe(newest);
  });

  it('says how to install Chromium when none is found', () => {
    try {
      findChromium({ systemCandidates: [join(dir, 'none')], browsersPath: join(dir, 'empty') });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ChromiumNotFound);
      expect((err as ChromiumNotFound).hint).toMatch(/apt-get install -y chromium-headless-shell/);
      expect((err as ChromiumNotFound).message).toContain(join(dir, 'none'));
    }
  });
});
