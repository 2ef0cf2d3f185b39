/**
 * @module demo/bench — `npm run bench:demo [-- --runs N] [-- --fresh-clone]`: wall time of `npm start` (the whole
 * loop) and the processes it leaves behind (target: < 90 s, none). `--fresh-clone` first clones this checkout's HEAD
 * into a temporary folder and runs `npm ci` there, as a newcomer would, and times `npm start` in that clone.
 * Prints figures; asserts nothing (the machine may be shared: say so next to the numbers).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { processesMentioning } from './testing.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'fresh-clone': { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`bench:demo: --runs must be 1..20, got ${values.runs}`);
  process.exit(3);
}

const repo = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'sentinel-bench-demo-'));
let cwd = repo;
if (values['fresh-clone']) {
  cwd = join(work, 'clone');
  execFileSync('git', ['clone', '--quiet', '--local', repo, cwd], { stdio: 'inherit' });
  const t0 = performance.now();
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: 'inherit' });
  console.log(`fresh clone of HEAD, npm ci: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

function npmStart(out: string): Promise<{ code: number | null; ms: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--silent', '--', '--out', out], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((r) => child.once('exit', (code) => r({ code, ms: performance.now() - t0, stdout })));
}

console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (shared machines inflate these figures)`,
);
const times: number[] = [];
for (let i = 1; i <= runs; i++) {
  const out = join(work, `out-${i}`);
  const r = await npmStart(out);
  const runDirs = readdirSync(join(out, 'runs')).map((d) => join(out, 'runs', d));
  const left = runDirs.flatMap((d) => processesMentioning(d));
  times.push(r.ms);
  const loop = /\((\d+\.\d) s in all\)/.exec(r.stdout)?.[1] ?? '?';
  console.log(
    `run ${i}: exit ${r.code}, npm start wall ${(r.ms / 1000).toFixed(1)} s (loop ${loop} s), processes left: ${left.length}`,
  );
  // Each stage's duration, for side-by-side comparisons of a change.
  const stages = [...r.stdout.matchAll(/✓ (.+?)\s+(\d+\.\d)s/g)].map(
    (m) => `${m[1]?.split(' (')[0]} ${m[2]} s`,
  );
  console.log(`  stages: ${stages.join(' · ')}`);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
console.log(
  `npm start wall time: median ${(median / 1000).toFixed(1)} s, min ${((sorted[0] as number) / 1000).toFixed(1)} s, max ${((sorted.at(-1) as number) / 1000).toFixed(1)} s over ${runs} runs (target < 90 s)`,
);
rmSync(work, { recursive: true, force: true });
