/**
 * `sentinel demo` end to end, as a user runs it (the real binary, real pods, the real proxy and Chromium): the loop's
 * two verdicts, the outbox issue (fingerprint, closure), the report pages, nothing left running; then a second run in
 * the same folder; Ctrl-C at several stages; bad input. Slow (about a minute per full run) but the product's promise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanaryVerdict } from '../analysis/index.ts';
import { processesMentioning, processGroupMembers, runDemo } from './testing.ts';

const BIN = resolve(import.meta.dirname, '../bin/sentinel.js');
const root = mkdtempSync(join(tmpdir(), 'sentinel-demo-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Less traffic than the default keeps each run near half a minute on a loaded 2-core machine; still enough to judge.
const FAST = ['--sessions', '60'];

function demo(
  out: string,
  args: string[] = FAST,
  env: Record<string, string> = {},
): ReturnType<typeof runDemo> {
  return runDemo(out, args, { env });
}

const json = (p: string): CanaryVerdict => JSON.parse(readFileSync(p, 'utf8')) as CanaryVerdict;
interface StoredMeasurement {
  phase: string;
  value: string;
  startedAt: string;
  finishedAt: string;
  metadata: Record<string, string>;
}
const measurement = (p: string): StoredMeasurement =>
  JSON.parse(readFileSync(p, 'utf8')) as StoredMeasurement;
const runs = (out: string): string[] =>
  readdirSync(join(out, 'runs'))
    .sort()
    .map((r) => join(out, 'runs', r));
const header = (file: string): { number: number; state: string } =>
  JSON.parse(/^<!-- rollout-sentinel:outbox (.*) -->$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? 'null') as {
    number: number;
    state: string;
  };

function listen(port: number): Promise<Server | undefined> {
  const s = createServer();
  return new Promise((r) => {
    s.once('error', () => r(undefined));
    s.listen(port, '127.0.0.1', () => r(s));
  });
}

describe('sentinel demo', () => {
  const out = join(root, 'loop');

  it(
    'rolls back v2 with an outbox issue, promotes v3 and closes it, writes both report pages, leaves nothing running',
    { timeout: 240_000 },
    async () => {
      // The proxy's default ports taken: the demo asks the OS for free ones and never collides.
      const held = await Promise.all([listen(9000), listen(9090)]);
      const r = await demo(out).finally(() => held.forEach((s) => s?.close()));
      expect(r.stderr).not.toMatch(/MaxListenersExceeded|Error:/);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      for (const stage of [
        'start stable v1',
        'canary analysis v2 vs v1',
        'ship the fix',
        'canary analysis v3 vs v1',
      ])
        expect(r.stdout).toMatch(new RegExp(`✓ ${stage}.* \\d+\\.\\ds`));
      expect(r.stdout).toMatch(/v2: ROLLBACK \(confidence \d+ %; measurement Failed\)/);
      expect(r.stdout).toMatch(/v3: PROMOTE \(confidence \d+ %; measurement Successful\); issue closed/);

      const [run] = runs(out) as [string];
      const first = json(join(run, 'analysis-1-v2.json'));
      const second = json(join(run, 'analysis-2-v3.json'));
      // The verdicts are the plugin provider's measurements (Run → Running + resumeAt, Resume until completed), as the
      // Argo controller stores them: phase, the value conditions see, the evidence as metadata.
      const m1 = measurement(join(run, 'analysis-1-v2.measurement.json'));
      const m2 = measurement(join(run, 'analysis-2-v3.measurement.json'));
      expect(m1).toMatchObject({ phase: 'Failed', metadata: { kind: 'canary', verdict: 'rollback' } });
      expect(m2).toMatchObject({ phase: 'Successful', metadata: { kind: 'canary', verdict: 'promote' } });
      for (const m of [m1, m2]) {
        expect(m.metadata['sentinel.check']).toMatch(/^[0-9a-f-]{36}$/);
        expect(Date.parse(m.finishedAt)).toBeGreaterThanOrEqual(Date.parse(m.startedAt));
      }
      expect(JSON.parse(m1.value)).toMatchObject({ verdict: 'rollback', journeys: [{ name: 'checkout' }] });
      expect(JSON.parse(m2.value)).toMatchObject({ verdict: 'promote' });
      expect(m1.metadata.report).toMatch(/^filed .*issue-0001\.md/);
      expect(m1.metadata.journeys).toMatch(/^checkout \[local\] stable 100% canary 0%/);
      expect(m2.metadata.report).toMatch(/^closed /);
      // The full verdict the check wrote beside its artifacts is the one the run folder and the page show.
      expect(json(m1.metadata.verdictFile as string).confidence).toBe(first.confidence);
      expect(first).toMatchObject({ verdict: 'rollback', report: { action: 'filed' } });
      expect(first.journeys[0]).toMatchObject({
        name: 'checkout',
        backend: 'local',
        passRate: { stable: 1, canary: 0 },
      });
      expect(first.reasons.map((x) => x.kind)).toEqual(expect.arrayContaining(['new_template', 'journey']));
      expect(second).toMatchObject({ verdict: 'promote', report: { action: 'closed' } });
      expect(second.journeys[0]).toMatchObject({ passRate: { stable: 1, canary: 1 } });

      // The issue: filed once, fingerprinted by the failing journey, closed with the evidence.
      const issue = first.report?.outboxFile as string;
      expect(second.report?.outboxFile).toBe(issue);
      const text = readFileSync(issue, 'utf8');
      expect(header(issue)).toMatchObject({ number: 1, state: 'closed' });
      expect(text).toMatch(/"fp":"rsfp-[0-9a-f]{16}","rollout":"demo\/shop","signals":\["journey:checkout/);
      expect(text).toMatch(/synthetic journey `checkout.*` passes against the canary/);
      // Its evidence: the failing run's trace (replay command) and screenshot.
      expect(text).toMatch(/npx playwright show-trace \S+trace\.zip/);
      expect(text).toMatch(/# screenshot of the failure: \S+\.png/);
      expect(text).toContain("TypeError: Cannot read properties of undefined (reading 'rate')");
      expect(text).toContain('**Fixed:** a later canary of `demo/shop` was promoted');
      // It links the verdict report page (report.pageUrl: the demo publishes it as a local file).
      expect(text).toContain(`- [verdict report page](file://${join(run, 'analysis-1-v2.html')})`);

      // Report pages and the failing run's evidence.
      expect(readFileSync(join(run, 'analysis-1-v2.html'), 'utf8')).toContain('<h1>ROLLBACK</h1>');
      expect(readFileSync(join(run, 'analysis-2-v3.html'), 'utf8')).toContain('<h1>PROMOTE</h1>');
      const failure = first.journeys[0]?.failures[0];
      expect(existsSync(failure?.screenshot ?? '')).toBe(true);
      expect(existsSync(failure?.trace ?? '')).toBe(true);

      expect(processesMentioning(run)).toEqual([]);
    },
  );

  it(
    'run twice in the same folder: a fresh run folder and processes, and a new issue (the first one is closed)',
    { timeout: 240_000 },
    async () => {
      const r = await demo(out);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const [firstRun, secondRun] = runs(out) as [string, string];
      expect(secondRun).not.toBe(firstRun);
      const first = json(join(secondRun, 'analysis-1-v2.json'));
      // Dedupe looks for an *open* issue with the fingerprint; the first run closed #1, so this failure is new again.
      expect(first.report?.outboxFile).toMatch(/issue-0002\.md$/);
      expect(header(join(out, 'outbox', 'issue-0001.md'))).toMatchObject({ number: 1, state: 'closed' });
      expect(header(join(out, 'outbox', 'issue-0002.md'))).toMatchObject({ number: 2, state: 'closed' });
      expect(processesMentioning(secondRun)).toEqual([]);
    },
  );

  // A terminal's Ctrl-C signals the whole foreground process group (the demo, its pods, the proxy and its Chromium
  // at once); `kill -INT <pid>` signals the demo alone. Both must end the same way.
  it.each([
    { stage: 'while the pods and the proxy start', after: 'rollout-sentinel demo', to: 'group' },
    {
      stage: 'during the first analysis (journeys in Chromium)',
      after: '✓ shoppers on stable and canary',
      to: 'group',
    },
    { stage: 'after the issue was filed', after: '✓ canary analysis v2 vs v1', to: 'group' },
    { stage: 'during the second analysis', after: '✓ ship the fix', to: 'group' },
    {
      stage: 'during the first analysis (journeys in Chromium)',
      after: '✓ shoppers on stable and canary',
      to: 'process',
    },
  ] as const)(
    'Ctrl-C $stage, sent to the $to: exit 130, every process stopped, the outbox intact',
    { timeout: 180_000 },
    async ({ after, to }) => {
      const dir = mkdtempSync(join(root, 'sigint-'));
      // In a process group of its own, as a shell runs a foreground job.
      const p = runDemo(dir, FAST, { detached: true });
      const pgid = p.child.pid as number;
      await new Promise<void>((res, rej) => {
        const poll = setInterval(() => {
          if (p.output().includes(after)) res();
          else if (p.child.exitCode !== null) rej(new Error(`demo exited before "${after}": ${p.output()}`));
          else return;
          clearInterval(poll);
        }, 50);
      });
      if (to === 'group') process.kill(-pgid, 'SIGINT');
      else p.child.kill('SIGINT');
      const r = await p;
      expect(r.code, r.stdout + r.stderr).toBe(130);
      expect(r.stderr).toContain('every process of the demo has exited');
      expect(r.stderr).not.toMatch(/Error:|Unhandled|EPIPE/);
      const [run] = runs(dir) as [string];
      expect(processesMentioning(run)).toEqual([]);
      expect(processGroupMembers(pgid)).toEqual([]);
      const outbox = join(dir, 'outbox');
      for (const f of existsSync(outbox) ? readdirSync(outbox) : []) {
        expect(header(join(outbox, f)).number).toBeGreaterThan(0);
        expect(readFileSync(join(outbox, f), 'utf8')).toMatch(/rollout-sentinel:marker \{.*\} -->/);
      }
    },
  );

  it('says how to install Chromium when there is none, before starting anything', () => {
    const dir = mkdtempSync(join(root, 'nochromium-'));
    const r = spawnSync(process.execPath, [BIN, 'demo', '--out', dir], {
      encoding: 'utf8',
      env: { ...process.env, SENTINEL_CHROMIUM_PATH: join(dir, 'no-such-chromium') },
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('no-such-chromium is not an executable file');
    expect(r.stderr).toContain('sudo apt-get install -y chromium-headless-shell');
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it.each([
    { args: ['--replicas', '9'], env: {}, says: /SENTINEL_DEMO_REPLICAS \(--replicas\) = "9"/ },
    { args: ['--llm', 'gemini'], env: { GEMINI_API_KEY: '' }, says: /--llm gemini needs GEMINI_API_KEY/ },
    { args: ['--github', 'acme/shop'], env: {}, says: /--github owner\/repo needs GITHUB_TOKEN/ },
    { args: ['--github', 'not a repo'], env: {}, says: /expected owner\/name/ },
  ])('refuses $args with exit 3 and says what is wrong', ({ args, env, says }) => {
    const r = spawnSync(process.execPath, [BIN, 'demo', ...args], {
      encoding: 'utf8',
      env: { ...process.env, GITHUB_TOKEN: '', ...env },
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(says);
  });
});
