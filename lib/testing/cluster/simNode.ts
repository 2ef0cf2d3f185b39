/**
 * @module lib/testing/cluster/simNode — the simulated part of the one-machine cluster: one Node that plays the
 * scheduler (binds every unbound pod to itself), the kubelet (runs each container as a local process on the pod's own
 * 127.x address, reports the pod Running/Ready, stops it on delete, serves `/containerLogs` so that the real API
 * server's `pods/log` works) and kube-proxy (each Service port gets a loopback address that forwards to a Ready pod
 * its selector matches — read at connection time, so Argo's selector changes on canary/stable Services take effect).
 *
 * Everything it talks to is real: pods come from the real ReplicaSet controller, their status is written through the
 * API server's `pods/status`, readiness feeds the ReplicaSet controller's availability and so Argo's decisions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import {
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { selfSignedCert } from '../tls.ts';
import { startInformerLoop, type InformerLoop } from '../kube/informerLoop.ts';

/** How an image is played: the local command for one container of a pod. */
export interface ContainerProcess {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** What the image table gets to decide the process. */
export interface ContainerContext {
  pod: V1Pod;
  container: V1Container;
  /** The pod's own loopback address; the process must listen there (on its containerPorts). */
  podIP: string;
  /** The container's `env` values (literal `value`s only), plus POD_NAME, POD_NAMESPACE, POD_IP. */
  env: Record<string, string>;
}

/** image → process; undefined means the image is unknown (the container waits with ErrImagePull). */
export type ImageTable = (image: string, ctx: ContainerContext) => ContainerProcess | undefined;

export interface SimNodeOptions {
  kc: KubeConfig;
  images: ImageTable;
  name?: string;
  /** Readiness is polled at this period (default 200 ms: fast tests; kubelet's default is 10 s). */
  readinessPeriodMs?: number;
}

interface Running {
  key: string;
  podIP: string;
  procs: Map<string, ChildProcess>;
  logs: Map<string, string[]>;
  ready: boolean;
  stopping: boolean;
  timer?: NodeJS.Timeout;
}

/** Bytes of log kept per container (a kubelet rotates too). */
const MAX_LOG_LINES = 20_000;

const podKey = (p: { metadata?: { namespace?: string; name?: string } }) =>
  `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

export class SimNode {
  readonly name: string;
  readonly #opts: SimNodeOptions;
  readonly #core: CoreV1Api;
  readonly #pods = new Map<string, V1Pod>();
  readonly #running = new Map<string, Running>();
  readonly #services = new Map<string, { svc: V1Service; servers: Server[]; addr: string }>();
  #nextPodIP = 1;
  #nextSvcIP = 1;
  /**
   * This node's block of loopback addresses: pods on 127.<slot>.x.y, Services on 127.<128 + slot>.x.y. Random, so
   * that clusters of concurrent test runs on one machine (other worktrees, CI) do not bind each other's addresses.
   */
  readonly #slot = 1 + Math.floor(Math.random() * 120);
  #roundRobin = 0;
  #kubelet?: HttpsServer;
  #informers: InformerLoop[] = [];
  #closed = false;

  constructor(opts: SimNodeOptions) {
    this.#opts = opts;
    this.name = opts.name ?? 'sim-node';
    this.#core = opts.kc.makeApiClient(CoreV1Api);
  }

  /** Registers the Node (Ready, InternalIP 127.0.0.1, kubelet port = the log server) and starts watching. */
  async start(): Promise<void> {
    const tls = selfSignedCert();
    this.#kubelet = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const lines = m ? this.#running.get(`${m[1]}/${m[2]}`)?.logs.get(m[3] as string) : undefined;
      if (!lines) {
        res.writeHead(404).end('container not found on this node');
        return;
      }
      const tail = Number(url.searchParams.get('tailLines') ?? '');
      const out = Number.isInteger(tail) && tail > 0 ? lines.slice(-tail) : lines;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(out.map((l) => `${l}\n`).join(''));
    });
    await new Promise<void>((r) => this.#kubelet!.listen(0, '127.0.0.1', r));
    const port = (this.#kubelet.address() as AddressInfo).port;
    try {
      await this.#core.createNode({
        body: { metadata: { name: this.name, labels: { 'sim.rollout-sentinel/node': 'true' } } },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    const node = await this.#core.readNode({ name: this.name });
    const now = new Date();
    await this.#core.replaceNodeStatus({
      name: this.name,
      body: {
        ...node,
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: port } },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'SimulatedKubeletReady',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          capacity: { cpu: '64', memory: '256Gi', pods: '500' },
          allocatable: { cpu: '64', memory: '256Gi', pods: '500' },
        },
      },
    });
    this.#informers.push(
      startInformerLoop<V1Pod>(this.#opts.kc, '/api/v1/pods', () => this.#core.listPodForAllNamespaces(), {
        onUpsert: (p) => this.#onPod(p),
        onDelete: (p) => this.#onPodGone(p),
      }),
      startInformerLoop<V1Service>(
        this.#opts.kc,
        '/api/v1/services',
        () => this.#core.listServiceForAllNamespaces(),
        { onUpsert: (s) => void this.#onService(s), onDelete: (s) => this.#onServiceGone(s) },
      ),
    );
    await Promise.all(this.#informers.map((i) => i.synced));
  }

  /** `host:port` where the Service's port (by number or name; default the first) answers, like its ClusterIP would. */
  serviceAddress(namespace: string, name: string, port?: number | string): string {
    const s = this.#services.get(`${namespace}/${name}`);
    if (!s)
      throw new Error(`Service ${namespace}/${name} is not known to the simulated node (not created yet?)`);
    const ports = s.svc.spec?.ports ?? [];
    const p = port === undefined ? ports[0] : ports.find((x) => x.port === port || x.name === port);
    if (!p) throw new Error(`Service ${namespace}/${name} has no port ${String(port)}`);
    return `${s.addr}:${p.port}`;
  }

  /** The log lines a container of a pod has printed so far. */
  logs(namespace: string, pod: string, container: string): string[] {
    return [...(this.#running.get(`${namespace}/${pod}`)?.logs.get(container) ?? [])];
  }

  /** Pods this node runs now (namespace/name). */
  get runningPods(): string[] {
    return [...this.#running.keys()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#informers.map((i) => i.stop()));
    for (const r of this.#running.values()) this.#kill(r);
    this.#running.clear();
    for (const s of this.#services.values()) for (const srv of s.servers) srv.close();
    this.#kubelet?.close();
    this.#kubelet?.closeAllConnections();
  }

  #onPod(pod: V1Pod): void {
    if (this.#closed) return;
    const key = podKey(pod);
    this.#pods.set(key, pod);
    if (pod.metadata?.deletionTimestamp) {
      void this.#terminate(pod);
      return;
    }
    if (!pod.spec?.nodeName) {
      void this.#bind(pod);
      return;
    }
    if (
      pod.spec.nodeName === this.name &&
      !this.#running.has(key) &&
      !pod.status?.phase?.match(/Succeeded|Failed/)
    ) {
      void this.#startPod(pod).catch(() => undefined);
    }
  }

  #onPodGone(pod: V1Pod): void {
    const key = podKey(pod);
    this.#pods.delete(key);
    const r = this.#running.get(key);
    if (r) {
      this.#kill(r);
      this.#running.delete(key);
    }
  }

  async #bind(pod: V1Pod): Promise<void> {
    try {
      await this.#core.createNamespacedPodBinding({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: { metadata: { name: pod.metadata!.name! }, target: { kind: 'Node', name: this.name } },
      });
    } catch {
      // Already bound (a second event for the same pod) or gone: the next event tells.
    }
  }

  async #startPod(pod: V1Pod): Promise<void> {
    const key = podKey(pod);
    const n = this.#nextPodIP++;
    const podIP = `127.${this.#slot}.${Math.floor(n / 250) + 10}.${(n % 250) + 2}`;
    const r: Running = { key, podIP, procs: new Map(), logs: new Map(), ready: false, stopping: false };
    this.#running.set(key, r);
    const waiting: Record<string, { reason: string; message: string }> = {};
    for (const c of pod.spec?.containers ?? []) {
      const env: Record<string, string> = {
        POD_NAME: pod.metadata?.name ?? '',
        POD_NAMESPACE: pod.metadata?.namespace ?? '',
        POD_IP: podIP,
      };
      for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      const proc = this.#opts.images(c.image ?? '', { pod, container: c, podIP, env });
      const lines: string[] = [];
      r.logs.set(c.name, lines);
      if (!proc) {
        waiting[c.name] = {
          reason: 'ErrImagePull',
          message: `the simulated node has no process for image ${c.image}`,
        };
        continue;
      }
      const child = spawn(proc.command, proc.args, {
        env: { ...process.env, ...env, ...proc.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      r.procs.set(c.name, child);
      const collect = (d: Buffer) => {
        for (const l of d.toString().split('\n')) if (l) lines.push(l);
        if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('exit', () => {
        if (!r.stopping) void this.#writeStatus(r, pod, waiting);
      });
    }
    await this.#writeStatus(r, pod, waiting);
    const period = this.#opts.readinessPeriodMs ?? 200;
    const probe = async () => {
      if (r.stopping || this.#closed) return;
      const ready = await this.#probe(r, pod);
      if (ready !== r.ready) {
        r.ready = ready;
        await this.#writeStatus(r, pod, waiting).catch(() => undefined);
      }
      if (!r.stopping) r.timer = setTimeout(() => void probe(), period);
    };
    void probe();
  }

  /** Every container's process is alive and its readinessProbe (httpGet or tcpSocket; none = ready) passes. */
  async #probe(r: Running, pod: V1Pod): Promise<boolean> {
    for (const c of pod.spec?.containers ?? []) {
      const child = r.procs.get(c.name);
      if (!child || child.exitCode !== null || child.signalCode !== null) return false;
      const rp = c.readinessProbe;
      const port = rp?.httpGet?.port ?? rp?.tcpSocket?.port;
      if (port === undefined) continue;
      const num = typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
      if (!num) return false;
      try {
        if (rp?.httpGet) {
          const res = await fetch(`http://${r.podIP}:${num}${rp.httpGet.path ?? '/'}`, {
            signal: AbortSignal.timeout(1000),
          });
          await res.body?.cancel();
          if (res.status < 200 || res.status >= 400) return false;
        } else if (!(await canConnect(r.podIP, num))) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  async #writeStatus(
    r: Running,
    pod: V1Pod,
    waiting: Record<string, { reason: string; message: string }>,
  ): Promise<void> {
    if (this.#closed) return;
    const now = new Date();
    const cond = (type: string, ok: boolean) => ({
      type,
      status: ok ? 'True' : 'False',
      lastTransitionTime: now,
    });
    const statuses = (pod.spec?.containers ?? []).map((c) => {
      const child = r.procs.get(c.name);
      const exited = child && (child.exitCode !== null || child.signalCode !== null);
      const w = waiting[c.name];
      const state = w
        ? { waiting: w }
        : exited
          ? {
              terminated: {
                exitCode: child.exitCode ?? 137,
                reason: child.signalCode ? 'Killed' : 'Error',
                finishedAt: now,
              },
            }
          : { running: { startedAt: now } };
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: `sim://${c.image ?? ''}`,
        containerID: child?.pid ? `sim://${child.pid}` : undefined,
        ready: r.ready && !w && !exited,
        started: !w && !exited,
        restartCount: 0,
        state,
      };
    });
    const latest = await this.#core.readNamespacedPod({
      name: pod.metadata!.name!,
      namespace: pod.metadata!.namespace!,
    });
    if (latest.metadata?.uid !== pod.metadata?.uid) return;
    await this.#core.replaceNamespacedPodStatus({
      name: pod.metadata!.name!,
      namespace: pod.metadata!.namespace!,
      body: {
        ...latest,
        status: {
          phase: 'Running',
          hostIP: '127.0.0.1',
          hostIPs: [{ ip: '127.0.0.1' }],
          podIP: r.podIP,
          podIPs: [{ ip: r.podIP }],
          startTime: latest.status?.startTime ?? now,
          conditions: [
            cond('PodScheduled', true),
            cond('Initialized', true),
            cond('ContainersReady', r.ready),
            cond('Ready', r.ready),
          ],
          containerStatuses: statuses,
        },
      },
    });
  }

  async #terminate(pod: V1Pod): Promise<void> {
    const key = podKey(pod);
    const r = this.#running.get(key);
    if (r && !r.stopping) {
      r.stopping = true;
      this.#kill(r);
    }
    if (pod.spec?.nodeName && pod.spec.nodeName !== this.name) return;
    try {
      // The kubelet's last word: remove the object once the containers are gone.
      await this.#core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
      });
    } catch {
      // already gone
    }
  }

  #kill(r: Running): void {
    r.stopping = true;
    if (r.timer) clearTimeout(r.timer);
    for (const p of r.procs.values()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  /** kube-proxy: a loopback address per Service, each port forwarding to a Ready pod the selector matches. */
  async #onService(svc: V1Service): Promise<void> {
    const key = podKey(svc);
    const existing = this.#services.get(key);
    if (existing) {
      existing.svc = svc;
      return;
    }
    // An address another process holds (EADDRINUSE on any port) → the Service takes the next one.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#serve(key, svc);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
      }
    }
  }

  async #serve(key: string, svc: V1Service): Promise<void> {
    const n = this.#nextSvcIP++;
    const addr = `127.${128 + this.#slot}.${Math.floor(n / 250)}.${(n % 250) + 2}`;
    const entry = { svc, servers: [] as Server[], addr };
    this.#services.set(key, entry);
    for (const p of svc.spec?.ports ?? []) {
      const srv = createServer((sock) => {
        const target = this.#endpoint(entry.svc, p.targetPort ?? p.port);
        if (!target) {
          sock.destroy();
          return;
        }
        const up = connect(target.port, target.ip);
        sock.pipe(up).pipe(sock);
        up.on('error', () => sock.destroy());
        sock.on('error', () => up.destroy());
      });
      try {
        await new Promise<void>((res, rej) => {
          srv.once('error', rej);
          srv.listen(p.port, addr, () => res());
        });
      } catch (err) {
        for (const other of entry.servers) other.close();
        this.#services.delete(key);
        throw err;
      }
      entry.servers.push(srv);
    }
  }

  #onServiceGone(svc: V1Service): void {
    const key = podKey(svc);
    for (const s of this.#services.get(key)?.servers ?? []) s.close();
    this.#services.delete(key);
  }

  /** A Ready, not terminating pod of the Service's namespace its selector matches (round robin). */
  #endpoint(svc: V1Service, targetPort: number | string): { ip: string; port: number } | undefined {
    const selector = svc.spec?.selector ?? {};
    if (Object.keys(selector).length === 0) return undefined;
    const candidates: { ip: string; port: number }[] = [];
    for (const [key, pod] of this.#pods) {
      if (pod.metadata?.namespace !== svc.metadata?.namespace || pod.metadata?.deletionTimestamp) continue;
      const labels = pod.metadata?.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
      const r = this.#running.get(key);
      if (!r?.ready || r.stopping) continue;
      const port =
        typeof targetPort === 'number'
          ? targetPort
          : pod.spec?.containers.flatMap((c) => c.ports ?? []).find((x) => x.name === targetPort)
              ?.containerPort;
      if (port) candidates.push({ ip: r.podIP, port });
    }
    return candidates[this.#roundRobin++ % Math.max(1, candidates.length)];
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
    s.setTimeout(1000, () => {
      s.destroy();
      res(false);
    });
  });
}
