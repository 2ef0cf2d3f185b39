/**
 * @module demo/e2e/abortBench — `npm run bench:shop-rollout [-- --interval 30s --count 3]`: the issue's timing targets
 * with the real Argo controller, on the shop scenario (shopScenario.ts: deploy/examples/shop's AnalysisTemplate at its
 * own interval and count unless told otherwise). Prints
 * - a broken canary (v2): its first analysis measurement's start → the Rollout's abort (target < 90 s at a 30 s
 *   interval);
 * - the fix (v3): the promote verdict (the measurement that closed the issue, Argo's finishedAt) → the issue closed in
 *   the outbox (target < 10 s; the plugin closes the issue before it reports the verdict, so this is ≤ 0), and the
 *   whole v3 rollout.
 * A figure, not a test: nothing is asserted; a run that does not reach a state prints what it saw.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startShopScenario } from './shopScenario.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '30s' },
    count: { type: 'string' },
    warmup: { type: 'string', default: '30s' },
  },
});
/** How long a stage may take before the bench gives up (loaded, shared machine). */
const STAGE_TIMEOUT_MS = 15 * 60_000;
const out = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const t0 = performance.now();
const shop = await startShopScenario({
  interval: values.interval,
  ...(values.count ? { count: Number(values.count) } : {}),
  canaryWarmup: values.warmup,
  timeoutMs: STAGE_TIMEOUT_MS,
});
const { argo } = shop;
out(
  `cluster + shop v1 up in ${secs(performance.now() - t0)} (interval ${values.interval}, count ${values.count ?? "the example's"}, warm-up ${values.warmup})`,
);
const traffic = shop.shoppers(shop.stopAll.signal);
try {
  // v2, broken: the first measurement's start → the abort.
  let before = await argo.runNames();
  await shop.ship('v2');
  const aborted = await argo.aborted('shop', {
    timeoutMs: STAGE_TIMEOUT_MS,
    periodMs: 200,
    describe: () => shop.describeRollout(),
  });
  const abortSeen = Date.now();
  const v2 = (await argo.newRun(before))!;
  const first = v2.status.metricResults[0].measurements[0] as J;
  const abortCondition = Date.parse(
    (aborted.status.conditions as J[] | undefined)?.find((c) => c.reason === 'RolloutAborted')
      ?.lastUpdateTime ?? '',
  );
  const abortAt = Math.min(abortSeen, abortCondition || abortSeen);
  out(
    `v2 (broken): run ${v2.metadata.name} ${v2.status.phase}; first measurement ${first.phase} ` +
      `(${JSON.parse(String(first.value ?? '{}')).verdict ?? '?'}), ${first.startedAt} → ${first.finishedAt}; ` +
      `Rollout aborted ${new Date(abortAt).toISOString()}`,
  );
  out(
    `  first measurement start → abort: ${secs(abortAt - Date.parse(first.startedAt as string))} (target < 90 s, interval ${values.interval}); Argo's timestamps have 1 s resolution`,
  );

  // v3, the fix: the promote verdict → the issue closed.
  before = await argo.runNames();
  const shipped = Date.now();
  await shop.ship('v3');
  await argo.rolloutUntil(
    'shop',
    'v3 promoted',
    async (r) => r.status?.phase === 'Healthy' && (await shop.stableImage()) === 'sentinel.test/shop:v3',
    { timeoutMs: STAGE_TIMEOUT_MS, periodMs: 500, describe: () => shop.describeRollout() },
  );
  const promotedSeen = Date.now();
  const v3 = (await argo.newRun(before))!;
  const ms = (v3.status.metricResults[0].measurements ?? []) as J[];
  out(
    `v3 (fix): run ${v3.metadata.name} ${v3.status.phase}; measurements ${ms.map((m) => `${m.phase}(${JSON.parse(String(m.value ?? '{}')).verdict ?? '?'})`).join(', ')}; ` +
      `shipped → promoted ${secs(promotedSeen - shipped)}`,
  );
  const closing = ms.find((m) => /closed/.test(String(m.metadata?.report ?? '')));
  const issues = await shop.outboxIssues();
  const closed = issues.find((i) => i.state === 'closed');
  if (!closing || !closed) {
    out(
      `  the issue was not closed: issues ${JSON.stringify(issues)}; reports ${JSON.stringify(ms.map((m) => m.metadata?.report))}`,
    );
  } else {
    const closedAt = (await stat(join(shop.outbox, closed.file))).mtimeMs;
    const verdictAt = Date.parse(closing.finishedAt as string);
    out(
      `  promote verdict (the closing measurement's finishedAt ${closing.finishedAt}) → issue ${closed.file} closed ` +
        `(outbox file written ${new Date(closedAt).toISOString()}): ${secs(closedAt - verdictAt)} (target < 10 s; ≤ 0: closed before Argo recorded the verdict)`,
    );
  }
} finally {
  shop.stopAll.abort();
  await traffic;
  await shop.close();
}
