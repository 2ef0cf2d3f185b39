/** @module analysis/report/outbox — the local issue sink: one Markdown file per issue, for the embedded default and dry-run. */
import { appendFile, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IssueGone } from './errors.ts';
import { parseMarker } from './marker.ts';
import type { IssueActivity, IssueDraft, IssueSink, TrackedIssue } from './types.ts';

const HEAD = '<!-- rollout-sentinel:outbox ';

interface OutboxHeader {
  number: number;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  createdAt: string;
}

interface OutboxFile {
  header: OutboxHeader;
  text: string;
  path: string;
}

/**
 * Writes issues as `issue-<n>.md` files (title, body, then each comment appended) under a folder. It never talks to
 * the network; it answers `findOpen` exactly (no index lag) and records hand-offs it cannot perform.
 */
export class OutboxSink implements IssueSink {
  readonly kind = 'outbox' as const;
  readonly target: string;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
    this.target = `outbox ${this.#dir}`;
  }

  #path(n: number): string {
    return join(this.#dir, `issue-${String(n).padStart(4, '0')}.md`);
  }

  async #read(path: string): Promise<OutboxFile | undefined> {
    const text = await readFile(path, 'utf8');
    const first = text.slice(0, text.indexOf('\n'));
    if (!first.startsWith(HEAD)) return undefined;
    const header = JSON.parse(first.slice(HEAD.length, first.lastIndexOf(' -->'))) as OutboxHeader;
    return { header, text, path };
  }

  async #all(): Promise<OutboxFile[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return [];
    }
    const files = await Promise.all(
      names.filter((n) => /^issue-\d+\.md$/.test(n)).map((n) => this.#read(join(this.#dir, n))),
    );
    return files
      .filter((f): f is OutboxFile => f !== undefined)
      .sort((a, b) => a.header.number - b.header.number);
  }

  async #byNumber(n: number): Promise<OutboxFile> {
    const f = await this.#read(this.#path(n));
    if (!f) throw new Error(`outbox issue ${n} is not a rollout-sentinel outbox file (${this.#path(n)})`);
    return f;
  }

  #tracked(f: OutboxFile): TrackedIssue {
    return {
      number: f.header.number,
      url: `file://${f.path}`,
      state: f.header.state,
      marker: parseMarker(f.text),
    };
  }

  async #rewriteHeader(f: OutboxFile, header: OutboxHeader): Promise<void> {
    const rest = f.text.slice(f.text.indexOf('\n'));
    await writeFile(f.path, `${HEAD}${JSON.stringify(header)} -->${rest}`);
  }

  async findOpen(fp: string, _signal: AbortSignal): Promise<TrackedIssue | undefined> {
    const hit = (await this.#all()).find((f) => f.header.state === 'open' && parseMarker(f.text)?.fp === fp);
    return hit ? this.#tracked(hit) : undefined;
  }

  async listOpenForRollout(rollout: string, _signal: AbortSignal): Promise<TrackedIssue[]> {
    return (await this.#all())
      .filter((f) => f.header.state === 'open')
      .map((f) => this.#tracked(f))
      .filter((t) => t.marker?.rollout === rollout);
  }

  async get(number: number, _signal: AbortSignal): Promise<TrackedIssue> {
    const file = await this.#byNumber(number).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new IssueGone(this.target, number, `${this.#path(number)} does not exist`, err);
      throw err;
    });
    return this.#tracked(file);
  }

  async create(draft: IssueDraft, _signal: AbortSignal): Promise<TrackedIssue> {
    await mkdir(this.#dir, { recursive: true });
    const existing = await this.#all();
    // O_EXCL: two writers racing for the same number make one of them take the next.
    for (let n = (existing.at(-1)?.header.number ?? 0) + 1; n < 1_000_000; n++) {
      const header: OutboxHeader = {
        number: n,
        state: 'open',
        labels: draft.labels,
        assignees: [],
        createdAt: new Date().toISOString(),
      };
      const text = `${HEAD}${JSON.stringify(header)} -->\n# ${draft.title}\n\n${draft.body}\n`;
      try {
        const fh = await open(this.#path(n), 'wx');
        await fh.writeFile(text);
        await fh.close();
        return this.#tracked({ header, text, path: this.#path(n) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new Error(`outbox ${this.#dir} is full`);
  }

  async comment(number: number, body: string, _signal: AbortSignal): Promise<void> {
    const f = await this.#byNumber(number);
    await appendFile(f.path, `\n---\n\n### Comment (${new Date().toISOString()})\n\n${body}\n`);
  }

  async close(number: number, _signal: AbortSignal): Promise<void> {
    const f = await this.#byNumber(number);
    await this.#rewriteHeader(f, { ...f.header, state: 'closed' });
  }

  async addLabels(number: number, labels: string[], _signal: AbortSignal): Promise<void> {
    const f = await this.#byNumber(number);
    await this.#rewriteHeader(f, { ...f.header, labels: [...new Set([...f.header.labels, ...labels])] });
  }

  async addAssignees(
    number: number,
    assignees: string[],
    _extra: Record<string, unknown>,
    _signal: AbortSignal,
  ): Promise<string[]> {
    const f = await this.#byNumber(number);
    const all = [...new Set([...f.header.assignees, ...assignees])];
    await this.#rewriteHeader(f, { ...f.header, assignees: all });
    return all;
  }

  async activity(number: number, _signal: AbortSignal): Promise<IssueActivity> {
    const f = await this.#byNumber(number);
    return { commenters: [], reactors: [], assignees: f.header.assignees, pullRequests: [] };
  }
}
