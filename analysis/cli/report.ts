/** @module analysis/cli/report — `sentinel report --verdict FILE.json [--repo owner/name] [--dry-run]`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, optionsHelp } from '../../lib/config.ts';
import { EXIT, EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { componentLogger, createRootLogger } from '../../lib/log.ts';
import { geminiClientFrom } from '../config.ts';
import { redact } from '../redact/redact.ts';
import { type IssueLlm, issueLlmFrom } from '../report/writer.ts';
import {
  LOCAL_REPO,
  REPORT_OPTIONS,
  type ReportOptions,
  loadPolicyFile,
  loadReportOptions,
  policyFor,
  resolveToken,
} from '../report/config.ts';
import { type SinkSetup, createReporter } from '../report/createReporter.ts';
import { VerdictFileInvalid } from '../report/errors.ts';
import { rolloutKey } from '../report/fingerprint.ts';
import type { ReportResult } from '../report/reporter.ts';
import {
  type Policy,
  type ReportInput,
  ReportInputSchema,
  type RolloutContext,
  RolloutContextSchema,
} from '../report/types.ts';

const USAGE = `usage: sentinel report --verdict FILE.json [--repo owner/name] [--dry-run] [--policy-file FILE] [flags]

Files (or, with --dry-run, previews in the local outbox) the GitHub issue for a saved verdict: the JSON that
\`sentinel judge --json\` prints. A rollback files or comments (deduplicated by fingerprint), a promote closes the
rollout's fixed issues, an inconclusive verdict files nothing. GitHub errors are reported, never change the verdict.

flags and environment:
${optionsHelp(REPORT_OPTIONS)}

${EXIT_CODES_HELP}
  (report: 0 done or nothing to do, 3 bad flags or verdict file, 4 reporting failed — the verdict stands)
`;

async function readVerdict(path: string): Promise<ReportInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new VerdictFileInvalid(path, `cannot read it as JSON (${(err as Error).message})`, err);
  }
  const parsed = ReportInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VerdictFileInvalid(path, issues.join('; '));
  }
  return parsed.data;
}

function contextOf(input: ReportInput, o: ReportOptions): RolloutContext {
  const flags = Object.fromEntries(
    Object.entries({
      rollout: o.rollout,
      namespace: o.namespace,
      revision: o.revision,
      image: o.image,
    }).filter(([, v]) => v !== undefined),
  );
  const merged = { ...input.context, ...flags };
  if (!merged.rollout) {
    throw new ConfigError([
      `${REPORT_OPTIONS.rollout.env} (--rollout): the verdict file has no context.rollout; name the rollout (and --namespace)`,
    ]);
  }
  return RolloutContextSchema.parse(merged);
}

function overrides(o: ReportOptions): Partial<Policy> {
  const out: Partial<Policy> = {};
  if (o.repo) out.repo = o.repo;
  if (o.verifyWithinMs !== undefined) out.verifyWithinMs = o.verifyWithinMs;
  if (o.closeOnFix) out.closeOnFix = o.closeOnFix === 'true';
  if (o.handoff === 'labels')
    out.handoff = {
      mode: 'labels',
      labels: o.handoffLabels ?? ['jules'],
      agentLogins: ['google-labs-jules[bot]', 'google-labs-jules'],
    };
  else if (o.handoff === 'assignees') {
    if (!o.assignees?.length)
      throw new ConfigError([
        `${REPORT_OPTIONS.assignees.env} (--assignees): handoff mode "assignees" needs at least one login`,
      ]);
    out.handoff = { mode: 'assignees', assignees: o.assignees };
  } else if (o.handoff === 'copilot')
    out.handoff = {
      mode: 'copilot',
      agentLogins: ['Copilot', 'copilot-swe-agent', 'copilot-swe-agent[bot]'],
    };
  else if (o.handoff === 'openhands')
    out.handoff = {
      mode: 'openhands',
      label: o.handoffLabels?.[0] ?? 'fix-me',
      agentLogins: ['openhands-agent', 'github-actions[bot]'],
    };
  else if (o.handoff === 'none') out.handoff = { mode: 'none' };
  return out;
}

function sinkSetup(o: ReportOptions, policy: Policy, token: string | undefined): SinkSetup {
  const outbox: SinkSetup = { kind: 'outbox', dir: o.outboxDir };
  if (o.dryRun || o.sink === 'outbox') return outbox;
  if (token && policy.repo !== LOCAL_REPO)
    return { kind: 'github', repo: policy.repo, token, baseUrl: o.apiUrl };
  if (o.sink === 'github') {
    throw new ConfigError([
      token
        ? `${REPORT_OPTIONS.repo.env} (--repo): GitHub sink needs the repository, owner/name`
        : `GITHUB_TOKEN / ${REPORT_OPTIONS.tokenFile.env}: the GitHub sink needs a token`,
    ]);
  }
  return outbox;
}

function summary(r: ReportResult): string {
  switch (r.action) {
    case 'created':
      return `filed ${r.issue.url} (${r.fp}, written by ${r.author}); hand-off ${r.handoff.mode}: ${r.handoff.status}${r.handoff.error ? ` — ${r.handoff.error.message}` : ''}; agent start: ${r.started}`;
    case 'commented':
      return `same failure already open: commented on ${r.issue.url} (${r.fp}, found by ${r.via})`;
    case 'closed':
    case 'resolved-comment':
      return `${r.action === 'closed' ? 'closed' : 'commented on'} ${r.issues.map((i) => i.url).join(', ')}${r.kept.length ? `; still open: ${r.kept.map((i) => i.url).join(', ')}` : ''}`;
    case 'skipped':
      return `nothing to do: ${r.reason}`;
    case 'failed':
      return `reporting failed (the verdict stands): ${r.error.message}${r.error.hint ? `\n  hint: ${r.error.hint}` : ''}`;
  }
}

/** The issue-writing LLM, when configured: the shared LLM options' Gemini client behind the writer's interface. */
function llmFor(o: ReportOptions): IssueLlm | undefined {
  const client = geminiClientFrom(o);
  return client ? issueLlmFrom(client) : undefined;
}

