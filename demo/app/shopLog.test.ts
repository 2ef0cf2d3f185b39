import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SHOP_LOG = fileURLToPath(new URL('./shopLog.ts', import.meta.url));

/** Runs a child whose stdout is what Node's `stdio: 'pipe'` gives it: a socket, where opening /dev/stdout fails. */
function childLog(path: string): Promise<{ code: number | null; out: string; err: string }> {
  const script = `
    const { ShopLog } = await import(${JSON.stringify(SHOP_LOG)});
    const log = new ShopLog(${JSON.stringify(path)}, () => new Date(2026, 11, 2, 3, 4, 5, 678));
    log.write('INFO', { thread: 'main', logger: 'shop.main', message: 'hello' });
    await log.close();`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('ShopLog on stdout', () => {
  it.each(['/dev/stdout', '-'])(
    '--log-file %s writes to the process stdout, even when it is a socket',
    async (path) => {
      const r = await childLog(path);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toBe('2026-12-02 03:04:05.678 [main] INFO  shop.main - hello\n');
    },
  );
});
