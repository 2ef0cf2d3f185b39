/**
 * @module analysis/judges/llm/compact — compacts the evidence for the LLM into templates + counts + a few redacted
 * samples, most suspicious first, within a token budget whatever the log volume.
 */
import { isErrorLevel } from '../../logs/level.ts';
import { redact } from '../../redact/redact.ts';
import { templateText } from '../../templates/drain.ts';
import { quantile } from '../../../lib/stats/exact.ts';
import type { Comparison, TemplateStat } from '../statistical/preprocess.ts';
import type { JourneyResult } from '../types.ts';

/**
 * Conservative token estimate for a number of characters: 3 characters per token (Gemini averages about 4 for
 * English prose; logs with ids and punctuation tokenize denser). Used to fit the budget before calling the model;
 * the model's own count is reported after.
 */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 3);
}

/** The compacted evidence and what was left out. */
export interface CompactEvidence {
  /** JSON text of the evidence (not yet delimited). */
  json: string;
  templatesIncluded: number;
  templatesOmitted: number;
  estimatedTokens: number;
}

const TEMPLATE_CHARS = 240;
const SAMPLE_CHARS = 300;

function interest(t: TemplateStat, Ns: number, Nc: number): number {
  const rs = (t.counts.stable + 0.5) / Math.max(Ns, 1);
  const rc = (t.counts.canary + 0.5) / Math.max(Nc, 1);
  const ratio = Math.log2(rc / rs);
  const levelWeight = t.critical ? 8 : isErrorLevel(t.level) ? 4 : t.level === 'warn' ? 2 : 1;
  return (
    levelWeight * (1 + Math.max(0, ratio)) + (t.counts.stable === 0 && t.counts.canary > 0 ? levelWeight : 0)
  );
}

function side(c: Comparison, s: 'stable' | 'canary'): Record<string, unknown> {
  const t = c.totals[s];
  const lat = t.latency.values;
  return {
    records: t.records,
    errorRecords: t.errors,
    httpRequests: t.requests,
    http5xx: t.serverErrors,
    ...(lat.length > 0
      ? { latencyMsP50: Math.round(quantile(lat, 0.5)), latencyMsP95: Math.round(quantile(lat, 0.95)) }
      : {}),
    sources: t.bySource.size,
  };
}

/** Builds the evidence JSON, adding templates in order of interest until `budgetTokens` would be exceeded. */
export function compactEvidence(
  c: Comparison,
  opts: { budgetTokens: number; journeys?: readonly JourneyResult[] | undefined; samplesFor?: number },
): CompactEvidence {
  const Ns = c.totals.stable.records;
  const Nc = c.totals.canary.records;
  const byId = new Map(c.miner.clusters.map((k) => [k.id, k]));
  const ranked = [...c.templates.values()].sort(
    (a, b) => interest(b, Ns, Nc) - interest(a, Ns, Nc) || b.counts.canary - a.counts.canary,
  );
  const head = {
    totals: { stable: side(c, 'stable'), canary: side(c, 'canary') },
    pods: c.pods.map((p) => ({
      ...p,
      events: p.events.slice(0, 5).map((e) => ({ ...e, message: redact(e.message).slice(0, 200) })),
    })),
    journeys: (opts.journeys ?? []).map((j) => ({
      ...j,
      canary: { ...j.canary, error: j.canary.error ? redact(j.canary.error).slice(0, 200) : undefined },
    })),
  };
  const rows: unknown[] = [];
  let size = JSON.stringify({ ...head, templates: [] }).length;
  const samplesFor = opts.samplesFor ?? 12;
  for (const t of ranked) {
    const cluster = byId.get(t.id);
    const row = {
      id: t.id,
      level: t.level,
      stable: t.counts.stable,
      canary: t.counts.canary,
      template: redact(cluster ? templateText(cluster) : '').slice(0, TEMPLATE_CHARS),
      ...(rows.length < samplesFor
        ? {
            samples: [...t.samples.canary.slice(0, 2), ...t.samples.stable.slice(0, 1)].map((s) =>
              redact(s).slice(0, SAMPLE_CHARS),
            ),
          }
        : {}),
    };
    const rowSize = JSON.stringify(row).length + 1;
    if (estimateTokens(size + rowSize) > opts.budgetTokens) break;
    rows.push(row);
    size += rowSize;
  }
  const json = JSON.stringify({ ...head, templates: rows });
  return {
    json,
    templatesIncluded: rows.length,
    templatesOmitted: ranked.length - rows.length,
    estimatedTokens: estimateTokens(json.length),
  };
}
