/* eslint-disable no-restricted-properties -- a benchmark script: its env is its configuration */
/**
 * @module analysis/bench/judgeMemory — `npm run bench:judge-memory [-- 1000000 3000000] [--workers default,0,1] [--runs 3]`:
 * writes a stable and a canary log of N lines each (the eval generator's service log, a 2 % 5xx canary), runs the real
 * CLI (`node bin/sentinel.js judge --json --workers W`; `default`: no flag) on them, alternating the `--workers` values run by run, and
 * prints each run's peak RSS, wall and CPU time, then the medians per value and the load average around each run. Peak RSS is the kernel's
 * high-water mark (VmHWM in /proc/PID/status), polled while the process runs; it only grows, so polling misses
 * at most the growth of the last interval. Figures, not assertions: run it on the target machine.
 *
 * Measured on the 2-core machine in a fresh clone after `npm ci` (`-- 1000000 3000000 --workers default,0 --runs 3`,
 * load 1.3–1.9; its speed varies by ±30 % from hour to hour, so compare runs of one session): 1M lines per side, the
 * default (a reader thread per side sharing the parsing) 7.7–8.1 s wall, 15.5 s CPU, 130–132 MB; --workers 0 11.7–12.7 s,
 * 12.8 s CPU, 102–105 MB. 3M lines per side: 20.4–25.2 s, 40.1 s CPU, 130–139 MB; 35.8–37.7 s, 37.2 s CPU, 103–106 MB.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { rng, serviceLog, SERVICES } from '../eval/generate.ts';

const BIN = resolve(import.meta.dirname, '../../bin/sentinel.js');
const T0 = Date.parse('2026-11-21T18:00:00Z');
const CHUNK = 50_000;
const POLL_MS = 20;
/** GNU time reports the child's exact peak RSS (ru_maxrss) and CPU time; without it, /proc polling gives the peak. */
const GNU_TIME = '/usr/bin/time';
const svc = SERVICES[0] as (typeof SERVICES)[number];

async function writeLog(path: string, lines: number, seed: number, serverErrors: number): Promise<void> {
  const out = createWriteStream(path);
  const r = rng(seed);
  for (let done = 0; done < lines; done += CHUNK) {
    const n = Math.min(CHUNK, lines - done);
    const chunk = serviceLog({ r, svc, lines: n, t0: T0 + done * 50, noisyTimeouts: 0.01, serverErrors });
    if (!out.write(`${chunk.slice(0, n).join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function hwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // exited between polls
  }
}

interface Run {
  code: number | null;
  ms: number;
  peakMb: number;
  /** User + system CPU seconds (GNU time only): the figure that does not depend on what else the machine runs. */
  cpuS: number | undefined;
  verdict: string;
  stderr: string;
}

async function judge(stable: string, canary: string, extra: string[], judgeArgs: string[]): Promise<Run> {
  const t = performance.now();
  const args = [...extra, BIN, 'judge', '--stable', stable, '--canary', canary, '--json', ...judgeArgs];
  const timeFile = `${stable}.time`;
  const useTime = existsSync(GNU_TIME);
  const [cmd, argv] = useTime
    ? [GNU_TIME, ['-o', timeFile, '-f', '%M %U %S', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', SENTINEL_LLM: 'none' },
  });
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, hwmKb(child.pid as number) ?? 0);
  }, POLL_MS);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(timer);
  const ms = performance.now() - t;
  let verdict: string;
  try {
    verdict = (JSON.parse(stdout) as { verdict: string }).verdict;
  } catch {
    verdict = 'no verdict';
  }
  let cpuS: number | undefined;
  if (useTime) {
    // The last line of GNU time's output: "maxrssKB user sys" (earlier lines say why the command exited non-zero).
    const [rss, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '')
      .split(' ')
      .map(Number);
    peak = rss ?? peak;
    cpuS = (user ?? 0) + (sys ?? 0);
    rmSync(timeFile);
  }
  return { code, ms, peakMb: peak / 1024, cpuS, verdict, stderr: stderr.slice(0, 400) };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

const load1 = (): string => (os.loadavg()[0] as number).toFixed(1);

interface Plan {
  n: number;
  mb: number;
  stable: string;
  canary: string;
  workers: string[];
  runs: number;
  nodeFlags: string[];
}

async function runAlternating({
  n,
  mb,
  stable,
  canary,
  workers,
  runs,
  nodeFlags,
}: Plan): Promise<Map<string, Run[]>> {
  const by = new Map<string, Run[]>();
  for (let run = 1; run <= runs; run++)
    for (const w of run % 2 ? workers : [...workers].reverse()) {
      const before = load1();
      // `default`: no --workers flag, what a user gets.
      const r = await judge(stable, canary, nodeFlags, w === 'default' ? [] : ['--workers', w]);
      by.set(w, [...(by.get(w) ?? []), r]);
      print(
        `${String(n).padStart(10)}  ${mb.toFixed(0).padStart(7)}  ${w.padStart(7)}  ${String(run).padStart(3)}  ${(r.ms / 1000).toFixed(1).padStart(6)}  ${(r.cpuS?.toFixed(1) ?? '-').padStart(5)}  ${r.peakMb.toFixed(0).padStart(11)}  ${String(r.code).padStart(4)}  ${before.padStart(6)} / ${load1().padEnd(6)}  ${r.verdict}`,
      );
      if (r.stderr) print(`  stderr: ${r.stderr}`);
    }
  return by;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes = args
    .filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))
    .map(Number)
    .filter((n) => n > 0);
  const workers = flag('--workers', 'default,0').split(',');
  const runs = Number(flag('--runs', '1'));
  // Extra node flags for the judged process, e.g. `--max-old-space-size=100` to show it holds under a heap limit.
  const nodeFlags = (process.env['JUDGE_MEMORY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const dir = mkdtempSync(join(os.tmpdir(), 'sentinel-judge-memory-'));
  print(
    `machine: ${os.cpus().length} cpu, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  print('lines/side  MB/side  workers  run  wall s  CPU s  peak RSS MB  exit  load before/after  verdict');
  try {
    for (const n of sizes.length ? sizes : [1_000_000, 3_000_000]) {
      const stable = join(dir, `stable-${n}.log`);
      const canary = join(dir, `canary-${n}.log`);
      await writeLog(stable, n, 1, 0.003);
      await writeLog(canary, n, 2, 0.02);
      const mb = statSync(stable).size / 1e6;
      const by = await runAlternating({ n, mb, stable, canary, workers, runs, nodeFlags });
      for (const [w, rs] of by)
        print(
          `  median of ${rs.length}, --workers ${w}: wall ${(median(rs.map((r) => r.ms)) / 1000).toFixed(1)} s, CPU ${median(rs.map((r) => r.cpuS ?? Number.NaN)).toFixed(1)} s, peak RSS ${median(rs.map((r) => r.peakMb)).toFixed(0)} MB (max ${Math.max(...rs.map((r) => r.peakMb)).toFixed(0)})`,
        );
      rmSync(stable);
      rmSync(canary);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
