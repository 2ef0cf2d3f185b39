/**
 * @module analysis/logs/recordWorker — a log file read, grouped, parsed and redacted on a thread of its own. The judge
 * runs one per side next to its own thread, which mines templates and counts: on a 2-core machine reading and mining
 * run at the same time. Records arrive in input order, exactly as the in-thread reader would give them, so the
 * verdict does not depend on where they were read. Memory stays bounded: the reader waits when a few batches are
 * unconsumed.
 */
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
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
 * Reader threads by default: none. Measured on the idle 2-core machine, 1M lines per side (`npm run
 * bench:judge-memory`, 3 runs each, side by side): 0 readers 13.2–13.6 s wall, 13.4–13.7 s CPU, 106–108 MB peak RSS;
 * 1 reader 10.6–12.0 s wall, 17.3–19.9 s CPU, 144–150 MB. The reader's time saving is real only on an idle core and
 * its memory takes the judge to the edge of its 150 MB budget (V8's optimize-for-size brought it to ~115 MB for
 * 15–40 % more CPU time, which undid the saving): `--workers 1` or `auto` when wall time matters more.
 */
export const DEFAULT_READER_THREADS = 0;

/**
 * Idle cores `--workers auto` needs to start a reader thread: cores (`os.availableParallelism()`)
 * minus the 1-minute load average; one for the judge's own thread, at least half of another for the reader. A reader
 * costs CPU time (the batches' hand-offs, a second heap's collections) and saves wall time only on a core nobody else
 * uses: on the machine loaded by others (load average ~7), 3M lines per side took 137 s wall / 67 s CPU with 0 and
 * 303 s / 136 s with 1. The load average is the whole machine's (a container sees its host's): on a busy host the
 * judge reads in its own thread, never wrong, only slower when the pod had a core to itself. One reader, not two: the
 * second side's would start while the first side is still mined, two reader heaps alive at once for no time.
 */
export const AUTO_IDLE_CORES = 1.5;

/** The reader threads `--workers` asks for: a count, or for `auto` 1 with {@link AUTO_IDLE_CORES} idle cores or 0. */
export function readerThreads(
  workers: 'auto' | number,
  cores = availableParallelism(),
  load = loadavg()[0] ?? 0,
): number {
  if (workers !== 'auto') return workers;
  return cores - load >= AUTO_IDLE_CORES ? 1 : 0;
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
  /** Called at the end of the input with how the batches were shared (the benchmark prints it). */
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
