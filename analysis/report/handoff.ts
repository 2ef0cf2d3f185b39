/** @module analysis/report/handoff — give an issue to a coding agent, and check the agent actually started. */
import { setTimeout as sleep } from 'node:timers/promises';
import { SentinelError, errorMessage } from '../../lib/errors.ts';
import { CopilotAssignmentDropped, CopilotNeedsUserToken } from './errors.ts';
import { type TokenKind, canAssignCopilot, describeTokenKind } from './token.ts';
import type { Handoff, IssueSink } from './types.ts';

/** The GitHub login to assign for the Copilot coding agent (REST). */
export const COPILOT_ASSIGNEE = 'copilot-swe-agent[bot]';

/** What the hand-off did. `failed` never undoes the issue: it is filed, and the message says why no agent got it. */
export interface HandoffOutcome {
  mode: Handoff['mode'];
  status: 'none' | 'requested' | 'failed';
  /** For `failed`: the error code from the catalog, message and hint. */
  error?: { code: string; message: string; hint?: string | undefined };
}

/** Whether an agent started within the configured time. */
export type StartStatus = 'started' | 'not_started' | 'pending' | 'not_verifiable';

export interface HandoffContext {
  sink: IssueSink;
  number: number;
  /** Kind of the token the sink uses; undefined for the outbox. */
  tokenKind: TokenKind | undefined;
  signal: AbortSignal;
}

function failed(mode: Handoff['mode'], err: unknown): HandoffOutcome {
  if (err instanceof SentinelError)
    return { mode, status: 'failed', error: { code: err.code, message: err.message, hint: err.hint } };
  return { mode, status: 'failed', error: { code: 'HandoffFailed', message: errorMessage(err) } };
}

async function copilot(h: Extract<Handoff, { mode: 'copilot' }>, ctx: HandoffContext): Promise<void> {
  if (ctx.tokenKind !== undefined && canAssignCopilot(ctx.tokenKind) === false) {
    throw new CopilotNeedsUserToken(describeTokenKind(ctx.tokenKind));
  }
  // Documented REST shape: POST …/issues/{n}/assignees with `agent_assignment` (GitHub changelog 2025-12-03).
  const agentAssignment: Record<string, string> = { target_repo: h.targetRepo ?? ctx.sink.target };
  if (h.baseBranch) agentAssignment['base_branch'] = h.baseBranch;
  if (h.customInstructions) agentAssignment['custom_instructions'] = h.customInstructions;
  if (h.customAgent) agentAssignment['custom_agent'] = h.customAgent;
  if (h.model) agentAssignment['model'] = h.model;
  const extra = ctx.sink.kind === 'github' ? { agent_assignment: agentAssignment } : {};
  const assigned = await ctx.sink.addAssignees(ctx.number, [COPILOT_ASSIGNEE], extra, ctx.signal);
  const copilotLogins = new Set(h.agentLogins.map((l) => l.toLowerCase()));
  if (!assigned.some((a) => copilotLogins.has(a.toLowerCase())))
    throw new CopilotAssignmentDropped(ctx.sink.target, assigned);
}

/** Performs the hand-off after the issue exists. Never throws: failures are returned as data. */
export async function handOff(h: Handoff, ctx: HandoffContext): Promise<HandoffOutcome> {
  try {
    switch (h.mode) {
      case 'none':
        return { mode: 'none', status: 'none' };
      case 'labels':
        await ctx.sink.addLabels(ctx.number, h.labels, ctx.signal);
        break;
      case 'openhands':
        await ctx.sink.addLabels(ctx.number, [h.label], ctx.signal);
        break;
      case 'assignees': {
        const assigned = await ctx.sink.addAssignees(ctx.number, h.assignees, {}, ctx.signal);
        const missing = h.assignees.filter((a) => !assigned.some((x) => x.toLowerCase() === a.toLowerCase()));
        if (missing.length > 0) {
          throw new SentinelError(
            'AssigneesDropped',
            `GitHub did not assign ${missing.join(', ')} in ${ctx.sink.target}.`,
            {
              hint: 'Only users with push access can assign, and only collaborators can be assigned; GitHub drops others silently.',
            },
          );
        }
        break;
      }
      case 'copilot':
        await copilot(h, ctx);
        break;
    }
    return { mode: h.mode, status: 'requested' };
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw err;
    return failed(h.mode, err);
  }
}

function agentsOf(h: Handoff): string[] {
  if (h.mode === 'none') return [];
  if (h.mode === 'assignees') return h.agentLogins ?? h.assignees;
  return h.agentLogins;
}

/** True when the activity shows the agent at work: its comment or reaction, or a pull request referencing the issue. */
export async function agentStarted(h: Handoff, ctx: HandoffContext): Promise<boolean> {
  const agents = new Set(agentsOf(h).map((l) => l.toLowerCase()));
  const act = await ctx.sink.activity(ctx.number, ctx.signal);
  const byAgent = (login: string | undefined): boolean =>
    login !== undefined && agents.has(login.toLowerCase());
  return act.commenters.some(byAgent) || act.reactors.some(byAgent) || act.pullRequests.length > 0;
}

/**
 * Polls the issue until the agent shows activity or `withinMs` passes (bounded: at most withinMs / pollMs + 1 polls).
 * `withinMs` 0 returns `pending` at once; the outbox cannot observe agents (`not_verifiable`).
 */
export async function verifyStarted(
  h: Handoff,
  ctx: HandoffContext,
  timing: { withinMs: number; pollMs: number },
): Promise<StartStatus> {
  if (h.mode === 'none') return 'not_verifiable';
  if (ctx.sink.kind === 'outbox') return 'not_verifiable';
  if (timing.withinMs <= 0) return 'pending';
  const deadline = Date.now() + timing.withinMs;
  for (;;) {
    if (await agentStarted(h, ctx)) return 'started';
    const left = deadline - Date.now();
    if (left <= 0) return 'not_started';
    await sleep(Math.min(timing.pollMs, left), undefined, { signal: ctx.signal });
  }
}
