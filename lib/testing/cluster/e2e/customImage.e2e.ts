/**
 * Bad input on the plugin install, through the real rollouts-controller v1.10.2:
 * - the custom-image route (deploy/plugin/custom-image: the ConfigMap names the static shim with
 *   `args: [--node-bundle, /opt/rollout-sentinel/sentinel-plugin.js]`) in a controller image WITHOUT Node — the
 *   controller runs chroot'ed as UID 999 in a root holding only its static binary, the shim, the bundle, a kubeconfig
 *   and empty folders: the AnalysisRun says that Node is missing and what to do (not go-plugin's "Unrecognized remote
 *   plugin message");
 * - a wrong sha256 in `argo-rollouts-config`: Argo v1.10.2 checks it only for http(s) locations — there the controller
 *   refuses to start ("Failed to download plugins: sha256 hash … does not match"); for file:// it is not read at all;
 * - the stock-image route's shim with no sidecar serving: the measurement says which socket it waited for and what to
 *   check.
 * Needs root (chroot, UID 999); skipped elsewhere.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARGO_NAMESPACE,
  buildPluginBundle,
  IMAGE_BUNDLE_PATH,
  pluginConfigMap,
  SHIM_PATH,
  startCluster,
  type Cluster,
} from '../cluster.ts';
import { analysisRun, Argo, probeMetric, until } from './helpers.ts';

const NS = 'custom';
const ROOT = process.getuid?.() === 0;
const WRONG_SHA = 'ab'.repeat(32);
let cluster: Cluster;
let core: CoreV1Api;
let argo: Argo;
let bundle: string;
let files: Server;
let filesUrl: string;

beforeAll(async () => {
  if (!ROOT) return;
  bundle = await buildPluginBundle();
  // An http server for the plugin, the way a release download is installed (`location: https://…`).
  files = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(bundle).pipe(res);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/sentinel-plugin.js`;
  cluster = await startCluster({
    route: 'custom-image',
    withoutNode: true,
    pluginPath: bundle,
    // The stock-image shim's wait for its sidecar (45 s by default), for the no-sidecar case.
    controllerEnv: { SENTINEL_PLUGIN_WAIT: '2s' },
  });
  core = cluster.kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  argo = new Argo(cluster.kc, NS);
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.close();
  files?.closeAllConnections();
  files?.close();
});

/** Replaces argo-rollouts-config and restarts the controller (it reads the plugins at start-up only). */
async function reinstall(location: string, sha: string, args: string[] = []): Promise<void> {
  await core.replaceNamespacedConfigMap({
    name: 'argo-rollouts-config',
    namespace: ARGO_NAMESPACE,
    body: pluginConfigMap(location, sha, args) as never,
  });
  await cluster.restartController();
}

/** A one-measurement run that ends at the first Error. */
const oneShot = (name: string) =>
  analysisRun(name, [probeMetric('health', 'http://127.0.0.1:1/', { count: 1, consecutiveErrorLimit: 0 })]);

describe.runIf(ROOT)('bad plugin installs through the real controller (needs root)', () => {
  it('custom-image route, Node missing from the controller image: the AnalysisRun names the cause and the fix', async () => {
    await argo.create('analysisruns', oneShot('no-node'));
    const ar = await argo.analysisRunDone('no-node', 120_000);
    expect(ar.status.phase).toBe('Error');
    const m = ar.status.metricResults[0].measurements[0];
    expect(m.phase).toBe('Error');
    // The controller's own wording around ours: "unable to start plugin system: unable to initialize plugin via rpc
    // (rollout-sentinel/canary): rollout-sentinel plugin: Node.js is not installed …".
    expect(m.message).toMatch(/Node\.js is not installed in the controller image/);
    expect(m.message).toMatch(/deploy\/plugin\/Dockerfile/); // what to do
    expect(m.message).toMatch(/deploy\/plugin\/stock-image/); // or the other route
    expect(m.message).not.toMatch(/Unrecognized remote plugin message/);
    expect(cluster.controller.log.join('\n')).not.toMatch(/Unrecognized remote plugin message/);
  }, 180_000);

  it('a wrong sha256 with a file:// location: Argo v1.10.2 does not check it, the plugin is started', async () => {
    await reinstall(`file://${SHIM_PATH}`, WRONG_SHA, ['--node-bundle', IMAGE_BUNDLE_PATH]);
    await argo.create('analysisruns', oneShot('file-wrong-sha'));
    const ar = await argo.analysisRunDone('file-wrong-sha', 120_000);
    // The shim answered (the Node-missing message): the controller copied and started it despite the digest.
    expect(ar.status.metricResults[0].measurements[0].message).toMatch(/Node\.js is not installed/);
    expect(cluster.controller.alive).toBe(true);
    expect(cluster.controller.log.join('\n')).not.toMatch(/does not match expected hash/);
  }, 180_000);

  it('stock-image route, no sidecar serving: the AnalysisRun names the socket and what to check', async () => {
    await reinstall(`file://${SHIM_PATH}`, WRONG_SHA);
    await argo.create('analysisruns', oneShot('no-sidecar'));
    const ar = await argo.analysisRunDone('no-sidecar', 120_000);
    expect(ar.status.phase).toBe('Error');
    const m = ar.status.metricResults[0].measurements[0];
    expect(m.message).toMatch(
      /the sentinel plugin sidecar is not serving on \/var\/run\/rollout-sentinel\/plugin\.sock after 2s/,
    );
    expect(m.message).toMatch(/rollout-sentinel-plugin container/); // what to check
    expect(m.message).not.toMatch(/Unrecognized remote plugin message|timeout while waiting for plugin/);
  }, 180_000);

  it('a wrong sha256 with an http(s) location: the controller refuses to start (it exits naming the plugin)', async () => {
    await reinstall(filesUrl, WRONG_SHA);
    const log = await until(
      'the controller to exit',
      async () => (cluster.controller.alive ? undefined : cluster.controller.log.join('\n')),
      { timeoutMs: 120_000 },
    );
    expect(log).toMatch(
      /Failed to download plugins: sha256 hash of downloaded plugin \(http:\/\/127\.0\.0\.1:\d+\/sentinel-plugin\.js\) does not match expected hash/,
    );
  }, 180_000);
});
