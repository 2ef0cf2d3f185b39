/** @module analysis/report/fingerprint — a stable identity for "the same failure of the same rollout". */
import { createHash } from 'node:crypto';
import type { Reason, Verdict } from '../types.ts';

/** Reason kinds that describe the failure itself (LLM prose and judge trouble are not stable enough to key on). */
const SIGNAL_KINDS = new Set([
  'new_template',
  'rate_change',
  'error_rate',
  'critical',
  'pod_event',
  'journey',
]);

/** At most this many signals define a fingerprint, so one extra noisy template does not fork a new issue. */
const MAX_SIGNALS = 5;

/**
 * Normalizes a log template or summary so that the same failure maps to the same key across runs: lower case,
 * variables (numbers, hex ids, UUIDs, IPs, quoted strings, `<*>`) replaced by `<*>`, whitespace collapsed.
 */
export function normalizeTemplate(text: string): string {
  return text
    .toLowerCase()
    .replace(/\[redacted:[a-z0-9_]+\]/g, '<*>')
    .replace(/"[^"]*"|'[^']*'/g, '<*>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<*>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<*>')
    .replace(/\b0x[0-9a-f]+\b/g, '<*>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/g, '<*>')
    .replace(/\d+(?:\.\d+)?/g, '<*>')
    .replace(/<\*>(?:[\s,:=/-]*<\*>)+/g, '<*>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The signal key of one reason, or undefined when the reason is not a failure signal. */
export function signalKey(reason: Reason): string | undefined {
  if (!SIGNAL_KINDS.has(reason.kind)) return undefined;
  const ev = reason.evidence;
  if (ev?.template) return `${reason.kind}:${normalizeTemplate(ev.template)}`;
  if (reason.kind === 'journey') return `journey:${normalizeTemplate(ev?.source ?? reason.summary)}`;
  if (reason.kind === 'error_rate') return 'error_rate';
  return `${reason.kind}:${normalizeTemplate(reason.summary)}`;
}

/** Which class of signal defines the failure: vetoes first, then journeys, then new templates, then rates. */
export type FailureKind = 'critical' | 'journey' | 'new_template' | 'rate' | 'unknown';

function classOf(reason: Reason): FailureKind {
  if (reason.veto || reason.kind === 'critical' || reason.kind === 'pod_event') return 'critical';
  if (reason.kind === 'journey') return 'journey';
  if (reason.kind === 'new_template') return 'new_template';
  return 'rate';
}

const ORDER: FailureKind[] = ['critical', 'journey', 'new_template', 'rate'];

/** The failure kind and the (sorted, capped) signals that define a verdict's failure. */
export function definingSignals(verdict: Pick<Verdict, 'reasons'>): { kind: FailureKind; signals: string[] } {
  const keyed = verdict.reasons
    .map((r) => ({ r, key: signalKey(r) }))
    .filter((x): x is { r: Reason; key: string } => x.key !== undefined);
  for (const kind of ORDER) {
    const picked = keyed
      .filter((x) => classOf(x.r) === kind)
      .sort((a, b) => b.r.severity - a.r.severity || a.key.localeCompare(b.key));
    const signals = [...new Set(picked.map((x) => x.key))].slice(0, MAX_SIGNALS).sort();
    if (signals.length > 0) return { kind, signals };
  }
  return { kind: 'unknown', signals: [] };
}

/** Every signal key a verdict carries (used by loop closure to decide whether an issue's signals are gone). */
export function allSignals(verdict: Pick<Verdict, 'reasons'>): Set<string> {
  return new Set(verdict.reasons.map(signalKey).filter((k): k is string => k !== undefined));
}

/** `namespace/rollout`. */
export function rolloutKey(ctx: { namespace: string; rollout: string }): string {
  return `${ctx.namespace}/${ctx.rollout}`;
}

/**
 * The fingerprint: `rsfp-` + 16 hex digits of SHA-256 over rollout, failure kind and defining signals.
 * Independent of counts, samples, confidence, revision and reason order.
 */
export function fingerprint(
  rollout: string,
  verdict: Pick<Verdict, 'reasons'>,
): { fp: string; signals: string[]; kind: FailureKind } {
  const { kind, signals } = definingSignals(verdict);
  const hash = createHash('sha256')
    .update([rollout, kind, ...signals].join('\n'))
    .digest('hex');
  return { fp: `rsfp-${hash.slice(0, 16)}`, signals, kind };
}
