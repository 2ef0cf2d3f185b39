/** @module analysis/report/format — the deterministic issue: title and body from a verdict and its context (pure). */
import type { Reason } from '../types.ts';
import { renderMarker } from './marker.ts';
import { GITHUB_BODY_MAX, GITHUB_TITLE_MAX, clip, code, fence, inert, rate } from './markdown.ts';
import type { Marker, ReportInput, RolloutContext } from './types.ts';

/** Everything an issue is written from. */
export interface IssueFacts {
  input: ReportInput;
  context: RolloutContext;
  marker: Marker;
  /** When the failure was observed (ISO 8601). */
  observedAt: string;
}

/** Body budget: below GitHub's 65,536 so comments quoting it and our appendix always fit. */
export const BODY_BUDGET = GITHUB_BODY_MAX - 1_536;

/** The issue title: rollout and the top reason, within GitHub's 256 characters. */
export function formatTitle(facts: IssueFacts): string {
  const top = facts.input.reasons[0]?.summary ?? 'canary rolled back';
  const head = `[rollout-sentinel] ${facts.context.namespace}/${facts.context.rollout}: canary rolled back — `;
  return clip(`${head}${top.replace(/\s+/g, ' ').trim()}`, GITHUB_TITLE_MAX);
}

function countsCell(r: Reason): string {
  const ev = r.evidence;
  if (!ev?.counts) return '–';
  return `stable ${rate(ev.counts.stable, ev.totals?.stable)} · canary ${rate(ev.counts.canary, ev.totals?.canary)}`;
}

function reasonsTable(reasons: readonly Reason[]): string {
  const rows = reasons.map(
    (r, i) =>
      `| ${i + 1} | ${r.kind}${r.veto ? ' (veto)' : ''} | ${inert(r.summary).replace(/\|/g, '\\|')} | ${countsCell(r)} | ${r.severity.toFixed(2)} |`,
  );
  return [
    '| # | signal | what failed | rate on each side | severity |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function templatesSection(reasons: readonly Reason[]): string[] {
  const tpl = reasons.filter(
    (r) => r.evidence?.template && (r.kind === 'new_template' || r.kind === 'critical'),
  );
  if (tpl.length === 0) return [];
  const items = tpl.map(
    (r) => `- ${code(r.evidence?.template ?? '')}${r.evidence?.counts ? ` — ${countsCell(r)}` : ''}`,
  );
  return ['### Log templates new in the canary or critical', '', ...items, ''];
}

function samplesSection(reasons: readonly Reason[], perReason: number): string[] {
  const blocks = reasons
    .filter((r) => (r.evidence?.samples?.length ?? 0) > 0)
    .map((r) => {
      const lines = (r.evidence?.samples ?? []).slice(0, perReason).map((l) => clip(l, 500));
      const src = r.evidence?.source ? ` from ${code(r.evidence.source)}` : '';
      return `${inert(clip(r.summary, 120))}${src}:\n\n${fence(lines)}`;
    });
  if (blocks.length === 0) return [];
  return ['### Sample lines (redacted)', '', ...blocks.flatMap((b) => [b, ''])];
}

function whereSection(ctx: RolloutContext): string[] {
  const rows: [string, string | undefined][] = [
    ['rollout', `${ctx.namespace}/${ctx.rollout}`],
    ['revision', ctx.revision],
    ['image', ctx.image],
    ['image digest', ctx.imageDigest],
    ['canary pod-template-hash', ctx.canaryPodTemplateHash],
    ['stable pod-template-hash', ctx.stablePodTemplateHash],
    ['AnalysisRun', ctx.analysisRun],
  ];
  const present = rows.filter((r): r is [string, string] => r[1] !== undefined);
  return ['### Where', '', ...present.map(([k, v]) => `- **${k}**: ${code(v)}`), ''];
}

function reproduceSection(reasons: readonly Reason[], ctx: RolloutContext): string[] {
  const journeys = reasons.filter((r) => r.kind === 'journey');
  if (journeys.length === 0 && !ctx.journeyCommand) return [];
  const out = ['### Reproduce (acceptance check)', ''];
  // One check per journey, however many of its reasons (pass rate, a slower step, a new error) the verdict holds.
  for (const name of new Set(journeys.map((j) => j.evidence?.source ?? j.summary)))
    out.push(`- [ ] synthetic journey ${code(name)} passes against the canary`);
  if (ctx.journeyCommand) out.push('', 'Run it locally:', '', fence([ctx.journeyCommand], 'sh'));
  return [...out, ''];
}

/**
 * http(s) URLs, and file:// for a page on the machine that ran the analysis (the demo's report page); never
 * `javascript:` or `data:`. `(`/`)` are escaped so the Markdown link cannot be broken out of.
 */
function safeUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (!['https:', 'http:', 'file:'].includes(u.protocol)) return undefined;
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined;
  }
}

