/**
 * KubernetesLogCollector against a real kube-apiserver (lib/testing/kube fixture, built from Go modules) and a fake
 * kubelet: `pods/log` is proxied by the API server to the node's kubelet, which cannot run here, so a local HTTPS
 * server answers the kubelet's `/containerLogs/{ns}/{pod}/{container}` endpoint. Everything else — pod lists by
 * label selector, pod status, events by field selector, the log proxying itself — is the real API server.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeFixture, type KubeFixture } from '../../lib/testing/kube/kubeFixture.ts';
import { selfSignedCert } from '../../lib/testing/tls.ts';
import { analyze, collectRequest } from '../index.ts';
import { KubernetesLogCollector, podTemplateHashSelector } from './kubernetesLogs.ts';

const NS = 'shop';
let fx: KubeFixture;
let kc: KubeConfig;
let kubelet: Server;
const kubeletRequests: URL[] = [];
/** Fake kubelet log store: `pod/container[/previous]` → text. */
const LOGS = new Map<string, string>([
  ['stable-1/app', 'INFO ok 1\nINFO ok 2\n'],
  ['canary-1/app', 'INFO ok 3\npanic: boom\ngoroutine 1 [running]:\n'],
  ['canary-1/app/previous', 'INFO started\nfatal error: out of memory\n'],
  ['canary-1/istio-proxy', 'envoy noise that must not be read\n'],
]);

beforeAll(async () => {
  kubelet = createServer(selfSignedCert(), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    kubeletRequests.push(url);
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const key = m ? `${m[2]}/${m[3]}${url.searchParams.get('previous') === 'true' ? '/previous' : ''}` : '';
    const text = LOGS.get(key);
    if (text === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  fx = await startKubeFixture({ extraArgs: ['--kubelet-preferred-address-types=InternalIP'] });
  kc = fx.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNode({ body: { metadata: { name: 'node-1' } } });
  const node = await core.readNode({ name: 'node-1' });
  await core.replaceNodeStatus({
    name: 'node-1',
    body: {
      ...node,
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } },
      },
    },
  });
  const pod = (name: string, hash: string) => ({
    metadata: { name, labels: { app: 'shop', 'rollouts-pod-template-hash': hash } },
    spec: {
      nodeName: 'node-1',
      containers: [
        { name: 'app', image: 'shop:1' },
        { name: 'istio-proxy', image: 'proxy:1' },
      ],
    },
  });
  await core.createNamespacedPod({ namespace: NS, body: pod('stable-1', 'aaa') });
  await core.createNamespacedPod({ namespace: NS, body: pod('canary-1', 'bbb') });
  const canary = await core.readNamespacedPod({ namespace: NS, name: 'canary-1' });
  await core.replaceNamespacedPodStatus({
    namespace: NS,
    name: 'canary-1',
    body: {
      ...canary,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'app',
            image: 'shop:1',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
          {
            name: 'istio-proxy',
            image: 'proxy:1',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { running: {} },
          },
        ],
      },
    },
  });
  await core.createNamespacedEvent({
    namespace: NS,
    body: {
      metadata: { name: 'canary-1.backoff' },
      involvedObject: { kind: 'Pod', name: 'canary-1', namespace: NS },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      type: 'Warning',
      count: 7,
    },
  });
}, 180_000);

afterAll(async () => {
  await fx?.stop();
  kubelet?.close();
});

function collector(extra: { since?: Date } = {}): KubernetesLogCollector {
  return new KubernetesLogCollector({
    kubeConfig: kc,
    namespace: NS,
    selectors: { stable: podTemplateHashSelector('aaa'), canary: podTemplateHashSelector('bbb') },
    limitBytes: 4096,
    ...extra,
  });
}

describe('KubernetesLogCollector (real kube-apiserver, fake kubelet)', () => {
  it('reads each side by pod-template hash, skipping sidecars', async () => {
    const stable = await collector().collect('stable', {});
    expect(stable.sources.map((s) => s.name)).toEqual(['stable-1/app']);
    expect([...(stable.sources[0]?.lines as string[])]).toEqual(['INFO ok 1', 'INFO ok 2']);
    expect(stable.pods[0]).toMatchObject({ pod: 'stable-1', side: 'stable', restarts: 0 });
  });

  it('reads the previous container log of a restarted container, and pod status and events as evidence', async () => {
    const canary = await collector().collect('canary', {});
    expect(canary.sources.map((s) => s.name).sort()).toEqual(['canary-1/app', 'canary-1/app (previous)']);
    const prev = canary.sources.find((s) => s.name.endsWith('(previous)'));
    expect([...(prev?.lines as string[])]).toContain('fatal error: out of memory');
    expect(canary.pods[0]).toMatchObject({ pod: 'canary-1', ready: false, restarts: 3 });
    expect(canary.pods[0]?.reasons).toEqual(expect.arrayContaining(['CrashLoopBackOff', 'OOMKilled']));
    expect(canary.pods[0]?.events).toEqual([
      { reason: 'BackOff', message: 'Back-off restarting failed container app', count: 7 },
    ]);
    expect(kubeletRequests.some((u) => u.pathname.endsWith('/istio-proxy'))).toBe(false);
  });

  it('passes the byte limit and the analysis window to the kubelet', async () => {
    kubeletRequests.length = 0;
    await collector({ since: new Date(Date.now() - 90_000) }).collect('stable', {});
    const q = kubeletRequests[0]?.searchParams;
    expect(q?.get('limitBytes')).toBe('4096');
    expect(Number(q?.get('sinceSeconds'))).toBeGreaterThanOrEqual(90);
  });

  it('end to end through the public surface: collect both sides, analyze, roll back on the crash-looping canary', async () => {
    const { request, warnings } = await collectRequest(collector(), { signal: AbortSignal.timeout(30_000) });
    expect(warnings).toEqual([]);
    const r = await analyze(request);
    expect(r.verdict).toBe('rollback');
    expect(r.reasons[0]).toMatchObject({ kind: 'critical', veto: true });
    expect(r.reasons[0]?.summary).toMatch(/canary-1.*(CrashLoopBackOff|OOMKilled)/);
  });

  it('a missing log becomes a warning, not a failure', async () => {
    LOGS.delete('stable-1/app');
    const stable = await collector().collect('stable', {});
    expect(stable.sources).toEqual([]);
    expect(stable.warnings[0]).toMatch(/stable-1\/app/);
  });
});
