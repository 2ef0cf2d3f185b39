/** Dedupe records that heal, for the outbox sink (issue 13.8): a record never breaks a report to the same or another sink. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact } from '../redact/redact.ts';
import { createReporter, leaseScope } from './createReporter.ts';
import { CONTEXT, rollbackVerdict, tempDir } from './testing/harness.ts';
import { PolicySchema } from './types.ts';

const policy = PolicySchema.parse({ repo: 'local/outbox' });
const signal = (): AbortSignal => AbortSignal.timeout(20_000);
const outboxReporter = (stateDir: string, dir: string) =>
  createReporter({ sink: { kind: 'outbox', dir }, stateDir, redact: (t) => redact(t) }).reporter;

describe('dedupe records that heal (outbox)', () => {
  it('files anew when the remembered issue file was deleted, and the new record replaces the old', async () => {
    const root = tempDir('heal-outbox');
    const state = join(root, 'state');
    const outbox = join(root, 'outbox');
    const reporter = outboxReporter(state, outbox);
    expect(await reporter.report(rollbackVerdict(0), CONTEXT, policy, signal())).toMatchObject({
      action: 'created',
      issue: { number: 1 },
    });
    rmSync(join(outbox, 'issue-0001.md'));
    expect(await reporter.report(rollbackVerdict(1), CONTEXT, policy, signal())).toMatchObject({
      action: 'created',
      issue: { number: 1 },
    });
    expect(await reporter.report(rollbackVerdict(2), CONTEXT, policy, signal())).toMatchObject({
      action: 'commented',
      via: 'lease',
    });
  });

  it('keys the record by outbox: the same failure reported to a second outbox is filed there', async () => {
    const root = tempDir('heal-two-outboxes');
    const state = join(root, 'state');
    await outboxReporter(state, join(root, 'a')).report(rollbackVerdict(0), CONTEXT, policy, signal());
    // Before: "ENOENT … issue-0001.md" — the state dir remembered outbox A's issue while reporting to B.
    const second = await outboxReporter(state, join(root, 'b')).report(
      rollbackVerdict(1),
      CONTEXT,
      policy,
      signal(),
    );
    expect(second).toMatchObject({ action: 'created', issue: { number: 1 } });
    expect(leaseScope({ kind: 'outbox', dir: join(root, 'a') })).not.toBe(
      leaseScope({ kind: 'outbox', dir: join(root, 'b') }),
    );
  });
});
