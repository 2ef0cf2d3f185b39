/** @module demo/testing — helpers for the demo's tests: run `sentinel demo` as a real process, find leftovers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../bin/sentinel.js');

/** PIDs of processes whose command line or environment mentions `text` (a run folder), this process excepted. */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${file}`).includes(text)) {
          out.push(pid);
          break;
        }
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return out;
}

/** PIDs of the live processes in process group `pgid` (zombies excepted: they are exited, waiting to be reaped). */
export function processGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces and parentheses): state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

export interface DemoRun extends Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}> {
  child: ChildProcess;
  output: () => string;
}

/**
 * Starts `sentinel demo --out OUT ARGS` with the given env (GEMINI_API_KEY and GITHUB_TOKEN cleared unless given).
 * `detached`: in a process group of its own, as a shell runs a foreground job (so a test can signal the whole group
 * the way a terminal's Ctrl-C does).
 */
export function runDemo(
  out: string,
  args: readonly string[],
  o: { env?: Record<string, string>; detached?: boolean } = {},
): DemoRun {
  const child = spawn(process.execPath, [BIN, 'demo', '--out', out, ...args], {
    // eslint-disable-next-line no-restricted-properties -- a test runs the binary with its own environment
    env: { ...process.env, GEMINI_API_KEY: '', GITHUB_TOKEN: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res) => child.once('exit', (code, signal) => res({ code, signal, stdout, stderr })));
  return Object.assign(done, { child, output: () => stdout });
}
