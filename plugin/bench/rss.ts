/**
 * @module plugin/bench/rss — `npm run bench:plugin-rss [-- --compare <other bundle.js>] [--runs 3]`: the bundled
 * plugin's resident memory, through Argo Rollouts v1.10.2's own go-plugin client (plugin/conformance, bench mode):
 * idle 2 s after the handshake and InitPlugin, right after a burst of httpProbe measurements (100 Run→Resume round
 * trips, then 64 concurrent Runs with 64 KiB arguments), and 5 s after that burst. `--compare` runs another bundle
 * (e.g. one built before a change) alternately with the current one, so both see the same machine load. A figure,
 * not a test. Target (the plugin issue): idle < 80 MB.
 */
import { parseArgs } from 'node:util';
import { buildHost, buildPlugin, runHost } from '../testing/conformanceHost.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const { values } = parseArgs({
  options: { compare: { type: 'string' }, runs: { type: 'string', default: '3' } },
});
/** The old target for the plugin's idle RSS. */
const IDLE_TARGET_MB = 80;
const out = (s: string) => process.stdout.write(`${s}\n`);
const mb = (kib: number) => kib / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

const [plugin, host] = await Promise.all([buildPlugin(), buildHost()]);
const bundles: [string, string][] = [['current', plugin]];
if (values.compare) bundles.push(['compare', values.compare]);
const figures = new Map<string, { start: number[]; loaded: number[]; idle: number[] }>();
for (let i = 0; i < Number(values.runs); i++) {
  for (const [name, path] of bundles) {
    const report = (await runHost(host, [
      '-plugin',
      path,
      '-mode',
      'bench',
      '-iterations',
      '100',
      '-idle',
      '5s',
    ])) as J;
    const b = report.bench as J;
    const f = figures.get(name) ?? { start: [], loaded: [], idle: [] };
    f.start.push(mb(b.rssKiBAfterStart));
    f.loaded.push(mb(b.rssKiBRightAfterLoad));
    f.idle.push(mb(b.rssKiBIdleAfterLoad));
    figures.set(name, f);
  }
}
out(
  `plugin RSS, median of ${values.runs} runs each (MB; through Argo's go-plugin client; node ${process.version})`,
);
out(
  `  ${'bundle'.padEnd(10)} ${'idle after start'.padEnd(18)} ${'after httpProbe burst'.padEnd(22)} ${'idle 5 s later'.padEnd(16)} path`,
);
for (const [name, path] of bundles) {
  const f = figures.get(name)!;
  const start = median(f.start);
  out(
    `  ${name.padEnd(10)} ${`${start.toFixed(1)}${start < IDLE_TARGET_MB ? ' ✓' : ' ✗'}`.padEnd(18)} ` +
      `${median(f.loaded).toFixed(1).padEnd(22)} ${median(f.idle).toFixed(1).padEnd(16)} ${path}`,
  );
}
out(`  target: idle < ${IDLE_TARGET_MB} MB`);
