/** @module analysis/report/page/render — the verdict report page: one self-contained HTML file (inline CSS and SVG). */
import type { Reason } from '../../types.ts';
import { latencyChart, SIDE_COLOURS } from './chart.ts';
import { esc, pct, shareOf, safeHref } from './html.ts';
import { STYLE } from './style.ts';
import { type PageJourney, type ReportPage, type ReportPageInput, ReportPageInputSchema } from './types.ts';

/** How the page shows a screenshot path: a data: URI when it can inline it, else undefined (shown as a link). */
export type InlineImage = (path: string) => string | undefined;

export interface RenderOptions {
  /** Turns a screenshot path into a data: URI (see writeReportPage); default: paths become links. */
  inlineImage?: InlineImage;
  /** Reasons shown in "why" (the rest are in the table). */
  maxReasons?: number;
}

const HEADLINE: Record<ReportPage['verdict'], string> = {
  rollback: 'Roll back: the canary behaves worse than the stable.',
  promote: 'Promote: nothing separates the canary from the stable.',
  inconclusive: 'Inconclusive: the evidence cannot decide either way.',
};

const KIND_LABEL: Record<Reason['kind'], string> = {
  new_template: 'new log pattern',
  rate_change: 'rate change',
  error_rate: 'error rate',
  critical: 'critical',
  pod_event: 'pod event',
  journey: 'journey',
  insufficient_data: 'missing data',
  llm: 'LLM',
  other: 'other',
};

function kindBadge(r: Reason): string {
  return `<span class="kind${r.veto ? ' veto' : ''}">${esc(KIND_LABEL[r.kind])}${r.veto ? ' · veto' : ''}</span>`;
}

function header(p: ReportPage): string {
  const meta = [
    esc(p.title),
    p.policy ? `policy ${esc(p.policy)}` : '',
    p.volume
      ? `${p.volume.lines.stable.toLocaleString('en')} stable / ${p.volume.lines.canary.toLocaleString('en')} canary log lines, ${p.volume.templates} templates`
      : '',
    esc(p.generatedAt),
  ].filter(Boolean);
  return `<header class="verdict ${p.verdict}" data-testid="verdict"><h1>${p.verdict.toUpperCase()}</h1><span class="conf">confidence ${pct(p.confidence)}</span><span class="meta">${meta.join(' · ')}</span></header>`;
}

function why(p: ReportPage, max: number): string {
  const shown = p.reasons.slice(0, max);
  const items = shown.map((r) => `<li>${kindBadge(r)}${esc(r.summary)}</li>`).join('');
  const more =
    p.reasons.length > max ? `<p class="muted">${p.reasons.length - max} more signals below.</p>` : '';
  const none = shown.length === 0 ? '<p class="muted">No signal stood out on either side.</p>' : '';
  return `<section data-testid="why"><h2>Why</h2><p><strong>${HEADLINE[p.verdict]}</strong> ${confidenceSentence(p)}</p>${items ? `<ul class="why">${items}</ul>` : none}${more}</section>`;
}

function confidenceSentence(p: ReportPage): string {
  const c = pct(p.confidence);
  if (p.verdict === 'inconclusive')
    return `The judge is ${c} sure the data cannot decide; the reasons say what was missing.`;
  return `The judge is ${c} sure this is the right call.`;
}

function countCell(label: string, count: number | undefined, total: number | undefined): string {
  if (count === undefined) return `<td class="num" data-label="${label}">–</td>`;
  return `<td class="num" data-label="${label}">${count.toLocaleString('en')}<small>${shareOf(count, total)}</small></td>`;
}

