/** @module analysis/report/createReporter — wires sink, redaction, leases and writer into a Reporter. */
import { join } from 'node:path';
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
  const scope = setup.sink.kind === 'github' ? setup.sink.repo.replace('/', '__') : 'outbox';
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
