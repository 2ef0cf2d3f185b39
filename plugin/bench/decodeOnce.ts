/**
 * @module plugin/bench/decodeOnce — child process of the benchmark: decodes the first `Plugin.Run` request of a capture
 * once in a fresh V8 (optionally after the plugin's start-up warm-up) and prints the milliseconds as JSON.
 */
import { readFileSync } from 'node:fs';
import { GobDecoder } from '../goplugin/gob/decoder.ts';
import { warmUpGobForStartup } from '../goplugin/gob/warmup.ts';

const [file, mode] = process.argv.slice(2);
const bytes = readFileSync(file as string);
let warmMs = 0;
if (mode === 'warm') {
  const t = performance.now();
  await warmUpGobForStartup();
  warmMs = performance.now() - t;
}
const t0 = performance.now();
const d = new GobDecoder();
d.push(bytes);
const ok = Boolean(d.next() && d.next());
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, warmMs, types: d.typeCount, ok })}\n`);
