// A worker thread that loads its TypeScript modules as bin/strippedCache.js serves them (no type stripper in the
// thread once they are cached): `new Worker(new URL('bin/strippedThread.js'), { workerData: { entry, ... } })` runs
// the module at the file URL `entry`, which reads the rest of workerData itself.
import { workerData } from 'node:worker_threads';
import './strippedCache.js';

await import(/** @type {{ entry: string }} */ (workerData).entry);
