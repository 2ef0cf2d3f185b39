/**
 * @module analysis/canary/report — after the verdict: a rollback files (or comments on) the deduplicated issue, a
 * promote closes the issues its fix resolved. Failures are data on the verdict; they never change it.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { redact } from '../redact/redact.ts';
import { createReporter, type SinkSetup } from '../report/createReporter.ts';
import type { ReportResult } from '../report/reporter.ts';
import { PolicySchema, type Handoff, type RolloutContext } from '../report/types.ts';
import type { JudgeResult } from '../types.ts';
import type { CanaryAnalysis, CanaryReport } from './types.ts';

/** Time allowed for filing or closing (GitHub search, create, hand-off), so a slow GitHub cannot hold a measurement. */
export const REPORT_DEADLINE_MS = 60_000;

const HANDOFFS: Record<string, Handoff> = {
  none: { mode: 'none' },
  jules: { mode: 'labels', labels: ['jules'], agentLogins: ['google-labs-jules[bot]', 'google-labs-jules'] },
  copilot: { mode: 'copilot', agentLogins: ['Copilot', 'copilot-swe-agent', 'copilot-swe-agent[bot]'] },
  openhands: { mode: 'openhands', label: 'fix-me', agentLogins: ['openhands-agent', 'github-actions[bot]'] },
};

function sinkFor(a: CanaryAnalysis, token: string | undefined): SinkSetup | undefined {
  const gh = a.report?.github;
  if (gh && token) return { kind: 'github', repo: gh.repo, token, baseUrl: gh.apiUrl };
  if (a.report?.outbox) return { kind: 'outbox', dir: a.report.outbox.dir };
  return undefined;
}

/** The issue's link, as a file for the outbox or a URL for GitHub. */
function where(url: string): Pick<CanaryReport, 'issueUrl' | 'outboxFile'> {
  return url.startsWith('file://') ? { outboxFile: url.slice('file://'.length) } : { issueUrl: url };
}

function toReport(r: ReportResult): CanaryReport {
  switch (r.action) {
    case 'created':
      return {
        action: 'filed',
        ...where(r.issue.url),
        detail: `${r.fp}; hand-off ${r.handoff.mode}: ${r.handoff.status}`,
      };
    case 'commented':
      return { action: 'commented', ...where(r.issue.url), detail: `${r.fp} seen again` };
    case 'closed':
    case 'resolved-comment': {
      const first = r.issues[0];
      return {
        action: r.issues.length > 0 ? 'closed' : 'none',
        ...(first ? where(first.url) : {}),
        detail: `${r.issues.length} issue(s) resolved, ${r.kept.length} still open`,
      };
    }
    case 'skipped':
      return { action: 'none', detail: r.reason };
    case 'failed':
      return { action: 'failed', detail: `${r.error.code}: ${r.error.message}` };
  }
}

/** Rollback → issue, promote → loop closure, inconclusive → nothing. Resolves always (aborts only with `signal`). */
export async function reportVerdict(a: {
  analysis: CanaryAnalysis;
  judged: JudgeResult;
  context: RolloutContext;
  githubToken: string | undefined;
  signal: AbortSignal;
  log: Logger;
}): Promise<CanaryReport | undefined> {
  const sink = sinkFor(a.analysis, a.githubToken);
  if (!sink) return undefined;
  if (a.judged.verdict === 'inconclusive')
    return { action: 'none', detail: 'inconclusive verdicts are not filed' };
  const gh = a.analysis.report?.github;
  const policy = PolicySchema.parse({
    repo: gh?.repo ?? 'local/outbox',
    labels: gh?.labels ?? [],
    handoff: HANDOFFS[gh?.handoff ?? 'none'],
  });
  const { reporter } = createReporter({
    sink,
    stateDir: a.analysis.report?.stateDir ?? join(tmpdir(), 'rollout-sentinel'),
    redact: (t) => redact(t),
    log: a.log,
  });
  const signal = AbortSignal.any([a.signal, AbortSignal.timeout(REPORT_DEADLINE_MS)]);
  try {
    return toReport(await reporter.report(a.judged, a.context, policy, signal));
  } catch (err) {
    a.signal.throwIfAborted();
    a.log.warn({ err: errorMessage(err) }, 'report failed; the verdict stands');
    return { action: 'failed', detail: errorMessage(err).slice(0, 300) };
  }
}
