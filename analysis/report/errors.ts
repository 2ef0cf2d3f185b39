/** @module analysis/report/errors — the catalog of reporting errors: what happened, why, and what to do. */
import { SentinelError } from '../../lib/errors.ts';
import { EXIT } from '../../lib/exitCodes.ts';

/** GitHub rejected the token itself (401). */
export class GitHubBadCredentials extends SentinelError {
  constructor(target: string, cause?: unknown) {
    super(
      'GitHubBadCredentials',
      `GitHub rejected the token while reporting to ${target} (401 Bad credentials).`,
      {
        hint: 'Check GITHUB_TOKEN / SENTINEL_GITHUB_TOKEN_FILE: the token may be expired, revoked, or for another GitHub host (GITHUB_API_URL).',
        cause,
      },
    );
  }
}

/** The token is valid but may not write issues in the repository (403 "Resource not accessible …"). */
export class GitHubPermissionDenied extends SentinelError {
  constructor(what: string, target: string, detail: string, cause?: unknown) {
    super('GitHubPermissionDenied', `GitHub refused to ${what} in ${target}: ${detail}.`, {
      hint:
        'The token needs "Issues: Read and write" (fine-grained PAT or GitHub App permission) or the "repo" scope ' +
        '(classic PAT), and access to this repository.',
      cause,
    });
  }
}

/** The repository does not exist, or the token cannot see it (GitHub answers 404 for both). */
export class GitHubRepoNotFound extends SentinelError {
  constructor(target: string, cause?: unknown) {
    super(
      'GitHubRepoNotFound',
      `GitHub answered 404 for ${target}: the repository does not exist or the token cannot see it.`,
      {
        hint: 'Check --repo / SENTINEL_REPORT_REPO (owner/name) and, for a fine-grained token, that the repository is selected.',
        cause,
      },
    );
  }
}

/** Still rate limited after the allowed retries. */
export class GitHubRateLimited extends SentinelError {
  constructor(target: string, waitMs: number | undefined, cause?: unknown) {
    super(
      'GitHubRateLimited',
      `GitHub rate limit hit while reporting to ${target}${waitMs === undefined ? '' : `; it asks to wait ${Math.ceil(waitMs / 1000)} s`}.`,
      {
        hint: 'The failure is recorded in the local lease/outbox; the next report of this rollout retries. Reduce report frequency or use a GitHub App token (higher limits).',
        cause,
      },
    );
  }
}

/** Any other GitHub failure, with the operation named. */
export class GitHubRequestFailed extends SentinelError {
  constructor(a: {
    what: string;
    target: string;
    status: number | undefined;
    detail: string;
    cause?: unknown;
  }) {
    super(
      'GitHubRequestFailed',
      `GitHub failed to ${a.what} in ${a.target} (${a.status ?? 'no response'}): ${a.detail}.`,
      {
        hint: 'Transient GitHub errors are retried on the next report; check GITHUB_API_URL for GitHub Enterprise.',
        cause: a.cause,
      },
    );
  }
}

/** Copilot assignment needs a user token; an installation (server-to-server) token is silently ignored by GitHub. */
export class CopilotNeedsUserToken extends SentinelError {
  constructor(kind: string) {
    super(
      'CopilotNeedsUserToken',
      `Cannot hand the issue to the Copilot coding agent with a ${kind}: GitHub only starts Copilot for issues ` +
        'assigned with a user token, and otherwise accepts the request while dropping the assignment.',
      {
        hint:
          'Use a fine-grained PAT of a user with a Copilot seat (Issues, Pull requests, Contents, Actions: read and write; ' +
          'Metadata: read), a classic PAT with "repo", or a GitHub App user-to-server token (ghu_). Or choose ' +
          'handoff mode "labels"/"assignees" for this rollout.',
      },
    );
  }
}

/** GitHub accepted the assignment but Copilot is not among the assignees afterwards. */
export class CopilotAssignmentDropped extends SentinelError {
  constructor(target: string, assignees: string[]) {
    super(
      'CopilotAssignmentDropped',
      `GitHub accepted the Copilot assignment in ${target} but the issue is assigned to [${assignees.join(', ')}] only.`,
      {
        hint:
          'Copilot coding agent may be disabled for this repository, or the token user has no Copilot seat. Check the ' +
          "repository's Copilot settings (suggestedActors in GraphQL must include Copilot).",
      },
    );
  }
}

/** The verdict file is missing, not JSON, or not a verdict. */
export class VerdictFileInvalid extends SentinelError {
  /** The caller's input: `sentinel report` exits 3. */
  readonly exitCode = EXIT.usage;
  constructor(path: string, detail: string, cause?: unknown) {
    super('VerdictFileInvalid', `Cannot use ${path} as a verdict: ${detail}`, {
      hint: 'Pass the JSON printed by `sentinel judge --json` (fields verdict, confidence, reasons; optional context).',
      cause,
    });
  }
}

/** The issue a dedupe lease remembers no longer exists in the sink (GitHub 404/410, outbox file missing). */
export class IssueGone extends SentinelError {
  constructor(target: string, number: number, why: string, cause?: unknown) {
    super('IssueGone', `Issue #${number} is gone from ${target} (${why}).`, {
      hint: 'Nothing to do: the report files a new issue and replaces the remembered one.',
      cause,
    });
  }
}
