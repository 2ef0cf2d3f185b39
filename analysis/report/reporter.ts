/** @module analysis/report/reporter — the self-healing loop: file once per failure, hand off, close when fixed. */
import { SentinelError, errorMessage } from '../../lib/errors.ts';
import { type Logger, silentLogger } from '../../lib/log.ts';
import { allSignals, fingerprint, rolloutKey } from './fingerprint.ts';
import { GitHubRepoNotFound, IssueGone } from './errors.ts';
import { type IssueFacts, formatRepeatComment } from './format.ts';
import { redactDeep } from './redactingSink.ts';
import { SENTINEL_LABEL } from './github.ts';
import { type HandoffOutcome, type StartStatus, handOff, verifyStarted } from './handoff.ts';
import type { LeaseStore } from './lease.ts';
import { code } from './markdown.ts';
import type { TokenKind } from './token.ts';
import type { IssueActivity, IssueSink, Policy, ReportInput, RolloutContext, TrackedIssue } from './types.ts';
import type { IssueWriter } from './writer.ts';

/** What one report did. Sink failures are data here: they never change or hide the verdict. */
export type ReportResult =
  | {
      action: 'created';
      fp: string;
      issue: IssueRef;
      author: 'template' | 'llm';
      handoff: HandoffOutcome;
      started: StartStatus;
    }
  | {
      action: 'commented';
      fp: string;
      issue: IssueRef;
      via: 'lease' | 'search';
      occurrence: number | undefined;
    }
  | { action: 'closed' | 'resolved-comment'; issues: IssueRef[]; kept: IssueRef[] }
  | { action: 'skipped'; reason: string }
  | { action: 'failed'; fp?: string; error: { code: string; message: string; hint?: string | undefined } };

export interface IssueRef {
  number: number;
  url: string;
}

export interface ReporterDeps {
  /** Already wrapped in a RedactingSink by the caller (see createReporter). */
  sink: IssueSink;
  /** The project redactor; applied to the verdict and context on entry. */
  redact: (text: string) => string;
  leases: LeaseStore;
  writer: IssueWriter;
  tokenKind?: TokenKind | undefined;
  log?: Logger;
  now?: () => Date;
  /** Poll interval when verifying that an agent started (default 15 s). */
  verifyPollMs?: number;
}

const ref = (i: TrackedIssue): IssueRef => ({ number: i.number, url: i.url });

function asFailure(err: unknown, fp?: string): ReportResult {
  const error =
    err instanceof SentinelError
      ? { code: err.code, message: err.message, hint: err.hint }
      : { code: 'ReportFailed', message: errorMessage(err) };
  return fp ? { action: 'failed', fp, error } : { action: 'failed', error };
}

/** Turns verdicts into issue actions against one sink. Safe to call concurrently. */
export class Reporter {
  readonly #d: ReporterDeps;
  readonly #log: Logger;

  constructor(deps: ReporterDeps) {
    this.#d = deps;
    this.#log = deps.log ?? silentLogger;
  }

