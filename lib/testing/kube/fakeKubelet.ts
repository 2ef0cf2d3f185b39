/**
 * @module lib/testing/kube/fakeKubelet — the kubelet's part of `pods/log` for the kube-apiserver fixture: the API
 * server proxies `GET …/pods/{pod}/log` to the node's kubelet (`/containerLogs/{ns}/{pod}/{container}`), which cannot
 * run here, so a local HTTPS server answers it from an in-memory store. Also registers the node and creates pods of a
 * Rollout's ReplicaSet (labelled with its pod-template hash) with the status a test asks for.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig, type V1ContainerStatus } from '@kubernetes/client-node';
import { selfSignedCert } from '../tls.ts';

/** A container's log: text, or a function producing it per request (large logs are generated, not stored). */
export type LogText = string | (() => string);

export interface FakeKubelet {
  readonly port: number;
  /** `namespace/pod/container` (`/previous` appended for the previous container) → log. */
  readonly logs: Map<string, LogText>;
  /** Every request the API server proxied to us. */
  readonly requests: URL[];
  /** Requests in flight (a test checks that an aborted analysis leaves none). */
  readonly inFlight: number;
  close(): Promise<void>;
}

/** Starts the kubelet stand-in on a free loopback port. */
export async function startFakeKubelet(): Promise<FakeKubelet> {
  const logs = new Map<string, LogText>();
  const requests: URL[] = [];
  let inFlight = 0;
  const server: Server = createServer(selfSignedCert(), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    requests.push(url);
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const key = m
      ? `${m[1]}/${m[2]}/${m[3]}${url.searchParams.get('previous') === 'true' ? '/previous' : ''}`
      : '';
    const log = logs.get(key);
    if (log === undefined) {
      res.writeHead(404).end(`no log for ${key}`);
      return;
    }
    inFlight++;
    res.on('close', () => inFlight--);
    let text = typeof log === 'function' ? log() : log;
    const limit = Number(url.searchParams.get('limitBytes') ?? 0);
    if (limit > 0 && Buffer.byteLength(text) > limit)
      text = Buffer.from(text).subarray(0, limit).toString('utf8');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    logs,
    requests,
    get inFlight() {
      return inFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Registers `node` with the kubelet stand-in as its kubelet endpoint (start the fixture with
 * `--kubelet-preferred-address-types=InternalIP`). */
export async function registerNode(kc: KubeConfig, node: string, kubeletPort: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNode({ body: { metadata: { name: node } } });
  const current = await core.readNode({ name: node });
  await core.replaceNodeStatus({
    name: node,
    body: {
      ...current,
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      },
    },
  });
}

export interface RolloutPodsOptions {
  namespace: string;
  /** Pod name prefix; pods are `<prefix>-0 …`. */
  prefix: string;
  /** The `rollouts-pod-template-hash` label. */
  hash: string;
  count: number;
  node: string;
  image?: string;
  /** Containers besides `app` (e.g. an `istio-proxy` sidecar). */
  sidecars?: string[];
  ready?: boolean;
  /** Extra status of the `app` container (restarts, waiting reason …). */
  app?: Partial<V1ContainerStatus>;
}

/** Creates the pods of one ReplicaSet and sets their status. Returns the pod names. */
export async function createRolloutPods(kc: KubeConfig, o: RolloutPodsOptions): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const image = o.image ?? 'shop:1';
  const names: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const name = `${o.prefix}-${i}`;
    names.push(name);
    await core.createNamespacedPod({
      namespace: o.namespace,
      body: {
        metadata: { name, labels: { app: 'shop', 'rollouts-pod-template-hash': o.hash } },
        spec: {
          nodeName: o.node,
          containers: [
            { name: 'app', image },
            ...(o.sidecars ?? []).map((s) => ({ name: s, image: 'sidecar:1' })),
          ],
        },
      },
    });
    const pod = await core.readNamespacedPod({ namespace: o.namespace, name });
    const ready = o.ready ?? true;
    await core.replaceNamespacedPodStatus({
      namespace: o.namespace,
      name,
      body: {
        ...pod,
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
          containerStatuses: [
            {
              name: 'app',
              image,
              imageID: `docker.io/library/${image}@sha256:${'ab'.repeat(32)}`,
              ready,
              restartCount: 0,
              state: { running: {} },
              ...o.app,
            },
            ...(o.sidecars ?? []).map((s) => ({
              name: s,
              image: 'sidecar:1',
              imageID: '',
              ready: true,
              restartCount: 0,
              state: { running: {} },
            })),
          ],
        },
      },
    });
  }
  return names;
}
