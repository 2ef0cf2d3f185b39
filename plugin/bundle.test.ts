/**
 * The bundled plugin (`dist/sentinel-plugin.js`, what the ConfigMap installs) is one self-contained file: built into an
 * empty folder, with nothing beside it, it starts and prints go-plugin's handshake line. (A module that read a data
 * file from beside itself at import time made every plugin start fail: "Unrecognized remote plugin message".)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { findChromium } from '../lib/chromium.ts';
import { buildPlugin, payloadOptions } from './build.ts';
import { afterAll, describe, expect, it } from 'vitest';

const dir = await mkdtemp(join(tmpdir(), 'plugin-bundle-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `node <args>` in the empty folder to its end: exit code, stdout, the tail of stderr. */
async function runInEmptyFolder(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out, err: err.slice(-800) };
}

describe('dist/sentinel-plugin.js', () => {
  it('starts from a folder holding nothing else and prints the go-plugin handshake', async () => {
    const outfile = join(dir, 'sentinel-plugin.js');
    await buildPlugin(outfile);
    const child = spawn(process.execPath, [outfile], {
      cwd: dir,
      env: { ...process.env, ARGO_ROLLOUTS_RPC_PLUGIN: 'metricprovider', PLUGIN_PROTOCOL_VERSIONS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const first = await new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => resolve(`exited ${code}: ${err.slice(-800)}`));
    });
    child.kill('SIGKILL');
    expect(first).toMatch(/^1\|1\|unix\|.+\|netrpc\|$/);
  }, 60_000);

  it('loads what kind: canary needs from the payload at its end (--self-check), from a folder holding nothing else', async () => {
    const outfile = join(dir, 'sentinel-plugin.js');
    await buildPlugin(outfile);
    expect(await runInEmptyFolder([outfile, '--self-check'])).toEqual({
      code: 0,
      out: 'rollout-sentinel plugin: kind: canary loads (CanaryCheck, PlaywrightJourneyRunner, defaultKubeConfig)\n',
      err: '',
    });
  }, 60_000);

  it('carries what playwright-core reads from its package folder: the journeys work from the bundle alone', async () => {
    // The probe is bundled exactly like the canary payload that carries playwright-core (same options and build
    // plugin), into a folder holding nothing else.
    const outfile = join(dir, 'probe', 'probe.cjs');
    const entry = fileURLToPath(new URL('./testing/playwrightProbe.ts', import.meta.url));
    await build({ ...payloadOptions(entry), outfile, logLevel: 'error' });
    const server = await chromium.launchServer({ executablePath: findChromium() });
    try {
      expect(await runInEmptyFolder([outfile, server.wsEndpoint()])).toEqual({
        code: 0,
        out: 'bundled playwright-core\n',
        err: '',
      });
    } finally {
      await server.close();
    }
  }, 60_000);
});
