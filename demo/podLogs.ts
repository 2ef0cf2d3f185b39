/**
 * @module demo/podLogs — the demo's LogCollector: the log files of each side's pods (read from an offset, so each
 * analysis sees only its own window) plus their pod status, like the Kubernetes collector reads a ReplicaSet's pods.
 */
import { open } from 'node:fs/promises';
import type { LogCollector, LogSource, PodEvidence, Side, SideLogs } from '../analysis/index.ts';
import type { Pod } from './fleet.ts';

/** One pod's log file from `offset` bytes on. */
export interface PodLog {
  pod: Pod;
  offset: number;
}

async function readFrom(path: string, offset: number): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.max(0, size - offset));
    await fh.read(buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    return text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
  } finally {
    await fh.close();
  }
}

/** Current size of each pod's log: the offset where the next analysis window starts. */
export async function logOffsets(pods: readonly Pod[]): Promise<PodLog[]> {
  return Promise.all(
    pods.map(async (pod) => {
      const fh = await open(pod.logFile, 'r').catch(() => undefined);
      const size = fh ? (await fh.stat()).size : 0;
      await fh?.close();
      return { pod, offset: size };
    }),
  );
}

/** Reads each side's pods; a pod whose file cannot be read becomes a warning (the LogCollector contract). */
export class PodLogCollector implements LogCollector {
  readonly #sides: Record<Side, readonly PodLog[]>;

  constructor(sides: Record<Side, readonly PodLog[]>) {
    this.#sides = sides;
  }

  async collect(side: Side, opts: { signal?: AbortSignal | undefined }): Promise<SideLogs> {
    const sources: LogSource[] = [];
    const pods: PodEvidence[] = [];
    const warnings: string[] = [];
    for (const { pod, offset } of this.#sides[side]) {
      opts.signal?.throwIfAborted();
      const running = pod.process.exitCode === null && pod.process.signalCode === null;
      pods.push({
        pod: pod.name,
        side,
        ready: running,
        restarts: 0,
        reasons: running ? [] : ['Error'],
        events: [],
      });
      try {
        sources.push({ name: `${pod.name}/shop`, lines: await readFrom(pod.logFile, offset) });
      } catch (err) {
        warnings.push(`${pod.name}: cannot read ${pod.logFile}: ${(err as Error).message}`);
      }
    }
    return { sources, pods, warnings };
  }
}
