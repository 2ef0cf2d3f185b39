/**
 * @module lib/testing/cluster/dryRun — render kustomizations (kubectl's kustomize, or kustomize built from Go modules
 * when kubectl is missing) and apply every object with server-side apply, `dryRun=All`, `fieldValidation=Strict`:
 * the API server checks each one against its (and Argo's CRDs') schema and admission without storing anything.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';
import { parseAllDocuments } from 'yaml';
import { buildComponent, COMPONENTS } from './goBuild.ts';

const exec = promisify(execFile);
type Obj = { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } } & Record<
  string,
  unknown
>;

/** The test API server's self-signed certificate is not verified (loopback only). */
const INSECURE = new Agent({ connect: { rejectUnauthorized: false } });

async function onPath(cmd: string): Promise<boolean> {
  try {
    await exec(cmd, ['version', '--client']);
    return true;
  } catch {
    return false;
  }
}

/** Renders a kustomization directory into objects. */
export async function kustomize(dir: string): Promise<Obj[]> {
  const [cmd, args] = (await onPath('kubectl'))
    ? ['kubectl', ['kustomize', dir]]
    : [await buildComponent(COMPONENTS.kustomize), ['build', dir]];
  const { stdout } = await exec(cmd as string, args as string[], { maxBuffer: 64 << 20 });
  return parseYaml(stdout);
}

export function parseYaml(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj)
    .filter((o) => o && typeof o === 'object' && o.kind);
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

/** Server-side dry run against one API server; discovery is cached per group/version. */
export class DryRunner {
  readonly #server: string;
  readonly #token: string;
  readonly #discovery = new Map<string, Map<string, Resource>>();

  constructor(kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    const token = kc.getCurrentUser()?.token;
    if (!cluster || !token) throw new Error('DryRunner needs a KubeConfig with a cluster and a bearer token');
    this.#server = cluster.server;
    this.#token = token;
  }

  async #get(path: string): Promise<unknown> {
    const res = await fetch(`${this.#server}${path}`, {
      headers: { authorization: `Bearer ${this.#token}` },
      dispatcher: INSECURE,
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async #resource(apiVersion: string, kind: string): Promise<Resource> {
    let byKind = this.#discovery.get(apiVersion);
    if (!byKind) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const list = (await this.#get(path)) as {
        resources: { name: string; kind: string; namespaced: boolean }[];
      };
      byKind = new Map(
        list.resources
          .filter((r) => !r.name.includes('/'))
          .map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]),
      );
      this.#discovery.set(apiVersion, byKind);
    }
    const r = byKind.get(kind);
    if (!r) throw new Error(`the API server does not serve ${kind} in ${apiVersion} (a CRD missing?)`);
    return r;
  }

  /** Applies one object in dry-run mode; resolves with undefined or the API server's error message. */
  async apply(obj: Obj, defaultNamespace = 'default'): Promise<string | undefined> {
    const r = await this.#resource(obj.apiVersion, obj.kind);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${obj.metadata.namespace ?? defaultNamespace}` : '';
    const q = 'dryRun=All&fieldManager=rollout-sentinel-test&fieldValidation=Strict&force=true';
    const res = await fetch(`${this.#server}${base}${ns}/${r.plural}/${obj.metadata.name}?${q}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify(obj),
      dispatcher: INSECURE,
    });
    if (res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    return `${obj.kind} ${obj.metadata.name}: ${res.status} ${body.message ?? ''}`;
  }

  /** Applies all; returns the errors (empty when every object passed). */
  async applyAll(objs: Obj[], defaultNamespace?: string): Promise<string[]> {
    const errors: string[] = [];
    for (const o of objs) {
      const e = await this.apply(o, defaultNamespace);
      if (e) errors.push(e);
    }
    return errors;
  }
}
