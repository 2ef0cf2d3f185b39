/** @module analysis/report/redactingSink — redaction applied again just before anything leaves for a sink. */
import type { IssueActivity, IssueDraft, IssueSink, TrackedIssue } from './types.ts';

function redactDeep(value: unknown, redact: (t: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  }
  return value;
}

/**
 * Wraps a sink so that every title, body, comment and free-text hand-off field is redacted on the way out. The one
 * choke point for outgoing text: whatever wrote it (template, LLM, a future caller), it passes here.
 */
export class RedactingSink implements IssueSink {
  readonly #inner: IssueSink;
  readonly #redact: (text: string) => string;

  constructor(inner: IssueSink, redact: (text: string) => string) {
    this.#inner = inner;
    this.#redact = redact;
  }

  get kind(): IssueSink['kind'] {
    return this.#inner.kind;
  }

  get target(): string {
    return this.#inner.target;
  }

  findOpen(fp: string, signal: AbortSignal): Promise<TrackedIssue | undefined> {
    return this.#inner.findOpen(fp, signal);
  }

  listOpenForRollout(rollout: string, signal: AbortSignal): Promise<TrackedIssue[]> {
    return this.#inner.listOpenForRollout(rollout, signal);
  }

  get(number: number, signal: AbortSignal): Promise<TrackedIssue> {
    return this.#inner.get(number, signal);
  }

  create(draft: IssueDraft, signal: AbortSignal): Promise<TrackedIssue> {
    return this.#inner.create(
      { ...draft, title: this.#redact(draft.title), body: this.#redact(draft.body) },
      signal,
    );
  }

  comment(number: number, body: string, signal: AbortSignal): Promise<void> {
    return this.#inner.comment(number, this.#redact(body), signal);
  }

  close(number: number, signal: AbortSignal): Promise<void> {
    return this.#inner.close(number, signal);
  }

  addLabels(number: number, labels: string[], signal: AbortSignal): Promise<void> {
    return this.#inner.addLabels(number, labels, signal);
  }

  addAssignees(
    number: number,
    assignees: string[],
    extra: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<string[]> {
    return this.#inner.addAssignees(
      number,
      assignees,
      redactDeep(extra, this.#redact) as Record<string, unknown>,
      signal,
    );
  }

  activity(number: number, signal: AbortSignal): Promise<IssueActivity> {
    return this.#inner.activity(number, signal);
  }
}
