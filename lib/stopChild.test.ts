import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stopChild } from './stopChild.ts';

/** A node child that prints "ready" once its SIGTERM handling is set up. */
function child(ignoreTerm: boolean) {
  const code = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} console.log('ready'); setInterval(() => {}, 1000);`;
  const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  const ready = new Promise<void>((r) => c.stdout.once('data', () => r()));
  return { c, ready };
}

describe('stopChild', () => {
  it('a child that stops on SIGTERM exits by it', async () => {
    const { c, ready } = child(false);
    await ready;
    await stopChild(c, 60_000);
    expect(c.signalCode).toBe('SIGTERM');
  });

  it('a child ignoring SIGTERM is killed once the grace is over', async () => {
    const { c, ready } = child(true);
    await ready;
    await stopChild(c, 100);
    expect(c.signalCode).toBe('SIGKILL');
  });

  it('an exited child resolves at once', async () => {
    const { c, ready } = child(false);
    await ready;
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    await expect(stopChild(c, 60_000)).resolves.toBeUndefined();
  });
});
