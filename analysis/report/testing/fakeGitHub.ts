/**
 * @module analysis/report/testing/fakeGitHub — a stateful local server speaking GitHub's REST API for the issue
 * endpoints rollout-sentinel uses. Every request and every response is validated against GitHub's official OpenAPI
 * description; objects are built from the description's own examples. Loopback only.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MatchedOperation, OpenApiValidator, Violation } from './openapiValidator.ts';

type Json = Record<string, unknown>;

/** Who a token belongs to and what it may do. */
export interface FakeToken {
  login: string;
  /** `user` tokens act as a person; `installation` as a GitHub App (Copilot assignment is silently dropped). */
  kind: 'user' | 'installation';
  /** Issues: write. Without it, writes get 403 "Resource not accessible by …". */
  issuesWrite: boolean;
}

/** One captured request, raw body included (tests grep these for secrets). */
export interface CapturedRequest {
  method: string;
  path: string;
  query: string;
  operationId: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  author: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** When search starts returning this issue (models GitHub's index lag). */
  searchableAt: number;
  comments: { id: number; login: string; body: string; at: string }[];
  reactions: { id: number; login: string; content: string; at: string }[];
  prs: { number: number; url: string; merged: boolean; author: string }[];
}

interface Injected {
  status: number;
  headers: Record<string, string>;
  body: Json;
  /** Only requests whose operationId matches (any when undefined). */
  operationId?: string | undefined;
}

export interface FakeGitHubOptions {
  validator: OpenApiValidator;
  tokens: Record<string, FakeToken>;
  /** `owner/name` of repositories that exist. */
  repos: string[];
  /** Path prefix, e.g. `/api/v3` for a GitHub Enterprise Server-style base URL. */
  prefix?: string;
  /** Search index lag in ms (default 0). */
  searchLagMs?: number;
}

const DOCS = 'https://docs.github.com/rest';
/** What GitHub shows as the assignee once the Copilot coding agent is assigned. */
const COPILOT_LOGINS = new Set(['copilot-swe-agent[bot]', 'copilot-swe-agent', 'copilot']);

/** The fake itself; `start()` it, point Octokit at `baseUrl`, inspect `requests` and `violations`. */
export class FakeGitHub {
  readonly requests: CapturedRequest[] = [];
  readonly violations: Violation[] = [];
  readonly #opts: FakeGitHubOptions;
  readonly #repos = new Map<string, Map<number, FakeIssue>>();
  readonly #injected: Injected[] = [];
  readonly #lastNumber = new Map<string, number>();
  /** Deleted issues: GitHub answers 410 Gone for them (404 for numbers that never existed). */
  readonly #gone = new Set<string>();
  #server: Server | undefined;
  #origin = '';
  #ids = 1000;
  searchLagMs: number;

  constructor(opts: FakeGitHubOptions) {
    this.#opts = opts;
    this.searchLagMs = opts.searchLagMs ?? 0;
    for (const r of opts.repos) this.#repos.set(r, new Map());
  }

  /** REST root to give Octokit as `baseUrl`. */
  get baseUrl(): string {
    return `${this.#origin}${this.#opts.prefix ?? ''}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** The next `count` matching requests get this answer instead (rate limits, outages). */
  failNext(count: number, answer: Injected): void {
    for (let i = 0; i < count; i++) this.#injected.push(answer);
  }

  /** Issues in a repository (tests assert on them). */
  issues(repo: string): FakeIssue[] {
    return [...(this.#repos.get(repo)?.values() ?? [])];
  }

  /** Simulates an issue deleted (or transferred away) by a person. */
  deleteIssue(repo: string, number: number): void {
    this.#repos.get(repo)?.delete(number);
    this.#gone.add(`${repo}#${number}`);
  }

  /** Simulates an agent (or anyone) commenting. */
  addComment(repo: string, number: number, login: string, body: string): void {
    this.#issue(repo, number).comments.push({ id: this.#ids++, login, body, at: new Date().toISOString() });
  }

