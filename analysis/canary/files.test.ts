/**
 * `sentinel canary` without a cluster: logs from files (`logs.files`, the judge's file inputs) plus journeys against
 * two URLs, through the one analysis function every entry point calls.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError } from '../errors.ts';
import { usesCluster } from './prepare.ts';
import { runCanaryAnalysis } from './run.ts';
import { HttpJourneyRunner } from './testing/httpJourneyRunner.ts';
import { CanaryAnalysisSchema, type CanaryAnalysisInput } from './types.ts';

const BIN = resolve(import.meta.dirname, '../../bin/sentinel.js');
const CORPUS = resolve(import.meta.dirname, '../eval/corpus');
const dir = mkdtempSync(join(tmpdir(), 'canary-files-'));
const logs = (name: string) => ({
  stable: [join(CORPUS, name, 'stable.log.gz')],
  canary: [join(CORPUS, name, 'canary.log.gz')],
});
const base = (files: ReturnType<typeof logs>): CanaryAnalysisInput => ({
  rollout: 'shop',
  namespace: 'ci',
  canary: { podTemplateHash: 'v2' },
  stable: { podTemplateHash: 'v1' },
  logs: { files },
  report: { outbox: { dir: join(dir, 'outbox') }, stateDir: join(dir, 'state') },
});

let stableApp: Server;
let canaryApp: Server;
let proxy: TcpServer;
const url = (s: Server | TcpServer, scheme = 'http'): string =>
  `${scheme}://127.0.0.1:${(s.address() as { port: number }).port}`;
const listen = <S extends Server | TcpServer>(s: S): Promise<S> =>
  new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));

beforeAll(async () => {
  stableApp = await listen(createServer((_q, res) => res.writeHead(200).end('ok')));
  canaryApp = await listen(
    createServer((req, res) => res.writeHead(req.url === '/checkout' ? 500 : 200).end('ok')),
  );
  proxy = await listen(createTcpServer((s) => s.end()));
});
afterAll(() => {
  stableApp.close();
  canaryApp.close();
  proxy.close();
});

describe('the canary analysis on log files (no cluster)', () => {
  it.each([
    ['healthy--cart-800', 'promote'],
    ['java-npe--cart-800', 'rollback'],
  ])('%s → %s, with no Kubernetes connection at all', async (name, verdict) => {
    const a = CanaryAnalysisSchema.parse(base(logs(name)));
    expect(usesCluster(a)).toBe(false);
    const v = await runCanaryAnalysis(a, {}, { signal: AbortSignal.timeout(120_000) });
    expect(v.verdict).toBe(verdict);
    expect(v.evidence.lines.canary).toBeGreaterThan(100);
    expect(v.infrastructure).toBe(false);
  });

  it('plus journeys against two URLs: a failing canary journey rolls back even when the logs look healthy', async () => {
    const a = CanaryAnalysisSchema.parse({
      ...base(logs('healthy--cart-800')),
      canary: { podTemplateHash: 'v2', url: url(canaryApp) },
      stable: { podTemplateHash: 'v1', url: url(stableApp) },
      journeys: {
        inline: JSON.stringify({
          journeys: [{ name: 'checkout', steps: [{ name: 'pay', path: '/checkout', status: 200 }] }],
        }),
        proxy: url(proxy, 'ws'),
        repeat: 5,
      },
    });
    const v = await runCanaryAnalysis(
      a,
      { journeyRunner: new HttpJourneyRunner() },
      { signal: AbortSignal.timeout(120_000) },
    );
    expect(v.verdict).toBe('rollback');
    expect(v.journeys).toMatchObject([{ name: 'checkout', passRate: { stable: 1, canary: 0 } }]);
  });

  it('a file that cannot be read is a configuration error naming the field, not a verdict', async () => {
    const a = CanaryAnalysisSchema.parse(
      base({ stable: logs('healthy--cart-800').stable, canary: [join(dir, 'missing.log')] }),
    );
    await expect(runCanaryAnalysis(a, {}, { signal: AbortSignal.timeout(30_000) })).rejects.toThrow(
      AnalysisError,
    );
    await expect(runCanaryAnalysis(a, {}, { signal: AbortSignal.timeout(30_000) })).rejects.toThrow(
      /logs\.files\.canary: cannot read .*missing\.log \(ENOENT\)/,
    );
  });

  it('still needs the cluster when anything is read from it', () => {
    const files = logs('healthy--cart-800');
    const withSecret = CanaryAnalysisSchema.parse({
      ...base(files),
      llm: { provider: 'gemini', apiKeySecret: { name: 'gemini', key: 'api-key' } },
    });
    expect(usesCluster(withSecret)).toBe(true);
    const withoutFiles = CanaryAnalysisSchema.parse({ ...base(files), logs: {} });
    expect(usesCluster(withoutFiles)).toBe(true);
  });
});

describe('sentinel canary --config with logs.files (a pipeline step, no kubeconfig)', () => {
  function canary(config: CanaryAnalysisInput, file: string) {
    writeFileSync(join(dir, file), JSON.stringify(config));
    return spawnSync(process.execPath, [BIN, 'canary', '--config', join(dir, file), '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
      // No KUBECONFIG and a HOME without ~/.kube: nothing to connect to.
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });
  }

  it('a broken canary exits 1 with the rollback verdict and files the issue in the outbox', () => {
    const config = {
      ...base(logs('java-npe--cart-800')),
      report: { outbox: { dir: join(dir, 'cli-outbox') } },
    };
    const r = canary(config, 'broken.json');
    expect(r.status, r.stderr).toBe(1);
    const v = JSON.parse(r.stdout) as { verdict: string; report?: { action: string } };
    expect(v.verdict).toBe('rollback');
    expect(v.report?.action).toBe('filed');
  });

  it('an unreadable file exits 3 naming it', () => {
    const r = canary(base({ stable: [join(dir, 'nope.log')], canary: [join(dir, 'nope.log')] }), 'bad.json');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/LogInputUnreadable: logs\.files\.stable: cannot read .*nope\.log/);
  });
});
