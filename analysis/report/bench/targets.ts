/**
 * @module analysis/report/bench/targets — measures issue 6's targets and prints figures:
 * duplicates across 20 repeated + 5 concurrent failures (several trials, with and without search lag), and secrets
 * from the redaction corpus found in any request sent to GitHub or the LLM.
 *
 * Run: `npx node analysis/report/bench/targets.ts [trials]` (loopback only; first run downloads GitHub's OpenAPI).
 */
import type { Reason } from '../../types.ts';
import { PolicySchema } from '../types.ts';
import type { IssueLlm } from '../writer.ts';
import {
  CONTEXT,
  REPO,
  githubReporter,
  rollbackVerdict,
  startFakeGitHub,
  tempDir,
} from '../testing/harness.ts';
import { secretCorpus } from '../testing/secretCorpus.ts';

const policy = PolicySchema.parse({
  repo: REPO,
  handoff: { mode: 'copilot', customInstructions: 'see logs' },
});

async function dedupeTrial(
  searchLagMs: number,
  leaseTtlMs?: number,
): Promise<{ issues: number; comments: number; failed: number; violations: number; ms: number }> {
  const fake = await startFakeGitHub({ searchLagMs });
  const t0 = performance.now();
  try {
    const stateDir = tempDir('bench');
    const ttl = leaseTtlMs === undefined ? {} : { leaseTtlMs };
    const a = githubReporter(fake, { stateDir, ...ttl }).reporter;
    const b = githubReporter(fake, { stateDir, ...ttl }).reporter;
    const results = [];
    results.push(
      ...(await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          (i % 2 ? a : b).report(rollbackVerdict(i), CONTEXT, policy, AbortSignal.timeout(30_000)),
        ),
      )),
    );
    for (let i = 0; i < 20; i++)
      results.push(await a.report(rollbackVerdict(10 + i), CONTEXT, policy, AbortSignal.timeout(30_000)));
    const issues = fake.issues(REPO);
    return {
      issues: issues.length,
      comments: issues.reduce((n, i) => n + i.comments.length, 0),
      failed: results.filter((r) => r.action === 'failed').length,
      violations: fake.violations.length,
      ms: performance.now() - t0,
    };
  } finally {
    await fake.close();
  }
}

async function secretsTrial(redactOff = false): Promise<{
  requests: number;
  bytes: number;
  promptBytes: number;
  secretsSent: number;
  kinds: number;
}> {
  const corpus = secretCorpus();
  const fake = await startFakeGitHub();
  const prompts: string[] = [];
  const llm: IssueLlm = {
    generate: async (req) => {
      prompts.push(req.system, req.user);
      return JSON.stringify({
        title: `fails ${corpus[0]?.secret ?? ''}`,
        body: corpus.map((s) => s.line).join('\n'),
      });
    },
  };
  try {
    const { reporter } = githubReporter(fake, redactOff ? { llm, redact: (t: string) => t } : { llm });
    const leaky: Reason[] = corpus.map((s) => ({
      kind: 'new_template',
      summary: s.line,
      severity: 0.5,
      veto: false,
      evidence: { template: s.line, samples: [s.line] },
    }));
    for (let i = 0; i < 3; i++)
      await reporter.report(rollbackVerdict(i, leaky), CONTEXT, policy, AbortSignal.timeout(30_000));
    const texts = [...fake.requests.map((r) => `${r.query}\n${r.body}`), ...prompts];
    const secretsSent = corpus.filter((s) => texts.some((t) => t.includes(s.secret))).length;
    return {
      requests: fake.requests.length,
      bytes: fake.requests.reduce((n, r) => n + r.body.length, 0),
      promptBytes: prompts.reduce((n, p) => n + p.length, 0),
      secretsSent,
      kinds: corpus.length,
    };
  } finally {
    await fake.close();
  }
}

const trials = Number(process.argv[2] ?? 5);
const lines: string[] = [];
const configs: { lag: number; ttl?: number; label: string }[] = [
  { lag: 0, label: 'search lag 0 s' },
  { lag: 60_000, label: 'search lag 60 s' },
  { lag: 60_000, ttl: 0, label: 'search lag 60 s, CONTROL with the lease disabled (TTL 0)' },
];
for (const { lag, ttl, label } of configs) {
  const runs = [];
  for (let t = 0; t < trials; t++) runs.push(await dedupeTrial(lag, ttl));
  const ms = runs.map((r) => r.ms).sort((x, y) => x - y);
  lines.push(
    `dedupe (20 repeated + 5 concurrent, 2 reporters sharing a lease dir, ${label}): ` +
      `${trials} trials, issues per trial ${runs.map((r) => r.issues).join('/')}, comments ${runs.map((r) => r.comments).join('/')}, ` +
      `failed reports ${runs.reduce((n, r) => n + r.failed, 0)}, OpenAPI violations ${runs.reduce((n, r) => n + r.violations, 0)}, ` +
      `median ${ms[Math.floor(ms.length / 2)]?.toFixed(0)} ms per trial`,
  );
}
for (const off of [false, true]) {
  const s = await secretsTrial(off);
  lines.push(
    `secrets${off ? ' (CONTROL with redaction disabled)' : ''}: ${s.kinds} corpus kinds planted in samples/templates/summaries/LLM answer/hand-off text; ` +
      `${s.requests} GitHub requests (${s.bytes} body bytes) + ${s.promptBytes} prompt bytes scanned; secrets sent: ${s.secretsSent}`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
