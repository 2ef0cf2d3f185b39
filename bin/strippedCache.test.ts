import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const HOOK = resolve(import.meta.dirname, 'strippedCache.js');
const CACHE = resolve(import.meta.dirname, '../node_modules/.cache/rollout-sentinel/stripped');
const dir = mkdtempSync(join(tmpdir(), 'sentinel-stripped-cache-'));
const written: string[] = [];

/** The cache file of a source: SHA-256 of the Node version and the source. */
function cached(source: string): string {
  const path = join(
    CACHE,
    `${createHash('sha256').update(process.version).update('\0').update(source).digest('hex')}.js`,
  );
  written.push(path);
  return path;
}

function run(file: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', HOOK, file], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => {
  for (const path of written) rmSync(path, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the stripped-module cache of bin/sentinel.js', () => {
  it('runs a .ts module as its stripped JavaScript and keeps that for the next run, without a warning', () => {
    // A source no earlier run has seen, so that it is stripped here.
    const source = `const id: string = '${randomUUID()}';\nconsole.log(id.length as number);\n`;
    const file = join(dir, 'fresh.ts');
    writeFileSync(file, source);
    expect(run(file)).toEqual({ stdout: '36\n', stderr: '' });
    expect(readFileSync(cached(source), 'utf8')).toBe(stripTypeScriptTypes(source, { mode: 'strip' }));
  });

  it('serves the cached JavaScript of a source, and never that of an earlier version of the file', () => {
    const source = `export {};\nconsole.log('from the source' as string, '${randomUUID()}'.length);\n`;
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(cached(source), "console.log('from the cache');\n");
    const file = join(dir, 'edited.ts');
    writeFileSync(file, source);
    expect(run(file).stdout).toBe('from the cache\n');
    const edited = `${source}// edited\n`;
    cached(edited);
    writeFileSync(file, edited);
    expect(run(file).stdout).toBe('from the source 36\n');
  });

  it('is filled with every module of a tree but those of node_modules, dot folders and declarations', () => {
    const root = join(dir, 'tree');
    const sources: Record<string, string> = {};
    for (const path of ['a.ts', 'sub/b.ts', 'node_modules/c.ts', '.hidden/d.ts', 'types.d.ts', 'e.js']) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      sources[path] = `export const id: string = '${randomUUID()}';\n`;
      writeFileSync(join(root, path), sources[path] as string);
    }
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(HOOK)}); console.log(m.fillStrippedCache(${JSON.stringify(root)}));`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('2\n');
    const cachedOf = (path: string): string => cached(sources[path] as string);
    expect(readFileSync(cachedOf('a.ts'), 'utf8')).toBe(
      stripTypeScriptTypes(sources['a.ts'] as string, { mode: 'strip' }),
    );
    expect(existsSync(cachedOf('sub/b.ts'))).toBe(true);
    for (const skipped of ['node_modules/c.ts', '.hidden/d.ts', 'types.d.ts', 'e.js'])
      expect(existsSync(cachedOf(skipped))).toBe(false);
  });
});
