import { beforeAll, describe, expect, it } from 'vitest';
import { GitHubSink } from './github.ts';
import { FixtureReplay, loadScenario } from './testing/fixtureReplay.ts';
import { githubValidator } from './testing/harness.ts';
import type { OpenApiValidator } from './testing/openapiValidator.ts';

// The token the recordings were made with (a placeholder, not a secret).
const FIXTURE_TOKEN = '0000000000000000000000000000000000000001';
const signal = (): AbortSignal => AbortSignal.timeout(10_000);
let validator: OpenApiValidator;

beforeAll(async () => {
  validator = await githubValidator();
}, 120_000);

/** Our requests must be valid by today's OpenAPI description even where the 2017 recordings are older. */
function requestProblems(replay: FixtureReplay): string[] {
  return replay.sent.flatMap((s) => {
    const [path, query] = s.path.split('?') as [string, string | undefined];
    const op = validator.match(s.method, path);
    return op
      ? validator.validateRequest(op, new URLSearchParams(query ?? ''), s.body)
      : [`no operation for ${s.method} ${path}`];
  });
}

describe('GitHubSink replayed against real recorded GitHub exchanges (@octokit/fixtures)', () => {
  it('add-labels-to-issue: create an issue, then label it, exactly as recorded', async () => {
    const replay = await new FixtureReplay(loadScenario('add-labels-to-issue'), { matchQuery: true }).start();
    try {
      const sink = new GitHubSink({
        repo: 'octokit-fixture-org/add-labels-to-issue',
        token: FIXTURE_TOKEN,
        baseUrl: replay.baseUrl,
      });
      const issue = await sink.create({ title: 'Issue without a label', body: 'body', labels: [] }, signal());
      expect(issue).toEqual({
        number: 1,
        url: 'https://github.com/octokit-fixture-org/add-labels-to-issue/issues/1',
        state: 'open',
        marker: undefined,
      });
      await sink.addLabels(1, ['Foo', 'bAr', 'baZ'], signal());
      expect(replay.mismatches).toEqual([]);
      expect(replay.remaining).toBe(0);
      expect(requestProblems(replay)).toEqual([]);
    } finally {
      await replay.close();
    }
  });

  it('search-issues: parses a real search answer and trusts no hit without our marker', async () => {
    const replay = await new FixtureReplay(loadScenario('search-issues'), { matchQuery: false }).start();
    try {
      const sink = new GitHubSink({
        repo: 'octokit-fixture-org/search-issues',
        token: FIXTURE_TOKEN,
        baseUrl: replay.baseUrl,
      });
      // The recording has two open issues matching "sesame"; neither carries a rollout-sentinel marker.
      expect(await sink.findOpen('rsfp-0123456789abcdef', signal())).toBeUndefined();
      expect(replay.mismatches).toEqual([]);
      expect(requestProblems(replay)).toEqual([]);
      const q = new URLSearchParams(replay.sent[0]?.path.split('?')[1]).get('q');
      expect(q).toBe('repo:octokit-fixture-org/search-issues is:issue is:open "rsfp-0123456789abcdef"');
    } finally {
      await replay.close();
    }
  });

  it('paginate-issues: lists a real page of issues and stops when the page is short', async () => {
    const replay = await new FixtureReplay(loadScenario('paginate-issues'), { matchQuery: false }).start();
    try {
      const sink = new GitHubSink({
        repo: 'octokit-fixture-org/paginate-issues',
        token: FIXTURE_TOKEN,
        baseUrl: replay.baseUrl,
      });
      expect(await sink.listOpenForRollout('shop/checkout', signal())).toEqual([]);
      expect(replay.sent).toHaveLength(1);
      expect(replay.mismatches).toEqual([]);
      expect(requestProblems(replay)).toEqual([]);
    } finally {
      await replay.close();
    }
  });

  it('the recordings predate fields GitHub now requires: the validator sees the drift (so it is not a rubber stamp)', () => {
    const [search] = loadScenario('search-issues');
    const op = validator.match('GET', '/search/issues');
    if (!op || !search) throw new Error('missing fixture or operation');
    expect(validator.validateResponse(op, 200, search.response)).toContainEqual(
      expect.stringContaining("required property 'search_type'"),
    );
  });
});