  /**
   * Rollback → file or comment (deduplicated by fingerprint); promote → loop closure; inconclusive → nothing.
   * Never throws for sink or LLM failures (returns `failed`); throws only when `signal` aborts.
   */
  async report(
    input: ReportInput,
    context: RolloutContext,
    policy: Policy,
    signal: AbortSignal,
  ): Promise<ReportResult> {
    // Redact again on entry (the judge redacts evidence; this is the second layer): fingerprints, markers, LLM
    // prompts and bodies are then built from clean text, for rollbacks and promotes alike.
    input = redactDeep(input, this.#d.redact);
    context = redactDeep(context, this.#d.redact);
    if (input.verdict === 'inconclusive')
      return { action: 'skipped', reason: 'inconclusive verdicts are not filed' };
    if (input.verdict === 'promote') return this.#closeFixed(input, context, policy, signal);
    const { fp, signals } = fingerprint(rolloutKey(context), input);
    try {
      return await this.#fileOrComment({ input, context, policy, fp, signals }, signal);
    } catch (err) {
      signal.throwIfAborted();
      this.#log.error(
        { fp, code: (err as SentinelError).code, err: errorMessage(err) },
        'report failed; the verdict stands',
      );
      return asFailure(err, fp);
    }
  }

  #facts(input: ReportInput, context: RolloutContext, fp: string, signals: string[]): IssueFacts {
    return {
      input,
      context,
      marker: { v: 1, fp, rollout: rolloutKey(context), signals },
      observedAt: (this.#d.now?.() ?? new Date()).toISOString(),
    };
  }

  async #fileOrComment(
    a: { input: ReportInput; context: RolloutContext; policy: Policy; fp: string; signals: string[] },
    signal: AbortSignal,
  ): Promise<ReportResult> {
    const { sink, leases } = this.#d;
    const facts = this.#facts(a.input, a.context, a.fp, a.signals);
    const filed = await leases.withLock(a.fp, signal, async () => {
      const lease = await leases.get(a.fp);
      if (lease) {
        // A leased issue that is gone (GitHub 404/410, a deleted outbox file) is forgotten like a closed one: the
        // report goes on to search and file, and the new issue replaces the record.
        const issue = await sink.get(lease.number, signal).catch((err: unknown) => {
          if (err instanceof IssueGone || err instanceof GitHubRepoNotFound) {
            this.#log.warn(
              { fp: a.fp, issue: lease.number, err: errorMessage(err) },
              'remembered issue is gone',
            );
            return undefined;
          }
          throw err;
        });
        if (issue?.state === 'open') {
          const occurrence = lease.occurrences + 1;
          await sink.comment(issue.number, formatRepeatComment(facts, occurrence), signal);
          await leases.put({ ...lease, occurrences: occurrence });
          return { action: 'commented', fp: a.fp, issue: ref(issue), via: 'lease', occurrence } as const;
        }
        await leases.drop(a.fp);
      }
      const found = await sink.findOpen(a.fp, signal);
      if (found) {
        await sink.comment(found.number, formatRepeatComment(facts, undefined), signal);
        await leases.put({ fp: a.fp, number: found.number, url: found.url, at: Date.now(), occurrences: 1 });
        return {
          action: 'commented',
          fp: a.fp,
          issue: ref(found),
          via: 'search',
          occurrence: undefined,
        } as const;
      }
      const written = await this.#d.writer.write(facts, signal);
      const labels = [...new Set([SENTINEL_LABEL, ...a.policy.labels])];
      const issue = await sink.create({ title: written.title, body: written.body, labels }, signal);
      await leases.put({ fp: a.fp, number: issue.number, url: issue.url, at: Date.now(), occurrences: 1 });
      this.#log.info({ fp: a.fp, issue: issue.number, author: written.author }, 'filed issue');
      return { action: 'created', issue, author: written.author } as const;
    });
    if (filed.action === 'commented') return filed;
    return this.#handOff({ issue: filed.issue, author: filed.author, fp: a.fp, policy: a.policy }, signal);
  }

  async #handOff(
    a: { issue: TrackedIssue; author: 'template' | 'llm'; fp: string; policy: Policy },
    signal: AbortSignal,
  ): Promise<ReportResult> {
    const { issue, author, fp, policy } = a;
    const ctx = { sink: this.#d.sink, number: issue.number, tokenKind: this.#d.tokenKind, signal };
    const outcome = await handOff(policy.handoff, ctx);
    let started: StartStatus = 'not_verifiable';
    if (outcome.status === 'failed') {
      this.#log.warn({ fp, issue: issue.number, ...outcome.error }, 'hand-off to the coding agent failed');
      await this.#note(
        issue.number,
        `Hand-off (${outcome.mode}) failed: ${outcome.error?.message ?? ''}\n\n${outcome.error?.hint ?? ''}`,
        signal,
      );
    } else if (outcome.status === 'requested') {
      started = await verifyStarted(policy.handoff, ctx, {
        withinMs: policy.verifyWithinMs,
        pollMs: this.#d.verifyPollMs ?? 15_000,
      });
      if (started === 'not_started') {
        this.#log.warn({ fp, issue: issue.number, mode: outcome.mode }, 'coding agent did not start');
        const mins = Math.round(policy.verifyWithinMs / 60_000);
        await this.#note(
          issue.number,
          `Hand-off (${outcome.mode}) requested, but no agent activity (comment, reaction or linked pull request) within ${mins} min. A person should pick this up.`,
          signal,
        );
      }
    }
    return { action: 'created', fp, issue: ref(issue), author, handoff: outcome, started };
  }

  /** Best-effort note on the issue; its own failure is only logged. */
  async #note(number: number, text: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#d.sink.comment(number, `rollout-sentinel: ${text}`, signal);
    } catch (err) {
      this.#log.warn({ issue: number, err: errorMessage(err) }, 'could not comment on the issue');
    }
  }

  /** Loop closure: a later canary promoted; close (or comment on) the rollout's issues whose signals are gone. */
  async #closeFixed(
    input: ReportInput,
    context: RolloutContext,
    policy: Policy,
    signal: AbortSignal,
  ): Promise<ReportResult> {
    try {
      const open = await this.#d.sink.listOpenForRollout(rolloutKey(context), signal);
      const present = allSignals(input);
      const gone = open.filter((i) => i.marker && !i.marker.signals.some((s) => present.has(s)));
      const kept = open.filter((i) => !gone.includes(i));
      for (const issue of gone) await this.#resolve({ issue, input, context, policy }, signal);
      if (gone.length === 0)
        return {
          action: 'skipped',
          reason: open.length === 0 ? 'no open issue for this rollout' : 'signals still present',
        };
      return {
        action: policy.closeOnFix ? 'closed' : 'resolved-comment',
        issues: gone.map(ref),
        kept: kept.map(ref),
      };
    } catch (err) {
      signal.throwIfAborted();
      return asFailure(err);
    }
  }

  async #resolve(
    a: { issue: TrackedIssue; input: ReportInput; context: RolloutContext; policy: Policy },
    signal: AbortSignal,
  ): Promise<void> {
    const { sink, leases } = this.#d;
    const { issue, policy } = a;
    const activity = sink.kind === 'github' ? await sink.activity(issue.number, signal) : undefined;
    await sink.comment(issue.number, closureComment({ ...a, activity }), signal);
    if (policy.closeOnFix) await sink.close(issue.number, signal);
    if (issue.marker) await leases.drop(issue.marker.fp);
    this.#log.info({ issue: issue.number, closed: policy.closeOnFix }, 'loop closed');
  }
}

/** The loop-closure comment: revision, verdict, the signals checked, and the fix PR when one is linked. */
function closureComment(a: {
  issue: TrackedIssue;
  input: ReportInput;
  context: RolloutContext;
  policy: Policy;
  activity: IssueActivity | undefined;
}): string {
  const { issue, input, context } = a;
  const fix = a.activity?.pullRequests.find((p) => p.merged) ?? a.activity?.pullRequests[0];
  const image = context.imageDigest ?? context.image;
  return [
    `**Fixed:** a later canary of ${code(rolloutKey(context))} was promoted and this failure's signals are gone.`,
    '',
    `- revision: ${code(context.revision ?? 'unknown')}${image ? `, image ${code(image)}` : ''}`,
    `- verdict: **${input.verdict}** (confidence ${(input.confidence * 100).toFixed(0)} %)`,
    `- signals checked: ${issue.marker?.signals.map((s) => code(s)).join(', ') || '(none)'}`,
    ...(fix ? [`- fixed by: ${fix.url}${fix.merged ? ' (merged)' : ''}`] : []),
    '',
    a.policy.closeOnFix ? 'Closing.' : 'Leaving open (closeOnFix is off).',
  ].join('\n');
}
