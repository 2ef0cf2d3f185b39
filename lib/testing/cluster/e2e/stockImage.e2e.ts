/**
 * The plugin on the STOCK controller image (deploy/plugin/stock-image): the real rollouts-controller runs in a chroot
 * holding only its static binary, the static plugin shim, a kubeconfig and empty folders — no /lib, no /usr, no
 * shell, no Node — as UID 999; `sentinel plugin --serve` runs beside it (the sidecar) on the socket the shim names.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPluginBundle, startCluster, type Cluster } from '../cluster.ts';
import { analysisRun, Argo, messages, probeMetric, running, runPastRetention, until } from './helpers.ts';

const exec = promisify(execFile);
const NS = 'stock';
let cluster: Cluster;
let argo: Argo;
let target: Server;
let targetUrl: string;

beforeAll(async () => {
  if (process.getuid?.() !== 0) return;
  target = createServer((req, res) => {
    if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('{"healthy":true}'), 3000);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"healthy":true}');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  cluster = await startCluster({ route: 'stock-image', pluginPath: await buildPluginBundle() });
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  argo = new Argo(cluster.kc, NS);
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.close();
  target?.closeAllConnections();
  target?.close();
});

// chroot(2) and running the controller as UID 999 need root; elsewhere the whole file is skipped (said in its name).
const ROOT = process.getuid?.() === 0;

describe.runIf(ROOT)('the plugin on the stock controller image (static shim + sidecar; needs root)', () => {
  it('the root filesystem holds only the static controller, the static shim, a kubeconfig and empty folders', async () => {
    const { stdout } = await exec('find', [
      cluster.root!,
      '-mindepth',
      '1',
      '-not',
      '-type',
      'd',
      '-printf',
      '/%P\n',
    ]);
    const files = stdout.trim().split('\n').sort();
    // plugin-bin/ is the controller's own copy of the shim (Argo copies the file:// location there at start).
    expect(files.filter((f) => !f.startsWith('/plugin-bin/'))).toEqual([
      '/bin/rollouts-controller',
      '/opt/rollout-sentinel/bin/sentinel-plugin-shim',
      '/var/run/kubeconfig',
    ]);
    for (const f of ['/bin/rollouts-controller', '/opt/rollout-sentinel/bin/sentinel-plugin-shim']) {
      const { stdout: kind } = await exec('file', ['-b', `${cluster.root!}${f}`]).catch(() => ({
        stdout: '',
      }));
      if (kind) expect(kind).toMatch(/statically linked/);
    }
  });

  it('the sidecar not yet ready when the controller starts the plugin: the shim waits, the run succeeds', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('late-sidecar', [probeMetric('health', `${targetUrl}/ok`, { count: 2, interval: '1s' })]),
    );
    // The controller has started the shim (it is waiting for the socket) before the sidecar exists.
    await until(
      'the controller to start the shim',
      async () => ((await cluster.pluginPids()).length > 0 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    await cluster.startSidecar();
    const ar = await argo.analysisRunDone('late-sidecar', 120_000);
    expect(messages(ar)).toEqual([]);
    expect(ar.status.phase).toBe('Successful');
    expect(ar.status.metricResults[0]).toMatchObject({ count: 2, successful: 2 });
  }, 180_000);

  it('past measurement retention (count 14 > 10) through the sidecar: no MeasurementNotFound', async () => {
    const ar = await runPastRetention(argo, 'retention', `${targetUrl}/ok`);
    expect(messages(ar).filter((m) => /MeasurementNotFound/.test(m))).toEqual([]);
    expect(ar.status.metricResults[0]).toMatchObject({ count: 14, successful: 14 });
  }, 150_000);

  it('the controller restarted mid-measurement: the sidecar kept the check (no MeasurementNotFound)', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('restart', [
        probeMetric('health', `${targetUrl}/slow`, { count: 3, interval: '1s' }, { resumeAfter: '1s' }),
      ]),
    );
    await argo.metricUntil('restart', 'a Running measurement', running);
    await cluster.restartController();
    const ar = await argo.analysisRunDone('restart', 120_000);
    expect(ar.status.phase).toBe('Successful');
    expect(ar.status.metricResults[0]).toMatchObject({ count: 3, successful: 3 });
    // Known issue (deploy/README.md): the restarted controller's first Ping of the sidecar may fail once ("could not
    // ping plugin … connection is shut down"); the controller retries at the next reconcile.
    expect(messages(ar).filter((m) => /MeasurementNotFound/.test(m))).toEqual([]);
    expect(ar.status.metricResults[0].error ?? 0).toBeLessThanOrEqual(1);
  }, 180_000);

  it('the sidecar restarted while a measurement runs: that measurement errors, the run goes on and succeeds', async () => {
    await argo.create(
      'analysisruns',
      analysisRun('sidecar-restart', [
        probeMetric('health', `${targetUrl}/slow`, { count: 3, interval: '1s' }, { resumeAfter: '1s' }),
      ]),
    );
    await argo.metricUntil('sidecar-restart', 'a Running measurement', running);
    await cluster.startSidecar(); // SIGKILL, then a fresh sidecar on the same socket
    const ar = await argo.analysisRunDone('sidecar-restart', 120_000);
    expect(ar.status.phase).toBe('Successful');
    expect(ar.status.metricResults[0]).toMatchObject({ count: 3, successful: 3 });
    expect(ar.status.metricResults[0].error ?? 0).toBeLessThanOrEqual(1);
  }, 180_000);
});
