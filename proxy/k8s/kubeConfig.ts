/** @module proxy/k8s/kubeConfig — the proxy's KubeConfig: a kubeconfig file when given, else the in-cluster ServiceAccount. */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApi, type KubeApiOptions } from './kubeApi.ts';

/** Loads `path` (a kubeconfig) or, when unset, the pod's ServiceAccount (`/var/run/secrets/kubernetes.io/...`). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

/** A {@link KubeApi} for the proxy process. */
export function kubeApiFor(path?: string, opts?: KubeApiOptions): KubeApi {
  return new KubeApi(loadKubeConfig(path), opts);
}
