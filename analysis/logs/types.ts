/** @module analysis/logs/types — log evidence: records, pod status, and the LogCollector contract. */
import { z } from 'zod';

/** Normalized severity of a record. */
export const LevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown']);
export type Level = z.infer<typeof LevelSchema>;

/** One log event: a single line, or a multi-line record (stack trace, panic dump) grouped into one. */
export interface LogRecord {
  /** What the template miner sees: the head line, plus the exception line of a trace. */
  message: string;
  /** The full text (all physical lines, joined by `\n`, possibly truncated). */
  text: string;
  level: Level;
  /** Physical lines this record spans. */
  lines: number;
  /** Where it came from: `pod/container` or a file name. */
  source: string;
  /** Epoch ms when the record carried a parsable timestamp. */
  time?: number;
}

/** Status and events of one pod, evidence in their own right (CrashLoopBackOff, OOMKilled, restarts, readiness). */
export const PodEvidenceSchema = z.object({
  pod: z.string(),
  side: z.enum(['stable', 'canary']),
  phase: z.string().optional(),
  ready: z.boolean().optional(),
  restarts: z.number().int().nonnegative().default(0),
  /** Waiting/terminated reasons seen on its containers: CrashLoopBackOff, OOMKilled, ImagePullBackOff, Error, … */
  reasons: z.array(z.string()).default([]),
  /** Warning events about the pod (reason, message, count). */
  events: z
    .array(
      z.object({ reason: z.string(), message: z.string().default(''), count: z.number().int().default(1) }),
    )
    .default([]),
});
export type PodEvidence = z.infer<typeof PodEvidenceSchema>;

/** The lines of one source (a container's log, a file, stdin). */
export interface LogSource {
  /** `pod/container`, a file name, or `stdin`. */
  name: string;
  lines: Iterable<string> | AsyncIterable<string>;
  /**
   * The same lines in chunks (a streamed file gives one array per chunk read), for readers that would otherwise pay an
   * await per line. When present it is the same stream as `lines`: a reader iterates one of the two, never both.
   */
  batches?: AsyncIterable<readonly string[]>;
  /**
   * The lines may carry `kubectl logs --prefix` prefixes (`[pod/name/container] line`): the record reader strips them
   * and attributes each record to its `pod/container`, grouping multi-line records per container.
   */
  prefixed?: boolean;
  /**
   * The source's records, already grouped, parsed and redacted elsewhere (a reader thread, see recordWorker.ts), in
   * input order. When present, record readers take these and never touch `lines` or `batches`.
   */
  records?: AsyncIterable<LogRecord[]>;
}

/** Everything collected for one side of the comparison. */
export interface SideLogs {
  sources: LogSource[];
  pods: PodEvidence[];
  /** Problems met while collecting (a pod whose log could not be read): reported, never fatal. */
  warnings: string[];
}

/** Which side of the canary comparison. */
export type Side = 'stable' | 'canary';

/**
 * Collects log evidence for one side. Implementations: Kubernetes (pods of a ReplicaSet) and files/stdin.
 * Contract: resolves even when some sources fail (they go to `warnings`); rejects only when nothing at all could be
 * read (e.g. the API is unreachable); honours `signal` promptly; safe to call concurrently for both sides.
 */
export interface LogCollector {
  collect(side: Side, opts: { signal?: AbortSignal | undefined }): Promise<SideLogs>;
}
