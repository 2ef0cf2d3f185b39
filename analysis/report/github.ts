/** @module analysis/report/github — the GitHub issue sink (@octokit/rest; github.com or GitHub Enterprise). */
import { Octokit } from '@octokit/rest';
import { type Logger, silentLogger } from '../../lib/log.ts';
import {
  GitHubBadCredentials,
  GitHubPermissionDenied,
  GitHubRateLimited,
  GitHubRepoNotFound,
  GitHubRequestFailed,
  IssueGone,
} from './errors.ts';
import { parseMarker } from './marker.ts';
import { type RateLimitOptions, RateLimitExhausted, rateLimitHook } from './rateLimit.ts';
import type { IssueActivity, IssueDraft, IssueSink, TrackedIssue } from './types.ts';

/** The REST API version we are written against. */
export const GITHUB_API_VERSION = '2022-11-28';

/** The label every issue we file carries; loop closure lists open issues by it. */
export const SENTINEL_LABEL = 'rollout-sentinel';

export interface GitHubSinkOptions {
  /** `owner/name`. */
  repo: string;
  token: string;
  /** REST root; `https://api.github.com` or `https://HOST/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  userAgent?: string;
  rateLimit?: RateLimitOptions;
  log?: Logger;
}

interface ApiIssue {
  number: number;
  html_url: string;
  state: string;
  body?: string | null;
  pull_request?: unknown;
  assignees?: ({ login: string } | null)[] | null;
}

function toTracked(issue: ApiIssue): TrackedIssue {
  return {
    number: issue.number,
    url: issue.html_url,
    state: issue.state === 'closed' ? 'closed' : 'open',
    marker: parseMarker(issue.body),
  };
}

function detail(err: unknown): string {
  const data = (err as { response?: { data?: { message?: string } } }).response?.data;
  return data?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Maps Octokit errors to the catalog, naming the operation. */
function mapError(err: unknown, what: string, target: string): Error {
  if (err instanceof RateLimitExhausted) return new GitHubRateLimited(target, err.waitMs, err.cause);
  const status = (err as { status?: number }).status;
  if (status === 401) return new GitHubBadCredentials(target, err);
  if (status === 403) return new GitHubPermissionDenied(what, target, detail(err), err);
  if (status === 404) return new GitHubRepoNotFound(target, err);
  if ((err as { name?: string }).name === 'AbortError') return err as Error;
  return new GitHubRequestFailed({ what, target, status, detail: detail(err), cause: err });
}

/** Files, finds, comments on, hands off and closes issues in one GitHub repository. */
export class GitHubSink implements IssueSink {
  readonly kind = 'github' as const;
  readonly target: string;
  readonly #owner: string;
  readonly #repo: string;
  readonly #gh: Octokit;

