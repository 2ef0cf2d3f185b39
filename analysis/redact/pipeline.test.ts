/**
 * Redaction runs before template mining: no part of a secret from the corpus (every kind the redactor knows) survives
 * in a mined template, a sample, or the verdict JSON of the whole pipeline.
 */
import { describe, expect, it } from 'vitest';
import { analyze, buildComparison } from '../analyze.ts';
import { secretCorpus } from '../report/testing/secretCorpus.ts';

const healthy = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `INFO GET /api/items/${i % 90} status=200 duration=${20 + (i % 30)}ms`);

/** Pieces of each secret long enough to identify it (8 characters, every 4 characters). */
function fragments(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i += 4) out.push(secret.slice(i, i + 8));
  return out;
}

describe('redaction before mining', () => {
  const corpus = secretCorpus().filter((s) => s.kind !== 'ipv4' && s.kind !== 'ipv6');
  // Each secret line appears as an ERROR several times in the canary (so it makes templates, samples and reasons).
  const canary = [
    ...healthy(300),
    ...corpus.flatMap((s) => Array.from({ length: 20 }, () => `ERROR ${s.line.replace(/\n/g, ' ')}`)),
  ];
  const request = {
    stable: [{ name: 'stable', lines: healthy(300) }],
    canary: [{ name: 'canary', lines: canary }],
  };

  it('leaves no part of any secret in templates or samples', async () => {
    const c = await buildComparison(request);
    const mined = [
      ...c.miner.clusters.map((cl) => JSON.stringify(cl)),
      ...[...c.templates.values()].flatMap((t) => [...t.samples.stable, ...t.samples.canary]),
    ].join('\n');
    expect(mined).toContain('[REDACTED:');
    for (const s of corpus)
      for (const f of fragments(s.secret)) expect(mined, `${s.kind}: ${f}`).not.toContain(f);
  });

  it('leaves no part of any secret in the verdict JSON', async () => {
    const verdict = await analyze(request);
    const json = JSON.stringify(verdict);
    // The secret lines must reach the verdict as evidence (a rollback with samples), or this test proves nothing.
    expect(verdict.verdict).toBe('rollback');
    expect(json).toContain('[REDACTED:');
    for (const s of corpus)
      for (const f of fragments(s.secret)) expect(json, `${s.kind}: ${f}`).not.toContain(f);
  });
});