  addReaction(repo: string, number: number, login: string, content = 'eyes'): void {
    this.#issue(repo, number).reactions.push({
      id: this.#ids++,
      login,
      content,
      at: new Date().toISOString(),
    });
  }

  /** Simulates a pull request that references the issue (timeline `cross-referenced`). */
  linkPullRequest(
    repo: string,
    number: number,
    pr: { number: number; merged: boolean; author: string },
  ): void {
    this.#issue(repo, number).prs.push({ ...pr, url: `https://github.com/${repo}/pull/${pr.number}` });
  }

  #issue(repo: string, number: number): FakeIssue {
    const i = this.#repos.get(repo)?.get(number);
    if (!i) throw new Error(`fake: no issue ${repo}#${number}`);
    return i;
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.#origin);
    const prefix = this.#opts.prefix ?? '';
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const captured: CapturedRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.search,
      operationId: undefined,
      headers: req.headers,
      body: raw,
      status: 0,
    };
    this.requests.push(captured);
    const op = this.#opts.validator.match(captured.method, path);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      captured.status = status;
      if (op) {
        for (const d of this.#opts.validator.validateResponse(op, status, body)) {
          this.violations.push({ where: 'response', operation: op.operationId, detail: d });
        }
      }
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3',
        ...headers,
      });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (!op) {
      this.violations.push({
        where: 'request',
        operation: `${captured.method} ${path}`,
        detail: 'no such operation in the OpenAPI description',
      });
      send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      return;
    }
    captured.operationId = op.operationId;
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      send(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      return;
    }
    const problems = this.#opts.validator.validateRequest(op, url.searchParams, body);
    if (problems.length > 0) {
      for (const d of problems)
        this.violations.push({ where: 'request', operation: op.operationId, detail: d });
      send(422, { message: 'Validation Failed', documentation_url: DOCS, status: '422' });
      return;
    }
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const who = token ? this.#opts.tokens[token] : undefined;
    if (!who) {
      send(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      return;
    }
    const inj = this.#injected.findIndex((i) => !i.operationId || i.operationId === op.operationId);
    if (inj >= 0) {
      const [i] = this.#injected.splice(inj, 1);
      if (i) send(i.status, i.body, i.headers);
      return;
    }
    const out = this.#route(op, url.searchParams, body as Json | undefined, who);
    send(out.status, out.body, out.headers);
  }

  #route(
    op: MatchedOperation,
    query: URLSearchParams,
    body: Json | undefined,
    who: FakeToken,
  ): { status: number; body: unknown; headers?: Record<string, string> } {
    if (op.operationId === 'search/issues-and-pull-requests') return this.#search(query);
    const repo = `${op.pathParams['owner']}/${op.pathParams['repo']}`;
    const issues = this.#repos.get(repo);
    if (!issues)
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    const write = op.method !== 'get';
    if (write && !who.issuesWrite) {
      const by = who.kind === 'installation' ? 'integration' : 'personal access token';
      return {
        status: 403,
        body: {
          message: `Resource not accessible by ${by}`,
          documentation_url: `${DOCS}/issues/issues`,
          status: '403',
        },
      };
    }
    if (op.operationId === 'issues/create')
      return { status: 201, body: this.#create(repo, issues, body ?? {}, who) };
    if (op.operationId === 'issues/list-for-repo') return this.#list(repo, issues, query);
    const issue = issues.get(Number(op.pathParams['issue_number']));
    if (!issue && this.#gone.has(`${repo}#${op.pathParams['issue_number']}`))
      return {
        status: 410,
        body: { message: 'This issue was deleted', documentation_url: DOCS, status: '410' },
      };
    if (!issue)
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    return this.#onIssue(op.operationId, { repo, issue }, body ?? {}, who);
  }

  #onIssue(
    operationId: string,
    at: { repo: string; issue: FakeIssue },
    body: Json,
    who: FakeToken,
  ): { status: number; body: unknown } {
    const { repo, issue } = at;
    const now = new Date().toISOString();
    switch (operationId) {
      case 'issues/get':
        return { status: 200, body: this.#issueJson(repo, issue) };
      case 'issues/update':
        if (body['state'] === 'closed' && issue.state === 'open')
          Object.assign(issue, {
            state: 'closed',
            closedAt: now,
            stateReason: body['state_reason'] ?? 'completed',
          });
        issue.updatedAt = now;
        return { status: 200, body: this.#issueJson(repo, issue) };
      case 'issues/create-comment': {
        const c = { id: this.#ids++, login: who.login, body: String(body['body']), at: now };
        issue.comments.push(c);
        return { status: 201, body: this.#commentJson(repo, issue, c) };
      }
      case 'issues/list-comments':
        return { status: 200, body: issue.comments.map((c) => this.#commentJson(repo, issue, c)) };
      case 'issues/add-labels':
        issue.labels = [...new Set([...issue.labels, ...(body['labels'] as string[])])];
        return { status: 200, body: issue.labels.map((l) => this.#labelJson(repo, l)) };
      case 'issues/add-assignees':
        this.#assign(issue, (body['assignees'] as string[]) ?? [], body['agent_assignment'], who);
        return { status: 201, body: this.#issueJson(repo, issue) };
      case 'reactions/list-for-issue':
        return {
          status: 200,
          body: issue.reactions.map((r) => ({
            id: r.id,
            node_id: `R_${r.id}`,
            user: this.#user(r.login),
            content: r.content,
            created_at: r.at,
          })),
        };
      case 'issues/list-events-for-timeline':
        return { status: 200, body: issue.prs.map((pr) => this.#crossRef(repo, pr)) };
      default:
        return {
          status: 404,
          body: { message: `fake: ${operationId} not implemented`, documentation_url: DOCS, status: '404' },
        };
    }
  }

  /** Real GitHub drops a Copilot assignment made with an installation token (or without agent_assignment it still assigns). */
  #assign(issue: FakeIssue, assignees: string[], agentAssignment: unknown, who: FakeToken): void {
    for (const a of assignees) {
      if (COPILOT_LOGINS.has(a.toLowerCase())) {
        if (who.kind === 'user' && agentAssignment !== null) issue.assignees.push('Copilot');
        continue;
      }
      if (!issue.assignees.includes(a)) issue.assignees.push(a);
    }
  }

  #create(repo: string, issues: Map<number, FakeIssue>, body: Json, who: FakeToken): Json {
    // GitHub never reuses an issue number, even after a deletion.
    const number = (this.#lastNumber.get(repo) ?? 0) + 1;
    this.#lastNumber.set(repo, number);
    const now = new Date().toISOString();
    const issue: FakeIssue = {
      number,
      title: String(body['title']),
      body: String(body['body'] ?? ''),
      state: 'open',
      stateReason: null,
      labels: ((body['labels'] as string[] | undefined) ?? []).map(String),
      assignees: [],
      author: who.login,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      searchableAt: Date.now() + this.searchLagMs,
      comments: [],
      reactions: [],
      prs: [],
    };
    issues.set(number, issue);
    return this.#issueJson(repo, issue);
  }

  #list(
    repo: string,
    issues: Map<number, FakeIssue>,
    q: URLSearchParams,
  ): { status: number; body: unknown; headers: Record<string, string> } {
    const state = q.get('state') ?? 'open';
    const labels = (q.get('labels') ?? '').split(',').filter(Boolean);
    const all = [...issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => b.number - a.number);
    const perPage = Number(q.get('per_page') ?? 30);
    const page = Number(q.get('page') ?? 1);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length)
      headers['link'] =
        `<${this.baseUrl}/repos/${repo}/issues?page=${page + 1}&per_page=${perPage}>; rel="next"`;
    return { status: 200, body: slice.map((i) => this.#issueJson(repo, i)), headers };
  }

  /** Supports `repo:o/r`, `is:issue`, `is:open|closed`, `label:x` and quoted phrases / words matched in title+body. */
  #search(q: URLSearchParams): { status: number; body: unknown } {
    const query = q.get('q') ?? '';
    const terms = [...query.matchAll(/(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)];
    const now = Date.now();
    const items: Json[] = [];
    for (const [repo, issues] of this.#repos) {
      for (const i of issues.values()) {
        if (i.searchableAt > now) continue;
        const ok = terms.every(([, key, val, phrase, word]) => {
          const v = val?.replace(/^"|"$/g, '');
          if (key === 'repo') return v === repo;
          if (key === 'is') return v === 'issue' || v === i.state;
          if (key === 'label') return i.labels.includes(v ?? '');
          if (key === 'state') return v === i.state;
          const text = (phrase ?? word ?? `${key}:${val}`).toLowerCase();
          return `${i.title}\n${i.body}`.toLowerCase().includes(text);
        });
        if (ok) items.push({ ...this.#issueJson(repo, i), score: 1 });
      }
    }
    return {
      status: 200,
      body: { total_count: items.length, incomplete_results: false, search_type: 'lexical', items },
    };
  }

  // ---- JSON built from GitHub's examples ----

  #user(login: string): Json {
    const u = this.#opts.validator.example('issue')['user'] as Json;
    const id = [...login].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1_000_000, 7);
    const isBot = login.endsWith('[bot]') || login === 'Copilot';
    const html = isBot
      ? `https://github.com/apps/${login.replace(/\[bot\]$/, '').toLowerCase()}`
      : `https://github.com/${login}`;
    return { ...u, login, id, node_id: `U_${id}`, type: isBot ? 'Bot' : 'User', html_url: html };
  }

  #labelJson(repo: string, name: string): Json {
    const id = [...name].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 1_000_000, 3);
    return {
      id,
      node_id: `LA_${id}`,
      url: `${this.baseUrl}/repos/${repo}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    };
  }

  #issueJson(repo: string, i: FakeIssue): Json {
    const base = this.#opts.validator.example('issue');
    delete base['pull_request'];
    const api = `${this.baseUrl}/repos/${repo}/issues/${i.number}`;
    return {
      ...base,
      id: 100_000 + i.number,
      node_id: `I_${i.number}`,
      url: api,
      repository_url: `${this.baseUrl}/repos/${repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `https://github.com/${repo}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      state_reason: i.stateReason,
      title: i.title,
      body: i.body,
      user: this.#user(i.author),
      labels: i.labels.map((l) => this.#labelJson(repo, l)),
      assignee: i.assignees[0] ? this.#user(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.#user(a)),
      milestone: null,
      comments: i.comments.length,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      closed_by: i.closedAt ? this.#user(i.author) : null,
      pinned_comment: null,
    };
  }

  #commentJson(
    repo: string,
    issue: FakeIssue,
    c: { id: number; login: string; body: string; at: string },
  ): Json {
    const base = this.#opts.validator.example('issue-comment');
    return {
      ...base,
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.baseUrl}/repos/${repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${repo}/issues/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${this.baseUrl}/repos/${repo}/issues/${issue.number}`,
      body: c.body,
      user: this.#user(c.login),
      created_at: c.at,
      updated_at: c.at,
    };
  }

  #crossRef(repo: string, pr: { number: number; url: string; merged: boolean; author: string }): Json {
    const now = new Date().toISOString();
    const prIssue: FakeIssue = {
      number: pr.number,
      title: `fix #${pr.number}`,
      body: '',
      state: pr.merged ? 'closed' : 'open',
      stateReason: null,
      labels: [],
      assignees: [],
      author: pr.author,
      createdAt: now,
      updatedAt: now,
      closedAt: pr.merged ? now : null,
      searchableAt: 0,
      comments: [],
      reactions: [],
      prs: [],
    };
    const issue = this.#issueJson(repo, prIssue);
    issue['html_url'] = pr.url;
    issue['pull_request'] = {
      url: `${this.baseUrl}/repos/${repo}/pulls/${pr.number}`,
      html_url: pr.url,
      diff_url: `${pr.url}.diff`,
      patch_url: `${pr.url}.patch`,
      merged_at: pr.merged ? now : null,
    };
    return {
      event: 'cross-referenced',
      actor: this.#user(pr.author),
      created_at: now,
      updated_at: now,
      source: { type: 'issue', issue },
    };
  }
}
