/** @module analysis/report/createReporter — wires sink, redaction, leases and writer into a Reporter. */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { type Logger, silentLogger } from '../../lib/log.ts';
import { GitHubSink } from './github.ts';
import { LeaseStore } from './lease.ts';
import { OutboxSink } from './outbox.ts';
import type { RateLimitOptions } from './rateLimit.ts';
import { RedactingSink } from './redactingSink.ts';
import { Reporter } from './reporter.ts';
import { type TokenKind, tokenKind } from './token.ts';
import type { IssueSink } from './types.ts';
import { type IssueLlm, IssueWriter } from './writer.ts';

export type SinkSetup =
  | {
      kind: 'github';
      repo: string;
      token: string;
      baseUrl?: string | undefined;
      rateLimit?: RateLimitOptions;
    }
  | { kind: 'outbox'; dir: string };

export interface ReporterSetup {
  sink: SinkSetup;
  /** Lease folder; processes reporting to the same repository should share it. */
  stateDir: string;
  leaseTtlMs?: number;
  /** The redactor, applied to LLM input and again to everything sent to a sink. */
  redact: (text: string) => string;
  llm?: IssueLlm | undefined;
  llmTimeoutMs?: number;
  verifyPollMs?: number;
  log?: Logger;
}

/**
 * The lease folder of a sink: one per repository, one per outbox folder — a lease names an issue of one sink only,
 * so reporting the same failure to another outbox (or repository) never follows a record of a different one.
 */
export function leaseScope(sink: SinkSetup): string {
  if (sink.kind === 'github') return sink.repo.replace('/', '__');
  return `outbox-${createHash('sha256').update(resolve(sink.dir)).digest('hex').slice(0, 16)}`;
}

/** Builds the reporter. The sink is always wrapped in a RedactingSink: nothing leaves unredacted. */
export function createReporter(setup: ReporterSetup): {
  reporter: Reporter;
  sink: IssueSink;
  tokenKind: TokenKind | undefined;
} {
  const log = setup.log ?? silentLogger;
  const inner: IssueSink =
    setup.sink.kind === 'github'
      ? new GitHubSink({
          repo: setup.sink.repo,
          token: setup.sink.token,
          baseUrl: setup.sink.baseUrl,
          rateLimit: setup.sink.rateLimit ?? {},
          log,
        })
      : new OutboxSink(setup.sink.dir);
  const sink = new RedactingSink(inner, setup.redact);
  const kind = setup.sink.kind === 'github' ? tokenKind(setup.sink.token) : undefined;
  const scope = leaseScope(setup.sink);
  const leases = new LeaseStore({
    dir: join(setup.stateDir, 'leases', scope),
    ...(setup.leaseTtlMs === undefined ? {} : { ttlMs: setup.leaseTtlMs }),
  });
  const writer = new IssueWriter({
    llm: setup.llm,
    llmTimeoutMs: setup.llmTimeoutMs ?? 30_000,
    redact: setup.redact,
    log,
  });
  const reporter = new Reporter({
    sink,
    redact: setup.redact,
    leases,
    writer,
    tokenKind: kind,
    log,
    ...(setup.verifyPollMs ? { verifyPollMs: setup.verifyPollMs } : {}),
  });
  return { reporter, sink, tokenKind: kind };
}
