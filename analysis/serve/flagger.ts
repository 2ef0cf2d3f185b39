/**
 * @module analysis/serve/flagger — Flagger's webhook contract on `sentinel serve`: Flagger POSTs
 * `{name, namespace, phase, checksum, metadata}` (metadata: string values only) to each webhook of a Canary and reads
 * nothing but the HTTP status (2xx passes). `POST /v1/flagger/{hook}` turns that payload into the canary analysis
 * (one per canary revision: the checksum is the idempotency step) and maps its state to the status each hook type
 * needs — see {@link flaggerStatus}.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Flagger's webhook payload (pkg/controller/webhook.go: CanaryWebhookPayload). */
export const FlaggerPayloadSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  phase: z.string().optional(),
  checksum: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type FlaggerPayload = z.infer<typeof FlaggerPayloadSchema>;

/** The hook types served: the ones whose answer gates the canary. */
export const FLAGGER_HOOKS = ['rollout', 'confirm-promotion', 'rollback'] as const;
export type FlaggerHook = (typeof FLAGGER_HOOKS)[number];

/** What the analysis is doing, as far as Flagger is concerned. */
export type AnalysisState = 'running' | 'promote' | 'rollback' | 'inconclusive' | 'error';

/**
 * The status a hook answers (Flagger: 2xx = pass, anything else = fail):
 * - `rollout` (every iteration; failures count toward the Canary's threshold, then roll back): fails only on a
 *   rollback verdict — a running, inconclusive or failed analysis is no evidence against the canary;
 * - `confirm-promotion` (promotion waits until 2xx): passes only on promote — running, inconclusive and errors hold it;
 * - `rollback` (2xx rolls the canary back at once): passes only on a rollback verdict.
 */
export function flaggerStatus(hook: FlaggerHook, state: AnalysisState): number {
  const denied = state === 'error' ? 500 : state === 'running' ? 503 : 412;
  switch (hook) {
    case 'rollout':
      return state === 'rollback' ? 412 : state === 'running' ? 202 : 200;
    case 'confirm-promotion':
      return state === 'promote' ? 200 : denied;
    case 'rollback':
      return state === 'rollback' ? 200 : denied;
  }
}

type Doc = Record<string, unknown>;

/**
 * The analysis request for a Flagger payload: `metadata.analysis` holds the canary analysis as YAML or JSON (the
 * `sentinel canary --config` document; Flagger's metadata values are strings); `rollout` and `namespace` default to
 * the Canary's, and the sides to Flagger's pods (`app=<name>` canary, `app=<name>-primary` primary). The checksum
 * (one per canary revision) is the step, so every iteration of one revision polls the same analysis.
 * Throws when `metadata.analysis` is not YAML/JSON; the caller validates the result with the analysis schema.
 */
export function flaggerRequest(p: FlaggerPayload): { analysis: Doc; step: string } {
  const text = p.metadata?.analysis;
  let doc: Doc = {};
  if (text !== undefined) {
    const parsed = parseYaml(text) as unknown;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
      throw new Error('metadata.analysis must be a YAML or JSON mapping (the canary analysis document)');
    doc = (parsed ?? {}) as Doc;
  }
  const side = (key: 'canary' | 'stable', hash: string, selector: string): Doc => ({
    podTemplateHash: hash,
    selector,
    ...((doc[key] as Doc | undefined) ?? {}),
  });
  return {
    analysis: {
      rollout: p.name,
      namespace: p.namespace,
      ...doc,
      canary: side('canary', 'canary', `app=${p.name}`),
      stable: side('stable', 'primary', `app=${p.name}-primary`),
    },
    step: p.checksum ?? '',
  };
}
