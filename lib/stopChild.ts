/** @module lib/stopChild — stopping a child process politely, then firmly. */
import type { ChildProcess } from 'node:child_process';

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited (at once if it already has). */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
