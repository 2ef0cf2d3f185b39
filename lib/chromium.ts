/** @module lib/chromium — find a Chromium executable for playwright-core, or say how to install one. */
import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SentinelError } from './errors.ts';

/** Debian's packages, headless shell first: it starts about 2.5× faster than full Chromium. */
const SYSTEM_CANDIDATES = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/** Executables inside one Playwright cache entry, newest layout first. */
const CACHE_LAYOUTS: Record<string, string[]> = {
  chromium_headless_shell: [
    'chrome-headless-shell-linux64/chrome-headless-shell',
    'chrome-linux/headless_shell',
  ],
  chromium: ['chrome-linux64/chrome', 'chrome-linux/chrome'],
};

export interface FindChromiumOptions {
  /** An explicit path (`SENTINEL_CHROMIUM_PATH`); when set it must exist, there is no fallback. */
  explicitPath?: string | undefined;
  /** Playwright's browser cache (`PLAYWRIGHT_BROWSERS_PATH`); default `~/.cache/ms-playwright`. */
  browsersPath?: string | undefined;
  /** Override the system candidates (tests). */
  systemCandidates?: readonly string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function cacheCandidates(browsersPath: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(browsersPath).sort().reverse();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const [prefix, layouts] of Object.entries(CACHE_LAYOUTS)) {
    for (const entry of entries.filter((e) => e.startsWith(`${prefix}-`))) {
      out.push(...layouts.map((l) => join(browsersPath, entry, l)));
    }
  }
  return out;
}

/** No Chromium could be found. */
export class ChromiumNotFound extends SentinelError {
  constructor(message: string, tried: readonly string[]) {
    super('ChromiumNotFound', `${message} Looked in: ${tried.join(', ') || '(nowhere)'}.`, {
      hint:
        'Install one: `sudo apt-get install -y chromium-headless-shell` (Debian/Ubuntu), ' +
        'or point SENTINEL_CHROMIUM_PATH at a Chromium or chrome-headless-shell executable.',
    });
  }
}

/**
 * Returns the path of a Chromium executable: `explicitPath` if given, else Debian's
 * `chromium-headless-shell`/`chromium`, else Playwright's browser cache.
 * Throws {@link ChromiumNotFound} with installation advice when there is none.
 */
export function findChromium(opts: FindChromiumOptions = {}): string {
  if (opts.explicitPath) {
    if (isExecutable(opts.explicitPath)) return opts.explicitPath;
    throw new ChromiumNotFound(`SENTINEL_CHROMIUM_PATH=${opts.explicitPath} is not an executable file.`, [
      opts.explicitPath,
    ]);
  }
  const tried = [
    ...(opts.systemCandidates ?? SYSTEM_CANDIDATES),
    ...cacheCandidates(opts.browsersPath ?? join(homedir(), '.cache', 'ms-playwright')),
  ];
  const found = tried.find(isExecutable);
  if (found) return found;
  throw new ChromiumNotFound('No Chromium executable was found.', tried);
}