function pValue(p: number | undefined): string {
  if (p === undefined) return '–';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function templateRow(r: Reason, withP: boolean): string {
  const e = r.evidence ?? {};
  const sample = e.samples?.[0];
  const sampleHtml = sample
    ? `<pre class="sample">${esc(sample.split('\n').slice(0, 8).join('\n').slice(0, 1200))}</pre>`
    : '';
  const what = e.template ? `<code class="tpl">${esc(e.template)}</code>` : esc(r.summary);
  return `<tr><td data-label="signal">${kindBadge(r)}</td><td>${what}${sampleHtml}</td>${countCell('stable', e.counts?.stable, e.totals?.stable)}${countCell('canary', e.counts?.canary, e.totals?.canary)}${withP ? `<td class="num" data-label="p">${pValue(e.pValue)}</td>` : ''}</tr>`;
}

function templates(p: ReportPage): string {
  const rows = p.reasons.filter(
    (r) => r.evidence?.template !== undefined || r.evidence?.counts !== undefined,
  );
  if (rows.length === 0) return '';
  // The p column only when some signal has an exact test's p-value (the canary verdict keeps counts, not p).
  const withP = rows.some((r) => r.evidence?.pValue !== undefined);
  return `<section data-testid="templates"><h2>What decided it</h2><p class="muted">Log templates and signals, counted on each side (as a share of that side's log lines or requests); sample lines are redacted.</p><div class="scroll"><table class="templates"><thead><tr><th>signal</th><th>template / sample</th><th>stable</th><th>canary</th>${withP ? '<th>p</th>' : ''}</tr></thead><tbody>${rows
    .slice(0, 12)
    .map((r) => templateRow(r, withP))
    .join('')}</tbody></table></div></section>`;
}

function passLine(j: PageJourney): string {
  const side = (s: 'stable' | 'canary'): string => {
    const runs = j.runs[s];
    if (runs === 0) return `${s}: not run`;
    const rate = j.passed[s] / runs;
    return `${s}: <b class="${rate < 1 ? 'bad' : 'good'}">${pct(rate)}</b> <span class="muted">(${j.passed[s]}/${runs} passed)</span>`;
  };
  return `<div class="pass">${side('stable')}${side('canary')}</div>`;
}

/** A link when the target is safe to link (see safeHref), else the text. */
function link(target: string, label = target): string {
  const href = safeHref(target);
  return href ? `<a href="${href}">${esc(label)}</a>` : esc(label);
}

function failure(f: PageJourney['failures'][number], inline: InlineImage | undefined): string {
  const shot = f.screenshot;
  const src = shot?.startsWith('data:image/') ? shot : shot ? inline?.(shot) : undefined;
  const img = src
    ? `<img alt="screenshot of the failed ${esc(f.side)} run" src="${esc(src)}">`
    : shot
      ? `<p>screenshot: ${link(shot)}</p>`
      : '';
  const trace = f.trace
    ? `<p>trace: ${link(f.trace)} <span class="muted">(open with <code>npx playwright show-trace</code>)</span></p>`
    : '';
  return `<div class="failure"><p><span class="kind veto">${esc(f.side)} failed</span>${f.step ? `at step <b>${esc(f.step)}</b>: ` : ''}${esc(f.error)}</p>${img}${trace}</div>`;
}

function journey(j: PageJourney, inline: InlineImage | undefined): string {
  const chart = latencyChart(j.steps, `step latency p50/p95 of ${j.name} on ${j.backend}, stable vs canary`);
  const legend = chart
    ? `<p class="legend">step latency, p50 solid / p95 pale:<i style="background:${SIDE_COLOURS.stable}"></i>stable<i style="background:${SIDE_COLOURS.canary}"></i>canary</p>`
    : '';
  return `<h3>${esc(j.name)} <span class="muted">on ${esc(j.backend)}</span></h3>${passLine(j)}${legend}${chart}${j.failures
    .slice(0, 4)
    .map((f) => failure(f, inline))
    .join('')}`;
}

function journeys(p: ReportPage, inline: InlineImage | undefined): string {
  if (p.journeys.length === 0) return '';
  return `<section data-testid="journeys"><h2>Journeys</h2>${p.journeys.map((j) => journey(j, inline)).join('')}</section>`;
}

function tokenLine(t: ReportPage['tokens']): string {
  if (!t) return '';
  const raw = t.rawLogs ? ` — the raw logs would have been ~${t.rawLogs.toLocaleString('en')}` : '';
  return `<p>tokens: ${t.input.toLocaleString('en')} in / ${t.output.toLocaleString('en')} out${raw}</p>`;
}

function llmSaid(l: NonNullable<ReportPage['llm']>): string {
  if (l.error) return `<p>The LLM gave no verdict: ${esc(l.error)}</p>`;
  const conf = l.confidence === undefined ? '' : ` (confidence ${pct(l.confidence)})`;
  return `<p>${esc(l.model ?? l.provider)} said <b>${esc(l.verdict ?? '–')}</b>${conf}${l.cached ? ', from cache' : ''}.</p>`;
}

function llm(p: ReportPage): string {
  if (!p.llm || p.llm.provider === 'none')
    return `<section data-testid="llm"><h2>LLM</h2><p class="muted">No LLM ran: statistics alone decided (nothing left this machine).</p></section>`;
  const explanation = p.llmExplanation ? `<p>${esc(p.llmExplanation)}</p>` : '';
  return `<section data-testid="llm"><h2>LLM</h2>${llmSaid(p.llm)}${explanation}${tokenLine(p.tokens)}</section>`;
}

const ACTION_TEXT = {
  created: 'Filed',
  commented: 'Commented on',
  closed: 'Closed',
  none: 'No issue for',
} as const;

function issue(p: ReportPage): string {
  if (!p.issue) return '';
  const { action, url, title } = p.issue;
  const label = title ?? url ?? 'the issue';
  const target = url ? link(url, label) : esc(label);
  return `<section data-testid="issue"><h2>Issue</h2><p>${ACTION_TEXT[action]} ${action === 'none' ? 'this analysis' : target}.</p></section>`;
}

/**
 * Renders the page. Every piece of text from the analysis (templates, samples, errors, the LLM's words) is escaped;
 * the page fetches nothing (inline CSS and SVG; screenshots as data: URIs or plain links).
 * Throws a ZodError naming the field when `input` does not match {@link ReportPageInputSchema}.
 */
export function renderReportPage(input: ReportPageInput, opts: RenderOptions = {}): string {
  const p = ReportPageInputSchema.parse(input);
  const body = [
    header(p),
    why(p, opts.maxReasons ?? 5),
    templates(p),
    journeys(p, opts.inlineImage),
    llm(p),
    issue(p),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${p.verdict.toUpperCase()} ${pct(p.confidence)} — ${esc(p.title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
<footer>rollout-sentinel verdict report · ${esc(p.generatedAt)}</footer>
</main></body></html>
`;
}