  constructor(opts: GitHubSinkOptions) {
    const [owner, repo] = opts.repo.split('/') as [string, string];
    this.#owner = owner;
    this.#repo = repo;
    this.target = opts.repo;
    const log = opts.log ?? silentLogger;
    this.#gh = new Octokit({
      auth: opts.token,
      baseUrl: (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      userAgent: opts.userAgent ?? 'rollout-sentinel',
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (m: string) => log.warn(m),
        error: (m: string) => log.error(m),
      },
    });
    // Pin the REST API version GitHub documents for these endpoints (https://docs.github.com/rest/about-the-rest-api/api-versions).
    this.#gh.hook.before('request', (options) => {
      options.headers['x-github-api-version'] = GITHUB_API_VERSION;
    });
    this.#gh.hook.wrap('request', rateLimitHook({ ...opts.rateLimit, log }) as never);
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapError(err, what, this.target);
    }
  }

  get #repoParams(): { owner: string; repo: string } {
    return { owner: this.#owner, repo: this.#repo };
  }

  async findOpen(fp: string, signal: AbortSignal): Promise<TrackedIssue | undefined> {
    const q = `repo:${this.#owner}/${this.#repo} is:issue is:open "${fp}"`;
    const res = await this.#call('search issues', () =>
      this.#gh.request('GET /search/issues', { q, per_page: 20, request: { signal } }),
    );
    // Search is fuzzy: trust only an issue whose marker carries exactly this fingerprint.
    const hit = (res.data.items as ApiIssue[]).find(
      (i) => !i.pull_request && i.state === 'open' && parseMarker(i.body)?.fp === fp,
    );
    return hit ? toTracked(hit) : undefined;
  }

  async listOpenForRollout(rollout: string, signal: AbortSignal): Promise<TrackedIssue[]> {
    const out: TrackedIssue[] = [];
    for (let page = 1; page <= 10; page++) {
      const res = await this.#call('list issues', () =>
        this.#gh.rest.issues.listForRepo({
          ...this.#repoParams,
          state: 'open',
          labels: SENTINEL_LABEL,
          per_page: 100,
          page,
          request: { signal },
        }),
      );
      for (const issue of res.data as ApiIssue[]) {
        const t = toTracked(issue);
        if (!issue.pull_request && t.marker?.rollout === rollout) out.push(t);
      }
      if (res.data.length < 100) break;
    }
    return out;
  }

  async get(number: number, signal: AbortSignal): Promise<TrackedIssue> {
    const res = await this.#call('read issue', () =>
      this.#gh.rest.issues.get({ ...this.#repoParams, issue_number: number, request: { signal } }),
    ).catch((err: unknown) => {
      // 410: the issue was deleted; 404: deleted, transferred, or never there. Either way it is gone.
      const status = ((err as Error).cause as { status?: number } | undefined)?.status;
      if (status === 404 || status === 410)
        throw new IssueGone(this.target, number, `GitHub answered ${status}`, err);
      throw err;
    });
    return toTracked(res.data as ApiIssue);
  }

  async create(draft: IssueDraft, signal: AbortSignal): Promise<TrackedIssue> {
    const res = await this.#call('create an issue', () =>
      this.#gh.rest.issues.create({
        ...this.#repoParams,
        title: draft.title,
        body: draft.body,
        labels: draft.labels,
        request: { signal },
      }),
    );
    return toTracked(res.data as ApiIssue);
  }

  async comment(number: number, body: string, signal: AbortSignal): Promise<void> {
    await this.#call('comment on an issue', () =>
      this.#gh.rest.issues.createComment({
        ...this.#repoParams,
        issue_number: number,
        body,
        request: { signal },
      }),
    );
  }

  async close(number: number, signal: AbortSignal): Promise<void> {
    await this.#call('close an issue', () =>
      this.#gh.rest.issues.update({
        ...this.#repoParams,
        issue_number: number,
        state: 'closed',
        state_reason: 'completed',
        request: { signal },
      }),
    );
  }

  async addLabels(number: number, labels: string[], signal: AbortSignal): Promise<void> {
    await this.#call('label an issue', () =>
      this.#gh.rest.issues.addLabels({
        ...this.#repoParams,
        issue_number: number,
        labels,
        request: { signal },
      }),
    );
  }

  async addAssignees(
    number: number,
    assignees: string[],
    extra: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<string[]> {
    const res = await this.#call('assign an issue', () =>
      this.#gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/assignees', {
        ...this.#repoParams,
        issue_number: number,
        assignees,
        ...extra,
        request: { signal },
      }),
    );
    return ((res.data as ApiIssue).assignees ?? []).flatMap((a) => (a ? [a.login] : []));
  }

  async activity(number: number, signal: AbortSignal): Promise<IssueActivity> {
    const one = { ...this.#repoParams, issue_number: number, request: { signal } };
    const p = { ...one, per_page: 100 };
    const [issue, comments, reactions, timeline] = await Promise.all([
      this.#call('read issue', () => this.#gh.rest.issues.get(one)),
      this.#call('list comments', () => this.#gh.rest.issues.listComments(p)),
      this.#call('list reactions', () => this.#gh.rest.reactions.listForIssue(p)),
      this.#call('read timeline', () => this.#gh.rest.issues.listEventsForTimeline(p)),
    ]);
    const prs = (
      timeline.data as {
        event?: string;
        source?: {
          issue?: ApiIssue & {
            user?: { login: string } | null;
            pull_request?: { merged_at?: string | null };
          };
        };
      }[]
    )
      .filter((e) => e.event === 'cross-referenced' && e.source?.issue?.pull_request)
      .map((e) => ({
        url: e.source?.issue?.html_url ?? '',
        merged: Boolean(e.source?.issue?.pull_request?.merged_at),
        author: e.source?.issue?.user?.login,
      }));
    return {
      commenters: comments.data.flatMap((c) => (c.user ? [c.user.login] : [])),
      reactors: reactions.data.flatMap((r) => (r.user ? [r.user.login] : [])),
      assignees: ((issue.data as ApiIssue).assignees ?? []).flatMap((a) => (a ? [a.login] : [])),
      pullRequests: prs,
    };
  }
}
