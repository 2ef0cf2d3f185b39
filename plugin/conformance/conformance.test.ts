/**
 * Conformance against the real thing: Argo Rollouts v1.10.2's plugin client (go-plugin, net/rpc, gob, yamux) and its
 * analysis controller, reconciling AnalysisRuns against fake clientsets, load the bundled plugin from the
 * argo-rollouts-config ConfigMap exactly as the controller does (see main.go).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analysisRunFromGob, metricFromGob } from '../goplugin/argoCodec.ts';
import { GobDecoder } from '../goplugin/gob/decoder.ts';
import type { InterfaceValue } from '../goplugin/gob/types.ts';
import { buildHost, buildPlugin, REPO, runHost } from '../testing/conformanceHost.ts';

const execFileAsync = promisify(execFile);

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let report: J;
let host: string;

beforeAll(async () => {
  let plugin: string;
  [plugin, host] = await Promise.all([buildPlugin(), buildHost()]);
  report = (await runHost(host, [
    '-plugin',
    plugin,
    '-mode',
    'conformance',
    '-configmap',
    join(REPO, 'deploy/plugin/argo-rollouts-config.yaml'),
  ])) as J;
}, 30 * 60_000);

describe('Argo analysis controller reconciling AnalysisRuns with the plugin', () => {
  it("was installed from deploy/plugin/argo-rollouts-config.yaml by Argo's config loader and downloader", () => {
    expect(report.configMap).toMatch(/deploy\/plugin\/argo-rollouts-config\.yaml$/);
  });

  it('every AnalysisRun completes before the 90 s deadline (else: its last state and the plugin log)', () => {
    const late = Object.entries(report.controller as J)
      .filter(([, r]) => r.timeout)
      .map(([name, r]) => `${name}: ${JSON.stringify(r)}`);
    const log = (report.pluginLog as string[]).slice(-20).join('\n');
    expect(late, `${late.join('\n')}\nplugin log (last 20 lines):\n${log}`).toEqual([]);
  });

  it('a healthy target: Run→Running+ResumeAt→Resume, two Successful measurements with values and metadata', () => {
    const r = report.controller['probe-ok'];
    expect(r.phase).toBe('Successful');
    expect(r.sawRunningWithResumeAt).toBe(true);
    const mr = r.metricResults[0];
    expect(mr).toMatchObject({ phase: 'Successful', count: 2, successful: 2 });
    expect(mr.metadata).toMatchObject({ kind: 'httpProbe', method: 'GET' });
    for (const m of mr.measurements) {
      expect(m.phase).toBe('Successful');
      expect(JSON.parse(m.value)).toMatchObject({
        status: 200,
        ok: true,
        body: { healthy: true, version: 'v2' },
      });
      expect(m.metadata).toMatchObject({ status: '200', kind: 'httpProbe' });
      expect(Number(m.metadata.latencyMs)).toBeGreaterThan(0);
    }
  });

  it('a failing target: the successCondition evaluated by the plugin fails the run', () => {
    const r = report.controller['probe-fail'];
    expect(r.phase).toBe('Failed');
    expect(r.metricResults[0].measurements[0]).toMatchObject({ phase: 'Failed' });
    expect(JSON.parse(r.metricResults[0].measurements[0].value).status).toBe(503);
  });

  it('an invalid plugin block: an Error measurement naming the field and the fix', () => {
    const r = report.controller['bad-config'];
    expect(r.phase).toBe('Error');
    expect(r.metricResults[0].measurements[0].message).toMatch(
      /PluginConfigInvalid.*url: is required.*Hint:/,
    );
    expect(r.metricResults[0].metadata.error).toMatch(/url: is required/);
  });

  it('an unparseable condition: an Error measurement with the column', () => {
    const r = report.controller['bad-condition'];
    expect(r.phase).toBe('Error');
    expect(r.metricResults[0].measurements[0].message).toMatch(/ConditionSyntax.*at column 17/);
  });

  it('past measurement retention (count 14 > 10): GarbageCollect loses no running measurement', () => {
    const r = report.controller.retention;
    const mr = r.metricResults[0];
    expect(mr).toMatchObject({ count: 14, successful: 14 });
    expect(mr.error ?? 0).toBe(0);
    expect(r.phase).toBe('Successful');
    expect(mr.measurements).toHaveLength(10);
    expect(JSON.stringify(mr.measurements)).not.toMatch(/MeasurementNotFound/);
  });

  it('terminate: the running check is aborted and the measurement ends "Metric Terminated"', () => {
    const r = report.controller.terminate;
    expect(r.sawRunningWithResumeAt).toBe(true);
    expect(r.metricResults[0].measurements[0]).toMatchObject({
      phase: 'Inconclusive',
      message: 'Metric Terminated',
    });
  });
});

describe("Argo's plugin client calling the plugin directly", () => {
  it('Type and GetMetadata', () => {
    expect(report.client.type).toBe('RPCPlugin');
    expect(report.client.metadata).toMatchObject({ kind: 'httpProbe', method: 'GET' });
    expect(report.client.badConfigMetadata.error).toMatch(/timeout: expected a duration/);
  });

  it('Run returns Running with ResumeAt; Resume (respecting ResumeAt) returns the result', () => {
    expect(report.client.runReply).toMatchObject({ phase: 'Running', hasResumeAt: true, resumeAfterMs: 100 });
    expect(report.client.resumes).toBeGreaterThanOrEqual(2);
    expect(report.client.resumed.phase).toBe('Successful');
    expect(JSON.parse(report.client.resumed.value).body).toEqual({ healthy: true, sleptMs: 300 });
  });

  it('Resume of an unknown measurement, Terminate, Resume after Terminate, GarbageCollect', () => {
    expect(report.client.unknownResume).toMatchObject({ phase: 'Error' });
    expect(report.client.unknownResume.message).toMatch(/MeasurementNotFound.*no-such-check/);
    expect(report.client.terminate.phase).toBe('Inconclusive');
    expect(report.client.resumeAfterTerminate.message).toMatch(/MeasurementNotFound/);
    expect(report.client.garbageCollect).toBe('ok');
  });

  it('bad condition and bad config via the client: errors name the column and every bad field', () => {
    expect(report.client.badCondition.message).toMatch(/column 18: unexpected "=="/);
    expect(report.client.badConfig.message).toMatch(
      /url: expected an absolute.*timeout: expected a duration/,
    );
  });

  it('64 concurrent Runs with 64 KiB arguments each (4 MiB through 256 KiB windows) all get their own result', () => {
    expect(report.client.concurrent).toMatchObject({ runs: 64, argBytesEach: 65536, problems: null });
  });

  it('a plugin killed mid-run is restarted by the client; the orphaned measurement errors, new runs work', () => {
    const k = report.client.killed;
    expect(k.restartError).toBeUndefined();
    expect(k.pidsAfter).toHaveLength(1);
    expect(k.pidsAfter[0]).not.toBe(k.pidsBefore[0]);
    expect(k.resumeOnNewProcess.message).toMatch(/MeasurementNotFound/);
    expect(k.runAfterRestart.phase).toBe('Successful');
  });

  it('Control.Quit on controller shutdown: the plugin exits cleanly, long before the 2 s SIGKILL', () => {
    expect(report.quit.stillAlive).toBe(0);
    expect(report.quit.cleanupMs).toBeLessThan(1500);
    const log: string[] = report.pluginLog;
    expect(log.some((l) => /\[INFO\] +plugin\.canary: plugin stopping: reason=quit/.test(l))).toBe(true);
  });

  it('stderr JSON lines are re-logged by the controller at their hclog level', () => {
    const log: string[] = report.pluginLog;
    expect(log.some((l) => /\[INFO\] +plugin\.canary: plugin serving:/.test(l))).toBe(true);
  });
});

describe('gob decoder on a first Plugin.Run encoded by Go from the real v1alpha1 + k8s v0.34 types', () => {
  it('decodes ~220 type definitions (the whole JobSpec → PodSpec tree) and the RunArgs value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-capture-'));
    try {
      const file = join(dir, 'first-run.gob');
      await execFileAsync(host, ['-mode', 'capture', '-out', file]);
      const d = new GobDecoder();
      d.push(readFileSync(file));
      const header = d.next()?.value as J;
      const body = d.next()?.value as InterfaceValue;
      expect(header).toEqual({ ServiceMethod: 'Plugin.Run' });
      expect(d.typeCount).toBeGreaterThan(200);
      const names = new Set(Array.from({ length: 400 }, (_, i) => d.wireType(i)?.name).filter(Boolean));
      for (const n of ['PodSpec', 'Container', 'JobSpec', 'AnalysisRun', 'Measurement', 'Time'])
        expect(names).toContain(n);
      expect(body.name).toBe('RunArgs');
      const run = analysisRunFromGob((body.value as J).AnalysisRun);
      expect(run).toMatchObject({ name: 'bench', namespace: 'default', uid: 'uid-bench' });
      expect(run.ownerReferences).toEqual([{ kind: 'Rollout', name: 'checkout', uid: 'uid-rollout' }]);
      const metric = metricFromGob((body.value as J).Metric);
      expect(JSON.parse(Buffer.from(metric.plugin['rollout-sentinel/canary']!).toString())).toMatchObject({
        kind: 'httpProbe',
      });
      // The second, identical call carries no definitions and decodes on the same stream.
      expect(d.next()?.value).toEqual({ ServiceMethod: 'Plugin.Run', Seq: 1 });
      expect((d.next()?.value as InterfaceValue).name).toBe('RunArgs');
      expect(d.buffered).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
