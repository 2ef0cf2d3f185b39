/** @module analysis/templates/groupingAccuracy — the grouping accuracy (GA) measure of log parsers (Zhu et al., ICSE-SEIP 2019). */

/**
 * GA = lines whose predicted group holds exactly the lines of their true group, divided by all lines.
 * `predicted[i]` and `truth[i]` are the group labels of line i. Returns 1 for no lines.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length)
    throw new RangeError('predicted and truth must have the same length');
  if (predicted.length === 0) return 1;
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  const groups = new Map<string, { truth: string | null; size: number }>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] as string;
    const t = truth[i] as string;
    const g = groups.get(p);
    if (!g) groups.set(p, { truth: t, size: 1 });
    else {
      g.size++;
      if (g.truth !== t) g.truth = null;
    }
  }
  let correct = 0;
  for (const g of groups.values())
    if (g.truth !== null && truthSize.get(g.truth) === g.size) correct += g.size;
  return correct / predicted.length;
}