function linksSection(ctx: RolloutContext): string[] {
  const links = Object.entries(ctx.links ?? {});
  if (links.length === 0) return [];
  const items = links.flatMap(([name, url]) => {
    const safe = safeUrl(url);
    return safe ? [`- [${inert(name)}](${safe})`] : [];
  });
  return items.length === 0 ? [] : ['### Links', '', ...items, ''];
}

function fixCriteria(reasons: readonly Reason[]): string[] {
  const items = reasons
    .filter((r) => r.kind !== 'llm' && r.kind !== 'other' && r.kind !== 'insufficient_data')
    .slice(0, 8)
    .map((r) => {
      if (r.evidence?.template)
        return `- [ ] the canary no longer logs ${code(clip(r.evidence.template, 200))} more often than the stable`;
      return `- [ ] resolved: ${inert(clip(r.summary, 200))}`;
    });
  return [
    '### What a fix must satisfy',
    '',
    ...items,
    '- [ ] the next canary of this rollout is promoted by rollout-sentinel (this issue is then closed automatically with the evidence)',
    '',
  ];
}

/** The narrative parts, which shrink (fewer samples) when the body would exceed GitHub's limit. */
function bodyWith(facts: IssueFacts, samplesPerReason: number): string {
  const { input, context } = facts;
  const head = [
    `The canary of ${code(`${context.namespace}/${context.rollout}`)} was judged **${input.verdict}** ` +
      `(confidence ${(input.confidence * 100).toFixed(0)} %) at ${facts.observedAt}.`,
    '',
    '### What failed',
    '',
    reasonsTable(input.reasons.slice(0, 20)),
    '',
  ];
  return [
    ...head,
    ...templatesSection(input.reasons),
    ...whereSection(context),
    ...samplesSection(input.reasons, samplesPerReason),
    ...reproduceSection(input.reasons, context),
    ...linksSection(context),
    ...fixCriteria(input.reasons),
  ].join('\n');
}

/** The full deterministic body, marker last, within `budget` characters (default {@link BODY_BUDGET}). */
export function formatBody(facts: IssueFacts, budget: number = BODY_BUDGET): string {
  const marker = renderMarker(facts.marker);
  const footer = `\n---\nFiled by rollout-sentinel. Repeats of this failure are added as comments below.\n\n${marker}\n`;
  for (const perReason of [5, 2, 1, 0]) {
    const body = bodyWith(facts, perReason);
    if (body.length + footer.length <= budget) return body + footer;
  }
  return (
    clip(bodyWith(facts, 0), budget - footer.length - 40) + '\n\n_(truncated to fit GitHub limits)_' + footer
  );
}

/** The comment added to an existing issue when the same failure happens again. */
export function formatRepeatComment(facts: IssueFacts, occurrence: number | undefined): string {
  const { input, context } = facts;
  const lines = [
    `**Seen again**${occurrence ? ` (occurrence ${occurrence})` : ''} at ${facts.observedAt}: verdict **${input.verdict}**, confidence ${(input.confidence * 100).toFixed(0)} %.`,
    '',
    ...whereSection(context).slice(2),
    reasonsTable(input.reasons.slice(0, 10)),
    '',
    ...samplesSection(input.reasons, 2),
  ];
  return clip(lines.join('\n'), BODY_BUDGET);
}
