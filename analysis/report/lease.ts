/** @module analysis/report/lease — a short local lease per fingerprint, covering GitHub's search-index lag. */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SentinelError } from '../../lib/errors.ts';

/** What a lease remembers: which issue a fingerprint was filed as, and when. */
export interface LeaseRecord {
  fp: string;
  number: number;
  url: string;
  /** Epoch milliseconds. */
  at: number;
  occurrences: number;
}

export interface LeaseStoreOptions {
  /** Folder for lease and lock files; shared by every process that reports into the same repository. */
  dir: string;
  /** How long a filed issue is trusted without search confirming it (default 10 minutes). */
  ttlMs?: number;
  /** A lock older than this is considered abandoned by a crashed process (default 60 s). */
  staleLockMs?: number;
  /** Longest wait for another process's lock (default 120 s). */
  lockWaitMs?: number;
}

/** Another process held the fingerprint's lock for longer than `lockWaitMs`. */
export class LeaseLockTimeout extends SentinelError {
  constructor(fp: string, path: string) {
    super('LeaseLockTimeout', `Timed out waiting for the report lock of ${fp} (${path}).`, {
      hint: 'Another sentinel process may be stuck; if none is running, delete the .lock file.',
    });
  }
}

/**
 * Serializes reports per fingerprint — in this process with a promise chain, across processes with an O_EXCL lock
 * file — and remembers recently filed issues, so N concurrent failures file exactly one issue.
 */
export class LeaseStore {
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #staleLockMs: number;
  readonly #lockWaitMs: number;
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(opts: LeaseStoreOptions) {
    this.#dir = opts.dir;
    this.#ttlMs = opts.ttlMs ?? 600_000;
    this.#staleLockMs = opts.staleLockMs ?? 60_000;
    this.#lockWaitMs = opts.lockWaitMs ?? 120_000;
  }

  /** Runs `fn` while holding the fingerprint's lock; calls for one fingerprint never overlap. */
  async withLock<T>(fp: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(fp) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(() => this.#withFileLock(fp, signal, fn));
    const tail = run.catch(() => undefined);
    this.#chains.set(fp, tail);
    try {
      return await run;
    } finally {
      if (this.#chains.get(fp) === tail) this.#chains.delete(fp);
    }
  }

  /** The lease for `fp`, if one was recorded within the TTL. */
  async get(fp: string): Promise<LeaseRecord | undefined> {
    try {
      const rec = JSON.parse(await readFile(this.#path(fp, 'json'), 'utf8')) as LeaseRecord;
      return Date.now() - rec.at <= this.#ttlMs ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records (or refreshes) the lease for `fp`. */
  async put(rec: LeaseRecord): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${this.#path(rec.fp, 'json')}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(rec));
    await rename(tmp, this.#path(rec.fp, 'json'));
  }

  /** Forgets the lease (the issue turned out closed or deleted). */
  async drop(fp: string): Promise<void> {
    await rm(this.#path(fp, 'json'), { force: true });
  }

  #path(fp: string, ext: string): string {
    return join(this.#dir, `${fp}.${ext}`);
  }

  async #withFileLock<T>(fp: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    await mkdir(this.#dir, { recursive: true });
    const lock = this.#path(fp, 'lock');
    const deadline = Date.now() + this.#lockWaitMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      signal.throwIfAborted();
      try {
        const fh = await open(lock, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await this.#breakIfStale(lock);
        if (Date.now() > deadline) throw new LeaseLockTimeout(fp, lock);
        await sleep(delay, undefined, { signal });
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  async #breakIfStale(lock: string): Promise<void> {
    try {
      const st = await stat(lock);
      if (Date.now() - st.mtimeMs > this.#staleLockMs) await rm(lock, { force: true });
    } catch {
      // Gone already: the next attempt takes it.
    }
  }
}
