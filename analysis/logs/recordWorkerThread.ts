/**
 * @module analysis/logs/recordWorkerThread — the body of a record reader thread (see recordWorker.ts): reads one log
 * file, groups, parses and redacts its records, and posts them in packed batches. At most `maxInFlight` batches are
 * unacknowledged at a time, so a reader that runs ahead of the judge waits instead of filling memory.
 *
 * Parsing and redacting a record (`toRecord`) is most of a reader's work and depends on nothing but the grouped record,
 * so either thread can do it. A batch begun while the judge has none waiting is posted raw (grouped, not parsed) when
 * `shareParsing` is on: the judge, which would otherwise wait for it, finishes its records itself. The two threads so
 * share the work in whatever proportion keeps both busy, on any log; the records, and the verdict, are the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnalysisError } from '../errors.ts';
import { fileSource, type FileSourceOptions } from './fileLogs.ts';
import { RecordPacker, transferables, type PackedRecords } from './recordBatch.ts';
import { groupRecords, toRecord, type EmitRecord } from './records.ts';

/** What the main thread gives the reader thread. */
export interface ReaderData {
  path: string;
  file: Pick<FileSourceOptions, 'maxLines' | 'maxLinesOption' | 'prefixed'>;
  /** Records per posted batch (fewer at the end of the input). */
  batchRecords: number;
  /** Batches posted and not yet acknowledged before the reader waits. */
  maxInFlight: number;
  /** Post a batch raw when the judge has no batch waiting (see the module's comment). */
  shareParsing: boolean;
}

/** How a reader's batches were shared: `raw` of them were finished by the judge's thread. */
export interface ReaderStats {
  batches: number;
  raw: number;
}

/** Messages from the reader thread. */
export type ReaderMessage =
  | { type: 'records'; batch: PackedRecords }
  | { type: 'end'; stats: ReaderStats }
  | {
      type: 'error';
      analysis?: { code: AnalysisError['code']; message: string; hint?: string | undefined };
      message: string;
    };

const port = parentPort;
if (!port) throw new Error('recordWorkerThread.ts runs as a worker thread (see recordWorker.ts)');
const data = workerData as ReaderData;

let inFlight = 0;
let wake: (() => void) | undefined;
// Records are packed as they are read (bytes outside the heap), not held as objects until a batch is full.
const packer = new RecordPacker(data.batchRecords);
// Each batch is acknowledged, once decoded, with its buffers, which later batches are packed into.
port.on('message', (buffers: ArrayBuffer[]) => {
  inFlight--;
  packer.recycle(buffers);
  wake?.();
  wake = undefined;
});

/** Posts a packed batch when fewer than `maxInFlight` batches are unacknowledged. */
async function post(batch: PackedRecords): Promise<void> {
  while (inFlight >= data.maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
  inFlight++;
  const msg: ReaderMessage = { type: 'records', batch };
  port?.postMessage(msg, transferables(batch));
}

async function run(): Promise<void> {
  try {
    const source = await fileSource(data.path, data.file);
    const full: PackedRecords[] = [];
    // Whether the batch being packed is raw: decided when it is begun, by whether the judge has a batch waiting.
    let raw = false;
    const stats: ReaderStats = { batches: 0, raw: 0 };
    const emit: EmitRecord = (rec, name, shape) => {
      if (packer.size === 0) {
        raw = data.shareParsing && inFlight === 0;
        stats.batches++;
        if (raw) stats.raw++;
      }
      if (raw) packer.addRaw(rec, name, shape);
      else packer.add(toRecord(rec, name, shape));
      if (packer.size >= data.batchRecords) full.push(packer.take());
    };
    for await (const _ of groupRecords(source, emit))
      for (let b = full.shift(); b; b = full.shift()) await post(b);
    if (packer.size) await post(packer.take());
    port?.postMessage({ type: 'end', stats } satisfies ReaderMessage);
  } catch (err) {
    const msg: ReaderMessage =
      err instanceof AnalysisError
        ? {
            type: 'error',
            analysis: { code: err.code, message: err.message, hint: err.hint },
            message: err.message,
          }
        : { type: 'error', message: err instanceof Error ? err.message : String(err) };
    port?.postMessage(msg);
  }
  // The main thread ends this thread once it has the last message (the port's listener would keep it alive).
}

await run();
