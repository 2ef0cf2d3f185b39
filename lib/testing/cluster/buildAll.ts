/**
 * @module lib/testing/cluster/buildAll — `node lib/testing/cluster/buildAll.ts [name…]`: builds the cluster's Go
 * components one after the other (not in parallel: CI has 2 cores) and prints each one's wall time, so the cold
 * build cost can be measured. Already-built components print 0 s.
 */
import { buildComponent, COMPONENTS, type GoComponent } from './goBuild.ts';

const wanted = process.argv.slice(2);
for (const c of Object.values(COMPONENTS) as GoComponent[]) {
  if (wanted.length > 0 && !wanted.includes(c.name)) continue;
  const t0 = performance.now();
  const bin = await buildComponent(c);
  process.stdout.write(`${c.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s → ${bin}\n`);
}
