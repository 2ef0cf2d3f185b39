/** @module analysis/report/types — the contracts of the self-healing loop: report input, policy, and the issue sink. */
import { z } from 'zod';
import { VerdictSchema } from '../types.ts';

/** Where the canary ran and what it was: everything a fix author needs to find the failing build. */
export const RolloutContextSchema = z.object({
  rollout: z.string().min(1),
  namespace: z.string().min(1).default('default'),
  /** Rollout revision (the `rollout.argoproj.io/revision` annotation). */
  revision: z.string().optional(),
  /** Canary image, ideally pinned by digest (`repo@sha256:…`). */
  image: z.string().optional(),
  imageDigest: z.string().optional(),
  canaryPodTemplateHash: z.string().optional(),
  stablePodTemplateHash: z.string().optional(),
  analysisRun: z.string().optional(),
  /** Named links: rollout dashboard, AnalysisRun, journey artifacts (trace, video, HAR). */
  links: z.record(z.string(), z.url()).optional(),
  /** Command that replays the failing synthetic journey, when one exists. */
  journeyCommand: z.string().optional(),
});
export type RolloutContext = z.infer<typeof RolloutContextSchema>;

/**
 * What `sentinel report` reads: the JSON `sentinel judge --json` prints (`{verdict, confidence, reasons, tokens, llm}`),
 * optionally with a `context`. Unknown keys are kept, so judge output can grow without breaking the reporter.
 */
export const ReportInputSchema = VerdictSchema.extend({
  context: RolloutContextSchema.optional(),
}).loose();
export type ReportInput = z.infer<typeof ReportInputSchema>;

/** How an issue is handed to a coding agent, per rollout. */
export const HandoffSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }),
  z.object({
    mode: z.literal('labels'),
    /** e.g. `jules` for Google Jules. */
    labels: z.array(z.string().min(1)).min(1).default(['jules']),
    agentLogins: z.array(z.string()).default(['google-labs-jules[bot]', 'google-labs-jules']),
  }),
  z.object({
    mode: z.literal('assignees'),
    assignees: z.array(z.string().min(1)).min(1),
    agentLogins: z.array(z.string()).optional(),
  }),
  z.object({
    mode: z.literal('copilot'),
    /** Repository the PR goes to (`owner/name`); default the issue's repository. */
    targetRepo: z.string().optional(),
    baseBranch: z.string().optional(),
    customInstructions: z.string().optional(),
    customAgent: z.string().optional(),
    model: z.string().optional(),
    agentLogins: z.array(z.string()).default(['Copilot', 'copilot-swe-agent', 'copilot-swe-agent[bot]']),
  }),
  z.object({
    mode: z.literal('openhands'),
    /** The OpenHands resolver's trigger label. */
    label: z.string().min(1).default('fix-me'),
    agentLogins: z.array(z.string()).default(['openhands-agent', 'github-actions[bot]']),
  }),
]);
export type Handoff = z.infer<typeof HandoffSchema>;

/** Per-rollout reporting policy. */
export const PolicySchema = z.object({
  /** `owner/name` of the repository issues go to. */
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name'),
  /** Labels on every issue; `rollout-sentinel` is always added (loop closure finds issues by it). */
  labels: z.array(z.string()).default([]),
  handoff: HandoffSchema.default({ mode: 'none' }),
  /** How long to wait for an agent to start; 0 records the hand-off as pending without waiting. */
  verifyWithinMs: z.number().int().nonnegative().default(0),
  /** Close the issue when a later canary promotes without the fingerprint's signals. */
  closeOnFix: z.boolean().default(true),
});
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/** The hidden, machine-readable part of every issue this tool files. */
export const MarkerSchema = z.object({
  v: z.literal(1),
  /** Stable fingerprint, `rsfp-` + 16 hex digits. */
  fp: z.string().regex(/^rsfp-[0-9a-f]{16}$/),
  /** `namespace/rollout`. */
  rollout: z.string(),
  /** Normalized signal keys the fingerprint was built from; loop closure checks they are gone. */
  signals: z.array(z.string()),
});
export type Marker = z.infer<typeof MarkerSchema>;

/** An issue as the reporter sees it. */
export interface TrackedIssue {
  number: number;
  url: string;
  state: 'open' | 'closed';
  marker: Marker | undefined;
}

/** A new issue, already redacted and within the sink's limits. */
export interface IssueDraft {
  title: string;
  body: string;
  labels: string[];
}

/** What happened on an issue since a point in time: used to verify an agent picked it up. */
export interface IssueActivity {
  /** Logins that commented. */
  commenters: string[];
  /** Logins that reacted. */
  reactors: string[];
  /** Logins currently assigned. */
  assignees: string[];
  /** Pull requests that reference the issue (URL, merged or not). */
  pullRequests: { url: string; merged: boolean; author: string | undefined }[];
}

/**
 * Where issues go: GitHub or a local Markdown outbox. Every method takes an AbortSignal; bodies arrive already
 * redacted. Implementations are safe to call concurrently but do not deduplicate: the reporter does that.
 */
export interface IssueSink {
  readonly kind: 'github' | 'outbox';
  /** Repository (or outbox) name shown in logs and messages. */
  readonly target: string;
  /** The open issue carrying this fingerprint, if the sink can see one (GitHub search may lag). */
  findOpen(fp: string, signal: AbortSignal): Promise<TrackedIssue | undefined>;
  /** Open issues this tool filed for `namespace/rollout` (strongly consistent listing, not search). */
  listOpenForRollout(rollout: string, signal: AbortSignal): Promise<TrackedIssue[]>;
  get(number: number, signal: AbortSignal): Promise<TrackedIssue>;
  create(draft: IssueDraft, signal: AbortSignal): Promise<TrackedIssue>;
  comment(number: number, body: string, signal: AbortSignal): Promise<void>;
  close(number: number, signal: AbortSignal): Promise<void>;
  addLabels(number: number, labels: string[], signal: AbortSignal): Promise<void>;
  /** Adds assignees; returns the logins assigned afterwards (GitHub silently drops some). */
  addAssignees(
    number: number,
    assignees: string[],
    extra: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<string[]>;
  activity(number: number, signal: AbortSignal): Promise<IssueActivity>;
}
