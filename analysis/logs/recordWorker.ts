/**
 * @module analysis/logs/recordWorker — a log file read, grouped, parsed and redacted on a thread of its own. The judge
 * runs one per side next to its own thread, which mines templates and counts: on a 2-core machine reading and mining
 * run at the same time, and the judge's thread parses the batches it would otherwise wait for (recordWorkerThread.ts).
 * Records arrive in input order, exactly as the in-thread reader would give them, so the
 * verdict does not depend on where they were read. Memory stays bounded: the reader waits when a few batches are
 * unconsumed.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AnalysisError } from '../errors.ts';
import { checkInput, type FileSourceOptions } from './fileLogs.ts';
import { transferables, unpackRecords } from './recordBatch.ts';
import type { ReaderData, ReaderMessage, ReaderStats } from './recordWorkerThread.ts';
import type { LogRecord, LogSource } from './types.ts';

/**
 * Records per batch sent between threads. Each postMessage has a fixed cost in the reader (~0.3 ms on the loaded
 * 2-core machine, measured: 256-record batches spent 10–20 % of the reader's CPU in it, 1,024 ~6 %); a batch is
 * ~250 KB, and at most {@link WORKER_MAX_IN_FLIGHT} are unconsumed.
 */
export const WORKER_BATCH_RECORDS = 1_024;
/** Batches a reader may have unconsumed before it waits: a little read-ahead, a few MB at most. */
export const WORKER_MAX_IN_FLIGHT = 4;

/**
 * Young-generation size of a reader thread in MB. V8's default (~48 MB) is sized for throughput, and RSS is what the
 * judge must bound (150 MB for a 1M-line judgement, threads included): 8 MB costs a few more scavenges.
 */
export const READER_YOUNG_GENERATION_MB = 8;
/**
 * Old-generation limit of a reader thread in MB (default of `maxHeapMb`). What lives there is bounded (redaction rules,
 * per-container groupers and header samples, one batch): ~15 MB on service logs. The limit makes V8 collect instead of
 * growing; a reader that needs more fails with an error naming it, never the process.
 */
export const READER_OLD_GENERATION_MB = 48;
/** The smallest accepted `maxHeapMb`: below it V8 aborts the whole process while creating the thread. */
export const MIN_READER_HEAP_MB = 4;

/**
 * Reader threads by default: `auto`, one when the judge may run on a second core ({@link AUTO_MIN_CORES}). Measured on
 * the 2-core machine, 1M lines per side (`npm run bench:judge-memory`, side by side): with the reader sharing the
 * parsing (recordWorkerThread.ts) the judge takes ~0.65x the wall time of one thread for ~1.2x its CPU time and
 * ~30 MB more (~135 MB against ~105 MB peak RSS).
 */
export const DEFAULT_READER_THREADS = 'auto';

/**
 * Cores `--workers auto` needs to start a reader thread: the smaller of the cores this process may run on
 * (`os.availableParallelism()`) and its cgroup's CPU quota (a pod's CPU limit). Sharing costs ~20 % more CPU time, so
 * a second thread gains only with at least half a core more to run on; under a 1-core limit both threads would only
 * be throttled. The load average is not asked: on the 2-core machine loaded by six busy processes the reader still
 * took 0.75x the wall time (100k lines per side: 6.5–7.5 s against 9.0–9.5 s), as two threads get more of a shared
 * machine than one, and the judge's thread seldom waits for the reader.
 */
export const AUTO_MIN_CORES = 1.5;

/** The CPU quota of this process's cgroup in cores (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), Infinity when none. */
export function cgroupCpuQuota(read: (path: string) => string | undefined = readText): number {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length === 2) {
    const [quota, period] = v2.map(Number) as [number, number];
    return v2[0] === 'max' || !(quota > 0 && period > 0) ? Infinity : quota / period;
  }
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return quota > 0 && period > 0 ? quota / period : Infinity;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The reader threads `--workers` asks for: a count, or for `auto` 1 with {@link AUTO_MIN_CORES} cores, else 0. */
export function readerThreads(
  workers: 'auto' | number,
  cores = Math.min(availableParallelism(), cgroupCpuQuota()),
): number {
  if (workers !== 'auto') return workers;
  return cores >= AUTO_MIN_CORES ? 1 : 0;
}

/** Options of a source read on a thread of its own. */
export interface WorkerSourceOptions extends Pick<
  FileSourceOptions,
  'maxLines' | 'maxLinesOption' | 'prefixed'
> {
  signal?: AbortSignal | undefined;
  /**
   * Whether the judge's thread finishes records (parses and redacts them) when it would otherwise wait for the reader
   * (default true; recordWorkerThread.ts). The records are the same either way.
   */
  shareParsing?: boolean | undefined;
  /** Called at the end of the input with how the batches were shared (how the tests see that sharing happened). */
  onEnd?: ((stats: ReaderStats) => void) | undefined;
  /** Old-generation heap limit of the reader thread in MB ({@link READER_OLD_GENERATION_MB}); past it the reader fails. */
  maxHeapMb?: number | undefined;
  /**
   * `now` (default): the thread starts at once and reads ahead while the judge works on the other side; `when-read`:
   * it starts when the records are first asked for; a promise: when it settles (the other side's `onReadEnd`), or
   * when the records are first asked for, whichever comes first.
   */
  start?: 'now' | 'when-read' | PromiseLike<unknown> | undefined;
  /**
   * Called once when the thread has read its whole input (its last batch may still be unconsumed) or failed: the
   * moment to start the next side's reader (`start: <promise>`), so that two reader heaps are not alive at once.
   */
  onReadEnd?: (() => void) | undefined;
}

