/** @module demo/testing — helpers for the demo's tests: run `sentinel demo` as a real process, find leftovers. */
import { readdirSync, readFileSync } from 'node:fs';

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
