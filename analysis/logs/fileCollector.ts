/**
 * @module analysis/logs/fileCollector — both sides' logs from files, for `sentinel canary` without a cluster (a CI
 * pipeline that collected the logs itself): the judge's own file inputs (plain or .gz, `kubectl logs --prefix` lines
 * attributed to their pod/container) and its optional pod-evidence JSON.
 */
import { access, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AnalysisError } from '../errors.ts';
import { fileSource } from './fileLogs.ts';
import { PodEvidenceSchema, type LogCollector, type PodEvidence, type Side, type SideLogs } from './types.ts';

/** The files of each side, and the pod evidence (`[{pod, side, restarts, reasons, events}]`, as `sentinel judge --pods`). */
export interface LogFiles {
  stable: readonly string[];
  canary: readonly string[];
  pods?: string | undefined;
}

/** Fails with `LogInputUnreadable` naming the first file that cannot be read (a usage error, not a verdict). */
export async function checkLogFiles(files: LogFiles, field = 'logs.files'): Promise<void> {
  const all = [
    ...files.stable.map((f) => [`${field}.stable`, f] as const),
    ...files.canary.map((f) => [`${field}.canary`, f] as const),
    ...(files.pods ? [[`${field}.pods`, files.pods] as const] : []),
  ];
  for (const [where, path] of all) {
    try {
      await access(path);
    } catch (err) {
      throw new AnalysisError(
        'LogInputUnreadable',
        `${where}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
        { hint: 'Give paths relative to the working directory, or absolute; plain text or .gz.' },
      );
    }
  }
}

async function readPods(path: string | undefined): Promise<PodEvidence[]> {
  if (!path) return [];
  try {
    return z.array(PodEvidenceSchema).parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    throw new AnalysisError(
      'LogInputUnreadable',
      `Cannot use pod evidence file ${path}: ${(err as Error).message.slice(0, 300)}`,
      {
        hint: 'Give a JSON array of {pod, side: "stable"|"canary", restarts, reasons: [...], events: [...]}.',
      },
    );
  }
}

/** Logs of each side from its files (streamed: memory does not grow with their size). */
export class FileLogCollector implements LogCollector {
  readonly #files: LogFiles;
  #pods: Promise<PodEvidence[]> | undefined;

  constructor(files: LogFiles) {
    this.#files = files;
  }

  async collect(side: Side, opts: { signal?: AbortSignal | undefined }): Promise<SideLogs> {
    this.#pods ??= readPods(this.#files.pods);
    const sources = await Promise.all(
      this.#files[side].map((f) => fileSource(f, { prefixed: true, signal: opts.signal })),
    );
    const pods = (await this.#pods).filter((p) => p.side === side);
    return { sources, pods, warnings: [] };
  }
}
