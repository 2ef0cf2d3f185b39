import { describe, expect, it } from 'vitest';
import { renderMarker } from './marker.ts';
import { OutboxSink } from './outbox.ts';
import { tempDir } from './testing/harness.ts';

const sig = (): AbortSignal => AbortSignal.timeout(10_000);

describe('OutboxSink', () => {
  it('files, finds by fingerprint, comments, labels, assigns and closes — all in Markdown files', async () => {
    const dir = tempDir('outbox');
    const sink = new OutboxSink(dir);
    const marker = {
      v: 1 as const,
      fp: 'rsfp-00000000000000bb',
      rollout: 'shop/checkout',
      signals: ['critical:x'],
    };
    const created = await sink.create(
      { title: 'T', body: `body\n${renderMarker(marker)}`, labels: ['rollout-sentinel'] },
      sig(),
    );
    expect(created).toMatchObject({ number: 1, state: 'open', marker });
    expect(await sink.findOpen(marker.fp, sig())).toMatchObject({ number: 1 });
    expect(await sink.findOpen('rsfp-00000000000000cc', sig())).toBeUndefined();
    await sink.comment(1, 'again', sig());
    await sink.addLabels(1, ['jules'], sig());
    expect(await sink.addAssignees(1, ['alice'], {}, sig())).toEqual(['alice']);
    expect(await sink.listOpenForRollout('shop/checkout', sig())).toHaveLength(1);
    await sink.close(1, sig());
    expect(await sink.findOpen(marker.fp, sig())).toBeUndefined();
    expect(await sink.listOpenForRollout('shop/checkout', sig())).toEqual([]);
  });

  it('gives concurrent creators distinct numbers', async () => {
    const sink = new OutboxSink(tempDir('outbox-race'));
    const made = await Promise.all(
      Array.from({ length: 8 }, (_, i) => sink.create({ title: `t${i}`, body: 'b', labels: [] }, sig())),
    );
    expect(new Set(made.map((m) => m.number)).size).toBe(8);
  });
});
