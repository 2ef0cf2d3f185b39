/**
 * @module analysis/logs/recordWorkerThread — the body of a record reader thread (see recordWorker.ts): reads one log
 * file, groups, parses and redacts its records, and posts them in packed batches. At most `maxInFlight` batches are
 * unacknowledged at a time, so a reader that runs ahead of the judge waits instead of filling memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnalysisError } from '../errors.ts';
import { fileSource, type FileSourceOptions } from './fileLogs.ts';
import { RecordPacker, transferables, type PackedRecords } from './recordBatch.ts';
import { readRecordBatches } from './records.ts';
import type { LogRecord } from './types.ts';

/** What the main thread gives the reader thread. */
export interface ReaderData {
  path: string;
  file: Pick<FileSourceOptions, 'maxLines' | 'maxLinesOption' | 'prefixed'>;
  /** Records per posted batch (fewer at the end of the input). */
  batchRecords: number;
  /** Batches posted and not yet acknowledged before the reader waits. */
  maxInFlight: number;
}

/** Messages from the reader thread. */
export type ReaderMessage =
  | { type: 'records'; batch: PackedRecords }
  | { type: 'end' }
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
port.on('message', () => {
  inFlight--;
  wake?.();
  wake = undefined;
});

/** Posts the packed records when fewer than `maxInFlight` batches are unacknowledged. */
async function post(packer: RecordPacker): Promise<void> {
  while (inFlight >= data.maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
  inFlight++;
  const batch = packer.take();
  const msg: ReaderMessage = { type: 'records', batch };
  port?.postMessage(msg, transferables(batch));
}

async function run(): Promise<void> {
  try {
    const source = await fileSource(data.path, data.file);
    // Records are packed as they are read (bytes outside the heap), not held as objects until a batch is full.
    const packer = new RecordPacker(data.batchRecords);
    for await (const batch of readRecordBatches(source))
      for (let i = 0; i < batch.length; i++) {
        packer.add(batch[i] as LogRecord);
        if (packer.size >= data.batchRecords) await post(packer);
      }
    if (packer.size) await post(packer);
    port?.postMessage({ type: 'end' } satisfies ReaderMessage);
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