/** Entry point of `sentinel report`; resolves to the exit code (4 when reporting failed, never 1: see lib/exitCodes.ts). */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const o = loadReportOptions(argv);
  if (!o.verdict)
    throw new ConfigError([`${REPORT_OPTIONS.verdict.env} (--verdict): which verdict JSON to report`]);
  const log = componentLogger(createRootLogger({ level: 'warn' }), 'analysis.report');
  const input = await readVerdict(o.verdict);
  const context = contextOf(input, o);
  const file = o.policyFile ? await loadPolicyFile(o.policyFile) : { defaults: {}, rollouts: {} };
  const policy = policyFor(file, rolloutKey(context), overrides(o));
  const token = o.dryRun ? undefined : await resolveToken(o);
  const sink = sinkSetup(o, policy, token);
  const llm = llmFor(o);
  const { reporter } = createReporter({
    llm,
    sink,
    stateDir: o.stateDir,
    leaseTtlMs: o.leaseTtlMs,
    redact: (t) => redact(t),
    log,
  });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const deadline = AbortSignal.timeout(policy.verifyWithinMs + 180_000);
    const result = await reporter.report(
      input,
      context,
      policy,
      AbortSignal.any([controller.signal, deadline]),
    );
    if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`sentinel report: ${summary(result)}\n`);
    if (o.dryRun && result.action === 'created' && !o.json) {
      process.stdout.write(
        `\n${await readFile(join(o.outboxDir, `issue-${String(result.issue.number).padStart(4, '0')}.md`), 'utf8')}`,
      );
    }
    return result.action === 'failed' ? EXIT.internal : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
