/**
 * @module analysis/canary/kubeRefs — reading what the analysis references by name: Secret keys (through the Kubernetes
 * API with the caller's ServiceAccount, or a mounted file) and the journeys ConfigMap. Values are never logged.
 */
import { readFile } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../lib/errors.ts';
import { AnalysisError } from '../errors.ts';
import type { SecretRef } from './types.ts';

/** Where references are resolved. `kubeConfig` may be absent for file-only setups (CLI without a cluster). */
export interface RefContext {
  kubeConfig?: KubeConfig | undefined;
  namespace: string;
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** One line for a Kubernetes API error: `403 pods is forbidden: …` instead of client-node's multi-line dump. */
export function apiErrorLine(err: unknown): string {
  const status = statusOf(err);
  if (status === undefined) return errorMessage(err).split('\n')[0] ?? '';
  let message = '';
  try {
    const body = (err as { body?: unknown }).body;
    message =
      (JSON.parse(typeof body === 'string' ? body : JSON.stringify(body)) as { message?: string }).message ??
      '';
  } catch {
    // not JSON: status only
  }
  return `${status}${message ? ` ${message}` : ''}`.slice(0, 300);
}

function apiProblem(err: unknown): { why: string; hint: string } {
  const status = statusOf(err);
  if (status === 404)
    return { why: 'it does not exist', hint: 'Create it in that namespace, or fix the name.' };
  if (status === 403)
    return {
      why: 'the ServiceAccount may not read it (403 Forbidden)',
      hint: 'Apply deploy/plugin/rbac-canary.yaml and grant get on this object by name (a Role with resourceNames).',
    };
  return {
    why: errorMessage(err).slice(0, 200),
    hint: 'Check that the Kubernetes API is reachable from where the analysis runs.',
  };
}

function describeRef(ref: SecretRef, namespace: string): string {
  return 'file' in ref
    ? `file ${ref.file}`
    : `Secret ${ref.namespace ?? namespace}/${ref.name} key "${ref.key}"`;
}

/** Reads one secret value. Throws `SecretUnavailable` naming the reference (never the value) and what to do. */
export async function readSecret(ref: SecretRef, ctx: RefContext, what: string): Promise<string> {
  const where = describeRef(ref, ctx.namespace);
  if ('file' in ref) {
    let text: string;
    try {
      text = await readFile(ref.file, 'utf8');
    } catch (err) {
      throw new AnalysisError(
        'SecretUnavailable',
        `${what}: cannot read ${where} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}).`,
        {
          hint: 'Mount the Secret at that path (a volume of the controller or job pod), or reference it by {name, key}.',
        },
      );
    }
    if (text.trim() === '')
      throw new AnalysisError('SecretUnavailable', `${what}: ${where} is empty.`, {
        hint: 'Put the value in the file.',
      });
    return text.trim();
  }
  if (!ctx.kubeConfig) {
    throw new AnalysisError(
      'SecretUnavailable',
      `${what}: ${where} cannot be read without a Kubernetes connection.`,
      {
        hint: 'Run inside the cluster or with a kubeconfig, or reference a mounted file with {file: /path}.',
      },
    );
  }
  const core = ctx.kubeConfig.makeApiClient(CoreV1Api);
  let data: Record<string, string> | undefined;
  try {
    data = (await core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace ?? ctx.namespace }))
      .data;
  } catch (err) {
    const p = apiProblem(err);
    throw new AnalysisError('SecretUnavailable', `${what}: cannot read ${where}: ${p.why}.`, {
      hint: p.hint,
    });
  }
  const encoded = data?.[ref.key];
  if (encoded === undefined) {
    const keys = Object.keys(data ?? {});
    throw new AnalysisError(
      'SecretUnavailable',
      `${what}: ${where} has no such key (keys: ${keys.join(', ') || 'none'}).`,
      {
        hint: 'Fix the key name in the analysis, or add the key to the Secret.',
      },
    );
  }
  const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (value === '')
    throw new AnalysisError('SecretUnavailable', `${what}: ${where} is empty.`, {
      hint: 'Put the value in the Secret.',
    });
  return value;
}

/** Reads one key of a ConfigMap in the analysis namespace. Throws `ConfigMapUnavailable`. */
export async function readConfigMapKey(name: string, key: string, ctx: RefContext): Promise<string> {
  const where = `ConfigMap ${ctx.namespace}/${name}`;
  if (!ctx.kubeConfig) {
    throw new AnalysisError(
      'ConfigMapUnavailable',
      `Journeys: ${where} cannot be read without a Kubernetes connection.`,
      {
        hint: 'Run inside the cluster or with a kubeconfig, or give the journeys inline.',
      },
    );
  }
  const core = ctx.kubeConfig.makeApiClient(CoreV1Api);
  let data: Record<string, string> | undefined;
  try {
    data = (await core.readNamespacedConfigMap({ name, namespace: ctx.namespace })).data;
  } catch (err) {
    const p = apiProblem(err);
    throw new AnalysisError('ConfigMapUnavailable', `Journeys: cannot read ${where}: ${p.why}.`, {
      hint: p.hint,
    });
  }
  const text = data?.[key];
  if (text === undefined) {
    throw new AnalysisError(
      'ConfigMapUnavailable',
      `Journeys: ${where} has no key "${key}" (keys: ${Object.keys(data ?? {}).join(', ') || 'none'}).`,
      {
        hint: 'Set journeys.key to the key holding the journey specs.',
      },
    );
  }
  return text;
}
