/** @module analysis/eval/loghub — measures template grouping accuracy on the Loghub-2k samples, one miner configuration for all. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecordsSync } from '../logs/records.ts';
import { TemplateMiner, type DrainOptions } from '../templates/drain.ts';
import { groupingAccuracy } from '../templates/groupingAccuracy.ts';

/** GA of one dataset. */
export interface LoghubResult {
  dataset: string;
  lines: number;
  trueTemplates: number;
  minedTemplates: number;
  accuracy: number;
}

/** Parses RFC 4180 CSV (quoted fields, `""` escapes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Reads `Content` and `EventId` of each line of `<dir>/<name>/<name>_2k.log_structured.csv`. */
export function loadLoghub(dir: string, name: string): { content: string[]; eventIds: string[] } {
  const rows = parseCsv(readFileSync(join(dir, name, `${name}_2k.log_structured.csv`), 'utf8'));
  const header = rows[0] ?? [];
  const ci = header.indexOf('Content');
  const ei = header.indexOf('EventId');
  if (ci < 0 || ei < 0) throw new Error(`${name}: CSV has no Content/EventId columns`);
  const body = rows.slice(1).filter((r) => r.length === header.length);
  return { content: body.map((r) => r[ci] as string), eventIds: body.map((r) => r[ei] as string) };
}

/** The datasets present in `dir` (folders holding a `*_2k.log_structured.csv`). */
export function loghubDatasets(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, `${d.name}_2k.log_structured.csv`)))
    .map((d) => d.name)
    .sort();
}

/** Mines each dataset's `Content` column with one fresh miner (same options for all) and scores the grouping. */
export function runLoghub(dir: string, opts: DrainOptions = {}): LoghubResult[] {
  return loghubDatasets(dir).map((dataset) => {
    const { content, eventIds } = loadLoghub(dir, dataset);
    const miner = new TemplateMiner(opts);
    const assigned = content.map((c) => miner.add(c));
    return {
      dataset,
      lines: content.length,
      trueTemplates: new Set(eventIds).size,
      minedTemplates: miner.clusters.length,
      accuracy: groupingAccuracy(
        assigned.map((c) => c.id),
        eventIds,
      ),
    };
  });
}

/** The raw lines of `<dir>/<name>/<name>_2k.log` (headers, timestamps, levels and all), one per CSV row. */
export function loadLoghubRaw(dir: string, name: string): string[] {
  const text = readFileSync(join(dir, name, `${name}_2k.log`), 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Mines each dataset's raw lines the way `sentinel templates FILE` and the judge see them (records, header detection,
 * one miner configuration for all) and scores the grouping per physical line.
 */
export function runLoghubRaw(dir: string, opts: DrainOptions = {}): LoghubResult[] {
  return loghubDatasets(dir).map((dataset) => {
    const { eventIds } = loadLoghub(dir, dataset);
    const raw = loadLoghubRaw(dir, dataset);
    if (raw.length !== eventIds.length)
      throw new Error(`${dataset}: ${raw.length} raw lines but ${eventIds.length} structured rows`);
    const miner = new TemplateMiner(opts);
    const perLine: string[] = [];
    for (const rec of readRecordsSync(dataset, raw)) {
      const id = miner.add(rec.message).id;
      for (let i = 0; i < rec.lines; i++) perLine.push(id);
    }
    return {
      dataset,
      lines: raw.length,
      trueTemplates: new Set(eventIds).size,
      minedTemplates: miner.clusters.length,
      accuracy: groupingAccuracy(perLine, eventIds),
    };
  });
}
