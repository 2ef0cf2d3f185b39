/**
 * The exit-code contract (lib/exitCodes.ts) across every command: each bad input of issue 13 ends in 3 (the caller's
 * mistake) with a message and no stack trace, `-h`/`--help` and `--version` work on every command, and nothing exits 1
 * — which a pipeline may map to "roll back" — unless a rollback verdict was reached.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES_HELP } from '../lib/exitCodes.ts';
import { COMMAND_NAMES } from './sentinel.ts';

const BIN = resolve(import.meta.dirname, '../bin/sentinel.js');
const CORPUS = resolve(import.meta.dirname, '../analysis/eval/corpus');
/** Every command of the command table, and the subcommands that print their own help. */
const COMMANDS = [...COMMAND_NAMES, 'journey run', 'journey compare', 'journey schema', 'proxy token'];
const dir = mkdtempSync(join(tmpdir(), 'sentinel-exit-'));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const log = 'INFO GET /api/items/1 status=200 duration=20ms\n'.repeat(50);
const truncatedGz = file('truncated.log.gz', gzipSync(log).subarray(0, 30));
const corruptGz = file('corrupt.log.gz', Buffer.from('this is not gzip at all\n'));
const okLog = file('ok.log', log);
const notJson = file('not.json', 'verdict: rollback\n');
const wrongShape = file('shape.json', JSON.stringify({ verdict: 'maybe', confidence: 'high' }));
const missing = join(dir, 'missing.log');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sentinel(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, SENTINEL_LLM: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const BAD: Array<{ name: string; args: string[]; env?: Record<string, string>; message: RegExp }> = [
  {
    name: 'judge: truncated .gz',
    args: ['judge', '--stable', okLog, '--canary', truncatedGz],
    message: /truncated or corrupt/,
  },
  {
    name: 'judge: corrupt .gz',
    args: ['judge', '--stable', corruptGz, '--canary', okLog],
    message: /truncated or corrupt/,
  },
  {
    name: 'judge: missing file',
    args: ['judge', '--stable', missing, '--canary', okLog],
    message: /Cannot read log file/,
  },
  {
    name: 'judge: unknown flag',
    args: ['judge', '--stable', okLog, '--canary', okLog, '--bogus'],
    message: /unknown flag/,
  },
  {
    name: 'judge: pods file not JSON',
    args: ['judge', '--stable', okLog, '--canary', okLog, '--pods', notJson],
    message: /pod evidence/,
  },
  {
    name: 'judge: input cap reached',
    args: ['judge', '--stable', okLog, '--canary', okLog, '--max-input-lines', '10'],
    message: /more than 10 lines.*--max-input-lines/,
  },
  { name: 'templates: missing file', args: ['templates', missing], message: /Cannot read log file/ },
  { name: 'templates: corrupt .gz', args: ['templates', corruptGz], message: /truncated or corrupt/ },
  {
    name: 'report: missing verdict file',
    args: ['report', '--verdict', missing, '--dry-run'],
    message: /Cannot use/,
  },
  {
    name: 'report: verdict not JSON',
    args: ['report', '--verdict', notJson, '--dry-run'],
    message: /cannot read it as JSON/,
  },
  {
    name: 'report: wrong JSON shape',
    args: ['report', '--verdict', wrongShape, '--dry-run'],
    message: /verdict/,
  },
  { name: 'report: unknown flag', args: ['report', '--verdikt', 'x'], message: /unknown flag/ },
  {
    name: 'plugin: PLUGIN_UNIX_SOCKET_DIR=/nonexistent',
    args: ['plugin'],
    env: { PLUGIN_UNIX_SOCKET_DIR: '/nonexistent', ARGO_ROLLOUTS_RPC_PLUGIN: 'metricprovider' },
    message: /Cannot listen on the plugin socket.*\n.*PLUGIN_UNIX_SOCKET_DIR/,
  },
  { name: 'plugin: not started by the controller', args: ['plugin'], message: /./ },
  { name: 'proxy: unknown flag', args: ['proxy', '--bogus'], message: /unknown flag/ },
  { name: 'bench: unknown flag', args: ['bench', '--bogus'], message: /unknown flag/ },
  { name: 'eval: missing corpus', args: ['eval', '--corpus', missing], message: /./ },
  { name: 'unknown command', args: ['nope'], message: /unknown command/ },
];

/** Each case spawns the CLI (a bench or proxy start-up loads Playwright): generous, for a loaded shared machine. */
const SPAWN_TIMEOUT_MS = 120_000;

describe('exit codes automation can trust', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it.each(BAD)('$name → exit 3, a message, no stack trace', async ({ args, env, message }) => {
    const r = await sentinel(args, env);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('covers every command of the table', () => {
    expect(COMMAND_NAMES).toEqual(
      expect.arrayContaining(['proxy', 'bench', 'eval', 'templates', 'judge', 'serve']),
    );
  });

  it.each(COMMANDS)('%s: -h and --help print usage and the exit codes, and exit 0', async (command) => {
    for (const flag of ['-h', '--help']) {
      const r = await sentinel([...command.split(' '), flag]);
      expect(r.code, `${command} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/usage:\s+sentinel/);
      expect(r.stdout, `${command} ${flag}`).toContain(EXIT_CODES_HELP);
    }
  });

  it.each(COMMANDS)('%s: --version prints the version and exits 0', async (command) => {
    const r = await sentinel([...command.split(' '), '--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rollout-sentinel \d+\.\d+\.\d+ \(node /);
  });

  it('exits 1 only for a reached rollback verdict', async () => {
    const pair = (c: string): string[] => [
      '--stable',
      join(CORPUS, c, 'stable.log.gz'),
      '--canary',
      join(CORPUS, c, 'canary.log.gz'),
    ];
    expect((await sentinel(['judge', ...pair('java-npe--cart-800')])).code).toBe(1);
    expect((await sentinel(['judge', ...pair('healthy--cart-800')])).code).toBe(0);
  });
});
