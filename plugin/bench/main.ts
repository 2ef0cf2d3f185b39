/**
 * @module plugin/bench/main — `npm run bench:plugin`: prints the plugin's figures against the issue's targets.
 * Protocol round trips and RSS are measured through Argo Rollouts' own Go client (plugin/conformance, bench mode);
 * the first-Run decode is timed on bytes Go's gob encoder produced from the real v1alpha1 + k8s types.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { GobDecoder } from '../goplugin/gob/decoder.ts';
import { cacheDir } from '../../lib/testing/cacheDir.ts';
import { buildHost, buildPlugin, REPO, runHost } from '../testing/conformanceHost.ts';

const execFileAsync = promisify(execFile);

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

/** Decodes header + body of the first request; returns ms and what was decoded. */
function decodeFirstRun(bytes: Uint8Array): { ms: number; types: number; method: unknown } {
  const t0 = performance.now();
  const d = new GobDecoder();
  d.push(bytes);
  const header = d.next();
  const body = d.next();
  const ms = performance.now() - t0;
  if (!header || !body) throw new Error('capture did not hold a complete first request');
  return { ms, types: d.typeCount, method: (header.value as J).ServiceMethod };
}

function countMessages(bytes: Uint8Array): number {
  let n = 0;
  for (let at = 0; at < bytes.length; n++) {
    const first = bytes[at] as number;
    let len = first;
    let width = 1;
    if (first >= 0x80) {
      width = 1 + (256 - first);
      len = 0;
      for (let i = 1; i < width; i++) len = len * 256 + (bytes[at + i] as number);
    }
    at += width + len;
  }
  return n;
}

const row = (name: string, value: string, target: string, ok: boolean): string =>
  `  ${name.padEnd(44)} ${value.padEnd(26)} ${target.padEnd(12)} ${ok ? 'PASS' : 'FAIL'}`;

async function main(): Promise<number> {
  const started = Date.now();
  const [plugin, host] = await Promise.all([buildPlugin(), buildHost()]);
  const buildMs = Date.now() - started;

  const dir = cacheDir('plugin-bench');
  mkdirSync(dir, { recursive: true });
  const capture = join(dir, 'first-run.gob');
  await runHost(host, ['-mode', 'capture', '-out', capture]).catch(() => undefined); // capture prints no JSON
  const bytes = readFileSync(capture);
  // The first request (header + RunArgs with every type definition), each time in a fresh process.
  const firstLen = firstRequestLength(bytes);
  const cold: number[] = [];
  const afterWarmUp: number[] = [];
  let warmUpMs = 0;
  let types = 0;
  for (let i = 0; i < 5; i++) {
    const c = await decodeInChild(capture, 'cold');
    const w = await decodeInChild(capture, 'warm');
    cold.push(c.ms);
    afterWarmUp.push(w.ms);
    warmUpMs = Math.max(warmUpMs, w.warmMs);
    types = c.types;
  }
  const inProcess: number[] = [];
  for (let i = 0; i < 200; i++) inProcess.push(decodeFirstRun(bytes).ms);

  const report = (await runHost(host, [
    '-plugin',
    plugin,
    '-mode',
    'bench',
    '-iterations',
    '300',
    '-idle',
    '5s',
  ])) as J;
  const b = report.bench as J;

  const out = [
    `rollout-sentinel plugin benchmark (${new Date().toISOString()}, node ${process.version}, builds ${buildMs} ms)`,
    `  through Argo Rollouts v1.10.2's go-plugin client; ${b.iterations} measured Run→Resume round trips after 20 warm-up`,
    '',
    `  ${'figure'.padEnd(44)} ${'value'.padEnd(26)} ${'target'.padEnd(12)} result`,
    row(
      'Run→Resume round trip p50 (protocol only)',
      `${b.runResumeMs.p50.toFixed(3)} ms`,
      '< 2 ms',
      b.runResumeMs.p50 < 2,
    ),
    row('  p90 / p99', `${b.runResumeMs.p90.toFixed(3)} / ${b.runResumeMs.p99.toFixed(3)} ms`, '', true),
    row('  Run p50 / Resume p50', `${b.runMs.p50.toFixed(3)} / ${b.resumeMs.p50.toFixed(3)} ms`, '', true),
    row('  GetMetricPlugin+Ping p50 (baseline)', `${b.getPluginPingMs.p50.toFixed(3)} ms`, '', true),
    row(
      `first Run decode in the plugin (start-up warm-up ${warmUpMs.toFixed(0)} ms)`,
      `${median(afterWarmUp).toFixed(2)} ms median of 5`,
      '< 5 ms',
      median(afterWarmUp) < 5,
    ),
    row(
      `  same, no warm-up (${firstLen} B, ${countMessages(bytes.subarray(0, firstLen))} msgs, ${types} types)`,
      `${median(cold).toFixed(2)} ms median of 5`,
      '',
      true,
    ),
    row('  same, hot (median of 200 in one process)', `${median(inProcess).toFixed(3)} ms`, '', true),
    row(
      'idle RSS after start',
      `${(b.rssKiBAfterStart / 1024).toFixed(1)} MB`,
      '< 80 MB',
      b.rssKiBAfterStart < 80 * 1024,
    ),
    row(
      'RSS right after 64 concurrent 64 KiB Runs',
      `${(b.rssKiBRightAfterLoad / 1024).toFixed(1)} MB`,
      '',
      true,
    ),
    row(
      `idle RSS ${b.idleSeconds}s after that burst`,
      `${(b.rssKiBIdleAfterLoad / 1024).toFixed(1)} MB`,
      '< 80 MB',
      b.rssKiBIdleAfterLoad < 80 * 1024,
    ),
    row(
      '64 concurrent Runs (64 KiB args each) correct',
      `${b.concurrent.runs - (b.concurrent.problems?.length ?? 0)}/64 in ${b.concurrent.ms} ms`,
      '64/64',
      !b.concurrent.problems,
    ),
  ];
  console.log(out.join('\n'));
  return 0;
}

async function decodeInChild(
  file: string,
  mode: string,
): Promise<{ ms: number; warmMs: number; types: number }> {
  const { stdout } = await execFileAsync(process.execPath, [
    join(REPO, 'plugin/bench/decodeOnce.ts'),
    file,
    mode,
  ]);
  return JSON.parse(stdout) as { ms: number; warmMs: number; types: number };
}

/** Length of the first header+body pair: decode incrementally until two values are out. */
function firstRequestLength(bytes: Uint8Array): number {
  for (let n = 1; n <= bytes.length; n += 64) {
    const d = new GobDecoder();
    d.push(bytes.subarray(0, n));
    if (d.next() && d.next()) return exactLength(bytes, Math.max(1, n - 64), n);
  }
  return bytes.length;
}

function exactLength(bytes: Uint8Array, lo: number, hi: number): number {
  for (let n = lo; n <= hi; n++) {
    const d = new GobDecoder();
    d.push(bytes.subarray(0, n));
    if (d.next() && d.next()) return n;
  }
  return hi;
}

process.exitCode = await main();
