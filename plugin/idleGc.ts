/**
 * @module plugin/idleGc — runs one full garbage collection when the plugin falls idle after activity.
 *
 * Why: a burst of Runs (each carrying a whole AnalysisRun) leaves tens of MB of garbage that V8's memory reducer only
 * collects after ~10 s or more, so the controller pod's memory looked like a leak. We expose V8's gc() once at start
 * (`--expose-gc` via v8.setFlagsFromString, the documented way to reach it without a command-line flag).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Returns `touch()`: call it on every request; `delayMs` after the last one, a full GC runs (once per burst). */
export function idleGc(delayMs: number): { touch: () => void; collect: () => void; stop: () => void } {
  setFlagsFromString('--expose-gc');
  // 'last-resort' = CollectAllAvailableGarbage: repeated full GCs that also shrink the heap, as V8's memory reducer does.
  const gc = runInNewContext('gc') as (opts?: {
    type: 'major';
    execution: 'sync';
    flavor: 'last-resort';
  }) => void;
  let timer: NodeJS.Timeout | undefined;
  const collect = (): void => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return {
    collect,
    touch: () => {
      if (timer) timer.refresh();
      else {
        timer = setTimeout(() => {
          timer = undefined;
          collect();
        }, delayMs);
        timer.unref();
      }
    },
    stop: () => clearTimeout(timer),
  };
}
