/**
 * @module analysis/canary/types — the one request every entry point builds (`CanaryAnalysis`: the plugin's
 * `kind: canary` block, `sentinel canary --config`, `sentinel serve`'s POST body) and the one verdict they all get
 * back (`CanaryVerdict`, product-shape.md "Verdict contract").
 */
import { z } from 'zod';
import { boundedDuration } from '../../lib/config.ts';
import { DEFAULT_LLM_MODEL, LLM_PROVIDERS } from '../../lib/vocabulary.ts';
import { ReasonKindSchema, SideCountsSchema, VerdictKindSchema } from '../types.ts';

const durationMs = boundedDuration;

/**
 * A secret, by reference only: a key of a Kubernetes Secret in the analysis namespace (read through the API with the
 * plugin's ServiceAccount) or a mounted file. Never the value itself: the AnalysisRun is readable by anyone who can
 * read the Rollout.
 */
export const SecretRefSchema = z.union([
  z
    .object({
      /** Secret name (in `namespace` of the analysis unless given). */
      name: z.string().min(1),
      key: z.string().min(1),
      namespace: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ /** Path of a mounted file holding the value. */ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const hash = z
  .string()
  .regex(
    /^[a-z0-9]{1,63}$/,
    'expected a pod-template hash such as 6b9f7c8d4 (the rollouts-pod-template-hash label)',
  );

/** One side of the comparison. */
export const SideSchema = z
  .object({
    /** The ReplicaSet's `rollouts-pod-template-hash` label value. */
    podTemplateHash: hash,
    /**
     * A label selector for this side's pods instead of the pod-template-hash label (Flagger: `app=podinfo` for the
     * canary, `app=podinfo-primary` for the primary); `podTemplateHash` then only names the side in the verdict.
     */
    selector: z.string().min(1).optional(),
    /** Where journeys reach this side (a Service URL); required when `journeys` is set. */
    url: z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' }).optional(),
  })
  .strict();

/** Synthetic journeys run paired on canary and stable through the sandbox proxy. */
export const JourneysSchema = z
  .object({
    /** Journey specs inline (YAML or JSON text, the journeys/ spec format). */
    inline: z.string().min(1).optional(),
    /** Or a ConfigMap in the analysis namespace holding them. */
    configMap: z.string().min(1).optional(),
    /** Key of the ConfigMap (default `journeys.yaml`). */
    key: z.string().min(1).default('journeys.yaml'),
    /** The sandbox proxy's WebSocket endpoint. */
    proxy: z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL of the sandbox proxy' }),
    /** The proxy credential (a signed tenant token), by reference. */
    proxyToken: SecretRefSchema.optional(),
    /** Proxy backends to run on; each journey runs on every one. */
    backends: z.array(z.string().min(1)).min(1).default(['local']),
    /** Paired repeats per journey and backend (each repeat runs canary and stable). */
    repeat: z.number().int().min(1).max(50).default(5),
    /** Deadline of all journeys of one measurement. */
    timeout: durationMs('5m', 3_600_000),
  })
  .strict()
  .refine((j) => (j.inline === undefined) !== (j.configMap === undefined), {
    message: 'give exactly one of journeys.inline or journeys.configMap',
  });

/** Which logs are read. */
export const LogsSchema = z
  .object({
    /**
     * `since-last-measurement`: from the end of this AnalysisRun's previous measurement (the first one reads
     * `firstWindow`), never more than `maxWindow`; `fixed`: always the last `firstWindow`.
     */
    window: z.enum(['since-last-measurement', 'fixed']).default('since-last-measurement'),
    firstWindow: durationMs('10m', 86_400_000),
    /** Upper bound of a window (a paused rollout resumed hours later reads at most this much). */
    maxWindow: durationMs('1h', 86_400_000),
    /** Containers not read, besides the built-in mesh/logging sidecars. */
    sidecars: z.array(z.string().min(1)).default([]),
    /** Per container log; the API's `limitBytes`. 5 MiB keeps one measurement's memory bounded. */
    maxBytesPerContainer: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(5 * 1024 * 1024),
    /** Pods read per side. */
    maxPods: z.number().int().min(1).max(200).default(20),
    /**
     * Logs from files instead of the cluster (`sentinel canary` in a pipeline that collected them): each side's files
     * (plain or .gz; `kubectl logs --prefix` lines keep their pod/container), and optionally the pod evidence JSON of
     * `sentinel judge --pods`. The window, sidecar and size options do not apply to files.
     */
    files: z
      .object({
        stable: z.array(z.string().min(1)).min(1),
        canary: z.array(z.string().min(1)).min(1),
        pods: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * The LLM judge; `none` judges on statistics alone, `auto` uses Gemini when `apiKeySecret` is given. Field `x` here is
 * `--llm-x` / `SENTINEL_LLM_X` on every command (lib/vocabulary.ts; `provider` is `--llm`).
 */
export const LlmSchema = z
  .object({
    provider: z.enum(LLM_PROVIDERS).default('none'),
    model: z.string().min(1).default(DEFAULT_LLM_MODEL),
    apiKeySecret: SecretRefSchema.optional(),
    baseUrl: z.url().optional(),
    /** Token budget of one LLM prompt (the issue's target: ≤ 8k). */
    maxInputTokens: z.number().int().min(1000).max(100_000).default(8000),
    timeout: durationMs('30s', 300_000),
  })
  .strict()
  .refine((l) => l.provider !== 'gemini' || l.apiKeySecret !== undefined, {
    message: 'llm.provider gemini needs llm.apiKeySecret ({name, key} of a Secret, or {file})',
    path: ['apiKeySecret'],
  });

/** Hand-off shorthand: an agent name, or none. */
export const HandoffNameSchema = z.enum(['none', 'jules', 'copilot', 'openhands']);

/** What happens after the verdict: rollback → issue, promote → loop closure. */
export const ReportSchema = z
  .object({
    github: z
      .object({
        repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name'),
        tokenSecret: SecretRefSchema,
        handoff: HandoffNameSchema.default('none'),
        labels: z.array(z.string().min(1)).default([]),
        /** GitHub Enterprise Server: `https://HOST/api/v3`. */
        apiUrl: z.url().optional(),
      })
      .strict()
      .optional(),
    /** A local Markdown outbox instead of GitHub (the embedded default, CI previews). */
    outbox: z
      .object({ dir: z.string().min(1) })
      .strict()
      .optional(),
    /** Lease folder shared by processes reporting to the same repository. */
    stateDir: z.string().min(1).optional(),
    /**
     * Where this analysis's verdict report page is published (http(s), or file:// for a page on this machine such as
     * the demo's): the issue body links to it. Unset → no link (nothing is published by default).
     */
    pageUrl: z
      .url({ protocol: /^(https?|file)$/, error: 'expected an http(s):// or file:// URL' })
      .optional(),
  })
  .strict()
  .refine((r) => !(r.github && r.outbox), { message: 'give report.github or report.outbox, not both' });

/** The canary analysis request: the same shape from the plugin block, a config file, or an HTTP body. */
export const CanaryAnalysisSchema = z
  .object({
    rollout: z.string().min(1),
    namespace: z.string().min(1).default('default'),
    canary: SideSchema,
    stable: SideSchema,
    journeys: JourneysSchema.optional(),
    logs: LogsSchema.default(LogsSchema.parse({})),
    llm: LlmSchema.default({
      provider: 'none',
      model: 'gemini-2.5-flash',
      maxInputTokens: 8000,
      timeout: 30_000,
    }),
    report: ReportSchema.optional(),
    /** Verdict policy combining statistics and the LLM (analysis/judges/combine.ts). */
    policy: z.string().min(1).optional(),
    /** Where journey traces/screenshots are written. */
    artifactsDir: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => !a.journeys || (a.canary.url !== undefined && a.stable.url !== undefined), {
    message: 'journeys need canary.url and stable.url (the Services journeys open)',
    path: ['journeys'],
  });
export type CanaryAnalysis = z.output<typeof CanaryAnalysisSchema>;
export type CanaryAnalysisInput = z.input<typeof CanaryAnalysisSchema>;

// ---- the verdict contract ----

/** A reason, short: what the Argo UI and the report page show. */
export const CanaryReasonSchema = z.object({
  kind: ReasonKindSchema,
  summary: z.string(),
  severity: z.number().min(0).max(1),
  veto: z.boolean(),
  /** Occurrences on each side (log lines of a template, failed journey runs, …). */
  counts: SideCountsSchema.optional(),
  /** What `counts` is out of on each side (log lines or requests), for rates. */
  totals: SideCountsSchema.optional(),
  template: z.string().optional(),
  /** Up to two redacted sample lines (the report page and the issue show them). */
  samples: z.array(z.string()).max(2).optional(),
});
export type CanaryReason = z.infer<typeof CanaryReasonSchema>;

/** Latency of one journey step per side. */
export const StepTimingSchema = z.object({
  name: z.string(),
  stable: z.object({ p50: z.number(), p95: z.number() }).optional(),
  canary: z.object({ p50: z.number(), p95: z.number() }).optional(),
});

/** One journey on one backend, over all paired repeats. */
export const CanaryJourneySchema = z.object({
  name: z.string(),
  backend: z.string(),
  /** Fraction of runs that passed, per side. */
  passRate: z.object({ stable: z.number().min(0).max(1), canary: z.number().min(0).max(1) }),
  runs: SideCountsSchema,
  steps: z.array(StepTimingSchema).default([]),
  /** Failed runs, with where to look. */
  failures: z
    .array(
      z.object({
        side: z.enum(['stable', 'canary']),
        step: z.string().optional(),
        error: z.string(),
        trace: z.string().optional(),
        screenshot: z.string().optional(),
      }),
    )
    .default([]),
});
export type CanaryJourney = z.infer<typeof CanaryJourneySchema>;

/** What happened after the verdict (issue filed/commented, loop closed). Never changes the verdict. */
export const CanaryReportSchema = z.object({
  action: z.enum(['filed', 'commented', 'closed', 'none', 'failed']),
  issueUrl: z.string().optional(),
  outboxFile: z.string().optional(),
  /** Why nothing happened, or what failed (GitHub down, permission denied …). */
  detail: z.string().optional(),
});
export type CanaryReport = z.infer<typeof CanaryReportSchema>;

/** The verdict every entry point returns. */
export const CanaryVerdictSchema = z.object({
  verdict: VerdictKindSchema,
  confidence: z.number().min(0).max(1),
  reasons: z.array(CanaryReasonSchema),
  /** For `inconclusive`: what was missing (no canary pods, proxy unreachable, …). */
  missing: z.array(z.string()).default([]),
  /**
   * True when the verdict is inconclusive because the infrastructure failed (proxy, API, LLM): callers must not turn it
   * into a failure (the plugin reports `Inconclusive` whatever the user's conditions say).
   */
  infrastructure: z.boolean().default(false),
  journeys: z.array(CanaryJourneySchema).default([]),
  evidence: z.object({
    pods: SideCountsSchema,
    lines: SideCountsSchema,
    templates: z.number().int().nonnegative(),
    /** Start of the log window (ISO), when bounded. */
    since: z.string().optional(),
    warnings: z.array(z.string()).default([]),
  }),
  llm: z
    .object({
      model: z.string().optional(),
      verdict: VerdictKindSchema.optional(),
      tokens: z.object({ input: z.number().int(), output: z.number().int() }),
      explanation: z.string().optional(),
      error: z.string().optional(),
    })
    .optional(),
  report: CanaryReportSchema.optional(),
  artifacts: z.object({
    reportPage: z.string().optional(),
    traces: z.array(z.string()).default([]),
    screenshots: z.array(z.string()).default([]),
  }),
  rollout: z.object({
    name: z.string(),
    namespace: z.string(),
    canaryPodTemplateHash: z.string(),
    stablePodTemplateHash: z.string(),
    image: z.string().optional(),
  }),
  durationMs: z.number().nonnegative(),
});
export type CanaryVerdict = z.infer<typeof CanaryVerdictSchema>;