/** A reader thread that crashed or ran out of heap: an internal failure (exit 4), never a verdict. */
function threadFailed(name: string, why: string, code?: unknown): AnalysisError {
  const heap = code === 'ERR_WORKER_OUT_OF_MEMORY';
  return new AnalysisError('LogCollectionFailed', `The reader thread of log input ${name} failed: ${why}.`, {
    hint: heap
      ? "It ran out of its heap limit; rerun with --workers 0 (SENTINEL_JUDGE_WORKERS=0) to read in the judge's own thread."
      : "This is a bug; rerun with --workers 0 (SENTINEL_JUDGE_WORKERS=0) to read in the judge's own thread, and report it.",
  });
}

/** A started reader thread and the messages it has sent that were not yet taken. */
interface Reader {
  worker: Worker;
  queue: ReaderMessage[];
  failure: Error | undefined;
  exited: boolean;
  notify: (() => void) | undefined;
}

function startReader(path: string, name: string, opts: WorkerSourceOptions): Reader {
  const data: ReaderData = {
    path,
    file: { maxLines: opts.maxLines, maxLinesOption: opts.maxLinesOption, prefixed: opts.prefixed },
    batchRecords: WORKER_BATCH_RECORDS,
    maxInFlight: WORKER_MAX_IN_FLIGHT,
    shareParsing: opts.shareParsing ?? true,
  };
  // The thread's modules are loaded as bin/sentinel.js loads the judge's: stripped once and cached, so that the
  // thread loads no type stripper of its own (bin/strippedCache.js).
  const entry = new URL('./recordWorkerThread.ts', import.meta.url).href;
  const worker = new Worker(new URL('../../bin/strippedThread.js', import.meta.url), {
    workerData: { ...data, entry },
    resourceLimits: {
      maxOldGenerationSizeMb: Math.max(MIN_READER_HEAP_MB, opts.maxHeapMb ?? READER_OLD_GENERATION_MB),
      maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB,
    },
  });
  // Messages are queued as they come; the iteration hands them on one by one and acknowledges each batch it took.
  const r: Reader = { worker, queue: [], failure: undefined, exited: false, notify: undefined };
  const wake = (): void => {
    r.notify?.();
    r.notify = undefined;
  };
  let ended = false;
  const readEnd = (): void => {
    if (!ended) opts.onReadEnd?.();
    ended = true;
  };
  worker.on('message', (m: ReaderMessage) => {
    r.queue.push(m);
    if (m.type !== 'records') readEnd();
    wake();
  });
  worker.on('error', (err: Error) => {
    r.failure ??= threadFailed(name, err.message, (err as { code?: unknown }).code);
    wake();
  });
  worker.on('exit', (code) => {
    readEnd();
    r.exited = true;
    r.failure ??= threadFailed(name, `it exited with code ${code} before the end of the input`);
    wake();
  });
  // A thread nobody reads from must not keep the process alive: it is referenced only while the iteration waits for
  // it. (After the 'message' listener: adding one references the thread again.)
  worker.unref();
  // Aborting ends the thread whether or not anyone reads from it (a judge that failed on the other side aborts).
  opts.signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
  return r;
}

async function* readOnThread(
  opts: WorkerSourceOptions,
  reader: () => Reader,
  name: string,
): AsyncGenerator<LogRecord[]> {
  opts.signal?.throwIfAborted();
  const r = reader();
  const { worker } = r;
  const abort = (): void => {
    r.failure ??= opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    r.notify?.();
  };
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      const m = r.queue.shift();
      if (!m) {
        if (r.failure) throw r.failure;
        worker.ref();
        await new Promise<void>((resolve) => (r.notify = resolve));
        worker.unref();
        continue;
      }
      if (m.type === 'end') {
        opts.onEnd?.(m.stats);
        return;
      }
      if (m.type === 'error') {
        if (m.analysis)
          throw new AnalysisError(
            m.analysis.code,
            m.analysis.message,
            m.analysis.hint ? { hint: m.analysis.hint } : {},
          );
        throw threadFailed(name, m.message);
      }
      // Acknowledged as soon as its texts are decoded, with its buffers for the reader to reuse.
      const { batch } = m;
      yield unpackRecords(batch, () => {
        const buffers = transferables(batch);
        worker.postMessage(buffers, buffers);
      });
    }
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    if (!r.exited) {
      const done = once(worker, 'exit');
      await worker.terminate();
      await done.catch(() => undefined);
    }
  }
}

async function* noLines(name: string): AsyncGenerator<string> {
  yield* [];
  throw new Error(`log input ${name} is read on a thread of its own: read its records, not its lines`);
}

/**
 * A file (not stdin) read on a thread of its own; its `records` are what {@link readRecordBatches} would give for
 * `fileSource(path, opts)`. Rejects at once when the file cannot be opened, as `fileSource` does; a read error later
 * (a corrupt gzip, the input cap) rejects the iteration with the same error; a crash of the thread rejects it with
 * an error naming the input.
 */
export async function workerSource(path: string, opts: WorkerSourceOptions = {}): Promise<LogSource> {
  if (path === '-') throw new Error('stdin cannot be read on a reader thread: use fileSource');
  await checkInput(path);
  let started: Reader | undefined;
  const reader = (): Reader => (started ??= startReader(path, path, opts));
  // Started early, the thread reads ahead (a few batches) while the judge is still busy with the other side.
  if (opts.start === undefined || opts.start === 'now') reader();
  else if (opts.start !== 'when-read')
    void Promise.resolve(opts.start).then(
      () => opts.signal?.aborted || reader(),
      () => undefined,
    );
  return {
    name: path,
    lines: noLines(path),
    records: readOnThread(opts, reader, path),
    prefixed: opts.prefixed ?? false,
  };
}
