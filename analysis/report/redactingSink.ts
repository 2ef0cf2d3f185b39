/** @module analysis/report/redactingSink — redaction applied again just before anything leaves for a sink. */
import type { IssueActivity, IssueDraft, IssueSink, TrackedIssue } from './types.ts';

/** Redacts every string in a JSON-like value (objects, arrays), leaving other values alone. */
export function redactDeep<T>(value: T, redact: (t: string) => string): T {
  return redactAny(value, redact) as T;
}

function redactAny(value: unknown, redact: (t: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactAny(v, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAny(v, redact)]));
  }
  return value;
}

const MARKER_START = '<!-- rollout-sentinel:marker ';

/**
 * Redacts a body in two parts: the text before our marker and the marker itself. A redaction rule that runs to the
 * end of its input (a PEM header with no footer) can then never swallow the marker, which deduplication needs.
 */
function redactBody(body: string, redact: (t: string) => string): string {
  const at = body.lastIndexOf(MARKER_START);
  if (at < 0) return redact(body);
  return `${redact(body.slice(0, at))}${redact(body.slice(at))}`;
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
      { ...draft, title: this.#redact(draft.title), body: redactBody(draft.body, this.#redact) },
      signal,
    );
  }

  comment(number: number, body: string, signal: AbortSignal): Promise<void> {
    return this.#inner.comment(number, redactBody(body, this.#redact), signal);
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
