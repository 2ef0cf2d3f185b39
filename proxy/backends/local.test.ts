import { existsSync, readdirSync } from 'node:fs';
import { silentLogger } from '../../lib/log.ts';
import { LOCAL_DEFAULTS } from '../config.ts';
import { runBackendContract } from './contract.case.ts';
import { LocalBackend } from './local.ts';
import { pidsMentioning } from './local/processes.ts';

const roots: string[] = [];

/** Processes of any backend this file created, plus sandbox folders still on disk. */
async function leftovers(): Promise<number> {
  let n = 0;
  for (const root of roots) {
    n += pidsMentioning(root).length;
    if (existsSync(root)) n += readdirSync(root).length;
  }
  return n;
}

runBackendContract({
  name: 'local',
  create: () => {
    const b = new LocalBackend({ ...LOCAL_DEFAULTS }, { log: silentLogger });
    roots.push(b.rootDir);
    return b;
  },
  leftovers,
  skip: [
    {
      reason: 'single-process backend: no shared activity record',
      tests: ['touch is reflected in list lastActiveMs'],
    },
  ],
});
